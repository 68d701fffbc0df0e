"""Random dice and the hand-drawn grid as seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poseloops.errors import ParameterError
from poseloops.pattern import NUM_DRUMS, Pattern, pattern_to_json, pattern_to_text
from poseloops.seeds import grid_to_pattern, roll_dice
from poseloops.seeds.dice import DEFAULT_HIGH, DEFAULT_LENGTH, DEFAULT_LOW


def test_default_roll_is_a_groove_of_kick_snare_and_hat():
    seed = roll_dice(rng_seed=0)
    assert len(seed) == 10 and seed.seed_length == 10
    drums = {d for step in seed.steps for d in step}
    assert drums <= {0, 1, 2} and len(drums) >= 2  # not the origin's single low tom
    assert all(1 <= len(step) <= DEFAULT_LENGTH for step in seed.steps)


def test_max_is_inclusive_unlike_the_origin():
    # The origin's min 4, max 5 could only roll drum 4; ours reaches 5 as well.
    seen = {d for step in roll_dice(steps=200, length=1, low=4, high=5, rng_seed=1).steps for d in step}
    assert seen == {4, 5}
    assert {d for s in roll_dice(steps=50, length=3, low=8, high=8, rng_seed=2).steps for d in s} == {8}


def test_same_rng_seed_same_roll_and_different_seeds_differ():
    assert roll_dice(rng_seed=42) == roll_dice(rng_seed=42)
    rolls = {pattern_to_json(roll_dice(rng_seed=n)) for n in range(20)}
    assert len(rolls) >= 18


def test_draws_are_roughly_uniform():
    counts = np.zeros(NUM_DRUMS)
    for rng_seed in range(3):
        for step in roll_dice(steps=1000, length=1, low=0, high=8, rng_seed=rng_seed).steps:
            counts[step[0]] += 1
    assert counts.min() > 3000 / 9 * 0.8 and counts.max() < 3000 / 9 * 1.2


@settings(max_examples=200, deadline=None)
@given(
    steps=st.integers(-5, 1100),
    length=st.integers(-2, 12),
    low=st.integers(-3, 11),
    high=st.integers(-3, 11),
)
def test_dice_accept_exactly_the_valid_ranges(steps, length, low, high):
    valid = 1 <= steps <= 1024 and 1 <= length <= 9 and 0 <= low <= 8 and 0 <= high <= 8 and low <= high
    if valid:
        seed = roll_dice(steps=steps, length=length, low=low, high=high, rng_seed=0)
        assert len(seed) == steps
        assert all(low <= d <= high for step in seed.steps for d in step)
        assert all(1 <= len(step) <= min(length, high - low + 1) for step in seed.steps)
        assert all(list(step) == sorted(set(step)) for step in seed.steps)
    else:
        with pytest.raises(ParameterError) as err:
            roll_dice(steps=steps, length=length, low=low, high=high, rng_seed=0)
        named = [name for name, ok in (("steps", 1 <= steps <= 1024), ("length", 1 <= length <= 9),
                                       ("low", 0 <= low <= 8), ("high", 0 <= high <= 8)) if not ok]
        assert (named[0] if named else "low") in str(err.value)


@pytest.mark.parametrize("bad", [1.5, "3", True, None])
def test_dice_refuse_non_integers(bad):
    with pytest.raises(ParameterError, match="length"):
        roll_dice(length=bad)


def test_defaults_are_the_documented_ones():
    assert (DEFAULT_LENGTH, DEFAULT_LOW, DEFAULT_HIGH) == (2, 0, 2)


def test_grid_from_lists_text_and_json_agree():
    cells = [[2, 0], [], [5, 2, 8]]
    from_list = grid_to_pattern(cells)
    assert from_list.steps == ((0, 2), (), (2, 5, 8))
    assert grid_to_pattern(pattern_to_text(from_list)) == from_list
    assert grid_to_pattern(pattern_to_json(from_list)) == from_list
    assert grid_to_pattern({"pattern": cells}) == from_list


@pytest.mark.parametrize("cells", [[], [[], [], []]])
def test_an_empty_grid_is_a_valid_seed(cells):
    seed = grid_to_pattern(cells)
    assert len(seed) == len(cells) and seed.num_hits == 0


def test_model_starts_a_new_piece_from_an_empty_grid():
    from poseloops.model import generate

    loop = generate(grid_to_pattern([[]] * 4), steps=16, rng_seed=0)[0]
    assert loop.seed_length == 4 and loop.slice(0, 4).num_hits == 0
    assert loop.slice(4, 20).num_hits > 0


@pytest.mark.parametrize(
    "cells, fragment",
    [([[9]], "drum 9"), ([[0, 0]], "same drum twice"), ([["a"]], "not a whole number"), ("kick x\n", "no row for")],
)
def test_bad_grids_name_the_problem(cells, fragment):
    with pytest.raises(ParameterError, match=fragment):
        grid_to_pattern(cells)


def test_grid_does_not_keep_the_callers_list():
    cells = [[1], [0]]
    seed = grid_to_pattern(cells)
    cells[0].append(2)
    assert seed.steps == ((1,), (0,)) and isinstance(seed, Pattern)
