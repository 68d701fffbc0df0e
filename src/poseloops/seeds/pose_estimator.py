"""Finding a person's keypoints in a picture: a small backend interface and MediaPipe BlazePose.

``PoseEstimator`` is all a backend has to provide: ``detect(image_rgb)`` gives
one person's ``Keypoints`` or ``None``. BlazePose (the default, from
``mediapipe==0.10.21``, whose wheel ships the model so nothing is downloaded)
finds one person per call, so ``find_people`` looks again with that person's
head covered, and in tiles of the frame when nobody is found at full size,
and ``estimate_pose`` keeps the most prominent person (largest visible body).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelError
from .image_io import check_image, native_stderr_silenced
from .keypoints import BLAZEPOSE_33, Keypoints, KeypointLayout, person_prominence

# BlazePose "full" (model_complexity=1) is the landmark model the wheel ships;
# complexity 0 and 2 would be downloaded at run time, which we never do.
BLAZEPOSE_MODEL_COMPLEXITY = 1
BLAZEPOSE_LANDMARK_MODEL = "modules/pose_landmark/pose_landmark_full.tflite"
BLAZEPOSE_DETECTOR_MODEL = "modules/pose_detection/pose_detection.tflite"
BLAZEPOSE_GRAPH = "modules/pose_landmark/pose_landmark_cpu.binarypb"  # the graph mediapipe.solutions.pose runs
MIN_DETECTION_CONFIDENCE = 0.5  # MediaPipe's default; lower finds furniture
MIN_TRACKING_CONFIDENCE = 0.5  # MediaPipe's default: below it a tracked pose is lost and the detector runs again
# Off mobile, MediaPipe runs its models on one XNNPACK thread. Two nearly halve a
# tracked frame's landmark model (24-26 -> 14-16 ms on the 2-core VM, same run);
# more than four gain little for two small models and take cores from the audio.
POSE_THREADS = max(1, min(4, os.cpu_count() or 1))
# A live stream's tracker runs on one thread. XNNPACK's workers spin while they wait for
# each other, so on cores that other programs want a two-thread model burns 6x the CPU
# of one and waits for its descheduled twin (7 Dec, 2-core VM at load 13-19, per tracked
# frame in process: 2 threads 641 ms wall / 192 ms CPU, 1 thread 119 ms / 30 ms; with two
# more busy processes 2991 / 247 against 553 / 37). Idle, two threads save ~7 ms of ~22,
# which the page cannot use: it sends at most 30 frames a second (33 ms).
LIVE_POSE_THREADS = 1

# The people search. A person taller than this share of the frame is the
# subject (a webcam user), so nobody else is looked for.
DOMINANT_HEIGHT = 0.6
MAX_PEOPLE = 3  # people looked for in one picture (each look costs one model pass)
SAME_PERSON_IOU = 0.3  # boxes overlapping more than this are the same person found twice
HEAD_COVER_SCALE = 2.2  # the face landmarks span less than the head; cover this much more
# Small people: a 3 x 3 grid of half-size tiles (overlapping by a quarter, so a
# person cut by one tile's edge is whole in the next) is searched when nobody is
# found at full size. Each tile doubles a person's size for the detector.
TILE_GRID = 3
TILE_FRACTION = 0.5


class PoseEstimator(Protocol):
    """A pose backend: at most one person's keypoints per call, thread-safe."""

    layout: KeypointLayout

    def detect(self, image_rgb: np.ndarray) -> Keypoints | None:
        """Keypoints (pixels of ``image_rgb``) of the person found, or ``None``."""
        ...


class BlazePoseEstimator:
    """MediaPipe's BlazePose through ``mediapipe.solutions.pose`` in still-image mode.

    Still-image mode detects afresh in every frame, so the same picture always
    gives the same keypoints (tracking mode would depend on earlier frames).
    One graph is shared, so calls are serialised with a lock.
    """

    layout = BLAZEPOSE_33

    def __init__(self, *, threads: int = POSE_THREADS) -> None:
        self._lock = threading.Lock()
        self._graph = _BlazePoseGraph(static_image_mode=True, threads=threads)

    def detect(self, image_rgb: np.ndarray) -> Keypoints | None:
        with self._lock:
            return self._graph.detect(image_rgb)


