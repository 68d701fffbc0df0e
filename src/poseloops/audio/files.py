"""Audio to and from WAV / FLAC / OGG bytes and files, through ``soundfile`` (libsndfile).

``encode_audio`` / ``write_audio`` write rendered loops; ``decode_audio`` reads a
recording (a rhythm seed's upload or file) into mono samples.

Encoding happens in memory first, then the bytes are written in one go, so a
path that cannot be written gives a plain OS reason ("No such file or
directory", "Permission denied") and never leaves half a file from the encoder.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import InputError, ParameterError
from .drumkit import SAMPLE_RATE

FORMATS = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG"}
DEFAULT_SUBTYPES = {"wav": "PCM_16", "flac": "PCM_16", "ogg": "VORBIS"}
PCM_SUBTYPES = ("PCM_16", "PCM_24")
BIT_DEPTH_SUBTYPES = {16: "PCM_16", 24: "PCM_24"}
# A recording a seed is read from: a few bars, and a minute leaves room for a long count-in.
MAX_RECORDING_SECONDS = 60.0


def encode_audio(
    audio: np.ndarray, *, sample_rate: int = SAMPLE_RATE, format: str = "wav", subtype: str | None = None
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


def write_audio(path: str | Path, audio: np.ndarray, *, sample_rate: int = SAMPLE_RATE, subtype: str | None = None) -> None:
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


def decode_audio(data: bytes, *, max_seconds: float = MAX_RECORDING_SECONDS) -> tuple[np.ndarray, int]:
    """``(samples, sample_rate)``: mono float32 samples from encoded audio bytes.

    Raises ``InputError`` for data that is not audio libsndfile reads, or that
    lasts longer than ``max_seconds`` (from the header, before decoding).
    """
    import soundfile

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParameterError(f"audio data must be bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise InputError("the audio is empty (0 bytes)")
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as sound:
            sample_rate = int(sound.samplerate)
            if sound.frames > 0 and sound.frames / sample_rate > max_seconds:
                raise InputError(f"the recording is {sound.frames / sample_rate:.1f} s long; the limit is {max_seconds:g} s")
            samples = sound.read(dtype="float32", always_2d=True, frames=int(max_seconds * sample_rate) + 1)
    except soundfile.LibsndfileError as err:
        raise InputError(f"the data is not audio this program can read (WAV, FLAC, OGG, MP3): {err}") from None
    except RuntimeError as err:  # older soundfile raises RuntimeError for undecodable data
        raise InputError(f"the audio cannot be decoded: {err}") from None
    if len(samples) > max_seconds * sample_rate:  # formats whose header did not say how long
        raise InputError(f"the recording is longer than the limit of {max_seconds:g} s")
    if len(samples) == 0:
        raise InputError("the recording holds no samples")
    return samples.mean(axis=1), sample_rate


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
