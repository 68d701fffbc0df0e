"""Audio to take away: the mix and, asked for, one stem per drum, at the export level.

A stem is one drum's bus: its dry sound and its own share of the room, rendered in
the same pass as the mix, so every stem is exactly as long as the mix, starts where
it starts, and the stems sum to the mix. The master stage is one gain per frame
computed on the mix and applied to the mix and to every stem alike, so the sum
still holds after it (a limiter run on each stem by itself would break it):

- normalised (the default): the mix brought to ``TARGET_LUFS`` with its true peak
  at or below -1 dBTP (``loudness.normalising_gain``);
- raw (``loudness_lufs=None``): the engine's own level, as the page plays it, with
  only the master limiter's -0.3 dBFS safety net (``limiter.master_gain_curve``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pattern import DRUM_LABELS, Pattern
from ..timing import STRAIGHT_SWING
from .drumkit import SAMPLE_RATE
from .limiter import CEILING, master_gain_curve
from .loudness import TARGET_LUFS, Loudness, apply_gain, check_loudness_target, normalising_gain
from .mixer import MixerSettings
from .render import KitLike, render_buses


@dataclass(frozen=True, eq=False)
class Export:
    """A rendered export: the mix, the stems by drum label (in drum order; empty unless asked for), what it measures."""

    mix: np.ndarray  # float32 (frames, 2)
    stems: dict[str, np.ndarray]  # "kick", "snare", ... -> float32 (frames, 2), only drums that sound
    loudness: Loudness | None  # what the normalised export measures; None when left raw (not measured)
    sample_rate: int


def render_export(
    pattern: Pattern,
    *,
    loops: int | None = None,
    stems: bool = False,
    loudness_lufs: float | str | None = TARGET_LUFS,
    bpm: float = 120.0,
    swing: float = STRAIGHT_SWING,
    kit: KitLike = None,
    mixer: MixerSettings | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Export:
    """``pattern`` as one seamless cycle (``loops=None``) or played ``loops`` times with its tail.

    ``loudness_lufs``: the integrated loudness to normalise to (-30..-6), or ``None`` / ``"raw"``
    for the engine's level. ``stems``: also one buffer per drum that sounds. Raises as
    ``render_oneshot`` does, and ``ParameterError`` for a loudness out of range.
    """
    target = check_loudness_target(loudness_lufs)
    buses = render_buses(pattern, loops=loops, by_drum=stems, bpm=bpm, swing=swing, kit=kit, mixer=mixer,
                         sample_rate=sample_rate)
    rate, circular = buses.sample_rate, buses.circular
    if target is None:
        curve = master_gain_curve(buses.mix, sample_rate=rate, circular=circular)
    else:
        curve, measured = normalising_gain(buses.mix, sample_rate=rate, target_lufs=target, circular=circular)
    mix = _apply(buses.mix, curve)
    if target is None:
        mix = np.clip(mix, -CEILING, CEILING, out=mix)  # as limit_peaks: float rounding only
        measured = None  # a raw export is the render as before; measuring a long one costs seconds
    by_label = {DRUM_LABELS[drum]: _apply(bus, curve) for drum, bus in sorted(buses.drums.items())}
    return Export(mix, by_label, measured, rate)


def _apply(audio: np.ndarray, curve: np.ndarray | None) -> np.ndarray:
    if curve is None:
        return audio.copy()
    return apply_gain(audio, curve)
