"""When each hit of a pattern sounds, in 16th steps: the grid, the swing and the drummer's offsets.

One definition serves every output (the audio renderer, MIDI export, the
studio's player), so a loop heard, exported and drawn keeps the same feel:
- swing moves the off-beat 16ths (odd steps) late by ``(swing - 0.5) * 2`` of
  a step (0.5 is straight, 0.75 puts them halfway to the next step);
- each hit's own offset (``Pattern.offsets``) moves it on top of that.
``apply_groove`` scales how much of a pattern's velocities and offsets are
played: 0 is a straight grid at one velocity, 1 is the pattern as it is.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .errors import ParameterError
from .pattern import DEFAULT_VELOCITY, MAX_VELOCITY, MIN_VELOCITY, Pattern

STRAIGHT_SWING = 0.5
MAX_SWING = 0.75  # the off-beat 16th halfway to the next step: the Neural Drum Machine's hardest swing
NO_GROOVE = 0.0  # a straight grid at one velocity
FULL_GROOVE = 1.0  # the pattern's velocities and offsets as they are


class TimedHit(NamedTuple):
    step: int
    drum: int
    velocity: int
    time: float  # in 16th steps from the pattern's start; may be below 0 or past the end by under a step
    offset: float  # the hit's own part of ``time`` (the rest is the grid and the swing)


def check_swing(swing: float) -> float:
    if isinstance(swing, bool) or not isinstance(swing, (int, float, np.floating)) or not (
            STRAIGHT_SWING <= swing <= MAX_SWING):
        raise ParameterError(f"swing {swing!r} is outside {STRAIGHT_SWING:g}-{MAX_SWING:g}", argument="swing")
    return float(swing)


def check_groove(amount: float) -> float:
    if isinstance(amount, bool) or not isinstance(amount, (int, float, np.floating)) or not (
            math.isfinite(amount) and NO_GROOVE <= amount <= FULL_GROOVE):
        raise ParameterError(f"groove {amount!r} is outside {NO_GROOVE:g}-{FULL_GROOVE:g} (0 straight, 1 as played)",
                             argument="groove")
    return float(amount)


def swing_shift(steps: np.ndarray | int, swing: float) -> np.ndarray:
    """How late (in steps) each step index sounds under ``swing``: the odd 16ths move, the even ones don't."""
    return np.where(np.asarray(steps) % 2 == 1, (swing - STRAIGHT_SWING) * 2.0, 0.0)


def hit_times(pattern: Pattern, *, swing: float = STRAIGHT_SWING) -> list[TimedHit]:
    """Every hit with the time it sounds, in steps: grid + swing + its offset, in pattern order."""
    swing = check_swing(swing)
    return [
        TimedHit(step, drum, velocity, step + float(swing_shift(step, swing)) + offset, offset)
        for step, (drums, velocities, offsets) in enumerate(zip(pattern.steps, pattern.velocities, pattern.offsets))
        for drum, velocity, offset in zip(drums, velocities, offsets)
    ]


def apply_groove(pattern: Pattern, amount: float) -> Pattern:
    """``pattern`` with ``amount`` (0-1) of its velocities and offsets: 0 straight at one velocity, 1 unchanged."""
    amount = check_groove(amount)
    if amount == FULL_GROOVE:
        return pattern
    velocities = pattern.to_matrix().astype(np.float64)
    played = DEFAULT_VELOCITY + amount * (velocities - DEFAULT_VELOCITY)
    velocities = np.clip(np.round(played), MIN_VELOCITY, MAX_VELOCITY)
    return pattern.with_groove(velocities.astype(np.int64), pattern.offset_matrix() * amount)
