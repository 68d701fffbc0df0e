"""Keypoints JSON in the layouts pose tools write: COCO-17 and BlazePose-33."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poseloops.errors import ParameterError
from poseloops.seeds import BLAZEPOSE_33, COCO_17, Keypoints, keypoints_from_json, keypoints_to_dict, keypoints_to_json
from poseloops.seeds.keypoints import BODY_POINTS


def coco_rows(scale: float = 1.0) -> list[list[float]]:
    """A standing person, 17 [x, y, score] rows in pixels (x doubles as a per-point tag)."""
    return [[100 + 10 * i * scale, 50 + 20 * i * scale, 0.9] for i in range(17)]


def test_our_own_format_round_trips_for_both_layouts():
    rng = np.random.default_rng(0)
    for layout in (COCO_17, BLAZEPOSE_33):
        n = len(layout)
        original = Keypoints(layout, rng.uniform(0, 600, (n, 2)).round(2), rng.uniform(0, 1, n).round(3), (640.0, 480.0))
        back = keypoints_from_json(keypoints_to_json(original))
        assert back.layout is layout and back.frame_size == (640.0, 480.0)
        np.testing.assert_allclose(back.xy, original.xy, atol=1e-4)
        np.testing.assert_allclose(back.visibility, original.visibility, atol=1e-4)


def test_coco_annotation_flat_list_with_visibility_flags():
    flat = []
    for i in range(17):
        flat += [10.0 * i + 5, 200.0, 2 if i < 15 else 0]  # ankles not labelled
    kp = keypoints_from_json({"keypoints": flat, "num_keypoints": 15})
    assert kp.layout is COCO_17
    assert kp.visibility[:15].tolist() == [1.0] * 15 and kp.visibility[15:].tolist() == [0.0, 0.0]
    assert kp.xy[3].tolist() == [35.0, 200.0]


def test_ml5_posenet_items_in_any_order_are_placed_by_name():
    names = ["nose", "leftEye", "rightEye", "leftEar", "rightEar", "leftShoulder", "rightShoulder", "leftElbow",
             "rightElbow", "leftWrist", "rightWrist", "leftHip", "rightHip", "leftKnee", "rightKnee", "leftAnkle",
             "rightAnkle"]
    items = [{"part": name, "position": {"x": 10.0 * i, "y": 300.0}, "score": 0.8} for i, name in enumerate(names)]
    ml5 = [{"pose": {"score": 0.7, "keypoints": items[::-1]}, "skeleton": []}]  # reversed order
    kp = keypoints_from_json(json.dumps(ml5))
    assert kp.xy[COCO_17.index("left_wrist"), 0] == 90.0
    assert kp.xy[COCO_17.index("right_ankle"), 0] == 160.0


def test_mediapipe_landmarks_are_frame_fractions():
    landmarks = [{"x": 0.5, "y": i / 40, "z": -0.1, "visibility": 0.99} for i in range(33)]
    kp = keypoints_from_json({"landmarks": landmarks, "width": 640, "height": 480})
    assert kp.layout is BLAZEPOSE_33 and kp.frame_size == (640.0, 480.0)
    assert kp.xy[20].tolist() == [320.0, 240.0]  # scaled to pixels
    square = keypoints_from_json([[0.5, i / 40, 0.0, 0.9] for i in range(33)])  # [x, y, z, visibility] rows
    assert square.frame_size == (1.0, 1.0) and square.visibility[0] == 0.9


def test_several_people_give_the_largest():
    small = [[300 + i, 300 + i, 0.9] for i in range(17)]
    large = [[100 + 10 * i, 50 + 20 * i, 0.9] for i in range(17)]
    kp = keypoints_from_json({"people": [{"keypoints": small}, {"keypoints": large}, {"keypoints": small}]})
    assert kp.xy[0].tolist() == [100.0, 50.0]


def test_body_points_average_groups_and_respect_visibility():
    rows = coco_rows()
    rows[9][2] = 0.2  # left wrist hard to see
    positions, visible = keypoints_from_json(rows).body_points(visibility_threshold=0.5)
    assert len(positions) == len(BODY_POINTS)
    assert not visible[BODY_POINTS.index("left_hand")] and visible[BODY_POINTS.index("right_hand")]
    np.testing.assert_allclose(positions[0], np.mean([r[:2] for r in rows[:5]], axis=0))  # head = face points


def test_points_outside_the_frame_are_not_visible():
    rows = coco_rows()
    kp = keypoints_from_json({"keypoints": rows, "width": 150, "height": 1000})
    _, visible = kp.body_points(visibility_threshold=0.5)
    assert visible[BODY_POINTS.index("left_shoulder")]  # x 150 is on the edge
    assert not visible[BODY_POINTS.index("right_foot")]  # x 260 is far outside


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"keypoints": [[1, 2, 0.5]] * 20}, "20 keypoints; expected 17 (COCO) or 33 (BlazePose)"),
        ({"keypoints": [[1, 2, 0.5, 0.1, 9]] * 17}, "keypoint 0 has 5 numbers"),
        ({"keypoints": [[1, "a", 0.5]] * 17}, "not a number"),
        ({"keypoints": [[1, 2, 1.5]] * 17}, "score 1.5 is outside 0-1"),
        ({"keypoints": [1.0] * 50}, "not a multiple of 3"),
        ({"keypoints": {"x": 1}}, "must be a list"),
        ({"points": []}, 'no "keypoints"'),
        ({"layout": "coco17", "keypoints": [[1, 2, 1]] * 33}, "layout coco17 has 17 keypoints but the JSON gives 33"),
        ({"layout": "openpose", "keypoints": [[1, 2, 1]] * 17}, "not one of"),
        ("{not json", "not valid JSON"),
        (42, "must be an object or a list"),
        ([{"part": "nose", "position": {"x": 1}, "score": 1}] * 17, 'no "x" and "y"'),
    ],
)
def test_wrong_shapes_say_what_is_wrong(data, fragment):
    with pytest.raises(ParameterError, match=None) as err:
        keypoints_from_json(data)
    assert fragment in str(err.value)


@settings(max_examples=150, deadline=None)
@given(
    count=st.integers(0, 40),
    width=st.sampled_from([2, 3, 4]),
    values=st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e4, max_value=1e4), min_size=160, max_size=160),
    score=st.floats(0, 1),
)
def test_any_row_list_parses_iff_it_has_17_or_33_points(count, width, values, score):
    rows = [values[i * 4 : i * 4 + width] for i in range(count)]
    if width >= 3:
        for row in rows:
            row[-1] = score
    if count in (17, 33):
        kp = keypoints_from_json(json.dumps({"keypoints": rows}))
        assert len(kp) == count and kp.xy.shape == (count, 2)
        assert np.all((kp.visibility >= 0) & (kp.visibility <= 1))
    else:
        with pytest.raises(ParameterError, match="expected 17 .COCO. or 33 .BlazePose."):
            keypoints_from_json({"keypoints": rows})


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20))
def test_arbitrary_json_is_parsed_or_refused_with_a_parameter_error(data):
    try:
        kp = keypoints_from_json(data)
    except ParameterError:
        return
    assert len(kp) in (17, 33)


def test_dict_form_matches_the_documented_fields():
    data = keypoints_to_dict(keypoints_from_json({"keypoints": coco_rows(), "width": 640, "height": 480}))
    assert set(data) == {"layout", "keypoints", "width", "height"} and data["layout"] == "coco17"
    assert len(data["keypoints"]) == 17 and len(data["keypoints"][0]) == 3


def test_keypoints_are_read_only_copies():
    xy = np.zeros((17, 2))
    kp = Keypoints(COCO_17, xy, np.ones(17), None)
    xy[0, 0] = 99
    assert kp.xy[0, 0] == 0
    with pytest.raises(ValueError):
        kp.xy[0, 0] = 1
