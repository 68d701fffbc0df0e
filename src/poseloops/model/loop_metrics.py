"""Measures of generated loops as music: silent bars, how far one bar is from another, hits per bar, spread.

Used by ``poseloops eval --music``, the benchmark and the tests, so every
figure reported about the loops is computed one way.
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR, Pattern

TOMS_AND_CRASH = (4, 5, 6, 7)  # the drums a fill is made of: low, mid and high tom, crash


def bars_of(pattern: Pattern) -> np.ndarray:
    """``(bars, 16, 9)`` booleans: which drums sound at each step of each whole bar (a partial last bar dropped)."""
    hits = pattern.to_matrix() > 0
    whole = len(hits) // STEPS_PER_BAR * STEPS_PER_BAR
    return hits[:whole].reshape(-1, STEPS_PER_BAR, hits.shape[1])


def silent_bars(pattern: Pattern) -> int:
    """How many whole bars of ``pattern`` have no hit at all."""
    return int((~bars_of(pattern).any(axis=(1, 2))).sum())


def bar_distance(a: np.ndarray, b: np.ndarray) -> int:
    """Cells (of 16 x 9) where two bars differ: a hit in one and not the other."""
    return int((np.asarray(a, bool) != np.asarray(b, bool)).sum())


def event_bars(events: np.ndarray) -> np.ndarray:
    """``(bars, 16, 9)`` booleans of a bar-aligned event sequence."""
    events = np.asarray(events, dtype=np.int64)
    whole = len(events) // STEPS_PER_BAR * STEPS_PER_BAR
    bits = (events[:whole, None] >> np.arange(9)) & 1
    return bits.reshape(-1, STEPS_PER_BAR, 9).astype(bool)


def hits_per_bar(bars: np.ndarray, drums: tuple[int, ...] = tuple(range(9))) -> float:
    """Mean hits per bar of ``(bars, 16, 9)`` on ``drums``."""
    if len(bars) == 0:
        return 0.0
    return float(bars[..., list(drums)].sum() / len(bars))


def groove_spread(patterns: list[Pattern], *, from_step: int = 0) -> tuple[float, float]:
    """Standard deviation of the velocities and of the offsets of every hit at or after ``from_step``."""
    velocities, offsets = [], []
    for pattern in patterns:
        for vels, offs in zip(pattern.velocities[from_step:], pattern.offsets[from_step:]):
            velocities += vels
            offsets += offs
    return float(np.std(velocities)), float(np.std(offsets))
