"""What the groove model sees at each step besides the previous event: the bars before, and the feel.

Drummers repeat and vary the bar they just played, so the model is given,
for the step ``t`` it predicts (Magenta's ``drum_kit_rnn`` uses attention over
the last 32 steps for the same reason; explicit lookback is cheaper and
trains faster on a small dataset):

- the velocities and offsets of step ``t - 1`` (the drummer's touch and
  timing right now; which drums sounded is in the previous-event embedding);
- the drums, velocities and offsets one bar back (``t - 16``) and the drums
  further bars back (``far_bars``: two bars by default, ``t - 32``), each with
  a flag saying the step exists;
- the labels: style (0 = any, then the spec's styles) and part (0 = not
  given, 1 = beat, 2 = fill), one-hot.

One definition builds the continuous part for training (``lookback_features``:
every step of a window at once) and for generation (one step of a batch of
variations, from the ``step_rows`` kept as steps are drawn): both read it with
``lookback_from_rows``, so the two cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from ..pattern import MAX_VELOCITY, NUM_DRUMS, STEPS_PER_BAR

FAR_BARS = (2,)  # bars back whose drums are read besides the bar just before
PART_NAMES = ("any", "beat", "fill")
PART_ANY, PART_BEAT, PART_FILL = range(len(PART_NAMES))
STYLE_ANY = 0
OFFSET_SCALE = 2.0  # offsets [-0.5, 0.5) -> [-1, 1), the range of the other inputs

_D = NUM_DRUMS

_BITS = (np.arange(1 << NUM_DRUMS)[:, None] >> np.arange(NUM_DRUMS)) & 1  # event -> (9,) 0/1
EVENT_BITS = _BITS.astype(np.float32)


def num_lookback_features(far_bars: tuple[int, ...] = FAR_BARS) -> int:
    """Width of ``lookback_features``' last axis."""
    return 2 * _D + (3 * _D + 1) + len(far_bars) * (_D + 1)


def history_steps(far_bars: tuple[int, ...] = FAR_BARS) -> int:
    """How many steps before a predicted step the features read."""
    return STEPS_PER_BAR * max(1, *far_bars)


def lookback_features(events: np.ndarray, velocities: np.ndarray, offsets: np.ndarray,
                      steps: np.ndarray, far_bars: tuple[int, ...] = FAR_BARS) -> np.ndarray:
    """Features for predicting each of ``steps`` from what was played before it.

    ``events`` ``(..., L)`` int, ``velocities`` ``(..., L, 9)`` MIDI 0-127 and
    ``offsets`` ``(..., L, 9)`` in 16ths hold everything played so far (steps
    at or after a predicted step are never read). ``steps`` ``(n,)`` are the
    indices predicted. Returns ``(..., n, num_lookback_features(far_bars))`` float32.
    """
    return lookback_from_rows(step_rows(events, velocities, offsets), steps, far_bars)


def step_rows(events: np.ndarray, velocities: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``(..., L, 28)`` float32: each step as the features read it (drum bits, velocity/127, offset*2, present = 1).

    Generation writes one row per step drawn and reads the lookback from these
    rows (``lookback_from_rows``), rather than rebuilding them every step.
    """
    return np.concatenate([EVENT_BITS[events], velocities.astype(np.float32) / MAX_VELOCITY,
                           offsets.astype(np.float32) * OFFSET_SCALE,
                           np.ones(np.shape(events) + (1,), np.float32)], axis=-1)


def lookback_from_rows(rows: np.ndarray, steps: np.ndarray, far_bars: tuple[int, ...] = FAR_BARS) -> np.ndarray:
    """``lookback_features`` from ``step_rows`` ``(..., L, 28)`` (rows at or after a predicted step are never read)."""
    steps = np.asarray(steps, dtype=np.int64)

    def back(count: int) -> np.ndarray:  # the rows ``count`` steps back; zeros (present = 0) before the start
        index = steps - count
        present = (index >= 0).astype(np.float32)[:, None]
        return np.take(rows, np.maximum(index, 0), axis=-2) * present

    parts = [back(1)[..., _D:3 * _D], back(STEPS_PER_BAR)]
    for bars in far_bars:
        far = back(bars * STEPS_PER_BAR)
        parts += [far[..., :_D], far[..., 3 * _D:]]
    return np.concatenate(parts, axis=-1)


def fill_parts(num_steps: int, *, start: int = 0, fill_every: int = 0) -> np.ndarray:
    """``(num_steps,)`` part labels for steps ``start..``: beat, with the last bar of every ``fill_every`` a fill.

    Bars count from step 0 (the seed's first bar); ``fill_every`` 0 means a
    beat throughout (a loop that keeps its groove, which is what a loop is for).
    """
    steps = start + np.arange(num_steps)
    if not fill_every:
        return np.full(num_steps, PART_BEAT, np.int64)
    bar = steps // STEPS_PER_BAR
    return np.where(bar % fill_every == fill_every - 1, PART_FILL, PART_BEAT).astype(np.int64)


def teacher_inputs(events: np.ndarray, velocities: np.ndarray, offsets: np.ndarray, parts: np.ndarray, *,
                   origin: int = 0, start: int = 0, stop: int | None = None,
                   far_bars: tuple[int, ...] = FAR_BARS) -> dict[str, np.ndarray]:
    """Everything the model reads and predicts for steps ``start..stop`` of one sequence, teacher-forced.

    ``events`` ``(L,)``, ``velocities``/``offsets`` ``(L, 9)`` and ``parts``
    ``(L,)`` hold the sequence; index 0 is step ``origin`` of its bar counting
    (so positions in bar are right when a window starts mid-file). Returns
    ``previous`` (the event before each step, a rest before the first),
    ``positions``, ``lookback``, ``parts`` and the targets ``events``,
    ``velocities`` and ``offsets``.
    """
    stop = len(events) if stop is None else stop
    steps = np.arange(start, stop)
    events = np.asarray(events, dtype=np.int64)
    previous = np.where(steps > 0, events[np.maximum(steps - 1, 0)], 0)
    return {
        "previous": previous,
        "positions": (origin + steps) % STEPS_PER_BAR,
        "lookback": lookback_features(events, velocities, offsets, steps, far_bars),
        "parts": np.asarray(parts, dtype=np.int64)[start:stop],
        "events": events[start:stop],
        "velocities": np.asarray(velocities)[start:stop],
        "offsets": np.asarray(offsets)[start:stop],
    }
