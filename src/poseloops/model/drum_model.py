"""``DrumModel``: continue a seed ``Pattern`` with the shipped (or any) drum LSTM.

Seeds without a single hit (empty, or only rests) give the model nothing to
continue, and priming it on silence makes it predict more silence. Such seeds
are continued as the start of a new piece instead: the model starts fresh, as
at the first step of a training file, with the bar position carried on from
the seed's length, and the first generated step is drawn from the events that
have at least one hit (renormalised), so the loop is never silent from the
start. The seed's rests are kept in the result.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..pattern import MAX_VELOCITY, MIN_VELOCITY, STEPS_PER_BAR, Pattern
from .events import event_to_drums, pattern_to_events
from .lstm import NumpyDrumLSTM
from .sampling import check_sampling_arguments, continue_events
from .weights import DEFAULT_WEIGHTS, VELOCITY_ARRAY, ModelSpec, load_weights



class DrumModel:
    """A loaded drum language model. Load once (``load_model`` / ``load_default_model``), call often."""

    def __init__(self, spec: ModelSpec, arrays: dict[str, np.ndarray], training: dict | None = None):
        self.spec = spec
        self.training = training or {}
        self.lstm = NumpyDrumLSTM(spec, arrays)
        # generated hits are as loud as the training data's hits at that place in the bar
        self.velocities = np.clip(np.round(arrays[VELOCITY_ARRAY]), MIN_VELOCITY, MAX_VELOCITY).astype(np.int64)

    def continue_pattern(self, seed: Pattern, *, steps: int = 32, temperature: float = 1.0,
                         rng_seed: int | None = None, variations: int = 1) -> list[Pattern]:
        """``variations`` patterns, each ``seed`` followed by ``steps`` generated steps.

        Each result keeps the seed's steps, velocities and bpm, with
        ``seed_length = len(seed)``; a generated hit gets the training data's
        mean velocity for its drum and position in the bar. The seed
        is not changed. ``temperature`` 0 is greedy (all variations then agree),
        up to 2; ``rng_seed`` makes the draws reproducible. Raises
        ``ParameterError`` for a bad argument.
        """
        if not isinstance(seed, Pattern):
            raise TypeError(f"seed must be a Pattern, got {type(seed).__name__}")
        steps, temperature, rng_seed, variations = check_sampling_arguments(
            seed_length=len(seed), steps=steps, temperature=temperature, rng_seed=rng_seed, variations=variations)
        seed_events = pattern_to_events(seed)
        rng = np.random.default_rng(rng_seed)
        silent = not seed_events.any()
        generated = continue_events(self.lstm, seed_events, steps=steps, temperature=temperature, rng=rng,
                                    variations=variations, start_position=len(seed) if silent else None)
        return [self._extend(seed, row) for row in generated]

    def _extend(self, seed: Pattern, events: np.ndarray) -> Pattern:
        drums = [event_to_drums(int(e)) for e in events]
        positions = (len(seed) + np.arange(len(drums))) % STEPS_PER_BAR
        velocities = tuple(tuple(int(self.velocities[p, d]) for d in step) for p, step in zip(positions, drums))
        tail = Pattern(tuple(drums), velocities, 0, seed.bpm)
        return seed.concat(tail).with_seed_length(len(seed))


def load_model(path: str | Path = DEFAULT_WEIGHTS) -> DrumModel:
    """A model from a weights file and its JSON spec; raises ``ModelError`` if they don't match."""
    spec, arrays, training = load_weights(path)
    return DrumModel(spec, arrays, training)


_default_model: DrumModel | None = None
_default_lock = threading.Lock()


def load_default_model() -> DrumModel:
    """The shipped model, loaded on first use and then shared (thread-safe)."""
    global _default_model
    if _default_model is None:
        with _default_lock:
            if _default_model is None:
                _default_model = load_model(DEFAULT_WEIGHTS)
    return _default_model


def generate(seed: Pattern, *, steps: int = 32, temperature: float = 1.0, rng_seed: int | None = None,
             variations: int = 1) -> list[Pattern]:
    """``load_default_model().continue_pattern(seed, ...)``."""
    return load_default_model().continue_pattern(seed, steps=steps, temperature=temperature, rng_seed=rng_seed,
                                                 variations=variations)
