"""The one rule for ``rng_seed``, the whole number that makes a random result repeatable.

Dice, the model and humanizing all take one; the CLI and the server take their bound
from here, so a seed that repeats a loop in one repeats it in every other.
"""

from __future__ import annotations

from numbers import Integral

from .errors import ParameterError

MIN_RNG_SEED = 0  # NumPy's generators take no negative seed
MAX_RNG_SEED = 2**53 - 1  # the largest integer a browser's JSON keeps exactly: the studio's seeds repeat in the CLI


def check_rng_seed(rng_seed: int | None, *, name: str = "rng_seed") -> int | None:
    """``rng_seed`` as an int (None stays None); raises ``ParameterError`` outside ``0..MAX_RNG_SEED``."""
    if rng_seed is None:
        return None
    if isinstance(rng_seed, bool) or not isinstance(rng_seed, Integral) or rng_seed < MIN_RNG_SEED:
        raise ParameterError(f"{name} {rng_seed!r} is not a whole number >= {MIN_RNG_SEED}", argument="rng_seed")
    if rng_seed > MAX_RNG_SEED:
        raise ParameterError(f"{name} {rng_seed} is above {MAX_RNG_SEED} (2^53 - 1)", argument="rng_seed")
    return int(rng_seed)
