"""What the server may be asked to do: addresses, upload limits, render limits.

Every limit has a name and a reason here, and the request models and the
upload reader take their numbers from this one place. Values can be changed
with ``POSELOOPS_*`` environment variables (handy for tests and deployments).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from ..audio.files import MAX_RECORDING_SECONDS

MB = 1024 * 1024

DEFAULT_HOST = "127.0.0.1"  # loopback: a studio on someone's laptop is not a public service
DEFAULT_PORT = 8000

MAX_IMAGE_BYTES = 10 * MB  # a phone photo is 2-6 MB; a webcam frame ~50 kB
MAX_IMAGE_SIDE = 4096  # pixels; refuses decompression bombs before decoding
MAX_AUDIO_BYTES = 20 * MB  # 60 s of 44.1 kHz stereo 16-bit WAV is 10.6 MB
MAX_AUDIO_SECONDS = MAX_RECORDING_SECONDS  # a seed is a few bars; a minute leaves room for a long count-in
MAX_JSON_BYTES = 1 * MB  # the largest pattern (1024 steps x 9 drums with velocities) is ~60 kB
MAX_RENDER_SECONDS = 180.0  # one loop cycle; 1024 steps at 120 BPM is 128 s
MAX_EXPORT_SECONDS = 600.0  # an exported file: the loop K times plus its tail
MAX_BARS = 16  # a minute at 64 BPM: longer loops are songs, and cost the page a long render
MAX_VARIATIONS = 8  # the page shows one; a batch of 8 is the model's benchmarked size
MAX_EXPORT_LOOPS = 32
MAX_LIVE_STREAMS = 4  # camera streams read at once: each holds a pose tracker (~150 MB) and up to a core
RETRY_AFTER_SECONDS = 2  # what a 503 tells clients while the model loads


@dataclass(frozen=True)
class Settings:
    """The server's configuration; ``Settings.from_env()`` reads ``POSELOOPS_<FIELD>``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_image_bytes: int = MAX_IMAGE_BYTES
    max_image_side: int = MAX_IMAGE_SIDE
    max_audio_bytes: int = MAX_AUDIO_BYTES
    max_audio_seconds: float = MAX_AUDIO_SECONDS
    max_json_bytes: int = MAX_JSON_BYTES
    max_render_seconds: float = MAX_RENDER_SECONDS
    max_export_seconds: float = MAX_EXPORT_SECONDS
    max_live_streams: int = MAX_LIVE_STREAMS
    preload: bool = True  # load the model and the pose estimator at start-up
    blas_threads: int = 1  # per request; concurrency comes from requests in parallel (see cli/serve.py)
    model_path: str = ""  # weights from poseloops train; "" is the shipped model
    link: bool = False  # join the local Ableton Link session (it announces itself by multicast)
    osc_in_port: int = 0  # UDP port for OSC commands; 0: none
    osc_in_host: str = DEFAULT_HOST  # where OSC commands are taken from: this computer only, unless asked
    osc_out: str = ""  # HOST:PORT that new loops, live poses and bars are sent to over OSC; "": none

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get(f"POSELOOPS_{field.name.upper()}")
            if raw is not None:
                values[field.name] = _parse(raw, field.type, field.name)
        return replace(cls(**values), **overrides)


def _parse(raw: str, type_name: str, name: str):
    try:
        if type_name == "bool":
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        raise ValueError(f"POSELOOPS_{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw
