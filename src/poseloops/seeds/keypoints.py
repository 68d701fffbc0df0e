"""Body keypoints of one person, in the two layouts pose sources use.

``Keypoints`` holds ``n`` points (17 COCO/PoseNet or 33 BlazePose landmarks):
``xy`` in pixels (x right, y down) with the frame size when it is known, and a
visibility score per point in 0..1. Both layouts reduce to the same 13
``BODY_POINTS`` (head, shoulders, elbows, hands, hips, knees, feet), so a seed
does not depend on which estimator produced the keypoints.

Reading and writing them as JSON is ``keypoints_json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError


@dataclass(frozen=True)
class KeypointLayout:
    """A named list of landmarks and the body points each group of them forms."""

    name: str
    landmarks: tuple[str, ...]
    # For each of BODY_POINTS, the landmarks whose mean position stands for it.
    body_groups: tuple[tuple[str, ...], ...]
    edges: tuple[tuple[str, str], ...]  # bones, for drawing a skeleton

    def __len__(self) -> int:
        return len(self.landmarks)

    def index(self, landmark: str) -> int:
        return self.landmarks.index(landmark)


# The 13 points a seed is made from: every layout reduces to these.
BODY_POINTS = (
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_hand",
    "right_hand",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_foot",
    "right_foot",
)

_LIMB_EDGES = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
)

COCO_17 = KeypointLayout(
    name="coco17",
    landmarks=(
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ),  # fmt: skip
    body_groups=(
        ("nose", "left_eye", "right_eye", "left_ear", "right_ear"),
        ("left_shoulder",), ("right_shoulder",), ("left_elbow",), ("right_elbow",),
        ("left_wrist",), ("right_wrist",), ("left_hip",), ("right_hip",),
        ("left_knee",), ("right_knee",), ("left_ankle",), ("right_ankle",),
    ),  # fmt: skip
    edges=_LIMB_EDGES + (("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear")),
)

BLAZEPOSE_33 = KeypointLayout(
    name="blazepose33",
    landmarks=(
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
        "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        "left_heel", "right_heel", "left_foot_index", "right_foot_index",
    ),  # fmt: skip
    body_groups=(
        ("nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
         "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right"),
        ("left_shoulder",), ("right_shoulder",), ("left_elbow",), ("right_elbow",),
        ("left_wrist", "left_pinky", "left_index", "left_thumb"),
        ("right_wrist", "right_pinky", "right_index", "right_thumb"),
        ("left_hip",), ("right_hip",), ("left_knee",), ("right_knee",),
        ("left_ankle", "left_heel", "left_foot_index"),
        ("right_ankle", "right_heel", "right_foot_index"),
    ),  # fmt: skip
    edges=_LIMB_EDGES
    + (
        ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
        ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
        ("left_wrist", "left_index"), ("right_wrist", "right_index"),
        ("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear"),
        ("mouth_left", "mouth_right"),
    ),  # fmt: skip
)

LAYOUTS = {layout.name: layout for layout in (COCO_17, BLAZEPOSE_33)}

# A body point further outside the frame than this share of its size is a guess.
FRAME_MARGIN = 0.02


@dataclass(frozen=True, eq=False)
class Keypoints:
    """One person's landmarks.

    ``xy``: float array ``(n, 2)`` in pixels, x right and y down (or in frame
    fractions with ``frame_size == (1.0, 1.0)`` when only those are known);
    ``visibility``: float array ``(n,)`` in 0..1; ``frame_size``: ``(width,
    height)`` in the units of ``xy``, or ``None`` when the frame is unknown.
    Arrays are read-only copies, so a ``Keypoints`` never changes.
    """

    layout: KeypointLayout
    xy: np.ndarray
    visibility: np.ndarray
    frame_size: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        xy = np.array(self.xy, dtype=np.float64)
        visibility = np.array(self.visibility, dtype=np.float64)
        check_keypoint_arrays(xy, visibility, self.layout)
        if self.frame_size is not None:
            width, height = self.frame_size
            if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
                raise ParameterError(f"frame size {self.frame_size} must be two positive numbers")
        xy.flags.writeable = False
        visibility.flags.writeable = False
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "visibility", visibility)

    def __len__(self) -> int:
        return len(self.layout)

    def body_points(
        self, *, visibility_threshold: float = 0.0, inside_frame_only: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The 13 ``BODY_POINTS``: positions ``(13, 2)`` and a mask of the visible ones.

        A body point is the mean of all its group's landmarks (a foot: ankle, heel
        and toe), visible when any of them has a visibility of at least
        ``visibility_threshold``. Averaging the whole group rather than only its
        visible members keeps the point from jumping when one toe flickers in and
        out of view. A point outside the frame (when its size is known) is not
        visible either, unless ``inside_frame_only`` is false: estimators guess
        those, and the guesses flicker. Positions
        of points that are not visible are NaN.
        """
        positions = np.full((len(BODY_POINTS), 2), np.nan)
        for k, rows in enumerate(self._group_rows()):
            if self.visibility[rows].max() >= visibility_threshold:
                positions[k] = self.xy[rows].mean(axis=0)
        if inside_frame_only:
            positions[self.share_outside_frame(positions) > FRAME_MARGIN] = np.nan
        return positions, ~np.isnan(positions[:, 0])

    def share_outside_frame(self, positions: np.ndarray) -> np.ndarray:
        """How far each of ``positions`` ``(n, 2)`` lies outside the frame, as a share of its size.

        0 inside the frame, and everywhere when the frame size is unknown; NaN for NaN positions.
        """
        if self.frame_size is None:
            return np.where(np.isnan(positions[:, 0]), np.nan, 0.0)
        size = np.array(self.frame_size)
        beyond = np.maximum(-positions, positions - size) / size
        return np.maximum(beyond.max(axis=1), 0.0)

    def body_point_scores(self) -> np.ndarray:
        """The best visibility among each body point's landmarks, shape ``(13,)``."""
        return np.array([self.visibility[rows].max() for rows in self._group_rows()])

    def _group_rows(self) -> list[list[int]]:
        return [[self.layout.index(name) for name in group] for group in self.layout.body_groups]

    def visible_box(self, *, visibility_threshold: float = 0.5) -> tuple[float, float, float, float] | None:
        """``(x0, y0, x1, y1)`` around the visible body points, or ``None`` if fewer than two."""
        positions, visible = self.body_points(visibility_threshold=visibility_threshold)
        if visible.sum() < 2:
            return None
        seen = positions[visible]
        return (*seen.min(axis=0), *seen.max(axis=0))

    def translated(self, dx: float, dy: float, *, frame_size: tuple[float, float] | None) -> "Keypoints":
        """The same keypoints moved by ``(dx, dy)`` into a frame of ``frame_size``."""
        return Keypoints(self.layout, self.xy + (dx, dy), self.visibility, frame_size)


