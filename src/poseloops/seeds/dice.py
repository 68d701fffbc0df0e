"""The origin's dice: a random seed, each step a few drums drawn uniformly.

For each step, ``length`` drum indices are drawn uniformly from ``low`` to
``high`` (both included), duplicates dropped and the rest sorted. The origin's
``max`` was exclusive and its defaults (length 5, min 4, max 5) could only
ever roll the low tom; ours default to the three drums that carry a groove.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..pattern import NUM_DRUMS, Pattern, check_num_steps
from ..rng_seed import check_rng_seed

DEFAULT_STEPS = 10  # the origin's seed length
# Kick, snare and closed hat (drums 0-2) are 78% of the hits in the Groove
# dataset's beats, and a sounding 16th there has 1.5 hits on average; two
# draws from those three give 1.67 distinct drums a step, so the first roll
# already sounds like a busy rock beat rather than a tom solo.
DEFAULT_LENGTH = 2
DEFAULT_LOW = 0
DEFAULT_HIGH = 2
MAX_LENGTH = NUM_DRUMS  # more draws than drums only repeats drums


def roll_dice(
    *,
    steps: int = DEFAULT_STEPS,
    length: int = DEFAULT_LENGTH,
    low: int = DEFAULT_LOW,
    high: int = DEFAULT_HIGH,
    rng_seed: int | None = None,
) -> Pattern:
    """A random seed of ``steps`` steps; the same ``rng_seed`` rolls the same seed.

    Raises ``ParameterError`` naming the option that is out of range: ``steps``
    1-1024, ``length`` 1-9, ``low`` and ``high`` drum indices 0-8 with
    ``low <= high``.
    """
    steps = check_num_steps(steps, minimum=1)
    _check_whole("length", length, 1, MAX_LENGTH)
    _check_whole("low", low, 0, NUM_DRUMS - 1)
    _check_whole("high", high, 0, NUM_DRUMS - 1)
    if low > high:
        raise ParameterError(f"low {low} is above high {high}; the dice draw drums from low to high", argument="low")
    rng = np.random.default_rng(check_rng_seed(rng_seed, name="rng seed"))
    draws = rng.integers(low, high + 1, size=(steps, length))
    return Pattern.from_steps([sorted(set(row.tolist())) for row in draws])


def _check_whole(name: str, value: int, minimum: int, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} {value!r} is not a whole number", argument=name)
    if not minimum <= value <= maximum:
        raise ParameterError(f"{name} {value} is outside {minimum}-{maximum}", argument=name)
