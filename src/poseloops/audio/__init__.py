"""The sound engine: drum kits, the mixer, seamless loop rendering and audio files.

One engine renders everything a person hears, in the browser and in exported
files, so what plays is what exports. Needs NumPy, SciPy and soundfile; loaded
only when audio is made.
"""

from .drumkit import Kit, Layer, Voice
from .files import decode_audio, encode_audio, write_audio
from .kits import KitInfo, list_kits, load_kit
from .limiter import CEILING_DBFS
from .mixer import MixerSettings, VoiceMix
from .render import TAIL_LEAD_S, loop_frames, render_loop, render_oneshot, render_tail, step_frames
from .synth_kit import SYNTH_KIT_NAME

__all__ = [
    "CEILING_DBFS",
    "Kit",
    "KitInfo",
    "Layer",
    "MixerSettings",
    "SYNTH_KIT_NAME",
    "TAIL_LEAD_S",
    "Voice",
    "VoiceMix",
    "decode_audio",
    "encode_audio",
    "list_kits",
    "load_kit",
    "loop_frames",
    "render_loop",
    "render_oneshot",
    "render_tail",
    "step_frames",
    "write_audio",
]
