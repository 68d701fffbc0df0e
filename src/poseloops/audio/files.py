"""Rendered audio to WAV / FLAC / OGG bytes and files, through ``soundfile`` (libsndfile).

Encoding happens in memory first, then the bytes are written in one go, so a
path that cannot be written gives a plain OS reason ("No such file or
directory", "Permission denied") and never leaves half a file from the encoder.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import InputError, ParameterError

FORMATS = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG"}
DEFAULT_SUBTYPES = {"wav": "PCM_16", "flac": "PCM_16", "ogg": "VORBIS"}
PCM_SUBTYPES = ("PCM_16", "PCM_24")
BIT_DEPTH_SUBTYPES = {16: "PCM_16", 24: "PCM_24"}


def encode_audio(
    audio: np.ndarray, *, sample_rate: int = 44100, format: str = "wav", subtype: str | None = None
) -> bytes:
    """``audio`` (frames, channels) or (frames,) float in -1..1 as a file's bytes.

    ``format`` is ``"wav"``, ``"flac"`` or ``"ogg"``; ``subtype`` ``"PCM_16"``
    (default) or ``"PCM_24"`` for WAV and FLAC. Raises ``ParameterError`` for an
    unknown format or subtype, or audio that is not finite float samples.
    """
    kind = str(format).lower()
    if kind not in FORMATS:
        raise ParameterError(f"audio format {format!r} is not one of {', '.join(FORMATS)}")
    subtype = DEFAULT_SUBTYPES[kind] if subtype is None else str(subtype).upper()
    if kind != "ogg" and subtype not in PCM_SUBTYPES:
        raise ParameterError(f"{kind} subtype {subtype!r} is not one of {', '.join(PCM_SUBTYPES)}")
    samples = _valid_audio(audio)
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, samples, int(sample_rate), format=FORMATS[kind], subtype=subtype)
    return buffer.getvalue()


def write_audio(path: str | Path, audio: np.ndarray, *, sample_rate: int = 44100, subtype: str | None = None) -> None:
    """Write ``audio`` to ``path``, the format chosen by its suffix (.wav, .flac, .ogg).

    Raises ``ParameterError`` for an unknown suffix and ``InputError`` when the
    path cannot be written.
    """
    path = Path(path)
    kind = audio_format_for(path)
    data = encode_audio(audio, sample_rate=sample_rate, format=kind, subtype=subtype)
    try:
        path.write_bytes(data)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None


def audio_format_for(path: str | Path) -> str:
    """``"wav"``, ``"flac"`` or ``"ogg"`` from the file name, or ``ParameterError``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ParameterError(f"{path}: audio files end in {', '.join('.' + f for f in FORMATS)}")
    return suffix


def _valid_audio(audio: np.ndarray) -> np.ndarray:
    samples = np.asarray(audio)
    if samples.ndim not in (1, 2) or samples.shape[0] == 0 or (samples.ndim == 2 and not 1 <= samples.shape[1] <= 8):
        raise ParameterError(f"audio must have shape (frames,) or (frames, channels), got {samples.shape}")
    if samples.dtype.kind != "f":
        raise ParameterError(f"audio must be float samples in -1..1, got {samples.dtype}")
    if not np.isfinite(samples).all():
        raise ParameterError("audio holds NaN or infinite samples")
    return np.clip(samples, -1.0, 1.0)  # PCM cannot hold more; the master stage keeps us below anyway
