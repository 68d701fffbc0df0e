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
from ..rng_seed import check_rng_seed
from .events import NUM_EVENTS, REST_EVENT
from .features import EVENT_BITS, lookback_features, lookback_from_rows, step_rows
from .lstm import NumpyDrumLSTM

MAX_TEMPERATURE = 2.0  # 0 is greedy; above 2 the draws are noise
MAX_VARIATIONS = 64  # one batched call; more is a loop for the caller
MAX_REDRAWS = 16  # draws of a bar that keeps coming out silent before the last draw is kept
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
        raise ParameterError(f"a seed of {seed_length} steps plus {steps} steps is longer than {MAX_STEPS} steps",
                             argument="steps")
    if isinstance(temperature, bool) or not isinstance(temperature, Real) or not math.isfinite(temperature):
        raise ParameterError(f"temperature {temperature!r} is not a number", argument="temperature")
    if not 0.0 <= temperature <= MAX_TEMPERATURE:
        raise ParameterError(f"temperature {temperature} is outside 0-{MAX_TEMPERATURE:g}", argument="temperature")
    rng_seed = check_rng_seed(rng_seed)
    if isinstance(variations, bool) or not isinstance(variations, Integral) or not 1 <= variations <= MAX_VARIATIONS:
        raise ParameterError(f"variations {variations!r} is not a whole number in 1-{MAX_VARIATIONS}",
                             argument="variations")
    return steps, float(temperature), rng_seed, int(variations)


def continue_played(lstm: NumpyDrumLSTM, known: Played, *, steps: int, temperature: float,
                    rng: np.random.Generator, variations: int, style: int, parts: np.ndarray,
                    origin: int = 0, fresh: bool = False) -> Played:
    """``variations`` continuations of ``steps`` steps after ``known`` (one row), as ``Played`` of those steps.

    ``parts`` ``(known + steps,)`` labels every step as beat, fill or any;
    ``style`` is a style index; ``origin`` is the bar position of ``known``'s
    first step. ``fresh``: ``known`` is not played to the model (a seed of
    rests): generation starts as a new piece, and its first step is never a rest.

    Generation goes bar by bar, and the loop is sampled given that every bar
    sounds, as every bar of the trimmed training data does: the model's small
    odds of a silent bar grow wherever a sparse seed or a hot draw leaves it
    off the data it knows. A whole bar that comes out silent is drawn again
    from the state it started in, up to ``MAX_REDRAWS`` times; at temperature 0
    (where every draw is the same), or if every draw was silent, it is drawn
    once more with the rest barred at the step where the model found a hit
    likeliest.
    """
    n = known.num_steps
    played = Played.empty(variations, n + steps)
    played.events[:, :n], played.velocities[:, :n], played.offsets[:, :n] = (
        known.events[0], known.velocities[0], known.offsets[0])
    if steps == 0:
        return played.cut(n)
    draw = _Draw(lstm, played, start=n if fresh else 0, first=n if fresh else -1, temperature=temperature,
                 rng=rng, style=style, parts=parts, origin=origin, rest_odds=np.zeros(played.events.shape),
                 table=step_rows(played.events, played.velocities, played.offsets))
    state = lstm.initial_state(1) if fresh else _prime(lstm, played, style, parts, origin, n)
    state = (np.repeat(state[0], variations, axis=1), np.repeat(state[1], variations, axis=1))
    everyone = np.arange(variations)
    for t0, t1 in _bar_spans(n, n + steps, origin):
        before = state
        state = draw.steps(everyone, before, t0, t1)
        state = draw.redraw_silent_bar(before, state, t0, t1)
    return played.cut(n)


def _bar_spans(first: int, stop: int, origin: int) -> list[tuple[int, int]]:
    """Steps ``first..stop`` cut at the bar lines (step ``t`` is at bar position ``(origin + t) % 16``)."""
    lines = [t for t in range(first + 1, stop) if (origin + t) % STEPS_PER_BAR == 0]
    edges = [first, *lines, stop]
    return list(zip(edges[:-1], edges[1:]))


