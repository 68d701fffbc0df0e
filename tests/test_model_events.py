"""Events: the 512 drum subsets, their round trip with patterns, and the position counter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poseloops.errors import ParameterError
from poseloops.model.events import (
    NUM_EVENTS,
    REST_EVENT,
    drums_to_event,
    event_to_drums,
    events_to_pattern,
    model_inputs,
    pattern_to_events,
    position_features,
)
from poseloops.pattern import NUM_DRUMS, Pattern

step_drums = st.sets(st.integers(0, NUM_DRUMS - 1)).map(sorted)


def test_every_event_is_a_distinct_drum_set():
    sets = {event_to_drums(e) for e in range(NUM_EVENTS)}
    assert len(sets) == NUM_EVENTS == 512
    assert event_to_drums(REST_EVENT) == ()
    assert event_to_drums(0b100000101) == (0, 2, 8)
    assert drums_to_event([8, 0, 2]) == 0b100000101


@settings(max_examples=100, deadline=None)
@given(st.lists(step_drums, max_size=64))
def test_pattern_events_round_trip(steps):
    pattern = Pattern.from_steps(steps, seed_length=len(steps) // 2)
    events = pattern_to_events(pattern)
    assert events.shape == (len(steps),) and events.dtype == np.int64
    back = events_to_pattern(events, seed_length=pattern.seed_length)
    assert back.steps == pattern.steps
    assert back.seed_length == pattern.seed_length
    assert pattern_to_events(back).tolist() == events.tolist()


@pytest.mark.parametrize("bad", [[9], [-1], [True], [1.5]])
def test_bad_drums_are_refused(bad):
    with pytest.raises(ParameterError, match="drum"):
        drums_to_event(bad)
    with pytest.raises(ParameterError):
        event_to_drums(512)


def test_position_counter_is_four_signed_bits_of_the_position_in_bar():
    features = position_features(np.arange(32))
    assert features.shape == (32, 4) and features.dtype == np.float32
    assert set(np.unique(features)) == {-1.0, 1.0}
    assert features[0].tolist() == [-1, -1, -1, -1]
    assert features[5].tolist() == [1, -1, 1, -1]  # 5 = 0b0101, least significant bit first
    assert features[15].tolist() == [1, 1, 1, 1]
    assert np.array_equal(features[16:], features[:16])  # the counter restarts every bar


def test_model_inputs_shift_events_by_one_with_a_rest_first():
    previous, positions = model_inputs(np.array([5, 7, 9]))
    assert previous.tolist() == [REST_EVENT, 5, 7]
    assert positions.tolist() == [0, 1, 2]
