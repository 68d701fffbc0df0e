"""Seed source speed, with MediaPipe's own call on the same frame as the reference.

Keys (medians, ms, after warm-up: MediaPipe's model load and librosa's import
and JIT compilation happen once per process and are reported separately):
- ``pose_ms``: one 640x480 webcam frame (person-webcam.y4m) to keypoints with
  ``estimate_pose`` (one person filling the frame: one BlazePose pass);
- ``pose_mediapipe_ms``: the reference, MediaPipe's own ``mediapipe.solutions.pose.Pose``
  (still mode, its defaults: one XNNPACK thread) on that frame; ``pose_graph_ms``: our
  graph's call alone (the same graph on ``POSE_THREADS`` threads), same frame;
- ``pose_crowd_ms``: a photo of three people (COCO 241), where the people search looks three times;
- ``pose_seed_ms``: the webcam frame to a seed (``pose_to_pattern``);
- ``image_seed_ms``: a 640x480 picture to a seed (``image_to_pattern``);
- ``audio_seed_ms``: 10 s of drums (the synth kit) to a seed, tempo estimated;
- ``pose_load_ms``, ``audio_first_call_ms``: the one-time costs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench import median_ms
from poseloops.pattern import Pattern

POSE_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pose"
AUDIO_SECONDS = 10.0
GROOVE = Pattern.from_steps([[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], [], [2], [], [1, 2], [], [2], [2]])


def run(results: dict) -> None:
    from poseloops.seeds import read_video_frames

    frame = read_video_frames(POSE_DATA / "person-webcam.y4m", frames=[0])[0][1]
    assert frame.shape == (480, 640, 3)
    _pose(results, frame)
    _image(results, frame)
    _audio(results)


def _pose(results: dict, frame: np.ndarray) -> None:
    import mediapipe as mp

    from poseloops.seeds import BlazePoseEstimator, estimate_pose, pose_to_pattern, read_image_file

    start = time.perf_counter()
    estimator = BlazePoseEstimator()
    results["pose_load_ms"] = round((time.perf_counter() - start) * 1000, 1)
    results["pose_ms"] = median_ms(lambda: estimate_pose(frame, estimator=estimator))
    results["pose_graph_ms"] = median_ms(lambda: estimator._graph._pose.process(frame))
    reference = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
    results["pose_mediapipe_ms"] = median_ms(lambda: reference.process(frame))
    reference.close()
    crowd = read_image_file(POSE_DATA / "COCO_val2014_000000000241.jpg")
    results["pose_crowd_ms"] = median_ms(lambda: estimate_pose(crowd, estimator=estimator), repeats=10)
    results["pose_seed_ms"] = median_ms(lambda: pose_to_pattern(frame, estimator=estimator))


def _image(results: dict, frame: np.ndarray) -> None:
    from poseloops.seeds import image_to_pattern

    results["image_seed_ms"] = median_ms(lambda: image_to_pattern(frame))


def _audio(results: dict) -> None:
    from poseloops.audio import render_oneshot
    from poseloops.seeds import audio_to_pattern

    bars = int(AUDIO_SECONDS / (60 / 120 * 4)) + 1
    loop = Pattern.from_steps([list(step) for step in GROOVE.steps] * bars)
    audio = render_oneshot(loop, bpm=120)[: int(AUDIO_SECONDS * 44100)]
    start = time.perf_counter()
    audio_to_pattern(audio, 44100)
    results["audio_first_call_ms"] = round((time.perf_counter() - start) * 1000, 1)
    results["audio_seed_ms"] = median_ms(lambda: audio_to_pattern(audio, 44100), repeats=15)
