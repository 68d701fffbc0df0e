"""``DrumModel``: turn a seed ``Pattern`` into a loop of whole bars, played as a drummer would.

How a seed sits in the loop: the seed's first step is the downbeat of bar 1;
the model completes that bar and plays the bars after it, so the loop is a
whole number of bars whatever the seed's length. By default the loop is
``DEFAULT_BARS`` bars (a phrase: long enough to hold a groove and vary it,
short enough to repeat), or twice the seed's bars when the seed is longer
than half of that; ``bars`` or ``steps`` give exact control. Every generated
hit carries the model's velocity and timing offset; the seed keeps its own.

``context`` is what has already been playing (whole bars): the model reads
it first, so a new seed continues the music instead of restarting it (live
mode), and only the seed and what follows come back.

Seeds without a single hit (and no context with one) give the model nothing
to continue, and priming it on silence makes it predict more silence. Such
seeds are continued as the start of a new piece instead: the model starts
fresh, as at the first step of a training file, with the bar position
carried on from the seed's length, and the first generated step is drawn from
the events that have at least one hit (renormalised). The seed's rests are
kept in the result.
"""

from __future__ import annotations

import math
from numbers import Integral
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..pattern import MAX_STEPS, STEPS_PER_BAR, Pattern
from .events import pattern_to_events
from .features import PART_ANY, PART_BEAT, fill_parts, lookback_features
from .loaded_once import LoadedOnce
from .lstm import NumpyDrumLSTM
from .sampling import Played, check_sampling_arguments, continue_played, draw_groove
from .weights import DEFAULT_WEIGHTS, ModelSpec, load_weights

DEFAULT_BARS = 4
MAX_BARS = MAX_STEPS // STEPS_PER_BAR
FILL_EVERY = (0, 2, 4, 8)  # 0: no fills; N: the last bar of every N is a fill


class DrumModel:
    """A loaded drum language model. Load once (``load_model`` / ``load_default_model``), call often."""

    def __init__(self, spec: ModelSpec, arrays: dict[str, np.ndarray], training: dict | None = None,
                 path: Path | None = None):
        self.spec = spec
        self.training = training or {}
        self.path = path
        self.lstm = NumpyDrumLSTM(spec, arrays)

    @property
    def styles(self) -> tuple[str, ...]:
        """The styles the model can be asked for, "any" first."""
        return ("any", *self.spec.styles)

    def continue_pattern(self, seed: Pattern, *, bars: int | None = None, steps: int | None = None,
                         temperature: float = 1.0, rng_seed: int | None = None, variations: int = 1,
                         style: str | None = None, fill_every: int = 0,
                         context: Pattern | None = None) -> list[Pattern]:
        """``variations`` loops, each ``seed`` followed by the generated steps.

        The loop is ``bars`` whole bars (default: see ``loop_bars``), or the
        seed plus exactly ``steps`` steps. Each result keeps the seed's steps,
        velocities, offsets and bpm, with ``seed_length = len(seed)``;
        generated hits carry the model's velocities and offsets. ``style`` is
        one of ``styles`` (None: any); ``fill_every`` N makes the last bar of
        every N a fill. ``temperature`` 0 is greedy (all variations then
        agree), up to 2; ``rng_seed`` makes the draws reproducible. Raises
        ``ParameterError`` for a bad argument.
        """
        if not isinstance(seed, Pattern):
            raise TypeError(f"seed must be a Pattern, got {type(seed).__name__}")
        steps = loop_steps(len(seed), bars=bars, steps=steps)
        steps, temperature, rng_seed, variations = check_sampling_arguments(
            seed_length=len(seed), steps=steps, temperature=temperature, rng_seed=rng_seed, variations=variations)
        style_index = self.spec.style_index(style)
        context = _check_context(context, len(seed) + steps)
        known = _played(context.concat(seed)) if context is not None else _played(seed)
        lead = 0 if context is None else len(context)
        parts = np.concatenate([np.full(lead, PART_BEAT), fill_parts(len(seed) + steps, fill_every=check_fill_every(fill_every))])
        fresh = not known.events.any()
        generated = continue_played(self.lstm, known, steps=steps, temperature=temperature,
                                    rng=np.random.default_rng(rng_seed), variations=variations, style=style_index,
                                    parts=parts, origin=0, fresh=fresh)
        return [_extend(seed, generated, row) for row in range(variations)]

    def humanize(self, pattern: Pattern, *, style: str | None = None, rng_seed: int | None = None,
                 temperature: float = 1.0) -> Pattern:
        """``pattern``'s hits with the velocities and offsets the model plays them with.

        The model reads the pattern step by step as if it had played it, and
        each hit's velocity and offset is drawn given everything before it
        (the locations at temperature 0). Which drums sound never changes.
        """
        if not isinstance(pattern, Pattern):
            raise TypeError(f"pattern must be a Pattern, got {type(pattern).__name__}")
        _, temperature, rng_seed, _ = check_sampling_arguments(
            seed_length=len(pattern), steps=0, temperature=temperature, rng_seed=rng_seed, variations=1)
        style_index = self.spec.style_index(style)
        rng = np.random.default_rng(rng_seed)
        played = _played(pattern)
        played.velocities[:] = 0.0
        played.offsets[:] = 0.0
        state = self.lstm.initial_state(1)
        for t in range(len(pattern)):
            lookback = lookback_features(played.events, played.velocities, played.offsets, np.array([t]),
                                         self.spec.far_bars)[:, 0]
            previous = played.events[:, t - 1] if t else np.zeros(1, np.int64)
            _, top, state = self.lstm.step(previous, t % STEPS_PER_BAR, lookback, style_index, PART_ANY, state)
            events = played.events[:, t]
            played.velocities[:, t], played.offsets[:, t] = draw_groove(self.lstm.groove(top, events), events,
                                                                        temperature, rng)
        return pattern.with_groove(played.velocities[0].astype(np.int64), played.offsets[0])


