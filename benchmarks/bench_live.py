"""Live mode: camera frames to poses and seeds, in process and over WS /api/live.

Frames are the page's: 640x480 JPEGs (quality 80) of the webcam and slideshow
clips in ../shared/data/pose at 30 fps (tests/live_frames.py).

- ``live_pose_ms``: median, one JPEG frame -> decoded -> tracked pose -> steady
  seed (``LivePose.read``, BlazePose in video mode), in process;
- ``live_still_pose_ms``: the reference, the same frames through the still path
  (``decode_image`` + ``pose_to_pattern``: detection every frame), same run;
- ``live_pose_two_threads_ms``: ``live_pose_ms`` with the tracker's models on
  ``POSE_THREADS`` XNNPACK threads instead of one (reference, same run);
- ``live_fps``: answers per second over the socket on a real ``poseloops serve``,
  one client sending each frame as soon as the last is answered, ``LIVE_FPS_SECONDS``;
- ``live_fps_loaded``, ``live_pose_loaded_ms``: the same with ``BUSY_PROCESSES``
  processes spinning beside the server (a DAW and a browser on a laptop), and the
  median wait for each answer; ``live_load_average``: the machine's 1-minute load
  average at the end of that (other work running on the machine shows here);
- ``live_rss_growth_mb``: the server's resident memory at the end of a live
  session minus at its start (after ``WARM_SECONDS``), and
  ``live_rss_peak_growth_mb`` its highest point minus the start, for a session
  of ``live_session_s`` seconds on a fresh server: 60 by default, 1800 (the 30
  minutes of the issue) with ``POSELOOPS_BENCH_LIVE_SECONDS=1800``. The client
  sends 30 frames a second, alternating the two clips so that people come and go.
  ``live_missed_bars``: bars of 2 s (4/4 at 120 BPM) before whose boundary no answer
  came in the last ``LEAD_S`` (the page would have had no fresh pose to take);
  ``live_errors``: error answers plus ERROR lines in the server's log;
- ``live_seed_changes``: a still photo (the identical frame, 30 a second, as a
  person who does not move in front of a camera on a stand) replayed for
  ``live_still_s`` seconds (``POSELOOPS_BENCH_LIVE_STILL_SECONDS``, 20 by default,
  300 for the issue's five minutes): how often the seed changed after the first 4
  answers (want 0; the tracker's visibility creeps meanwhile), and
  ``live_still_rss_growth_mb`` the server's memory growth over it (from its first second, once the tracker is built).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import median_ms

REPO = Path(__file__).resolve().parents[1]
POSE_DATA = REPO.parent / "shared" / "data" / "pose"
LIVE_FPS_SECONDS = 10.0
SESSION_SECONDS = float(os.environ.get("POSELOOPS_BENCH_LIVE_SECONDS", "60"))
STILL_SECONDS = float(os.environ.get("POSELOOPS_BENCH_LIVE_STILL_SECONDS", "20"))
STILL_PHOTO = "COCO_val2014_000000000294.jpg"  # its left hand's visibility creeps 0.25 -> 0.98 on a still picture
WARM_SECONDS = 10.0  # the session's start: the tracker built, allocator pools filled
BUSY_PROCESSES = 2  # the busy laptop: two processes that take both cores
BAR_SECONDS = 2.0  # a 4/4 bar at 120 BPM
LEAD_S = 0.35  # the page takes the pose this long before a bar (live.js LEAD_MIN_S)


def run(results: dict) -> None:
    sys.path.insert(0, str(REPO))
    from tests.live_frames import FPS, clip_frames, jpeg
    from poseloops.seeds import read_image_file

    webcam = clip_frames(POSE_DATA / "person-webcam.y4m")
    slideshow = clip_frames(POSE_DATA / "people-slideshow.y4m")
    still = jpeg(read_image_file(POSE_DATA / STILL_PHOTO))
    _in_process(results, webcam)
    _over_the_socket(results, webcam + slideshow, still, fps=FPS)


def _in_process(results: dict, frames: list[bytes]) -> None:
    from poseloops.seeds import decode_image, pose_to_pattern
    from poseloops.seeds.live_pose import LivePose, MappingOptions
    from poseloops.seeds.pose_estimator import POSE_THREADS, BlazePoseEstimator, BlazePoseTracker

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
    threaded = LivePose(MappingOptions(mirror=True), tracker=BlazePoseTracker(threads=POSE_THREADS))
    results["live_pose_two_threads_ms"] = median_ms(
        lambda: threaded.read(decode_image(next_frame())), repeats=150, warmup=10
    )
    threaded.close()


def _over_the_socket(results: dict, frames: list[bytes], still: bytes, *, fps: int) -> None:
    from websockets.sync.client import connect

    from tests.server_harness import start_server

    server = start_server()
    pid = server.process.pid
    socket_url = server.url.replace("http://", "ws://") + "/api/live"
    try:
        with connect(socket_url) as ws:  # first, on a fresh server: nothing else has used its memory
            session = _session(ws, frames, pid, fps=fps)
            results.update(session, live_session_s=SESSION_SECONDS)
        with connect(socket_url) as ws:
            results["live_fps"], _ = _answer_rate(ws, frames, LIVE_FPS_SECONDS)
            with busy_processes(BUSY_PROCESSES):
                results["live_fps_loaded"], results["live_pose_loaded_ms"] = _answer_rate(ws, frames, LIVE_FPS_SECONDS)
                results["live_load_average"] = round(os.getloadavg()[0], 2)
        with connect(socket_url) as ws:
            changes, growth = _still_photo(ws, still, pid, fps=fps)
            results.update(live_seed_changes=changes, live_still_rss_growth_mb=growth, live_still_s=STILL_SECONDS)
        results["live_errors"] += sum(line.startswith("ERROR") for line in server.log().splitlines())
    finally:
        server.stop()


@contextlib.contextmanager
def busy_processes(count: int):
    """``count`` Python processes spinning on a core each, for the duration of the block."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(1.0)  # they are running before the measurement starts
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _answer_rate(ws, frames: list[bytes], seconds: float) -> tuple[float, float]:
    """Answers per second, each frame sent when the last is answered, and the median wait (ms)."""
    for frame in frames[:10]:  # the tracker is built on the first frame
        ws.send(frame)
        ws.recv()
    waits, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        sent = time.perf_counter()
        ws.send(frames[len(waits) % len(frames)])
        assert "person" in json.loads(ws.recv())
        waits.append(time.perf_counter() - sent)
    return round(len(waits) / (time.perf_counter() - start), 1), round(1000 * statistics.median(waits), 1)