def check_keypoint_arrays(xy: np.ndarray, visibility: np.ndarray, layout: KeypointLayout) -> None:
    """Raise ``ParameterError`` unless the arrays fit ``layout`` and hold finite, in-range values."""
    n = len(layout)
    if xy.shape != (n, 2):
        raise ParameterError(f"{layout.name} keypoints need an ({n}, 2) array of x, y; got shape {xy.shape}")
    if visibility.shape != (n,):
        raise ParameterError(f"{layout.name} keypoints need {n} visibility scores; got shape {visibility.shape}")
    if not np.isfinite(xy).all():
        raise ParameterError(f"keypoint {int(np.flatnonzero(~np.isfinite(xy).all(axis=1))[0])} has a non-finite x or y")
    bad = np.flatnonzero(~((visibility >= 0) & (visibility <= 1)))
    if bad.size:
        raise ParameterError(f"keypoint {int(bad[0])}: visibility {visibility[bad[0]]} is outside 0-1")


def person_prominence(keypoints: Keypoints) -> tuple[float, int]:
    """How much of a person shows: visible box area, then visible point count (bigger is more)."""
    box = keypoints.visible_box()
    if box is None:
        return (0.0, 0)
    x0, y0, x1, y1 = box
    _, visible = keypoints.body_points(visibility_threshold=0.5)
    return ((x1 - x0) * (y1 - y0), int(visible.sum()))
