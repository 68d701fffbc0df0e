"""Downloads (MIDI, WAV/FLAC, stems in a zip, the session JSON) and loading a session back."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...midi_io import pattern_to_midi_bytes
from .. import schemas
from ..errors import ApiError, blame
from ..settings import Settings
from ..sound import check_duration, engine_options, played_pattern
from .deps import get_settings
from .render import AUDIO_MEDIA_TYPES

router = APIRouter(prefix="/api", tags=["export"])

FILE_STEM = "poseloops-loop"
EXPORT_SUBTYPE = {"wav": "PCM_24", "flac": "PCM_24"}  # files are kept and mixed further: 24-bit


def attachment(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content=data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.post("/export/midi", response_class=Response, responses={200: {"content": {"audio/midi": {}}}})
def export_midi(request: schemas.ExportMidiRequest) -> Response:
    """A General MIDI drum file (channel 10), 16th notes at ``bpm``; a marker records the seed's end."""
    pattern = played_pattern(request.pattern.to_pattern("pattern"), request)
    with blame("pattern"):
        data = pattern_to_midi_bytes(pattern, bpm=request.bpm, swing=request.swing)
    return attachment(data, "audio/midi", f"{FILE_STEM}.mid")


@router.post(
    "/export/audio", response_class=Response, responses={200: {"content": {"audio/wav": {}, "audio/flac": {}}}}
)
def export_audio(request: schemas.ExportAudioRequest, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """The loop ``loops`` times, then its tail ringing out, as 24-bit WAV or FLAC, at the loudness asked for.

    ``X-Loudness-LUFS`` and ``X-True-Peak-dBTP`` say what a normalised file measures (a raw one is not measured)."""
    from ...audio import encode_audio

    export = _render(request, settings, stems=False)
    data = encode_audio(export.mix, format=request.format, subtype=EXPORT_SUBTYPE[request.format])
    response = attachment(data, AUDIO_MEDIA_TYPES[request.format], f"{FILE_STEM}.{request.format}")
    response.headers.update(_loudness_headers(export.loudness))
    return response


@router.post("/export/stems", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def export_stems(request: schemas.ExportStemsRequest, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """One 24-bit WAV per drum that sounds (``kick.wav``, ``snare.wav``, ...) in a zip: each with its own
    share of the room, as long as the mix and starting with it, so the stems sum to the audio export."""
    from ...audio import encode_audio

    export = _render(request, settings, stems=True)
    if not export.stems:
        raise ApiError(422, "no drum sounds in this loop (all muted?): there are no stems to export", field="pattern")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # WAV hardly compresses
        for label, stem in export.stems.items():
            archive.writestr(f"{label}.wav", encode_audio(stem, format="wav", subtype=EXPORT_SUBTYPE["wav"]))
    response = attachment(buffer.getvalue(), "application/zip", "poseloops-stems.zip")
    response.headers.update(_loudness_headers(export.loudness))
    return response


def _render(request: schemas.ExportAudioRequest | schemas.ExportStemsRequest, settings: Settings, *, stems: bool):
    from ...audio.export import render_export

    pattern = played_pattern(request.pattern.to_pattern("pattern"), request)
    check_duration(pattern, request.bpm, loops=request.loops, max_seconds=settings.max_export_seconds)
    options = engine_options(request)
    with blame("pattern"):
        return render_export(pattern, loops=request.loops, stems=stems, loudness_lufs=request.loudness, **options)


def _loudness_headers(loudness) -> dict[str, str]:
    if loudness is None:
        return {}
    return {"X-Loudness-LUFS": f"{loudness.lufs:.2f}", "X-True-Peak-dBTP": f"{loudness.true_peak_dbtp:.2f}"}


@router.post("/export/session", response_class=Response, responses={200: {"content": {"application/json": {}}}})
def export_session(session: schemas.Session) -> Response:
    """The session, checked, as a JSON file to keep; POST it to /api/session/load to get it back."""
    checked = _checked(session)
    data = json.dumps(checked.model_dump(mode="json", exclude_none=True), indent=1).encode()
    return attachment(data, "application/json", "poseloops-session.json")


@router.post("/session/load", response_model=schemas.Session, response_model_exclude_none=True)
def load_session(session: schemas.Session) -> schemas.Session:
    """Check a saved session (a file the person picked) and answer it normalised."""
    return _checked(session)


def _checked(session: schemas.Session) -> schemas.Session:
    seed = None if session.seed is None else schemas.PatternModel.of(session.seed.to_pattern("seed"))
    loop = None if session.loop is None else schemas.PatternModel.of(session.loop.to_pattern("loop"))
    variations = None if session.variations is None else [
        schemas.PatternModel.of(v.to_pattern(f"variations.{i}")) for i, v in enumerate(session.variations)]
    if session.variation >= len(variations or [loop]):
        raise ApiError(422, f"variation {session.variation} is not one of the {len(variations or [loop])} variations",
                       field="variation")
    return session.model_copy(update={"seed": seed, "loop": loop, "variations": variations})