def _session(ws, frames: list[bytes], pid: int, *, fps: int) -> dict:
    """Frames at ``fps`` for the session: RSS at its end and at its highest minus after the
    warm-up, bars missed (no answer in the ``LEAD_S`` before a bar's boundary) and error answers."""
    start = time.perf_counter()
    sent, baseline, highest, errors = 0, None, 0.0, 0
    answered_at: list[float] = []
    while (elapsed := time.perf_counter() - start) < SESSION_SECONDS + WARM_SECONDS:
        if sent % fps == 0 and elapsed >= WARM_SECONDS:  # once a second
            rss = _rss_mb(pid)
            baseline = rss if baseline is None else baseline
            highest = max(highest, rss)
        ws.send(frames[sent % len(frames)])
        errors += "error" in json.loads(ws.recv())
        answered_at.append(time.perf_counter() - start)
        sent += 1
        time.sleep(max(0.0, start + sent / fps - time.perf_counter()))
    boundaries = [WARM_SECONDS + BAR_SECONDS * (i + 1) for i in range(int(SESSION_SECONDS / BAR_SECONDS))]
    missed = sum(bisect.bisect_right(answered_at, b) == bisect.bisect_left(answered_at, b - LEAD_S) for b in boundaries)
    return {
        "live_rss_growth_mb": round(_rss_mb(pid) - baseline, 1), "live_rss_peak_growth_mb": round(highest - baseline, 1),
        "live_missed_bars": missed, "live_errors": errors,
    }  # fmt: skip


def _still_photo(ws, frame: bytes, pid: int, *, fps: int) -> tuple[int, float]:
    """The same frame at ``fps`` for ``STILL_SECONDS``: seed changes after the first 4 answers, and
    RSS growth (MB) from the end of the first second (the stream's tracker built) to the end."""
    start, sent, seeds, baseline = time.perf_counter(), 0, [], None
    while time.perf_counter() - start < STILL_SECONDS:
        ws.send(frame)
        answer = json.loads(ws.recv())
        seeds.append(json.dumps(answer.get("seed")))
        sent += 1
        if sent == fps:
            baseline = _rss_mb(pid)
        time.sleep(max(0.0, start + sent / fps - time.perf_counter()))
    changes = sum(a != b for a, b in zip(seeds[4:], seeds[5:]))
    end = _rss_mb(pid)
    return changes, round(end - (end if baseline is None else baseline), 1)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
