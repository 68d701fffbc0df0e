"""Where your body is decides what plays when: keypoints to a seed pattern.

Eleven body points (head, shoulders, elbows, hands, knees, feet; see
``PLAYING_POINTS``) each strike one cell of a ``steps x 9`` grid:

- **Left to right is time.** A point's place across the body picks its step.
  The bar is centred on the torso and ``ARM_SPAN`` body heights wide, so a
  person standing with arms down fills the middle of the bar and arms spread
  wide reach its first and last steps. ``mirror=True`` flips time for a
  selfie camera (which shows the user mirrored).
- **Height picks the drum**, on ``HEIGHT_LADDER``, laid out like a kit standing
  around you: feet kick, knees play the low tom, hanging hands and elbows the
  snare, shoulders the closed hat, the head the ride; hands at the thigh and
  chest reach the mid and high tom, hands at the top of the head the open hat
  and hands stretched above it the crash. Height is measured on a body model
  hung on the torso (hip and shoulder midpoints): 0 where a standing person's
  feet are (``FEET_BELOW_HIPS`` torso lengths below the hips), 1 at the head
  (``HEAD_ABOVE_HIPS`` above them). The estimator finds the torso most
  steadily, so a hand or foot flickering in and out of view moves only itself.
  In a half-body shot the frame's bottom edge is the floor, so what is lowest
  in view still kicks.
- ``normalize="frame"`` measures in the picture instead: its left and right
  edges are the bar's ends, its bottom edge is the floor and its top edge is
  ``FRAME_TOP_HEIGHT`` (as high as raised hands reach).

Only points whose landmarks reach ``visibility_threshold`` and lie inside the
frame play; fewer than ``MIN_VISIBLE_POINTS`` visible is no person at all.
docs/seeds.md shows the mapping on a real photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NoPersonError, ParameterError
from ..pattern import NUM_DRUMS, Pattern, check_num_steps
from .keypoints import BODY_POINTS, FRAME_MARGIN, Keypoints

if TYPE_CHECKING:
    from .pose_estimator import PoseEstimator

DEFAULT_STEPS = 10  # the origin's seed length
DEFAULT_VISIBILITY_THRESHOLD = 0.5  # MediaPipe's own cut-off for drawing a landmark
MIN_VISIBILITY, MAX_VISIBILITY = 0.0, 1.0  # a landmark's visibility is a probability
MIN_VISIBLE_POINTS = 3  # fewer cannot span a body box
NORMALIZE_MODES = ("body", "frame")

KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE = range(NUM_DRUMS)

# The height ladder: (drum, upper edge), heights 0 at a standing person's feet
# and 1 at the head (see FEET_BELOW_HIPS). The bands are laid out so that a person standing with arms
# down plays a groove: feet kick, knees the low tom, hands and elbows the
# snare, shoulders the closed hat, the head the ride. Edges sit between where
# those joints fall on the COCO photos, so small jitter rarely changes a drum
# (docs/seeds.md has the figures). The toms between are reached by moving: a hand at the
# thigh (mid tom) or the chest (high tom); raised hands reach the cymbals.
HEIGHT_LADDER = (
    (KICK, 0.16),
    (LOW_TOM, 0.40),
    (MID_TOM, 0.47),
    (SNARE, 0.69),
    (HIGH_TOM, 0.78),
    (CLOSED_HAT, 0.95),
    (RIDE, 1.08),  # the head is at exactly 1
    (OPEN_HAT, 1.2),  # hands at the top of the head
    (CRASH, math.inf),  # hands stretched above the head
)
# With normalize="frame": the frame's top edge is this high on the ladder,
# about where hands stretched overhead reach (1.3 body heights above the feet).
FRAME_TOP_HEIGHT = 1.3
# The body model, in torso lengths (hip midpoint to shoulder midpoint): where
# height 0 (a standing person's feet) and height 1 (the head: the mean of the
# face landmarks) lie below and above the hips. Medians over the standing
# people of the COCO photos (feet 1.1-1.6 below, faces 1.1-1.45 above).
FEET_BELOW_HIPS = 1.3
HEAD_ABOVE_HIPS = 1.4
# Torso landmarks anchor the model down to this visibility, and even just
# outside the frame: BlazePose places a hip hidden by the frame's edge well
# (it fits the whole body), and a steady anchor matters more than a sure one.
TORSO_ANCHOR_VISIBILITY = 0.1
# In a half-body shot the frame's bottom edge is the floor (height 0), but it
# never rises above this share of the way from the model's feet to the head.
MAX_FLOOR_RAISE = 0.6
# The bar's width in body heights (feet to head on the model). An adult's arm
# span is about their height, so arms spread out to the sides reach the first
# and last steps, and a person standing with arms down spans the middle third.
# (0.7 and 0.8 made image jitter change more than 2 cells twice as often, and
# 1.0 squeezed a standing body into three or four steps. Measured with
# scripts/measure_pose_seeds.py.)
ARM_SPAN = 0.9
# Points that play. The hips are left out: they sit under the hands and knees
# of a standing person, where they would only thicken chords, and they barely
# move when a person dances; they still anchor the torso's centre.
PLAYING_POINTS = tuple(name for name in BODY_POINTS if name not in ("left_hip", "right_hip"))

_HEAD = BODY_POINTS.index("head")
_TORSO = np.array([BODY_POINTS.index(name) for name in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")])
_SHOULDERS = np.array([BODY_POINTS.index(name) for name in ("left_shoulder", "right_shoulder")])
_HIPS = np.array([BODY_POINTS.index(name) for name in ("left_hip", "right_hip")])
_PLAYING = np.array([name in PLAYING_POINTS for name in BODY_POINTS])


def keypoints_to_pattern(
    keypoints: Keypoints,
    *,
    steps: int = DEFAULT_STEPS,
    mirror: bool = False,
    normalize: str = "body",
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD,
) -> Pattern:
    """The seed a pose plays: ``steps`` 16th-note steps, one hit per visible body point at most.

    ``normalize`` is ``"body"`` (the person's own box) or ``"frame"`` (the
    picture's edges; needs ``keypoints.frame_size``). Points whose landmarks are
    all below ``visibility_threshold`` are left out. Raises ``ParameterError``
    for bad options and ``NoPersonError`` if fewer than ``MIN_VISIBLE_POINTS``
    body points are visible.
    """
    steps = check_num_steps(steps, minimum=1)
    places = point_places(keypoints, mirror=mirror, normalize=normalize, visibility_threshold=visibility_threshold)
    playing = places.playing(visibility_threshold)
    check_enough_points(playing, visibility_threshold)
    cells = [(step_for(x, steps), drum_for_height(y)) for x, y in zip(places.across[playing], places.height[playing])]
    return cells_to_pattern(cells, steps=steps)


@dataclass(frozen=True)
class PointPlaces:
    """Where each of the 13 ``BODY_POINTS`` falls on the grid, and how sure the estimator is of it.

    ``across``: 0..1 across the bar (time; mirrored if asked), ``height``: on
    ``HEIGHT_LADDER``; ``score``: the best visibility among the point's
    landmarks; ``outside``: how far the point lies outside the frame (a share
    of its size, 0 inside). Arrays of shape ``(13,)``.
    """

    across: np.ndarray
    height: np.ndarray
    score: np.ndarray
    outside: np.ndarray

    def playing(self, visibility_threshold: float, *, frame_margin: float = FRAME_MARGIN) -> np.ndarray:
        """The points that play: a landmark at least ``visibility_threshold`` visible, at most
        ``frame_margin`` outside the frame (estimators guess points beyond it, and the guesses
        flicker), and not a hip."""
        return (self.outside <= frame_margin) & (self.score >= visibility_threshold) & _PLAYING


def point_places(
    keypoints: Keypoints,
    *,
    mirror: bool = False,
    normalize: str = "body",
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD,
) -> PointPlaces:
    """Each body point's place on the grid (``PointPlaces``), measured on the body or the frame.

    ``visibility_threshold`` decides which points outline the body where the
    torso cannot anchor it (see ``body_box``). Raises ``ParameterError`` for bad options.
    """
    if normalize not in NORMALIZE_MODES:
        raise ParameterError(f"normalize {normalize!r} is not one of: {', '.join(NORMALIZE_MODES)}",
                             argument="normalize")
    if not MIN_VISIBILITY <= visibility_threshold <= MAX_VISIBILITY:
        raise ParameterError(f"visibility threshold {visibility_threshold} is outside "
                             f"{MIN_VISIBILITY:g}-{MAX_VISIBILITY:g}", argument="visibility_threshold")
    # Threshold 0, frame or not: every point gets a place; score and outside say which play.
    positions, _ = keypoints.body_points(visibility_threshold=0.0, inside_frame_only=False)
    if normalize == "body":
        box = body_box(keypoints, visibility_threshold=visibility_threshold)
        across, height = box.across(positions[:, 0]), box.height(positions[:, 1])
    else:
        across, height = frame_coordinates(positions, keypoints.frame_size)
    if mirror:
        across = 1.0 - across
    return PointPlaces(across, height, keypoints.body_point_scores(), keypoints.share_outside_frame(positions))


def check_enough_points(playing: np.ndarray, visibility_threshold: float) -> None:
    """Raise ``NoPersonError`` unless at least ``MIN_VISIBLE_POINTS`` points play."""
    if playing.sum() < MIN_VISIBLE_POINTS:
        raise NoPersonError(
            f"only {int(playing.sum())} body points are visible above {visibility_threshold:g}; "
            f"a seed needs at least {MIN_VISIBLE_POINTS}"
        )


def cells_to_pattern(cells, *, steps: int) -> Pattern:
    """A seed of ``steps`` steps striking the ``(step, drum)`` cells (at velocity 100)."""
    matrix = np.zeros((steps, NUM_DRUMS), dtype=np.uint8)
    for step, drum in cells:
        matrix[step, drum] = 1
    return Pattern.from_matrix(matrix * 100, seed_length=steps)


@dataclass(frozen=True)
class BodyBox:
    """Where a body's grid lies in the picture (pixels): heights 0 and 1, the bar's centre and width."""

    floor_y: float  # height 0: the model's feet (or the frame's bottom edge, or the lowest point)
    head_y: float  # height 1: the head
    centre_x: float  # the middle of the bar: the torso
    bar_width: float  # ARM_SPAN body heights

    def height(self, y: np.ndarray) -> np.ndarray:
        return (self.floor_y - np.asarray(y)) / max(self.floor_y - self.head_y, 1e-6)

    def across(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x) - self.centre_x) / max(self.bar_width, 1e-6) + 0.5

    def y_at(self, height: float) -> float:
        return self.floor_y - height * (self.floor_y - self.head_y)

    def x_at(self, across: float) -> float:
        return self.centre_x + (across - 0.5) * self.bar_width


def body_box(keypoints: Keypoints, *, visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD) -> BodyBox:
    """The body's grid: the torso model (``torso_box``), or the extent of the body without a torso."""
    anchors, found = keypoints.body_points(visibility_threshold=TORSO_ANCHOR_VISIBILITY, inside_frame_only=False)
    if found[_SHOULDERS].all() and found[_HIPS].all():
        box = torso_box(anchors[_SHOULDERS].mean(axis=0), anchors[_HIPS].mean(axis=0), keypoints.frame_size)
        if box is not None:
            return box
    return extent_box(*keypoints.body_points(visibility_threshold=visibility_threshold))


def torso_box(shoulders_xy: np.ndarray, hips_xy: np.ndarray, frame_size: tuple[float, float] | None) -> BodyBox | None:
    """The body model's grid hung on the torso (shoulder and hip midpoints, pixels); ``None`` for a torso of no length.

    Height 0 is ``FEET_BELOW_HIPS`` torso lengths below the hips, or the
    frame's bottom edge where that is higher (a half-body shot), raised by at
    most ``MAX_FLOOR_RAISE``; height 1 is ``HEAD_ABOVE_HIPS`` above the hips.
    The bar is centred on the torso and ``ARM_SPAN`` model body heights wide.
    """
    torso = float(np.linalg.norm(shoulders_xy - hips_xy))
    if torso < 1e-6:
        return None
    hip_y = float(hips_xy[1])
    feet_y, head_y = hip_y + FEET_BELOW_HIPS * torso, hip_y - HEAD_ABOVE_HIPS * torso
    floor_y = feet_y
    if frame_size is not None:
        floor_y = min(feet_y, max(frame_size[1], feet_y - MAX_FLOOR_RAISE * (feet_y - head_y)))
    centre_x = float((shoulders_xy[0] + hips_xy[0]) / 2)
    return BodyBox(floor_y, head_y, centre_x, ARM_SPAN * (feet_y - head_y))


def extent_box(positions: np.ndarray, visible: np.ndarray) -> BodyBox:
    """Without shoulders and hips: height runs from the lowest visible playing point to the head.

    The lowest *playing* point is height 0, so it kicks; without a visible
    head, the highest visible point is the head. The bar is centred on what
    is seen of the torso and ``ARM_SPAN`` body heights wide.
    """
    seen = positions[visible]
    playing = positions[visible & _PLAYING]
    floor_y = float((playing if len(playing) else seen)[:, 1].max())
    head_y = float(positions[_HEAD, 1] if visible[_HEAD] else seen[:, 1].min())
    torso = visible[_TORSO]
    centre_x = float(positions[_TORSO][torso, 0].mean() if torso.any() else np.median(seen[:, 0]))
    return BodyBox(floor_y, head_y, centre_x, ARM_SPAN * max(floor_y - head_y, 1e-6))


def frame_coordinates(positions: np.ndarray, frame_size: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Place across the frame (0..1) and height on the ladder (0 bottom edge .. ``FRAME_TOP_HEIGHT`` top)."""
    if frame_size is None:
        raise ParameterError('normalize="frame" needs the frame size; these keypoints have none (give width and height)')
    width, height = frame_size
    return positions[:, 0] / width, (1.0 - positions[:, 1] / height) * FRAME_TOP_HEIGHT


def step_for(across: float, steps: int) -> int:
    """The step a place across the box (0..1) falls in; places outside clamp to the ends."""
    return int(min(max(math.floor(across * steps), 0), steps - 1))


def drum_for_height(height: float) -> int:
    """The drum of the ladder band a height falls in."""
    for drum, upper in HEIGHT_LADDER:
        if height < upper:
            return drum
    raise AssertionError("the ladder's last band is unbounded")


def pose_to_pattern(
    image_rgb: np.ndarray, *, estimator: "PoseEstimator | None" = None, **options
) -> tuple[Pattern, Keypoints]:
    """The seed of the most prominent person in an RGB frame, and their keypoints.

    ``options`` are those of ``keypoints_to_pattern``. Raises ``NoPersonError``
    when nobody is found (or too little of them is visible).
    """
    from .pose_estimator import estimate_pose

    keypoints = estimate_pose(image_rgb, estimator=estimator)
    if keypoints is None:
        raise NoPersonError("no person found in the picture (a whole person, or head and shoulders, must be in view)")
    return keypoints_to_pattern(keypoints, **options), keypoints


def video_to_patterns(
    path, *, frames: list[int] | None = None, estimator: "PoseEstimator | None" = None, **options
) -> list[tuple[int, Pattern, Keypoints]]:
    """Seeds from a video file: ``(frame index, seed, keypoints)``.

    With ``frames``, one seed per listed frame (``NoPersonError`` names a frame
    without a person). Without, the single frame whose person shows the most
    body points (then the largest), searched over up to
    ``image_io.MAX_VIDEO_FRAMES_SCANNED`` frames spread over the video.
    """
    from .image_io import read_video_frames
    from .pose_estimator import estimate_pose

    results = []
    for index, frame in read_video_frames(path, frames=frames):
        keypoints = estimate_pose(frame, estimator=estimator)
        if keypoints is None:
            if frames is not None:
                raise NoPersonError(f"no person found in frame {index} of {path}")
            continue
        results.append((index, keypoints))
    if not results:
        raise NoPersonError(f"no person found in any frame of {path}")
    if frames is None:
        results = [max(results, key=lambda item: _visible_body(item[1], options))]
    return [(index, keypoints_to_pattern(keypoints, **options), keypoints) for index, keypoints in results]


def _visible_body(keypoints: Keypoints, options: dict) -> tuple[int, float]:
    """How much of a body shows: visible body points, then the area of their box."""
    threshold = options.get("visibility_threshold", DEFAULT_VISIBILITY_THRESHOLD)
    _, visible = keypoints.body_points(visibility_threshold=threshold)
    box = keypoints.visible_box(visibility_threshold=threshold)
    area = 0.0 if box is None else (box[2] - box[0]) * (box[3] - box[1])
    return int(visible.sum()), area
