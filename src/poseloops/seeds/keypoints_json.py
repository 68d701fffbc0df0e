"""Keypoints as JSON: our own object, and what common pose tools write.

``keypoints_from_json`` accepts our own object (``keypoints_to_dict``), a COCO
annotation's flat ``[x, y, v, ...]`` list, ml5/PoseNet's ``{"part", "position",
"score"}`` items, TF.js and MediaPipe's ``{"x", "y", "score"|"visibility"}``
items, and bare ``[x, y(, z), score]`` rows; items that carry names may come in
any order. A document of several people gives the one whose body shows most.
"""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np

from ..errors import ParameterError
from .keypoints import LAYOUTS, Keypoints, KeypointLayout, person_prominence

_LAYOUT_BY_SIZE = {len(layout): layout for layout in LAYOUTS.values()}
# Coordinates that all lie within this range are taken as fractions of the frame
# (MediaPipe, TF.js normalised output) rather than pixels: no real photo is 1.5 px wide.
_NORMALISED_RANGE = (-0.5, 1.5)
# COCO annotations flag each point 0 (not labelled), 1 (labelled, hidden) or 2 (visible).
_COCO_FLAG_VISIBILITY = {0: 0.0, 1: 0.5, 2: 1.0}


def keypoints_to_dict(keypoints: Keypoints) -> dict[str, Any]:
    """Our JSON object: ``{"layout", "keypoints": [[x, y, visibility], ...]}`` (+ ``width``, ``height``)."""
    data: dict[str, Any] = {
        "layout": keypoints.layout.name,
        "keypoints": [
            [round(float(x), 4), round(float(y), 4), round(float(v), 4)]
            for (x, y), v in zip(keypoints.xy, keypoints.visibility)
        ],
    }
    if keypoints.frame_size is not None:
        data["width"], data["height"] = keypoints.frame_size
    return data


def keypoints_to_json(keypoints: Keypoints) -> str:
    """``keypoints_to_dict`` as one line of JSON text."""
    return json.dumps(keypoints_to_dict(keypoints))


def keypoints_from_json(data: str | bytes | dict | list) -> Keypoints:
    """One person's keypoints from JSON text or an already parsed object.

    Accepts our own object (``keypoints_to_dict``) and the formats listed in the
    module docstring, with 17 (COCO) or 33 (BlazePose) points; items that carry
    names may come in any order. A list of several people (ml5's
    ``[{"pose": ...}, ...]``, ``{"people": [...]}``) gives the person with the
    largest visible body. Raises ``ParameterError`` naming what is wrong.
    """
    if isinstance(data, (str, bytes, bytearray)):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ParameterError(f"keypoints are not valid JSON: {err}") from None
    people = _people_in(data)
    if not people:
        raise ParameterError("keypoints JSON holds no person")
    parsed = [_person_from_json(person) for person in people]
    return max(parsed, key=person_prominence)


def _people_in(data: Any) -> list[Any]:
    """The list of per-person objects in a parsed JSON document."""
    if isinstance(data, dict):
        for key in ("people", "poses", "annotations"):
            if key in data:
                if not isinstance(data[key], list):
                    raise ParameterError(f'keypoints JSON field "{key}" must be a list of people')
                return data[key]
        return [data]
    if isinstance(data, list):
        # A list of people (ml5/TF.js) as opposed to one person's list of points.
        if data and all(isinstance(item, dict) and ("pose" in item or "keypoints" in item) for item in data):
            return data
        return [data]
    raise ParameterError(f"keypoints JSON must be an object or a list, got {type(data).__name__}")


def _person_from_json(person: Any) -> Keypoints:
    frame_size = None
    layout_name = None
    if isinstance(person, dict):
        if "pose" in person:  # ml5: {"pose": {"keypoints": [...]}, "skeleton": [...]}
            person = person["pose"]
        if not isinstance(person, dict):
            raise ParameterError('keypoints JSON "pose" must be an object')
        frame_size = _frame_size(person)
        layout_name = person.get("layout")
        items = next((person[k] for k in ("keypoints", "landmarks", "poseLandmarks") if k in person), None)
        if items is None:
            raise ParameterError('keypoints JSON object has no "keypoints" (or "landmarks") field')
    else:
        items = person
    if not isinstance(items, list):
        raise ParameterError(f"keypoints must be a list, got {type(items).__name__}")
    rows, names = _rows_from_items(items)
    layout = _layout_for(len(rows), layout_name)
    if names is not None:
        rows = _ordered_by_name(rows, names, layout)
    array = np.array(rows, dtype=np.float64)
    return _keypoints_from_rows(array, layout, frame_size)


def _frame_size(person: dict) -> tuple[float, float] | None:
    width = person.get("width", person.get("image_width"))
    height = person.get("height", person.get("image_height"))
    if width is None and height is None:
        return None
    if not all(_is_number(v) and v > 0 for v in (width, height)):
        raise ParameterError(f"keypoints JSON width and height must both be positive numbers, got {width!r}, {height!r}")
    return float(width), float(height)


