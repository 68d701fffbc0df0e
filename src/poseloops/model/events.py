"""Drum steps as events for the language model, and the step-position features.

An event is one 16th step: the set of drums that sound on it, written as a
9-bit mask (bit ``d`` set when drum ``d`` sounds), so 2^9 = 512 events; 0 is a
rest. This is Magenta's ``MultiDrumOneHotEncoding`` over the same nine classes,
built from sets so two pitches of one class can never set the wrong bit.

Position features follow Magenta's ``drum_kit_rnn``: a binary counter of where
the *predicted* step sits in the bar, each bit written as -1 / +1.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..errors import ParameterError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR, Pattern

NUM_EVENTS = 1 << NUM_DRUMS  # every subset of the nine drums
REST_EVENT = 0  # no drum sounds; also the "previous event" before a sequence starts
POSITION_BITS = 4  # 16 positions in a 4/4 bar of 16ths need 4 bits
assert 1 << POSITION_BITS == STEPS_PER_BAR

# event -> sorted drums, precomputed once: decoding is on the sampling hot path
_EVENT_DRUMS = tuple(tuple(d for d in range(NUM_DRUMS) if event >> d & 1) for event in range(NUM_EVENTS))


def drums_to_event(drums: Iterable[int]) -> int:
    """The event of one step's drums. Raises ``ParameterError`` for a drum outside 0-8."""
    event = 0
    for drum in drums:
        if isinstance(drum, bool) or not isinstance(drum, (int, np.integer)) or not 0 <= drum < NUM_DRUMS:
            raise ParameterError(f"drum {drum!r} is not a drum index 0-{NUM_DRUMS - 1}")
        event |= 1 << int(drum)
    return event


def event_to_drums(event: int) -> tuple[int, ...]:
    """Inverse of ``drums_to_event``: the sorted drums of an event 0-511."""
    if not 0 <= event < NUM_EVENTS:
        raise ParameterError(f"event {event} is outside 0-{NUM_EVENTS - 1}")
    return _EVENT_DRUMS[event]


def pattern_to_events(pattern: Pattern) -> np.ndarray:
    """A ``(len(pattern),)`` int64 array of the pattern's events (velocities dropped)."""
    return np.array([drums_to_event(step) for step in pattern.steps], dtype=np.int64)


def events_to_pattern(events: Sequence[int], *, seed_length: int | None = None, bpm: float | None = None) -> Pattern:
    """Inverse of ``pattern_to_events``; every hit gets the default velocity."""
    return Pattern.from_steps([event_to_drums(int(e)) for e in events], seed_length=seed_length, bpm=bpm)


def position_in_bar(step: int | np.ndarray) -> int | np.ndarray:
    """Where a step falls in its 4/4 bar of 16ths, 0-15 (step 0 is a downbeat)."""
    return step % STEPS_PER_BAR


def position_features(positions: np.ndarray | int) -> np.ndarray:
    """Binary counter of positions: shape ``positions.shape + (POSITION_BITS,)``, float32 of -1 / +1."""
    positions = np.asarray(positions)
    bits = (positions[..., None] >> np.arange(POSITION_BITS)) & 1
    return (bits * 2.0 - 1.0).astype(np.float32)


def model_inputs(events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the model sees to predict each step of ``events``: (previous event, position in bar).

    Step ``t`` is predicted from event ``t - 1`` (a rest before the first step)
    and the position of step ``t`` itself.
    """
    events = np.asarray(events, dtype=np.int64)
    previous = np.concatenate([[REST_EVENT], events[:-1]]) if len(events) else events
    return previous, position_in_bar(np.arange(len(events)))