def loop_steps(seed_length: int, *, bars: int | None = None, steps: int | None = None) -> int:
    """How many steps to generate after a seed of ``seed_length``: to fill ``bars``, or ``steps`` exactly.

    Neither given: ``DEFAULT_BARS``, or twice the seed's bars for a seed longer
    than half of that. Raises ``ParameterError`` when both are given or the
    seed does not fit in ``bars``.
    """
    if bars is not None and steps is not None:
        raise ParameterError("give bars or steps, not both", argument="steps")
    if steps is not None:
        return steps
    if bars is None:
        seed_bars = math.ceil(seed_length / STEPS_PER_BAR)
        bars = DEFAULT_BARS if 2 * seed_bars <= DEFAULT_BARS else min(2 * seed_bars, MAX_BARS)
    if isinstance(bars, bool) or not isinstance(bars, Integral) or not 1 <= bars <= MAX_BARS:
        raise ParameterError(f"bars {bars!r} is not a whole number in 1-{MAX_BARS}", argument="bars")
    if seed_length > bars * STEPS_PER_BAR:
        need = math.ceil(seed_length / STEPS_PER_BAR)
        raise ParameterError(f"a seed of {seed_length} steps does not fit in {bars} bars of 16 steps; "
                             f"ask for {need} bars or more", argument="bars")
    return int(bars) * STEPS_PER_BAR - seed_length


def check_fill_every(fill_every: int) -> int:
    if isinstance(fill_every, bool) or fill_every not in FILL_EVERY:
        raise ParameterError(f"fill_every {fill_every!r} is not one of {', '.join(map(str, FILL_EVERY))}",
                             argument="fill_every")
    return int(fill_every)


def _check_context(context: Pattern | None, loop_length: int) -> Pattern | None:
    if context is None or len(context) == 0:
        return None
    if not isinstance(context, Pattern):
        raise TypeError(f"context must be a Pattern, got {type(context).__name__}")
    if len(context) % STEPS_PER_BAR:
        raise ParameterError(f"context of {len(context)} steps is not whole bars of {STEPS_PER_BAR} steps",
                             argument="context")
    if len(context) + loop_length > MAX_STEPS:
        raise ParameterError(f"context of {len(context)} steps plus a loop of {loop_length} is longer than "
                             f"{MAX_STEPS} steps", argument="context")
    return context


def _played(pattern: Pattern) -> Played:
    return Played(pattern_to_events(pattern)[None], pattern.to_matrix()[None].astype(np.float32),
                  pattern.offset_matrix()[None])


def _extend(seed: Pattern, generated: Played, row: int) -> Pattern:
    tail = Pattern.from_matrix(generated.velocities[row].astype(np.uint8), offsets=generated.offsets[row],
                               seed_length=0, bpm=seed.bpm)
    return seed.concat(tail).with_seed_length(len(seed))


def load_model(path: str | Path = DEFAULT_WEIGHTS) -> DrumModel:
    """A model from a weights file and its JSON spec; raises ``ModelError`` if they don't match."""
    spec, arrays, training = load_weights(path)
    return DrumModel(spec, arrays, training, Path(path))


# The shipped model, loaded on first use and then shared (thread-safe).
load_default_model: LoadedOnce[DrumModel] = LoadedOnce(lambda: load_model(DEFAULT_WEIGHTS))


def generate(seed: Pattern, **options) -> list[Pattern]:
    """``load_default_model().continue_pattern(seed, **options)``."""
    return load_default_model().continue_pattern(seed, **options)
