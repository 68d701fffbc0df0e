"""The drum kits this machine has: the built-in synth kit and any Hydrogen kits found."""

from __future__ import annotations

from fastapi import APIRouter

from .. import schemas

router = APIRouter(prefix="/api", tags=["kits"])

DEFAULT_KIT = "synth"  # the library's built-in kit, needs nothing outside the package


@router.get("/kits", response_model=schemas.KitsResponse)
def kits() -> dict:
    from ...audio import list_kits

    return {"kits": [{"name": k.name, "source": str(k.source)} for k in list_kits()], "default": DEFAULT_KIT}
