"""The n-gram baseline: interpolated Kneser-Ney over drum events, conditioned on position in bar.

``P(event_t | event_{t-1} .. event_{t-n+1}, position of t)``. Every context
level keeps the position; lower levels drop the oldest event; below the
position-only level is a uniform over all 512 events, so no event ever gets
zero probability. Before a sequence starts the previous events are rests, as
for the LSTM. Highest level: absolute-discounted counts; lower levels:
Kneser-Ney continuation counts (in how many distinct longer contexts an event
followed). One discount per level, ``n1 / (n1 + 2 n2)`` (Ney's estimate).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import ParameterError
from ..pattern import STEPS_PER_BAR
from .events import NUM_EVENTS, REST_EVENT

DEFAULT_ORDER = 5  # four previous events; the reference baseline is a 5-gram
MIN_ORDER = 3


class NgramModel:
    """Fit with ``NgramModel.fit(sequences)``; ``distribution(history, position)`` gives 512 probabilities."""

    def __init__(self, order: int, tables: list[dict], discounts: list[float]):
        self.order = order
        self.tables = tables  # per level k (k previous events): context -> (events, counts, total, distinct)
        self.discounts = discounts

    @classmethod
    def fit(cls, sequences: list[np.ndarray], *, order: int = DEFAULT_ORDER) -> "NgramModel":
        """Count every step of ``sequences`` (each from its start, rest-padded). Raises ``ParameterError``."""
        if isinstance(order, bool) or not isinstance(order, int) or order < MIN_ORDER:
            raise ParameterError(f"n-gram order {order!r} must be a whole number >= {MIN_ORDER}")
        if not sequences:
            raise ParameterError("the n-gram needs at least one sequence to fit")
        top = order - 1
        raw: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for events in sequences:
            padded = np.concatenate([np.full(top, REST_EVENT), np.asarray(events, dtype=np.int64)]).tolist()
            for t in range(len(events)):
                history = tuple(reversed(padded[t:t + top]))  # most recent first
                raw[(t % STEPS_PER_BAR,) + history][padded[t + top]] += 1
        levels = [raw]
        for _ in range(top):  # continuation counts, dropping the oldest event each level
            longer, shorter = levels[-1], defaultdict(lambda: defaultdict(int))
            for context, followers in longer.items():
                for event in followers:
                    shorter[context[:-1]][event] += 1
            levels.append(shorter)
        levels.reverse()  # index = number of previous events in the context
        return cls(order, [_freeze(level) for level in levels], [_discount(level) for level in levels])

    def distribution(self, history: tuple[int, ...], position: int) -> np.ndarray:
        """Probabilities ``(512,)`` of the next event; ``history`` is most recent first, rest-padded."""
        probs = np.full(NUM_EVENTS, 1.0 / NUM_EVENTS)
        for k, (table, discount) in enumerate(zip(self.tables, self.discounts)):
            entry = table.get((position,) + tuple(history[:k]))
            if entry is None:
                continue
            events, counts, total, distinct = entry
            probs *= discount * distinct / total
            probs[events] += np.maximum(counts - discount, 0.0) / total
        return probs

    def histories(self, events: np.ndarray):
        """(history, position) for predicting every step of ``events`` from its start."""
        top = self.order - 1
        padded = [REST_EVENT] * top + [int(e) for e in events]
        for t in range(len(events)):
            yield tuple(reversed(padded[t:t + top])), t % STEPS_PER_BAR

    def continue_events(self, seed_events: np.ndarray, *, steps: int, temperature: float,
                        rng: np.random.Generator) -> np.ndarray:
        """``(steps,)`` events sampled after ``seed_events`` (temperature 0 = most likely)."""
        top = self.order - 1
        history = [REST_EVENT] * top + [int(e) for e in seed_events]
        out = np.zeros(steps, dtype=np.int64)
        for k in range(steps):
            probs = self.distribution(tuple(reversed(history[-top:])), (len(seed_events) + k) % STEPS_PER_BAR)
            if temperature == 0:
                event = int(probs.argmax())
            else:
                weights = probs ** (1.0 / temperature)
                event = int(rng.choice(NUM_EVENTS, p=weights / weights.sum()))
            out[k] = event
            history.append(event)
        return out


def _freeze(level: dict) -> dict:
    frozen = {}
    for context, followers in level.items():
        events = np.fromiter(followers.keys(), dtype=np.int64, count=len(followers))
        counts = np.fromiter(followers.values(), dtype=np.float64, count=len(followers))
        frozen[context] = (events, counts, float(counts.sum()), len(followers))
    return frozen


def _discount(level: dict) -> float:
    ones = sum(1 for followers in level.values() for c in followers.values() if c == 1)
    twos = sum(1 for followers in level.values() for c in followers.values() if c == 2)
    if ones == 0:
        return 0.5
    return min(0.95, max(0.05, ones / (ones + 2 * twos)))
