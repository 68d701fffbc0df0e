"""The n-gram baseline: proper distributions, never zero, learns what it was shown."""

from __future__ import annotations

import numpy as np
import pytest

from poseloops.errors import ParameterError
from poseloops.model.events import NUM_EVENTS, drums_to_event
from poseloops.model.ngram import NgramModel

KICK_HAT, HAT, SNARE_HAT = drums_to_event([0, 2]), drums_to_event([2]), drums_to_event([1, 2])
BAR = [KICK_HAT, 0, HAT, 0, SNARE_HAT, 0, HAT, 0] * 2


@pytest.fixture(scope="module")
def rock():
    return NgramModel.fit([np.array(BAR * 8), np.array(BAR * 3)], order=4)


def test_distributions_sum_to_one_and_are_never_zero(rock):
    for history, position in [((0, 0, 0), 0), ((KICK_HAT, 0, 0), 1), ((511, 300, 7), 13)]:
        probs = rock.distribution(history, position)
        assert probs.shape == (NUM_EVENTS,)
        assert probs.min() > 0
        assert abs(probs.sum() - 1.0) < 1e-9


def test_a_repeated_beat_is_predicted_and_generated(rock):
    events = np.array(BAR * 2)
    hits = sum(rock.distribution(h, p).argmax() == e for (h, p), e in zip(rock.histories(events), events))
    assert hits == len(events)
    generated = rock.continue_events(np.array(BAR), steps=16, temperature=0.0, rng=np.random.default_rng(0))
    assert generated.tolist() == BAR


def test_unseen_contexts_back_off_to_the_position_then_uniform(rock):
    at_zero = rock.distribution((123, 45, 67), 0)
    assert at_zero.argmax() == KICK_HAT  # what position 0 held in training
    assert abs(at_zero[77] - at_zero[99]) < 1e-12  # two never-seen events share the uniform floor


def test_order_below_three_is_refused():
    with pytest.raises(ParameterError, match="order 2"):
        NgramModel.fit([np.array(BAR)], order=2)
    with pytest.raises(ParameterError, match="at least one sequence"):
        NgramModel.fit([])
