"""Render a pattern to one seamless loop cycle for the page to play."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .. import schemas
from ..errors import blame
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
