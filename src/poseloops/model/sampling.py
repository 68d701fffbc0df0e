"""Continuing event sequences with the NumPy LSTM: temperature sampling, batched over variations.

Temperature 0 is greedy (the most likely event every step); higher values
flatten the distribution (the origin's slider went to 1; we allow up to 2).
An integer ``rng_seed`` makes the draws reproducible. All variations share one
pass over the seed and then run as one batch.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from ..errors import ParameterError
from ..pattern import MAX_STEPS, STEPS_PER_BAR, check_num_steps
from .events import NUM_EVENTS, REST_EVENT
from .lstm import NumpyDrumLSTM

MAX_TEMPERATURE = 2.0
MAX_VARIATIONS = 64  # one batched call; more is a loop for the caller


def check_sampling_arguments(*, seed_length: int, steps: int, temperature: float, rng_seed: int | None,
                             variations: int) -> tuple[int, float, int | None, int]:
    """Validated (steps, temperature, rng_seed, variations); raises ``ParameterError`` naming the bad one."""
    steps = check_num_steps(steps)
    if seed_length + steps > MAX_STEPS:
        raise ParameterError(f"a seed of {seed_length} steps plus {steps} steps is longer than {MAX_STEPS} steps")
    if isinstance(temperature, bool) or not isinstance(temperature, Real) or not math.isfinite(temperature):
        raise ParameterError(f"temperature {temperature!r} is not a number")
    if not 0.0 <= temperature <= MAX_TEMPERATURE:
        raise ParameterError(f"temperature {temperature} is outside 0-{MAX_TEMPERATURE:g}")
    if rng_seed is not None and (isinstance(rng_seed, bool) or not isinstance(rng_seed, Integral) or rng_seed < 0):
        raise ParameterError(f"rng_seed {rng_seed!r} is not a whole number >= 0")
    if isinstance(variations, bool) or not isinstance(variations, Integral) or not 1 <= variations <= MAX_VARIATIONS:
        raise ParameterError(f"variations {variations!r} is not a whole number in 1-{MAX_VARIATIONS}")
    return steps, float(temperature), None if rng_seed is None else int(rng_seed), int(variations)


def prime(lstm: NumpyDrumLSTM, seed_events: np.ndarray):
    """Run the LSTM over ``seed_events`` from a fresh start: (logits for the next step ``(1, 512)``, state)."""
    state = lstm.initial_state(1)
    previous = REST_EVENT
    logits = None
    for t in range(len(seed_events) + 1):
        logits, state = lstm.step(np.array([previous]), t % STEPS_PER_BAR, state)
        if t < len(seed_events):
            previous = int(seed_events[t])
    return logits, state


def continue_events(lstm: NumpyDrumLSTM, seed_events: np.ndarray, *, steps: int, temperature: float,
                    rng: np.random.Generator, variations: int, start_position: int | None = None) -> np.ndarray:
    """``(variations, steps)`` int64 events continuing ``seed_events``.

    With ``start_position`` (the step index of the first generated step) the
    seed is not played to the model: generation starts as a new piece at that
    position in the bar, and its first step is never a rest.
    """
    start = len(seed_events) if start_position is None else start_position
    out = np.zeros((variations, steps), dtype=np.int64)
    if steps == 0:
        return out
    logits, (h, c) = prime(lstm, seed_events) if start_position is None else _fresh(lstm, start)
    logits = np.repeat(logits, variations, axis=0)
    if start_position is not None:
        # A fresh piece opens with a hit: from silence the model's likeliest step is more silence.
        logits[:, REST_EVENT] = -np.inf
    state = (np.repeat(h, variations, axis=1), np.repeat(c, variations, axis=1))
    for k in range(steps):
        events = choose(logits, temperature, rng)
        out[:, k] = events
        if k + 1 < steps:
            logits, state = lstm.step(events, (start + k + 1) % STEPS_PER_BAR, state)
    return out


def _fresh(lstm: NumpyDrumLSTM, start: int):
    """Logits and state of a piece that begins (nothing played yet) at step ``start``."""
    state = lstm.initial_state(1)
    return lstm.step(np.array([REST_EVENT]), start % STEPS_PER_BAR, state)


def choose(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """One event per row of ``logits`` ``(batch, 512)``: argmax at temperature 0, else a draw."""
    if temperature == 0.0:
        return logits.argmax(axis=1)
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    probs = np.exp(scaled)
    cumulative = np.cumsum(probs, axis=1)
    draws = rng.random(len(logits)) * cumulative[:, -1]
    picked = (cumulative <= draws[:, None]).sum(axis=1)  # k where c[k-1] <= draw < c[k]
    return np.minimum(picked, NUM_EVENTS - 1)
