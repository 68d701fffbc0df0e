"""Continuing drum sequences with the NumPy LSTM: events, then each hit's velocity and offset.

Each generated step draws its event from the softmax at the temperature
(0 is greedy, the origin's slider went to 1, we allow up to 2), then, given
that event, each sounding drum's velocity and offset from the groove head's
Laplace distributions (at temperature 0, their locations). An integer
``rng_seed`` makes the draws reproducible. All variations share one pass over
what is known (context and seed) and then run as one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..errors import ParameterError
from ..pattern import MAX_OFFSET, MAX_STEPS, MAX_VELOCITY, MIN_OFFSET, MIN_VELOCITY, STEPS_PER_BAR, check_num_steps
from .events import NUM_EVENTS, REST_EVENT
from .features import EVENT_BITS, lookback_features
from .lstm import NumpyDrumLSTM

MAX_TEMPERATURE = 2.0
MAX_VARIATIONS = 64  # one batched call; more is a loop for the caller
_TOP_OFFSET = MAX_OFFSET - 1e-4  # offsets stay inside [-0.5, 0.5)


@dataclass
class Played:
    """What was (or will be) played: events ``(rows, steps)``, velocities and offsets ``(rows, steps, 9)``.

    Velocities are MIDI 0-127 (0 where a drum is silent), offsets in 16ths.
    """

    events: np.ndarray
    velocities: np.ndarray
    offsets: np.ndarray

    @classmethod
    def empty(cls, rows: int, steps: int) -> "Played":
        return cls(np.zeros((rows, steps), np.int64), np.zeros((rows, steps, 9), np.float32),
                   np.zeros((rows, steps, 9), np.float32))

    @property
    def num_steps(self) -> int:
        return self.events.shape[1]

    def cut(self, start: int) -> "Played":
        return Played(self.events[:, start:], self.velocities[:, start:], self.offsets[:, start:])


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


def continue_played(lstm: NumpyDrumLSTM, known: Played, *, steps: int, temperature: float,
                    rng: np.random.Generator, variations: int, style: int, parts: np.ndarray,
                    origin: int = 0, fresh: bool = False) -> Played:
    """``variations`` continuations of ``steps`` steps after ``known`` (one row), as ``Played`` of those steps.

    ``parts`` ``(known + steps,)`` labels every step as beat, fill or any;
    ``style`` is a style index; ``origin`` is the bar position of ``known``'s
    first step. ``fresh``: ``known`` is not played to the model (a seed of
    rests): generation starts as a new piece, and its first step is never a rest.
    """
    n = known.num_steps
    played = Played.empty(variations, n + steps)
    played.events[:, :n], played.velocities[:, :n], played.offsets[:, :n] = (
        known.events[0], known.velocities[0], known.offsets[0])
    if steps == 0:
        return played.cut(n)
    start = n if fresh else 0  # a fresh piece reads nothing before its first generated step
    view = played.cut(n) if fresh else played  # a view: what the loop writes into played shows in it
    state = lstm.initial_state(1) if fresh else _prime(lstm, played, style, parts, origin, n)
    state = (np.repeat(state[0], variations, axis=1), np.repeat(state[1], variations, axis=1))
    for t in range(n, n + steps):
        k = t - start  # index in view
        lookback = lookback_features(view.events, view.velocities, view.offsets, np.array([k]),
                                     lstm.spec.far_bars)[:, 0]
        previous = view.events[:, k - 1] if k > 0 else np.full(variations, REST_EVENT)
        logits, top, state = lstm.step(previous, (origin + t) % STEPS_PER_BAR, lookback, style, parts[t], state)
        if fresh and t == n:
            # A fresh piece opens with a hit: from silence the model's likeliest step is more silence.
            logits[:, REST_EVENT] = -np.inf
        events = choose(logits, temperature, rng)
        velocities, offsets = draw_groove(lstm.groove(top, events), events, temperature, rng)
        played.events[:, t], played.velocities[:, t], played.offsets[:, t] = events, velocities, offsets
    return played.cut(n)


def _prime(lstm: NumpyDrumLSTM, known: Played, style: int, parts: np.ndarray, origin: int, count: int):
    """The state after the model has read ``known``'s first ``count`` steps (batch of one)."""
    state = lstm.initial_state(1)
    if count == 0:
        return state
    lookback = lookback_features(known.events[0], known.velocities[0], known.offsets[0], np.arange(count),
                                 lstm.spec.far_bars)
    for t in range(count):
        previous = known.events[:1, t - 1] if t > 0 else np.array([REST_EVENT])
        _, _, state = lstm.step(previous, (origin + t) % STEPS_PER_BAR, lookback[t:t + 1], style, parts[t], state)
    return state


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


def draw_groove(params: np.ndarray, events: np.ndarray, temperature: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Velocities (MIDI) and offsets (16ths), each ``(batch, 9)``, for the drums of ``events``; 0 elsewhere.

    A draw from each Laplace distribution, or its location at temperature 0.
    """
    velocity, offset = params[..., 0].astype(np.float64), params[..., 2].astype(np.float64)
    if temperature > 0.0:
        velocity = velocity + rng.laplace(0.0, 1.0, velocity.shape) * np.exp(params[..., 1])
        offset = offset + rng.laplace(0.0, 1.0, offset.shape) * np.exp(params[..., 3])
    sounding = EVENT_BITS[events] > 0
    velocity = np.where(sounding, np.clip(np.round(velocity * MAX_VELOCITY), MIN_VELOCITY, MAX_VELOCITY), 0.0)
    offset = np.where(sounding, np.clip(offset, MIN_OFFSET, _TOP_OFFSET), 0.0)
    return velocity.astype(np.float32), offset.astype(np.float32)
