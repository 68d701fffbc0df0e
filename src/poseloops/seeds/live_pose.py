"""A camera stream to steady seeds: the pose is tracked frame by frame, and each body point
keeps the cell it plays until it clearly leaves it.

``SteadySeed`` is the mapping of ``pose_mapping`` with memory. A point that
sits near a step or band edge jitters across it from frame to frame (the
estimator's noise is a few pixels), which would change the seed while the
person holds still. So a point keeps its cell while it stays within
``STEP_MARGIN`` of a step and ``HEIGHT_MARGIN`` of a band beyond the cell's
edges; past them it moves as soon as it has stayed in its new cell for
``CONFIRM_FRAMES`` frames (a one-frame blip is not a move), so a clear move
changes the seed within a few hundredths of a second. A point that drops out of view for a frame or two (a
hand's visibility flickering around the threshold) keeps playing for
``MISSES_KEPT`` frames and until its visibility falls ``VISIBILITY_MARGIN``
below the threshold; one that is not playing starts only once it is ``APPEAR_MARGIN``
above it (a half-hidden hand's visibility creeps on a body held still). With no
history (the first frame) the seed is exactly ``keypoints_to_pattern``'s.

``LivePose`` is one camera stream: a ``BlazePoseTracker`` (video mode: the
detector runs only when the track is lost) and a ``SteadySeed``; while the picture
does not change (``STILL_LEVELS``) the seed does not either. Frames stay
in memory; nothing is kept but the track and the cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import NoPersonError
from ..pattern import Pattern, check_num_steps
from .keypoints import BODY_POINTS, FRAME_MARGIN, Keypoints
from .pose_mapping import (
    DEFAULT_STEPS,
    DEFAULT_VISIBILITY_THRESHOLD,
    HEIGHT_LADDER,
    MIN_VISIBLE_POINTS,
    cells_to_pattern,
    drum_for_height,
    point_places,
    step_for,
)

# How far beyond its cell's edges a point may stray and still play that cell.
# In steps: half a step of a 10-step bar is ~14 px for a person 300 px tall;
# their wrists jitter by 2-5 px between webcam frames. In ladder heights (0 feet,
# 1 head): 0.05 is ~15 px for that person. A clear move (a hand raised from the
# snare to the hats travels 0.3 or more) still changes the cell on the frame it
# happens. Chosen with scripts/measure_live_seeds.py (0.3 steps and 0.03 kept
# 96% of held frames instead of 98%; docs/studio.md has the figures).
STEP_MARGIN = 0.5
HEIGHT_MARGIN = 0.05
# A point that leaves its cell moves once it has been in the new cell this many
# frames running (67 ms at 30 fps): single-frame blips of small or distant people
# were most of what still changed (photo 257: 54% of held frames steady with 1, 81% with 2).
CONFIRM_FRAMES = 2
# A point that stops being seen keeps its cell this many frames (at 30 fps, 0.1 s)...
MISSES_KEPT = 3
# ... and while its visibility stays at most this far below the threshold and it
# lies at most this much further outside the frame (a share of the frame's size)
# than a point that starts playing may: hands at the bottom edge of a half-body
# shot go in and out of view.
VISIBILITY_MARGIN = 0.15
FRAME_EDGE_MARGIN = 0.03
# A point that is not playing starts only once it is this much over the threshold (after the
# stream's first frame, which maps as a still picture does). On a picture held still,
# MediaPipe's smoothed visibility of a half-hidden hand creeps for seconds (photo 241's right
# hand: 0.36 to 0.53 over 15 s of identical frames), and crossing 0.5 once put a snare into
# a held groove. With the keeping margin above, a point starts at 0.6 and stops below 0.35.
APPEAR_MARGIN = 0.1

# A cut (the camera turned, a slideshow's next picture) is read as a new stream: the track
# and the cells start afresh, so the new picture is read as a still one would be, rather
# than the tracker gliding from the old person to the new one over many frames. Measured on
# 16 x 12 block means of the grey frame with their mean removed (so a light going up or
# down is no cut): frames of a person held still differ by 1-3 grey levels, the whole frame
# moved by 40 px by 19, the slideshow's cuts by 27 and 54.
SCENE_BLOCKS = (12, 16)
SCENE_CUT_LEVELS = 20.0
# A picture that has not changed cannot change the seed. MediaPipe's tracking is not stationary
# on identical frames (it is deterministic: the same frames from a reset give the same landmarks
# to the bit): from the first frame's detection, the region it feeds back from each frame's
# landmarks to the next, and its landmark and visibility filters, move the landmarks for 40
# frames and more (photo 241's left hand by 0.6 of a step, 294's left-hand visibility from 0.25
# to 0.98): points crossed cells or came in, and 5 of 14 streams (the 7 photos of
# ../shared/data/pose and their mirror images) gave 2-4 seeds over 24 identical frames. So while no block of the frame's layout is
# more than STILL_LEVELS grey levels off the frame whose pose last set the seed, that seed and
# its hits are kept. Sensor noise moves a block's mean by a fraction of a level; a sway of 1-2 px
# by 4-15 at the edges of the picture, and then the hysteresis above decides as before.
STILL_LEVELS = 2.0

_BAND_EDGES = [-np.inf] + [upper for _, upper in HEIGHT_LADDER]
_BAND_OF_DRUM = {drum: (_BAND_EDGES[i], _BAND_EDGES[i + 1]) for i, (drum, _) in enumerate(HEIGHT_LADDER)}


@dataclass(frozen=True)
class MappingOptions:
    """How poses become seeds: the options of ``keypoints_to_pattern``."""

    steps: int = DEFAULT_STEPS
    mirror: bool = False
    normalize: str = "body"
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD


@dataclass(frozen=True)
class Hit:
    """One body point playing one cell: which point, where it is (pixels), which step and drum."""

    point: str
    x: float
    y: float
    step: int
    drum: int


class SteadySeed:
    """Poses of one stream, in order, to seeds with hysteresis (see the module docstring)."""

    def __init__(self, options: MappingOptions | None = None) -> None:
        self.options = options or MappingOptions()
        check_num_steps(self.options.steps, minimum=1)
        self.reset()

    def reset(self) -> None:
        """Forget every point's cell: the next pose maps as a still picture would."""
        self._cells: list[tuple[int, int] | None] = [None] * len(BODY_POINTS)
        self._misses = [0] * len(BODY_POINTS)
        self._moving: list[tuple[tuple[int, int], int] | None] = [None] * len(BODY_POINTS)  # (new cell, frames in it)
        self._first = True  # no pose read since the start: the next maps as a still picture

    def update(self, keypoints: Keypoints) -> tuple[Pattern, list[Hit]]:
        """The seed of the next pose of the stream, and the hits that make it.

        Raises ``ParameterError`` for bad options and ``NoPersonError`` if
        fewer than ``MIN_VISIBLE_POINTS`` points play (the cells are kept, so a
        person lost for a frame comes back playing what they played).
        """
        options = self.options
        places = point_places(
            keypoints, mirror=options.mirror, normalize=options.normalize,
            visibility_threshold=options.visibility_threshold,
        )  # fmt: skip
        seen = places.playing(options.visibility_threshold)
        kept = places.playing(
            max(options.visibility_threshold - VISIBILITY_MARGIN, 0.0), frame_margin=FRAME_MARGIN + FRAME_EDGE_MARGIN
        )
        starting = seen if self._first else places.playing(min(options.visibility_threshold + APPEAR_MARGIN, 1.0))
        positions, _ = keypoints.body_points(visibility_threshold=0.0, inside_frame_only=False)
        if seen.sum() < MIN_VISIBLE_POINTS:
            raise NoPersonError(
                f"only {int(seen.sum())} body points are visible above {options.visibility_threshold:g}; "
                f"a seed needs at least {MIN_VISIBLE_POINTS}"
            )
        self._first = False
        hits = []
        for k, name in enumerate(BODY_POINTS):
            held = self._cells[k] is not None
            cell = self._next_cell(k, kept[k] if held else starting[k], places.across[k], places.height[k])
            if cell is not None:
                hits.append(Hit(name, float(positions[k, 0]), float(positions[k, 1]), *cell))
        return cells_to_pattern([(hit.step, hit.drum) for hit in hits], steps=options.steps), hits

    def _next_cell(self, k: int, plays: bool, across: float, height: float) -> tuple[int, int] | None:
        """The cell point ``k`` plays now; ``plays``: whether it is seen well enough to go on
        playing (if it plays) or to start (if not)."""
        held = self._cells[k]
        if not plays:
            self._misses[k] += 1
            if self._misses[k] > MISSES_KEPT:
                self._cells[k] = None
            return self._cells[k]
        self._misses[k] = 0
        if held is not None and self._near(held, across, height):
            self._moving[k] = None
            return held
        cell = (step_for(across, self.options.steps), drum_for_height(height))
        # A point that appears plays at once; one that moves must stay in its new cell
        # for CONFIRM_FRAMES frames (a one-frame blip of the estimator is not a move).
        confirmed = 1 if self._moving[k] is None or self._moving[k][0] != cell else self._moving[k][1] + 1
        self._moving[k] = (cell, confirmed)
        if held is None or confirmed >= CONFIRM_FRAMES:
            self._cells[k], self._moving[k] = cell, None
        return self._cells[k]

    def _near(self, cell: tuple[int, int], across: float, height: float) -> bool:
        step, drum = cell
        position = across * self.options.steps
        low, high = _BAND_OF_DRUM[drum]
        # The first and last steps reach to the ends of the bar and beyond (places clamp to them).
        step_low = -np.inf if step == 0 else step - STEP_MARGIN
        step_high = np.inf if step == self.options.steps - 1 else step + 1 + STEP_MARGIN
        return step_low <= position <= step_high and low - HEIGHT_MARGIN <= height <= high + HEIGHT_MARGIN