class BlazePoseTracker:
    """BlazePose in video mode, for one camera stream: tracking, not detection, per frame.

    After the first frame that finds a person, each frame's landmarks start
    from the region the previous frame's landmarks give, so the person
    detector runs only when the track is lost, and MediaPipe smooths the
    landmarks over time. Each stream needs its own tracker (the track is its
    state); ``reset()`` starts a new stream, ``close()`` frees the graph.
    """

    layout = BLAZEPOSE_33

    def __init__(self, *, threads: int = LIVE_POSE_THREADS) -> None:
        self._lock = threading.Lock()  # one stream's frames are read in order, never two at once
        self._graph = _BlazePoseGraph(static_image_mode=False, threads=threads)

    def detect(self, image_rgb: np.ndarray) -> Keypoints | None:
        """The tracked person's keypoints in the next frame of the stream, or ``None``."""
        with self._lock:
            return self._graph.detect(image_rgb)

    def reset(self) -> None:
        """Forget the track: the next frame is the first of a new stream."""
        with self._lock:
            self._graph.reset()

    def close(self) -> None:
        with self._lock:
            self._graph.close()


class _BlazePoseGraph:
    """One MediaPipe pose graph and the frame handling both modes share (not thread-safe)."""

    def __init__(self, *, static_image_mode: bool, threads: int) -> None:
        import mediapipe as mp  # heavy: loaded when a pose is first asked for

        root = Path(mp.__file__).parent
        for model in (BLAZEPOSE_LANDMARK_MODEL, BLAZEPOSE_DETECTOR_MODEL, BLAZEPOSE_GRAPH):
            if not (root / model).is_file():
                raise ModelError(f"mediapipe at {root} lacks {model}; install mediapipe==0.10.21, which ships it")
        # MediaPipe's C++ side logs to stderr on start-up and once more on the
        # first landmarks it projects; both are silenced so a CLI error stays one line.
        self._first_landmarks_pending = True
        with native_stderr_silenced():
            self._pose = _pose_solution(static_image_mode=static_image_mode, threads=threads)
            self._pose.process(np.zeros((64, 64, 3), np.uint8))  # builds both models now, not on first use
            self._pose.reset()  # and forgets that blank frame

    def detect(self, image_rgb: np.ndarray) -> Keypoints | None:
        check_image(image_rgb)
        height, width = image_rgb.shape[:2]
        # MediaPipe projects landmarks correctly only for square inputs, so the
        # frame is padded to a square (the detector letterboxes it anyway).
        side = max(height, width)
        square = np.zeros((side, side, 3), np.uint8)
        top, left = (side - height) // 2, (side - width) // 2
        square[top : top + height, left : left + width] = image_rgb
        quiet = native_stderr_silenced() if self._first_landmarks_pending else contextlib.nullcontext()
        with quiet:
            result = self._pose.process(square)
        self._first_landmarks_pending &= result.pose_landmarks is None
        if result.pose_landmarks is None:
            return None
        marks = result.pose_landmarks.landmark
        xy = np.array([(m.x * side - left, m.y * side - top) for m in marks])
        visibility = np.clip([m.visibility for m in marks], 0.0, 1.0)
        return Keypoints(BLAZEPOSE_33, xy, visibility, (float(width), float(height)))

    def reset(self) -> None:
        # A restarted graph logs its start-up again, on start and on the first frame it reads.
        with native_stderr_silenced():
            self._pose.reset()
        self._first_landmarks_pending = True

    def close(self) -> None:
        self._pose.close()


def _pose_solution(*, static_image_mode: bool, threads: int):
    """MediaPipe's BlazePose graph, as ``mediapipe.solutions.pose.Pose`` builds it, on ``threads`` threads.

    ``Pose`` cannot set the models' thread count, so the same graph (subgraphs
    expanded) is built here with its inference calculators' XNNPACK options set,
    and our detection and tracking thresholds written into it.
    """
    import mediapipe as mp
    from mediapipe.calculators.tensor import inference_calculator_pb2, tensors_to_detections_calculator_pb2
    from mediapipe.calculators.util import thresholding_calculator_pb2
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import resource_util, validated_graph_config
    from mediapipe.python.solution_base import SolutionBase

    package_root = Path(mp.__file__).parent.parent  # where MediaPipe's "mediapipe/modules/..." paths start
    resource_util.set_resource_dir(str(package_root))
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(binary_graph_path=str(package_root / "mediapipe" / BLAZEPOSE_GRAPH))
    config = calculator_pb2.CalculatorGraphConfig.FromString(validated.binary_config)
    for node in config.node:
        options = node.options.Extensions
        if node.calculator == "InferenceCalculatorCpu":
            options[inference_calculator_pb2.InferenceCalculatorOptions.ext].delegate.xnnpack.num_threads = threads
        elif node.calculator == "TensorsToDetectionsCalculator":
            options[tensors_to_detections_calculator_pb2.TensorsToDetectionsCalculatorOptions.ext].min_score_thresh = (
                MIN_DETECTION_CONFIDENCE)
        elif node.calculator == "ThresholdingCalculator":  # the landmark model's "is a person still there" score
            options[thresholding_calculator_pb2.ThresholdingCalculatorOptions.ext].threshold = MIN_TRACKING_CONFIDENCE
    tracking = not static_image_mode
    return SolutionBase(
        graph_config=config,
        side_inputs={
            "model_complexity": BLAZEPOSE_MODEL_COMPLEXITY,
            "smooth_landmarks": tracking,
            "enable_segmentation": False,
            "smooth_segmentation": tracking,
            "use_prev_landmarks": tracking,
        },
        outputs=["pose_landmarks"],
    )


