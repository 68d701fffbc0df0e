"""Which cells of a loop to draw again: drums, bars, a step range, and cells locked against it.

A person says what to regenerate as a producer would: "the hats" (drums 2
and 3), "bar 3", "steps 9-16 of the kick", "everything but these cells". The
choices intersect: ``drums`` (default all) in ``bars`` (1-based, default all)
within ``steps`` (1-based, inclusive, default all), less any ``locked`` cells.
Everything else is kept bit-exact. Checks live here, once, for the library,
the CLI and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral

import numpy as np

from ..errors import ParameterError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR


def _whole_numbers(values: Iterable, name: str) -> list[int]:
    try:
        items = list(values)
    except TypeError:
        raise ParameterError(f"{name} must be a list of whole numbers", argument=name) from None
    for value in items:
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ParameterError(f"{name}: {value!r} is not a whole number", argument=name)
    return [int(v) for v in items]


def select_cells(num_steps: int, *, drums: Iterable[int] | None = None, bars: Iterable[int] | None = None,
                 steps: tuple[int, int] | None = None,
                 locked: Iterable[tuple[int, int]] | None = None) -> np.ndarray:
    """``(num_steps, 9)`` bool: True where a cell is to be drawn again.

    ``drums`` are drum indices 0-8, ``bars`` 1-based bar numbers, ``steps`` a
    1-based inclusive ``(first, last)`` range, ``locked`` ``(step, drum)``
    cells (0-based steps) kept whatever else is chosen. Raises
    ``ParameterError`` naming the argument for a drum outside 0-8, a bar or
    step past the loop's end, or a choice that leaves nothing to draw.
    """
    asked = np.ones((num_steps, NUM_DRUMS), bool)
    num_bars = -(-num_steps // STEPS_PER_BAR)
    if drums is not None:
        chosen = _whole_numbers(drums, "drums")
        bad = [d for d in chosen if not 0 <= d < NUM_DRUMS]
        if bad:
            raise ParameterError(f"drums: {bad[0]} is not a drum index 0-{NUM_DRUMS - 1}", argument="drums")
        if not chosen:
            raise ParameterError("drums: give at least one drum (or leave it out for all)", argument="drums")
        column = np.zeros(NUM_DRUMS, bool)
        column[chosen] = True
        asked &= column[None]
    if bars is not None:
        chosen = _whole_numbers(bars, "bars")
        bad = [b for b in chosen if not 1 <= b <= num_bars]
        if bad:
            raise ParameterError(f"bars: bar {bad[0]} is past the loop's end (it has {num_bars} bar"
                                 f"{'s' if num_bars != 1 else ''})", argument="bars")
        if not chosen:
            raise ParameterError("bars: give at least one bar (or leave it out for all)", argument="bars")
        in_bars = np.isin(np.arange(num_steps) // STEPS_PER_BAR + 1, chosen)
        asked &= in_bars[:, None]
    if steps is not None:
        first, last = _whole_numbers(steps, "steps") if len(tuple(steps)) == 2 else (None, None)
        if first is None or not 1 <= first <= last:
            raise ParameterError(f"steps: {steps!r} is not a range A-B with 1 <= A <= B", argument="steps")
        if last > num_steps:
            raise ParameterError(f"steps: step {last} is past the loop's end ({num_steps} steps)", argument="steps")
        in_range = np.zeros(num_steps, bool)
        in_range[first - 1:last] = True
        asked &= in_range[:, None]
    if locked is not None:
        for cell in locked:
            step, drum = _whole_numbers(cell, "locked") if len(tuple(cell)) == 2 else (-1, -1)
            if not (0 <= step < num_steps and 0 <= drum < NUM_DRUMS):
                raise ParameterError(f"locked: cell {tuple(cell)!r} is not a (step 0-{num_steps - 1}, "
                                     f"drum 0-{NUM_DRUMS - 1}) of this loop", argument="locked")
            asked[step, drum] = False
    if not asked.any():
        raise ParameterError("nothing to regenerate: the choice keeps every cell", argument="drums")
    return asked


def check_something_kept(asked: np.ndarray) -> None:
    """Regenerating needs something kept to follow; all asked is a new loop (``generate``), not this."""
    if asked.all():
        raise ParameterError("nothing is kept: say which drums, bars or steps to regenerate "
                             "(every cell asked is a new loop: use generate)", argument="drums")