@dataclass
class LiveFrame:
    """What one camera frame shows: the person's keypoints and the seed they play (``None`` if nobody)."""

    keypoints: Keypoints | None
    seed: Pattern | None = None
    hits: list[Hit] = field(default_factory=list)

    @property
    def person(self) -> bool:
        return self.seed is not None


class LivePose:
    """One camera stream: frames in order -> the tracked person and their steady seed.

    Not thread-safe: a stream's frames are read one after another. ``close()``
    frees the tracker's graph.
    """

    def __init__(self, options: MappingOptions | None = None, *, tracker=None) -> None:
        from .pose_estimator import BlazePoseTracker

        self.tracker = tracker or BlazePoseTracker()
        self.steady = SteadySeed(options)
        self._scene: np.ndarray | None = None
        self._held: LiveFrame | None = None  # the last frame whose pose set the seed (a person in it)...
        self._held_scene: np.ndarray | None = None  # ...and its layout

    @property
    def options(self) -> MappingOptions:
        return self.steady.options

    def set_options(self, options: MappingOptions) -> None:
        """New mapping options; the cells start afresh when they change."""
        check_num_steps(options.steps, minimum=1)
        if options != self.steady.options:
            self.steady = SteadySeed(options)
            self._held = None

    def reset(self) -> None:
        """Start a new stream: no track, no cells, no picture remembered."""
        self.tracker.reset()
        self.steady.reset()
        self._scene = self._held = self._held_scene = None

    def read(self, image_rgb: np.ndarray) -> LiveFrame:
        """The next frame of the stream (RGB uint8)."""
        scene = scene_layout(image_rgb)
        if self._scene is not None and is_scene_cut(self._scene, scene):
            self.reset()
        self._scene = scene
        keypoints = self.tracker.detect(image_rgb)  # every frame: the track follows, the skeleton is drawn
        if self._held is not None and is_same_picture(self._held_scene, scene):
            return LiveFrame(keypoints or self._held.keypoints, self._held.seed, self._held.hits)
        seen = self._map(keypoints)
        self._held, self._held_scene = (seen, scene) if seen.person else (None, None)
        return seen

    def _map(self, keypoints: Keypoints | None) -> LiveFrame:
        if keypoints is None:
            return LiveFrame(None)
        try:
            seed, hits = self.steady.update(keypoints)
        except NoPersonError:
            return LiveFrame(keypoints)
        return LiveFrame(keypoints, seed, hits)

    def close(self) -> None:
        self.tracker.close()


