"""Live mode: camera frames to poses and seeds, in process and over WS /api/live.

Frames are the page's: 640x480 JPEGs (quality 80) of the webcam and slideshow
clips in ../shared/data/pose at 30 fps (tests/live_frames.py).

- ``live_pose_ms``: median, one JPEG frame -> decoded -> tracked pose -> steady
  seed (``LivePose.read``, BlazePose in video mode), in process;
- ``live_still_pose_ms``: the reference, the same frames through the still path
  (``decode_image`` + ``pose_to_pattern``: detection every frame), same run;
- ``live_pose_one_thread_ms``: ``live_pose_ms`` with the tracker's models on one
  XNNPACK thread (MediaPipe's own default), same run;
- ``live_fps``: answers per second over the socket on a real ``poseloops serve``,
  one client sending each frame as soon as the last is answered, ``LIVE_FPS_SECONDS``;
- ``live_rss_growth_mb``: the server's resident memory at the end of a live
  session minus at its start (after ``WARM_SECONDS``), and
  ``live_rss_peak_growth_mb`` its highest point minus the start, for a session
  of ``live_session_s`` seconds on a fresh server: 60 by default, 300 (the 5
  minutes of the issue) with ``POSELOOPS_BENCH_LIVE_SECONDS=300``. The client
  sends 30 frames a second, alternating the two clips so that people come and go.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench import median_ms

REPO = Path(__file__).resolve().parents[1]
POSE_DATA = REPO.parent / "shared" / "data" / "pose"
LIVE_FPS_SECONDS = 10.0
SESSION_SECONDS = float(os.environ.get("POSELOOPS_BENCH_LIVE_SECONDS", "60"))
WARM_SECONDS = 10.0  # the session's start: the tracker built, allocator pools filled


def run(results: dict) -> None:
    sys.path.insert(0, str(REPO))
    from tests.live_frames import FPS, clip_frames

    webcam = clip_frames(POSE_DATA / "person-webcam.y4m")
    slideshow = clip_frames(POSE_DATA / "people-slideshow.y4m")
    _in_process(results, webcam)
    _over_the_socket(results, webcam + slideshow, fps=FPS)


def _in_process(results: dict, frames: list[bytes]) -> None:
    from poseloops.seeds import decode_image, pose_to_pattern
    from poseloops.seeds.live_pose import LivePose, MappingOptions
    from poseloops.seeds.pose_estimator import BlazePoseEstimator, BlazePoseTracker

    live = LivePose(MappingOptions(mirror=True))
    still = BlazePoseEstimator()
    frame_index = iter(range(10**9))

    def next_frame() -> bytes:
        return frames[next(frame_index) % len(frames)]

    results["live_pose_ms"] = median_ms(lambda: live.read(decode_image(next_frame())), repeats=150, warmup=10)
    results["live_still_pose_ms"] = median_ms(
        lambda: pose_to_pattern(decode_image(next_frame()), estimator=still, mirror=True), repeats=60
    )
    live.close()
    one_thread = LivePose(MappingOptions(mirror=True), tracker=BlazePoseTracker(threads=1))
    results["live_pose_one_thread_ms"] = median_ms(
        lambda: one_thread.read(decode_image(next_frame())), repeats=150, warmup=10
    )
    one_thread.close()


def _over_the_socket(results: dict, frames: list[bytes], *, fps: int) -> None:
    from websockets.sync.client import connect

    from bench_server import _start_server

    server, url = _start_server()
    socket_url = url.replace("http://", "ws://") + "/api/live"
    try:
        with connect(socket_url) as ws:  # first, on a fresh server: nothing else has used its memory
            growth, peak = _session_growth_mb(ws, frames, server.pid, fps=fps)
            results["live_rss_growth_mb"], results["live_rss_peak_growth_mb"] = growth, peak
            results["live_session_s"] = SESSION_SECONDS
        with connect(socket_url) as ws:
            results["live_fps"] = _answers_per_second(ws, frames, LIVE_FPS_SECONDS)
    finally:
        server.terminate()
        server.wait(10)


def _answers_per_second(ws, frames: list[bytes], seconds: float) -> float:
    for frame in frames[:10]:  # the tracker is built on the first frame
        ws.send(frame)
        ws.recv()
    answered, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        ws.send(frames[answered % len(frames)])
        assert "person" in json.loads(ws.recv())
        answered += 1
    return round(answered / (time.perf_counter() - start), 1)


def _session_growth_mb(ws, frames: list[bytes], pid: int, *, fps: int) -> tuple[float, float]:
    """Frames at ``fps`` for the session: RSS at its end and at its highest, minus after the warm-up."""
    start = time.perf_counter()
    sent, baseline, highest = 0, None, 0.0
    while (elapsed := time.perf_counter() - start) < SESSION_SECONDS + WARM_SECONDS:
        if sent % fps == 0 and elapsed >= WARM_SECONDS:  # once a second
            rss = _rss_mb(pid)
            baseline = rss if baseline is None else baseline
            highest = max(highest, rss)
        ws.send(frames[sent % len(frames)])
        ws.recv()
        sent += 1
        time.sleep(max(0.0, start + sent / fps - time.perf_counter()))
    return round(_rss_mb(pid) - baseline, 1), round(highest - baseline, 1)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
