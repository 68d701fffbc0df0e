"""``poseloops.timing``: when each hit sounds (grid, swing, offsets) and how much of the groove is played.

Expected values come from the definitions in the module's docstring, written
out by hand here: an odd 16th moves ``(swing - 0.5) * 2`` of a step late, a
hit's offset moves it on top of that, and ``apply_groove(p, a)`` keeps ``a``
of each velocity's distance from 100 and ``a`` of each offset.
"""

from __future__ import annotations

import numpy as np
import pytest

from poseloops import Pattern
from poseloops.errors import ParameterError
from poseloops.timing import apply_groove, check_groove, check_swing, hit_times, swing_shift

PLAYED = Pattern.from_steps(
    [[0, 2], [2], [1], [2, 7]],
    velocities=[[120, 40], [60], [127], [1, 90]],
    offsets=[[0.2, -0.1], [0.4], [-0.5], [0.0, 0.3]],
    seed_length=2,
    bpm=93.0,
)


def test_swing_moves_only_the_odd_sixteenths_by_twice_its_distance_from_straight():
    np.testing.assert_allclose(swing_shift(np.arange(6), 0.5), [0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(swing_shift(np.arange(6), 0.6), [0, 0.2, 0, 0.2, 0, 0.2])
    np.testing.assert_allclose(swing_shift(np.arange(4), 0.75), [0, 0.5, 0, 0.5])
    assert float(swing_shift(7, 0.55)) == pytest.approx(0.1)


def test_hit_times_are_grid_plus_swing_plus_offset_in_pattern_order():
    hits = hit_times(PLAYED, swing=0.6)
    assert [(h.step, h.drum, h.velocity) for h in hits] == [(0, 0, 120), (0, 2, 40), (1, 2, 60), (2, 1, 127),
                                                            (3, 2, 1), (3, 7, 90)]
    np.testing.assert_allclose([h.offset for h in hits], [0.2, -0.1, 0.4, -0.5, 0.0, 0.3])
    np.testing.assert_allclose([h.time for h in hits], [0.2, -0.1, 1 + 0.2 + 0.4, 2 - 0.5, 3 + 0.2, 3 + 0.2 + 0.3])
    straight = hit_times(PLAYED)
    np.testing.assert_allclose([h.time for h in straight], [0.2, -0.1, 1.4, 1.5, 3.0, 3.3])


def test_apply_groove_scales_velocities_toward_100_and_offsets_toward_the_grid():
    half = apply_groove(PLAYED, 0.5)
    assert half.steps == PLAYED.steps and half.seed_length == 2 and half.bpm == 93.0
    # 100 + 0.5 * (v - 100), rounded: 120 -> 110, 40 -> 70, 60 -> 80, 127 -> 113.5 -> 114, 1 -> 50.5 -> 50, 90 -> 95
    assert [v for vels in half.velocities for v in vels] == [110, 70, 80, 114, 50, 95]
    np.testing.assert_allclose([o for offs in half.offsets for o in offs], [0.1, -0.05, 0.2, -0.25, 0.0, 0.15])
    quarter = apply_groove(PLAYED, 0.25)
    np.testing.assert_allclose([o for offs in quarter.offsets for o in offs], [0.05, -0.025, 0.1, -0.125, 0.0, 0.075])
    assert [v for vels in quarter.velocities for v in vels] == [105, 85, 90, 107, 75, 98]


def test_groove_zero_is_the_straight_grid_at_one_velocity_and_one_is_the_pattern():
    straight = apply_groove(PLAYED, 0.0)
    assert straight.steps == PLAYED.steps and straight.on_grid
    assert {v for vels in straight.velocities for v in vels} == {100}
    assert [h.time for h in hit_times(straight, swing=0.6)] == pytest.approx([0, 0, 1.2, 2, 3.2, 3.2])
    assert apply_groove(PLAYED, 1.0) == PLAYED
    assert apply_groove(PLAYED, 1) == PLAYED


def test_apply_groove_leaves_the_callers_pattern_alone():
    before = (PLAYED.steps, PLAYED.velocities, PLAYED.offsets)
    apply_groove(PLAYED, 0.3)
    assert (PLAYED.steps, PLAYED.velocities, PLAYED.offsets) == before


@pytest.mark.parametrize("swing", [0.5, 0.62, 0.75, np.float32(0.7)])
def test_swing_in_range_is_accepted(swing):
    assert check_swing(swing) == pytest.approx(float(swing))


@pytest.mark.parametrize("swing", [0.49, 0.76, True, "0.6", None, float("nan")])
def test_swing_out_of_range_or_not_a_number_is_refused(swing):
    with pytest.raises(ParameterError, match="swing"):
        check_swing(swing)
    with pytest.raises(ParameterError, match="swing"):
        hit_times(PLAYED, swing=swing)


@pytest.mark.parametrize("amount", [-0.01, 1.01, float("nan"), float("inf"), True, "1", None])
def test_groove_out_of_range_or_not_a_number_is_refused(amount):
    with pytest.raises(ParameterError, match="groove"):
        check_groove(amount)
    with pytest.raises(ParameterError, match="groove"):
        apply_groove(PLAYED, amount)
