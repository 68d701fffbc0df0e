"""What routes take from the app: its settings and its runtime (no per-user state)."""

from __future__ import annotations

from fastapi import Request

from ..runtime import Runtime
from ..settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime
