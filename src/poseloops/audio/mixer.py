"""Mixer settings: per-voice gain, pan and reverb send, the reverb and the master level.

Defaults are the origin's Tone.js mix: kick and snare dry in the centre; hats
left (-0.5), toms spread low -0.4 / mid 0 / high +0.4, clap and rim right
(+0.5), those seven through a small-room reverb at wet 0.3.

A voice with send ``s`` plays ``1 - s * wet`` of itself dry and ``s * wet``
through the reverb: with send 1 that is Tone.js's wet/dry crossfade on the
voices routed through its Convolver; with send 0 the voice is fully dry.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from ..errors import ParameterError
from ..pattern import DRUM_LABELS, DRUM_NAMES, DRUM_VOICES, NUM_DRUMS

DEFAULT_PANS = (0.0, 0.0, -0.5, -0.5, -0.4, 0.0, 0.4, 0.5, 0.5)
DEFAULT_SENDS = (0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
DEFAULT_REVERB_WET = 0.3
DEFAULT_REVERB_DECAY_S = 0.45  # RT60 of a small, somewhat damped drum room
# Fixed headroom: nine voices at full velocity can sum to several times full scale.
# -6 dB keeps ordinary loops clear of the limiter; denser ones are caught by it.
DEFAULT_MASTER_GAIN = 0.5

GAIN_RANGE = (0.0, 4.0)  # linear amplitude factor; 0 mutes, 4 is +12 dB
PAN_RANGE = (-1.0, 1.0)  # -1 hard left, +1 hard right
SEND_RANGE = (0.0, 1.0)
WET_RANGE = (0.0, 1.0)
DECAY_RANGE_S = (0.1, 3.0)  # from a booth to a large hall; longer IRs cost render time
MASTER_GAIN_RANGE = (0.0, 2.0)

VOICE_FIELDS = ("gain", "pan", "reverb_send")
TOP_FIELDS = ("voices", "reverb_wet", "reverb_decay_s", "master_gain")


@dataclass(frozen=True)
class VoiceMix:
    """How one drum class sits in the mix."""

    gain: float = 1.0
    pan: float = 0.0
    reverb_send: float = 0.0

    def __post_init__(self) -> None:
        _check_range("gain", self.gain, GAIN_RANGE)
        _check_range("pan", self.pan, PAN_RANGE)
        _check_range("reverb_send", self.reverb_send, SEND_RANGE)


def _default_voices() -> tuple[VoiceMix, ...]:
    return tuple(VoiceMix(pan=pan, reverb_send=send) for pan, send in zip(DEFAULT_PANS, DEFAULT_SENDS))


@dataclass(frozen=True)
class MixerSettings:
    """Everything a render's mix depends on; hashable, so renders can cache by it.

    ``voices`` holds one ``VoiceMix`` per drum class, in class order.
    """

    voices: tuple[VoiceMix, ...] = field(default_factory=_default_voices)
    reverb_wet: float = DEFAULT_REVERB_WET
    reverb_decay_s: float = DEFAULT_REVERB_DECAY_S
    master_gain: float = DEFAULT_MASTER_GAIN

    def __post_init__(self) -> None:
        if len(self.voices) != NUM_DRUMS or not all(isinstance(v, VoiceMix) for v in self.voices):
            raise ParameterError(f"mixer voices must be {NUM_DRUMS} VoiceMix entries, one per drum class")
        _check_range("reverb_wet", self.reverb_wet, WET_RANGE)
        _check_range("reverb_decay_s", self.reverb_decay_s, DECAY_RANGE_S)
        _check_range("master_gain", self.master_gain, MASTER_GAIN_RANGE)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "MixerSettings":
        """Defaults overridden by ``data``, e.g. ``{"reverb_wet": 0.1, "voices": {"kick": {"gain": 0.8}}}``.

        Voice keys are class labels (``kick``, ``hh-closed``, ...), names
        (``closed hi-hat``), voicings (``clap``) or indices (``"2"``). Every value
        is checked; ``ParameterError`` names the field, e.g. ``mixer.voices.kick.pan``.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ParameterError(f"mixer settings must be an object, got {type(data).__name__}")
        _reject_unknown(data, TOP_FIELDS, "mixer")
        voices = list(_default_voices())
        voice_data = data.get("voices", {})
        if not isinstance(voice_data, Mapping):
            raise ParameterError(f"mixer.voices must be an object keyed by drum, got {type(voice_data).__name__}")
        for key, overrides in voice_data.items():
            drum = drum_from_key(key)
            where = f"mixer.voices.{key}"
            if not isinstance(overrides, Mapping):
                raise ParameterError(f"{where} must be an object, got {type(overrides).__name__}")
            _reject_unknown(overrides, VOICE_FIELDS, where)
            values = {name: _number(f"{where}.{name}", value) for name, value in overrides.items()}
            voices[drum] = _checked(lambda: replace(voices[drum], **values), where)
        top = {name: _number(f"mixer.{name}", data[name]) for name in TOP_FIELDS[1:] if name in data}
        return _checked(lambda: cls(voices=tuple(voices), **top), "mixer")

    def to_dict(self) -> dict[str, Any]:
        """Inverse of ``from_dict``: every setting, voices keyed by class label."""
        return {
            "voices": {label: asdict(voice) for label, voice in zip(DRUM_LABELS, self.voices)},
            "reverb_wet": self.reverb_wet,
            "reverb_decay_s": self.reverb_decay_s,
            "master_gain": self.master_gain,
        }


def pan_gains(pan: float) -> tuple[float, float]:
    """Equal-power (left, right) gains for ``pan`` in -1..1, as Web Audio's StereoPanner: 0.707 each at 0."""
    angle = (pan + 1.0) * math.pi / 4.0
    return math.cos(angle), math.sin(angle)


def drum_from_key(key: Any) -> int:
    """The drum class a mixer key names: label, name, voicing or index."""
    text = str(key).strip().lower()
    if text.isdigit() and int(text) < NUM_DRUMS:
        return int(text)
    for drum, names in enumerate(zip(DRUM_LABELS, DRUM_NAMES, DRUM_VOICES)):
        if text in {name.lower() for name in names} or text.replace("_", "-") in {
            name.lower().replace(" ", "-") for name in names
        }:
            return drum
    raise ParameterError(f"mixer.voices: {key!r} is not a drum ({', '.join(DRUM_LABELS)} or 0-{NUM_DRUMS - 1})")


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise ParameterError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{where}: {value!r} is not a number")
    if not math.isfinite(value):
        raise ParameterError(f"{where}: {value!r} is not a finite number")
    return float(value)


def _check_range(name: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ParameterError(f"{name} {value!r} is outside {low:g}..{high:g}")


def _checked(build, where: str):
    """Run ``build``; prefix a range error with where the value came from."""
    try:
        return build()
    except ParameterError as err:
        raise ParameterError(f"{where}.{err}") from None
