"""Ableton Link: where the session is (tempo, peers, beat and Link's clock) and its tempo set from the studio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from ...rig.link_clock import LINK_MAX_BPM, LINK_MIN_BPM
from ..schemas import Strict

router = APIRouter(prefix="/api", tags=["link"])
LINK_OFF = {409: {"description": "Link is off (start the server with `poseloops serve --link`)"}}


class LinkTempoRequest(Strict):
    tempo: Annotated[float, Field(ge=LINK_MIN_BPM, le=LINK_MAX_BPM, description="the session's new tempo, BPM")]


@router.get("/link")
def link_status(request: Request) -> dict:
    """``{"enabled", "peers", "tempo", "beat"}``: the session now (``tempo`` and ``beat`` null when Link is off).

    With Link on, also ``micros`` (Link's clock, in microseconds, at that ``beat``),
    ``bar_start_micros`` (when the bar holding it began) and ``quantum`` (4 beats a bar):
    what the page maps onto its audio clock so its bars start on the session's.
    """
    return request.app.state.rig.link_status()


@router.put("/link", responses=LINK_OFF)
def set_link_tempo(body: LinkTempoRequest, request: Request) -> dict:
    """Set the session's tempo: every peer follows. Answers as GET does."""
    return request.app.state.rig.set_link_tempo(body.tempo)
