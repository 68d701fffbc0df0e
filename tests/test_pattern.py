"""The Pattern type and its JSON and text-grid formats."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poseloops.errors import ParameterError
from poseloops.pattern import (
    DEFAULT_VELOCITY,
    MAX_STEPS,
    NUM_DRUMS,
    Pattern,
    dict_to_pattern,
    json_to_pattern,
    pattern_to_dict,
    pattern_to_json,
    pattern_to_text,
    text_to_pattern,
)

drum_sets = st.sets(st.integers(0, NUM_DRUMS - 1)).map(sorted)


@st.composite
def patterns(draw, max_steps: int = 48, with_velocities: bool = True, with_offsets: bool = True) -> Pattern:
    steps = draw(st.lists(drum_sets, max_size=max_steps))
    velocities = offsets = None
    if with_velocities:
        velocities = [draw(st.lists(st.integers(1, 127), min_size=len(s), max_size=len(s))) for s in steps]
    if with_offsets and draw(st.booleans()):
        offset = st.floats(-0.5, 0.5, exclude_max=True, allow_nan=False)
        offsets = [draw(st.lists(offset, min_size=len(s), max_size=len(s))) for s in steps]
    seed_length = draw(st.integers(0, len(steps)))
    bpm = draw(st.none() | st.floats(10, 300, allow_nan=False))
    return Pattern.from_steps(steps, velocities=velocities, offsets=offsets, seed_length=seed_length, bpm=bpm)


@given(patterns())
def test_json_round_trip(pattern):
    assert json_to_pattern(pattern_to_json(pattern)) == pattern


@given(patterns(with_velocities=False, with_offsets=False))
def test_text_round_trip(pattern):
    # The grid carries hits and the seed boundary; default velocities are implied.
    assert text_to_pattern(pattern_to_text(pattern)) == pattern.with_bpm(None)


@given(patterns())
def test_matrix_round_trip(pattern):
    matrix = pattern.to_matrix()
    assert matrix.shape == (len(pattern), NUM_DRUMS)
    assert int((matrix > 0).sum()) == pattern.num_hits
    rebuilt = Pattern.from_matrix(matrix, offsets=pattern.offset_matrix(), seed_length=pattern.seed_length,
                                  bpm=pattern.bpm)
    assert rebuilt == pattern


def test_pattern_without_offsets_is_on_the_grid_and_writes_none():
    pattern = Pattern.from_steps([[0, 2], [], [1]])
    assert pattern.offsets == ((0.0, 0.0), (), (0.0,))
    assert pattern.on_grid
    assert "offsets" not in pattern_to_dict(pattern)


def test_offsets_are_kept_sorted_with_their_drums_and_written_as_json():
    pattern = Pattern.from_steps([[2, 0]], velocities=[[50, 110]], offsets=[[0.25, -0.125]])
    assert pattern.steps == ((0, 2),)
    assert pattern.velocities == ((110, 50),)
    assert pattern.offsets == ((-0.125, 0.25),)
    assert pattern_to_dict(pattern)["offsets"] == [[-0.125, 0.25]]
    assert pattern.offset_matrix()[0, 2] == pytest.approx(0.25)


@pytest.mark.parametrize("offsets, fragment", [
    ([[0.5]], "outside [-0.5, 0.5)"),
    ([[-0.75]], "outside [-0.5, 0.5)"),
    ([[float("nan")]], "outside"),
    ([["late"]], "is not a number"),
    ([[0.1, 0.2]], "1 drums but 2 offsets"),
    ([], "offsets has 0 steps"),
])
def test_bad_offsets_name_the_problem(offsets, fragment):
    with pytest.raises(ParameterError, match=fragment.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        dict_to_pattern({"pattern": [[0]], "offsets": offsets})


def test_offsets_round_to_a_ten_thousandth_and_stay_below_half():
    pattern = Pattern.from_steps([[0], [1]], offsets=[[0.49999], [0.123456]])
    assert pattern.offsets == ((0.4999,), (0.1235,))


def test_origin_list_of_lists_reads_with_defaults():
    pattern = json_to_pattern("[[0, 2], [], [2, 5, 8]]")
    assert pattern.steps == ((0, 2), (), (2, 5, 8))
    assert pattern.seed_length == 3
    assert pattern.velocities == ((DEFAULT_VELOCITY,) * 2, (), (DEFAULT_VELOCITY,) * 3)


def test_unsorted_steps_are_sorted_with_their_velocities():
    pattern = Pattern.from_steps([[8, 0, 2]], velocities=[[30, 100, 60]])
    assert pattern.steps == ((0, 2, 8),)
    assert pattern.velocities == ((100, 60, 30),)


def test_json_omits_default_velocities_and_keeps_others():
    plain = pattern_to_dict(Pattern.from_steps([[0], [1]]))
    assert "velocities" not in plain
    loud = pattern_to_dict(Pattern.from_steps([[0], [1]], velocities=[[127], [20]], bpm=90))
    assert loud["velocities"] == [[127], [20]]
    assert loud["bpm"] == 90


def test_text_grid_layout_is_readable():
    pattern = Pattern.from_steps([[0, 2], [], [2], [], [1, 2]], seed_length=4)
    lines = pattern_to_text(pattern).splitlines()
    assert len(lines) == NUM_DRUMS
    assert lines[0].split() == ["kick", "x...|."]
    assert lines[1].split() == ["snare", "....|x"]
    assert lines[2].split() == ["hh-closed", "x.x.|x"]


def test_text_grid_accepts_hand_written_variants():
    text = """
    # a hand-drawn seed; rows in any order, names or numbers as labels
    snare  . . x .
    kick   x . . .
    2      x x x x
    hh-open . . . .
    low-tom . . . .
    tom-mid . . . .
    tom-high . . . .
    crash . . . .
    ride . . . X
    """
    pattern = text_to_pattern(text)
    assert pattern.steps == ((0, 2), (2,), (1, 2), (2, 8))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("kick x.\n", "no row for"),
        ("\n".join(f"{label} x." for label in ["kick"] * 9), "appears twice"),
        ("bongo x.\n", "not a drum row label"),
    ],
)
def test_text_grid_errors_name_the_problem(text, fragment):
    with pytest.raises(ParameterError, match=fragment):
        text_to_pattern(text)


def test_text_grid_rows_of_different_length_are_refused():
    rows = [f"{label} x..." for label in ["kick", "snare", "hh-closed", "hh-open", "tom-low", "tom-mid", "tom-high", "crash"]]
    rows.append("ride x..")
    with pytest.raises(ParameterError, match="different lengths"):
        text_to_pattern("\n".join(rows))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"pattern": [[9]]}, "drum 9"),
        ({"pattern": [[-1]]}, "drum -1"),
        ({"pattern": [[0, 0]]}, "same drum twice"),
        ({"pattern": [[0]], "velocities": [[0]]}, "velocity 0"),
        ({"pattern": [[0]], "velocities": [[128]]}, "velocity 128"),
        ({"pattern": [[0]], "velocities": [[1, 2]]}, "1 drums but 2 velocities"),
        ({"pattern": [[0]], "seed_length": 2}, "seed_length 2"),
        ({"pattern": [[0]], "bpm": 5}, "bpm 5"),
        ({"pattern": [["kick"]]}, "'kick' is not a whole number"),
        ({"pattern": "x..."}, "must be a list"),
        ({"steps": []}, 'no "pattern" field'),
        ({"pattern": [], "colour": "red"}, "unknown fields: colour"),
        ({"pattern": [[]] * (MAX_STEPS + 1)}, f"maximum is {MAX_STEPS}"),
        (42, "must be an object"),
    ],
)
def test_bad_json_is_refused_naming_the_problem(data, fragment):
    with pytest.raises(ParameterError, match=fragment):
        dict_to_pattern(data)


def test_malformed_json_text_names_the_position():
    with pytest.raises(ParameterError, match="not valid JSON.*line 1"):
        json_to_pattern('{"pattern": [[0],')


@settings(max_examples=200)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_any_json_value_either_parses_or_raises_parameter_error(value):
    try:
        pattern = dict_to_pattern(value)
    except ParameterError:
        return
    assert isinstance(pattern, Pattern)
    assert json_to_pattern(pattern_to_json(pattern)) == pattern


def test_patterns_are_immutable_and_operations_return_new_ones():
    seed = Pattern.from_steps([[0], [2]])
    tail = Pattern.from_steps([[1]])
    joined = seed.concat(tail)
    assert seed.steps == ((0,), (2,)) and len(joined) == 3
    assert joined.seed_length == 2 and joined.seed == seed
    with pytest.raises(AttributeError):
        seed.seed_length = 0  # type: ignore[misc]


def test_slice_keeps_the_part_of_the_seed_inside():
    pattern = Pattern.from_steps([[0]] * 8, seed_length=4)
    assert pattern.slice(2, 6).seed_length == 2
    assert pattern.slice(5, 8).seed_length == 0


def test_from_matrix_rejects_wrong_shapes():
    with pytest.raises(ParameterError, match=r"shape \(steps, 9\)"):
        Pattern.from_matrix(np.zeros((4, 8)))


def test_json_is_one_line_and_standard():
    text = pattern_to_json(Pattern.from_steps([[0, 2], [], [2, 5, 8]], seed_length=3))
    assert "\n" not in text
    assert json.loads(text) == {"pattern": [[0, 2], [], [2, 5, 8]], "seed_length": 3}