def _layout_for(count: int, name: Any) -> KeypointLayout:
    if name is not None:
        if not isinstance(name, str) or name not in LAYOUTS:
            raise ParameterError(f"keypoints layout {name!r} is not one of: {', '.join(LAYOUTS)}")
        layout = LAYOUTS[name]
        if count != len(layout):
            raise ParameterError(f"layout {name} has {len(layout)} keypoints but the JSON gives {count}")
        return layout
    if count not in _LAYOUT_BY_SIZE:
        raise ParameterError(f"keypoints JSON has {count} keypoints; expected 17 (COCO) or 33 (BlazePose)")
    return _LAYOUT_BY_SIZE[count]


def _rows_from_items(items: list) -> tuple[list[tuple[float, float, float]], list[str] | None]:
    """``(x, y, visibility)`` rows from a list of points, and their names if every item has one."""
    if items and all(_is_number(v) for v in items):  # COCO's flat [x1, y1, v1, x2, ...]
        return _rows_from_flat(items), None
    rows, names = [], []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            rows.append(_row_from_dict(item, i))
            names.append(item.get("part", item.get("name")))
        elif isinstance(item, (list, tuple)):
            rows.append(_row_from_list(item, i))
            names.append(None)
        else:
            raise ParameterError(f"keypoint {i} is a {type(item).__name__}; expected a list or an object")
    if all(isinstance(name, str) for name in names) and names:
        return rows, names
    return rows, None


def _rows_from_flat(values: list) -> list[tuple[float, float, float]]:
    if len(values) % 3:
        raise ParameterError(f"a flat keypoint list needs x, y, v triples; {len(values)} numbers is not a multiple of 3")
    triples = [tuple(float(v) for v in values[i : i + 3]) for i in range(0, len(values), 3)]
    flags = {t[2] for t in triples}
    if flags <= set(_COCO_FLAG_VISIBILITY) and 2.0 in flags:  # COCO visibility flags
        return [(x, y, _COCO_FLAG_VISIBILITY[int(v)]) for x, y, v in triples]
    return [_checked_row(x, y, v, i) for i, (x, y, v) in enumerate(triples)]


def _row_from_list(item: Sequence, index: int) -> tuple[float, float, float]:
    if not all(_is_number(v) for v in item):
        raise ParameterError(f"keypoint {index}: {list(item)!r} holds something that is not a number")
    if len(item) == 2:
        return _checked_row(item[0], item[1], 1.0, index)
    if len(item) == 3:
        return _checked_row(item[0], item[1], item[2], index)
    if len(item) == 4:  # x, y, z, visibility: the depth z is not used
        return _checked_row(item[0], item[1], item[3], index)
    raise ParameterError(
        f"keypoint {index} has {len(item)} numbers; expected [x, y], [x, y, score] or [x, y, z, visibility]"
    )


def _row_from_dict(item: dict, index: int) -> tuple[float, float, float]:
    position = item.get("position", item)
    if not isinstance(position, dict) or "x" not in position or "y" not in position:
        raise ParameterError(f'keypoint {index} has no "x" and "y"')
    score = item.get("score", item.get("visibility", 1.0))
    for name, value in (("x", position["x"]), ("y", position["y"]), ("score", score)):
        if not _is_number(value):
            raise ParameterError(f"keypoint {index}: {name} {value!r} is not a number")
    return _checked_row(position["x"], position["y"], score, index)


def _checked_row(x: Any, y: Any, visibility: Any, index: int) -> tuple[float, float, float]:
    x, y, visibility = float(x), float(y), float(visibility)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ParameterError(f"keypoint {index}: position ({x}, {y}) is not finite")
    if not 0.0 <= visibility <= 1.0:
        raise ParameterError(f"keypoint {index}: score {visibility} is outside 0-1")
    return x, y, visibility


def _ordered_by_name(rows: list, names: list[str], layout: KeypointLayout) -> list:
    """Rows reordered to ``layout`` by their names (``leftEye`` and ``left_eye`` both match)."""
    wanted = {_name_key(name): i for i, name in enumerate(layout.landmarks)}
    ordered: list = [None] * len(layout)
    for row, name in zip(rows, names):
        key = _name_key(name)
        if key not in wanted:
            raise ParameterError(f"keypoint name {name!r} is not a {layout.name} landmark")
        if ordered[wanted[key]] is not None:
            raise ParameterError(f"keypoint {name!r} appears twice")
        ordered[wanted[key]] = row
    return ordered


def _name_key(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _keypoints_from_rows(array: np.ndarray, layout: KeypointLayout, frame_size) -> Keypoints:
    xy, visibility = array[:, :2], array[:, 2]
    low, high = _NORMALISED_RANGE
    if low <= xy.min() and xy.max() <= high:  # frame fractions
        if frame_size is None:
            # Unknown frame: treat it as square (documented in docs/seeds.md).
            return Keypoints(layout, xy, visibility, (1.0, 1.0))
        return Keypoints(layout, xy * frame_size, visibility, frame_size)
    return Keypoints(layout, xy, visibility, frame_size)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
