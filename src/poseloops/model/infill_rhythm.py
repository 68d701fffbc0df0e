"""Drumify keeps its rhythm: the kit plays on the rhythm's steps, and each step's loudest hit is the tap.

A drummer's merged rhythm (``infill_data.merge_rhythm``) has a hit on every
step the kit plays and on no other, and its velocity and offset are those of
the step's loudest hit. The model learns that only as odds, and drawn
freely it dropped 10-60% of a tapped rhythm's steps and added hits between
them. So a drumified loop is held to it:
- cells on steps where the rhythm is silent are kept silent (the model
  conditions on that), except in a bar where the rhythm has no hit at all,
  which the model plays freely so that no bar is silent;
- a rhythm step left with no hit after drawing plays the drum the model finds
  likeliest there;
- each rhythm step's loudest hit takes the tap's velocity and offset, and no
  other hit on the step is louder, so the loop's merged rhythm is the tap's.
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR


def silenced_cells(rhythm_velocity: np.ndarray, num_drums: int) -> np.ndarray:
    """``(steps, drums)``: the cells to keep silent: steps off the rhythm, in bars the rhythm plays in."""
    on = rhythm_velocity > 0
    bar_plays = on.reshape(-1, STEPS_PER_BAR).any(axis=1).repeat(STEPS_PER_BAR)
    return np.repeat((~on & bar_plays)[:, None], num_drums, axis=1)


def missing_steps(rhythm_velocity: np.ndarray, velocities: np.ndarray) -> np.ndarray:
    """``(rows, steps)``: rhythm steps where a drawn loop plays no drum."""
    return (rhythm_velocity > 0)[None] & ~(velocities > 0).any(axis=2)


def play_missing(velocities: np.ndarray, missing: np.ndarray, hit_logits: np.ndarray) -> None:
    """On each missing step, the drum with the likeliest hit plays (its velocity set by ``carry_touch``)."""
    rows, steps = np.nonzero(missing)
    drums = hit_logits[rows, steps].argmax(axis=-1)
    velocities[rows, steps, drums] = 1.0  # a placeholder above silence: carry_touch gives the tap's velocity


def carry_touch(velocities: np.ndarray, offsets: np.ndarray, rhythm_velocity: np.ndarray,
                rhythm_offset: np.ndarray) -> None:
    """Each rhythm step's loudest hit takes the tap's velocity and offset; the others are quieter than it
    (a hit that would have to be quieter than velocity 1 is left out), so the step's loudest is the tap."""
    on = rhythm_velocity > 0
    loudest = velocities.argmax(axis=2)  # (rows, steps)
    rows, steps = np.nonzero(on[None] & (velocities > 0).any(axis=2))
    drums = loudest[rows, steps]
    ceiling = np.where(on, rhythm_velocity - 1, np.inf)[None, :, None]
    others = velocities > ceiling
    velocities[others] = ceiling.repeat(velocities.shape[0], 0).repeat(velocities.shape[2], 2)[others]
    offsets[velocities == 0] = 0.0
    velocities[rows, steps, drums] = rhythm_velocity[steps]
    offsets[rows, steps, drums] = rhythm_offset[steps]