@dataclass
class _Draw:
    """Draws steps of ``played`` for some of its rows: what ``continue_played`` repeats for a redrawn bar."""

    lstm: NumpyDrumLSTM
    played: Played
    start: int  # the first step the model reads (after the rests of a fresh seed)
    first: int  # the fresh piece's first step, never a rest (-1: none)
    temperature: float
    rng: np.random.Generator
    style: int
    parts: np.ndarray
    origin: int
    rest_odds: np.ndarray  # (rows, steps): the model's odds of a rest at each step drawn
    table: np.ndarray  # (rows, steps, 28): features.step_rows of played, kept as steps are drawn

    def steps(self, rows: np.ndarray, state, t0: int, t1: int, *, again: bool = False,
              hit_at: np.ndarray | None = None):
        """Draws steps ``t0..t1`` of ``rows`` from ``state``, writes them into ``played``; returns the state after.

        ``again``: the steps are a bar drawn again; ``hit_at`` ``(len(rows),)``:
        a step per row where the rest is barred.
        """
        every_row = len(rows) == self.played.events.shape[0]
        # Every row: views, so what is drawn shows in played at once. Some rows: copies, written back after.
        played = self.played.cut(self.start) if every_row else Played(
            *(a[rows, self.start:] for a in (self.played.events, self.played.velocities, self.played.offsets)))
        table = self.table[:, self.start:] if every_row else self.table[rows, self.start:]
        for t in range(t0, t1):
            k = t - self.start
            lookback = lookback_from_rows(table, np.array([k]), self.lstm.spec.far_bars)[:, 0]
            previous = played.events[:, k - 1] if k > 0 else np.full(len(rows), REST_EVENT)
            logits, top, state = self.lstm.step(previous, (self.origin + t) % STEPS_PER_BAR, lookback, self.style,
                                                self.parts[t], state)
            if again or self.temperature == 0.0:  # what the last draw of a silent bar needs
                self.rest_odds[rows, t] = _softmax(logits.astype(np.float64))[:, REST_EVENT]
            if t == self.first:
                # A fresh piece opens with a hit: from silence the model's likeliest step is more silence.
                logits[:, REST_EVENT] = -np.inf
            if hit_at is not None:
                logits[hit_at == t, REST_EVENT] = -np.inf
            events = choose(logits, self.temperature, self.rng)
            velocities, offsets = draw_groove(self.lstm.groove(top, events), events, self.temperature, self.rng)
            played.events[:, k], played.velocities[:, k], played.offsets[:, k] = events, velocities, offsets
            table[:, k] = step_rows(events, velocities, offsets)
        if not every_row:
            span = slice(t0, t1)
            local = slice(t0 - self.start, t1 - self.start)
            self.played.events[rows, span] = played.events[:, local]
            self.played.velocities[rows, span] = played.velocities[:, local]
            self.played.offsets[rows, span] = played.offsets[:, local]
            self.table[rows, span] = table[:, local]
        return state

    def redraw_silent_bar(self, before, after, t0: int, t1: int):
        """Redraws the rows whose bar ending at ``t1`` is whole and silent; returns the state after the bar."""
        bar_start = t1 - STEPS_PER_BAR
        if (self.origin + t1) % STEPS_PER_BAR or bar_start < 0:
            return after
        silent = np.flatnonzero(~self.played.events[:, bar_start:t1].any(axis=1))
        if not len(silent):  # nearly every bar
            return after
        hidden, cell = after[0].copy(), after[1].copy()
        for attempt in range(1 if self.temperature == 0.0 else MAX_REDRAWS + 1):
            last = attempt == MAX_REDRAWS or self.temperature == 0.0
            hit_at = t0 + self.rest_odds[silent, t0:t1].argmin(axis=1) if last else None
            hidden[:, silent], cell[:, silent] = self.steps(silent, (before[0][:, silent], before[1][:, silent]),
                                                            t0, t1, again=True, hit_at=hit_at)
            silent = np.flatnonzero(~self.played.events[:, bar_start:t1].any(axis=1))
            if not len(silent):
                break
        return hidden, cell


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
    """One event per row of ``logits`` ``(batch, 512)``, drawn at ``temperature``.

    The temperature shapes which drums play, not how often nothing does: the
    rest keeps the probability the model gives it, and the hits share the rest
    of the mass, sharpened or flattened by the temperature. (Tempering the rest
    too made cool loops fall silent: in a sparse groove the rest is each step's
    single likeliest event, so a low temperature picked it step after step.)
    At temperature 0 the step is a rest when the model thinks that more likely
    than not, else the likeliest hit.
    """
    if temperature == 0.0:
        rest = _softmax(logits.astype(np.float64))[:, REST_EVENT]
        return np.where(rest > 0.5, REST_EVENT, logits[:, 1:].argmax(axis=1) + 1)
    probs = event_probabilities(logits, temperature)
    cumulative = np.cumsum(probs, axis=1)
    draws = rng.random(len(logits)) * cumulative[:, -1]
    picked = (cumulative <= draws[:, None]).sum(axis=1)  # k where c[k-1] <= draw < c[k]
    return np.minimum(picked, NUM_EVENTS - 1)


def event_probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``(batch, 512)``: the distribution ``choose`` draws from at ``temperature`` > 0."""
    logits = logits.astype(np.float64)
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    if temperature == 1.0:  # the hits' share of what the rest leaves is the model's own
        return weights
    rest = weights[:, REST_EVENT:REST_EVENT + 1]
    hits = np.exp((logits[:, 1:] - logits[:, 1:].max(axis=1, keepdims=True)) / temperature)
    return np.concatenate([rest, hits * ((1.0 - rest) / hits.sum(axis=1, keepdims=True))], axis=1)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def draw_groove(params: np.ndarray, events: np.ndarray, temperature: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Velocities (MIDI) and offsets (16ths), each ``(batch, 9)``, for the drums of ``events``; 0 elsewhere.

    A draw from each Laplace distribution with its scale times ``temperature``
    (as the events' temperature widens or narrows the choice of drums): the
    model's own spread at 1, its location at 0.
    """
    velocity, offset = params[..., 0].astype(np.float64), params[..., 2].astype(np.float64)
    if temperature > 0.0:
        velocity = velocity + rng.laplace(0.0, 1.0, velocity.shape) * np.exp(params[..., 1]) * temperature
        offset = offset + rng.laplace(0.0, 1.0, offset.shape) * np.exp(params[..., 3]) * temperature
    sounding = EVENT_BITS[events] > 0
    velocity = np.where(sounding, np.clip(np.round(velocity * MAX_VELOCITY), MIN_VELOCITY, MAX_VELOCITY), 0.0)
    offset = np.where(sounding, np.clip(offset, MIN_OFFSET, _TOP_OFFSET), 0.0)
    return velocity.astype(np.float32), offset.astype(np.float32)
