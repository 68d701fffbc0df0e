"""Render a pattern to one seamless loop cycle for the page to play, and the tail it leaves at a switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .. import schemas
from ..errors import ApiError, blame
from ..settings import Settings
from ..sound import check_duration, engine_options, played_pattern
from .deps import get_settings

router = APIRouter(prefix="/api", tags=["render"])

AUDIO_MEDIA_TYPES = {"wav": "audio/wav", "flac": "audio/flac"}
PLAYBACK_SUBTYPE = {"wav": "PCM_16", "flac": "PCM_16"}  # half the bytes of float, inaudible difference
AUDIO_RESPONSE = {200: {"content": {"audio/wav": {}, "audio/flac": {}}, "description": "the audio file"}}


@router.post("/render", response_class=Response, responses=AUDIO_RESPONSE)
def render(request: schemas.RenderRequest, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """Exactly ``steps`` 16ths long; tails wrap into the start so the buffer loops without a gap."""
    from ...audio import encode_audio, render_loop

    pattern = played_pattern(request.pattern.to_pattern("pattern"), request)
    check_duration(pattern, request.bpm, max_seconds=settings.max_render_seconds)
    options = engine_options(request)
    with blame("pattern"):
        audio = render_loop(pattern, **options)
        data = encode_audio(audio, format=request.format, subtype=PLAYBACK_SUBTYPE[request.format])
    return Response(content=data, media_type=AUDIO_MEDIA_TYPES[request.format])


@router.post("/render/tail", response_class=Response, responses=AUDIO_RESPONSE)
def render_tail(request: schemas.RenderTailRequest, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """The loop's tails still ringing at ``step``, without the hits from there on.

    Starts ``X-Tail-Lead-Seconds`` before the step, where it equals the loop itself: the page
    cross-fades the loop into it there and lets it ring out over the next loop's first bar.
    """
    from ...audio import TAIL_LEAD_S, encode_audio
    from ...audio import render_tail as render_loop_tail

    pattern = played_pattern(request.pattern.to_pattern("pattern"), request)
    if request.step >= len(pattern):
        raise ApiError(422, f"step {request.step} is past the loop's last step ({len(pattern) - 1})", field="step")
    check_duration(pattern, request.bpm, max_seconds=settings.max_render_seconds)
    options = engine_options(request)
    with blame("pattern"):
        audio = render_loop_tail(pattern, step=request.step, **options)
        data = encode_audio(audio, format=request.format, subtype=PLAYBACK_SUBTYPE[request.format])
    headers = {"X-Tail-Lead-Seconds": f"{TAIL_LEAD_S:g}"}
    return Response(content=data, media_type=AUDIO_MEDIA_TYPES[request.format], headers=headers)