def scene_layout(image_rgb: np.ndarray) -> np.ndarray:
    """The frame's rough layout: ``SCENE_BLOCKS`` block means of its grey image, their mean removed."""
    rows, cols = SCENE_BLOCKS
    height, width = image_rgb.shape[:2]
    if height < rows or width < cols:
        return np.zeros((0, 0))  # too small to have a layout: never a cut
    block_h, block_w = height // rows, width // cols
    # Integer sums over each block's pixels and channels: the same means as a float grey image
    # (to 1e-13), 0.5 ms a frame instead of 12 (a float64 copy of the whole frame first).
    crop = image_rgb[: block_h * rows, : block_w * cols]
    sums = crop.reshape(rows, block_h, cols, block_w * crop.shape[2]).sum(axis=(1, 3), dtype=np.uint32)
    blocks = sums / (block_h * block_w * crop.shape[2])
    return blocks - blocks.mean()


def is_same_picture(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether no block of two frames' layouts differs by more than ``STILL_LEVELS``."""
    return before.shape == after.shape and before.size > 0 and float(np.abs(before - after).max()) <= STILL_LEVELS


def is_scene_cut(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether two frames' layouts differ as much as a cut does (``SCENE_CUT_LEVELS``)."""
    if before.shape != after.shape:
        return True
    return before.size > 0 and float(np.abs(before - after).mean()) > SCENE_CUT_LEVELS
