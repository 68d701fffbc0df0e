"""Continuing a seed into a loop: by the LSTM drum model, or by the infilling model when a density is asked.

The LSTM reads a seed step by step and has no input for how busy to play. The
infilling model was trained told each window's density (``infill_data``), so
a loop asked to be sparser or busier than the model plays comes from it,
conditioned on that density rather than thinned or padded afterwards. At the
neutral density (0.5, "as the model plays") or none, the LSTM continues the
seed as it always has. The CLI's ``generate`` and the server's
``/api/generate`` both call ``continue_seed``, so the choice is made once.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ParameterError
from ..pattern import STEPS_PER_BAR, Pattern
from .drum_model import DrumModel, loop_steps
from .infill_model import DEFAULT_DENSITY, InfillModel, check_density


def continue_seed(lstm: DrumModel, infill: Callable[[], InfillModel], seed: Pattern, *, density: float | None = None,
                  bars: int | None = None, steps: int | None = None, context: Pattern | None = None,
                  temperature: float = 1.0, rng_seed: int | None = None, variations: int = 1,
                  style: str | None = None, fill_every: int = 0) -> list[Pattern]:
    """``variations`` loops, each ``seed`` followed by what is drawn (see ``DrumModel.continue_pattern``).

    ``density`` 0-1 other than 0.5 has the infilling model (``infill()``, loaded
    only then) continue the seed in whole bars; ``steps`` and ``context`` are
    the LSTM's alone and are refused with it. Raises ``ParameterError``.
    """
    density = check_density(density)
    if density is None or density == DEFAULT_DENSITY:
        return lstm.continue_pattern(seed, bars=bars, steps=steps, temperature=temperature, rng_seed=rng_seed,
                                     variations=variations, style=style, fill_every=fill_every, context=context)
    if steps is not None:
        raise ParameterError("a density other than 0.5 makes whole bars: give bars, not steps", argument="steps")
    if context is not None:
        raise ParameterError("a density other than 0.5 cannot follow a context yet: leave one of them out",
                             argument="context")
    if not isinstance(seed, Pattern):
        raise TypeError(f"seed must be a Pattern, got {type(seed).__name__}")
    total = len(seed) + loop_steps(len(seed), bars=bars)
    return infill().continue_pattern(seed, bars=total // STEPS_PER_BAR, temperature=temperature, rng_seed=rng_seed,
                                     variations=variations, style=style, density=density, fill_every=fill_every)