_default_estimator: PoseEstimator | None = None
_default_lock = threading.Lock()


def default_estimator() -> PoseEstimator:
    """The shared BlazePose estimator, built once (about a second) on first use."""
    global _default_estimator
    with _default_lock:
        if _default_estimator is None:
            _default_estimator = BlazePoseEstimator()
        return _default_estimator


def estimate_pose(image_rgb: np.ndarray, *, estimator: PoseEstimator | None = None) -> Keypoints | None:
    """The most prominent person's keypoints in an RGB ``(height, width, 3)`` uint8 image, or ``None``."""
    people = find_people(image_rgb, estimator=estimator)
    return max(people, key=person_prominence) if people else None


def find_people(
    image_rgb: np.ndarray, *, estimator: PoseEstimator | None = None, max_people: int = MAX_PEOPLE
) -> list[Keypoints]:
    """Up to ``max_people`` people in the image, each found once.

    One pass at full size; if that person fills less than ``DOMINANT_HEIGHT``
    of the frame, their head is covered and the frame searched again (a
    single-person backend then finds the next person). If nobody is found at
    full size, overlapping half-size tiles are searched, which finds people too
    small for the detector in the whole frame.
    """
    check_image(image_rgb)
    estimator = estimator or default_estimator()
    first = estimator.detect(image_rgb)
    if first is None:
        return _people_in_tiles(image_rgb, estimator, max_people)
    people = [first]
    if _height_share(first) >= DOMINANT_HEIGHT:
        return people
    work = image_rgb.copy()
    fill = image_rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    while len(people) < max_people:
        _cover_head(work, people[-1], fill)
        person = estimator.detect(work)
        if person is None or _overlaps_any(person, people):
            break
        people.append(person)
    return people


def _people_in_tiles(image_rgb: np.ndarray, estimator: PoseEstimator, max_people: int) -> list[Keypoints]:
    height, width = image_rgb.shape[:2]
    tile_h, tile_w = round(height * TILE_FRACTION), round(width * TILE_FRACTION)
    people: list[Keypoints] = []
    for top in np.linspace(0, height - tile_h, TILE_GRID).round().astype(int):
        for left in np.linspace(0, width - tile_w, TILE_GRID).round().astype(int):
            tile = np.ascontiguousarray(image_rgb[top : top + tile_h, left : left + tile_w])
            person = estimator.detect(tile)
            if person is None:
                continue
            person = person.translated(left, top, frame_size=(float(width), float(height)))
            if not _overlaps_any(person, people):
                people.append(person)
            if len(people) == max_people:
                return people
    return people


def _height_share(person: Keypoints) -> float:
    box = person.visible_box()
    if box is None or person.frame_size is None:
        return 0.0
    return (box[3] - box[1]) / person.frame_size[1]


def _cover_head(image: np.ndarray, person: Keypoints, fill: np.ndarray) -> None:
    """Paint over the person's head in place (``image`` is the search's own copy)."""
    head = np.array([person.layout.index(name) for name in person.layout.body_groups[0]])
    center = person.xy[head].mean(axis=0)
    half = (np.ptp(person.xy[head], axis=0).max() / 2 + 1) * HEAD_COVER_SCALE
    height, width = image.shape[:2]
    x0, y0 = np.clip(np.floor(center - half), 0, (width, height)).astype(int)
    x1, y1 = np.clip(np.ceil(center + half), 0, (width, height)).astype(int)
    image[y0:y1, x0:x1] = fill


def _overlaps_any(person: Keypoints, people: list[Keypoints]) -> bool:
    box = person.visible_box()
    return box is None or any(_iou(box, other.visible_box()) > SAME_PERSON_IOU for other in people)


def _iou(a, b) -> float:
    if b is None:
        return 0.0
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
