"""The live socket, WS /api/live, on a real ``poseloops serve``: real frames made from the
photos and clips in ../shared/data/pose as the page sends them (tests/live_frames.py),
settings, drops, bad input, several clients, clients that vanish, and privacy.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from poseloops.pattern import dict_to_pattern
from poseloops.seeds import read_image_file

from .live_frames import FPS, clip_frames, held_still
from .server_harness import start_server

MB = 1024 * 1024


def live_url(server) -> str:
    return server.url.replace("http://", "ws://") + "/api/live"


def ask(ws, message) -> dict:
    ws.send(message)
    return json.loads(ws.recv(timeout=30))


@pytest.fixture(scope="module")
def webcam(pose_clips) -> list[bytes]:
    return clip_frames(pose_clips / "person-webcam.y4m", seconds=1.0)


def photo_frames(pose_dir, name: str, count: int, seed: int) -> list[bytes]:
    photo = read_image_file(pose_dir / f"COCO_val2014_000000000{name}.jpg")
    return held_still(photo, count, rng=np.random.default_rng(seed))


def stream(server, frames: list[bytes], settings: dict | None = None) -> list[dict]:
    """One client sending each frame when the last is answered, as the page does."""
    with connect(live_url(server), max_size=None) as ws:
        if settings:
            assert "settings" in ask(ws, json.dumps(settings))
        return [ask(ws, frame) for frame in frames]


def test_every_frame_is_answered_with_the_pose_and_its_seed(server, webcam):
    answers = stream(server, webcam)
    assert [a["frame"] for a in answers] == list(range(1, len(webcam) + 1))
    assert all(a["person"] for a in answers)
    last = answers[-1]
    seed = dict_to_pattern(last["seed"])
    assert len(seed) == 10 and seed.seed_length == 10 and seed.num_hits >= 6
    keypoints = last["pose"]["keypoints"]
    assert len(keypoints) == 33 and all(0 <= k["x"] <= 1 and 0 <= k["y"] <= 1.1 for k in keypoints)
    assert (last["pose"]["width"], last["pose"]["height"]) == (640, 480)
    hits = {(h["step"], h["drum"]) for h in last["hits"]}
    assert hits == {(step, drum) for step, drums in enumerate(seed.steps) for drum in drums}
    assert {"left_foot", "right_foot", "head"} <= {h["point"] for h in last["hits"]}
    # The still webcam picture: one seed once tracking has settled.
    assert len({json.dumps(a["seed"]) for a in answers[FPS // 2 :]}) == 1


def test_settings_change_the_seed_and_are_checked(server, webcam):
    with connect(live_url(server)) as ws:
        assert ask(ws, json.dumps({"steps": 16}))["settings"] == {
            "steps": 16, "mirror": True, "normalize": "body", "visibility_threshold": 0.5}  # fmt: skip
        mirrored = [ask(ws, frame) for frame in webcam[:10]][-1]["seed"]
        assert len(mirrored["pattern"]) == 16
        assert ask(ws, json.dumps({"mirror": False}))["settings"]["steps"] == 16  # the others are kept
        plain = [ask(ws, frame) for frame in webcam[:10]][-1]["seed"]
        assert plain["pattern"] != mirrored["pattern"] and len(plain["pattern"]) == 16
        for bad, field, fragment in [
            ({"steps": 0}, "steps", "greater than or equal to 1"),
            ({"mirror": "sideways"}, "mirror", "boolean"),
            ({"visibility_threshold": 2}, "visibility_threshold", "less than or equal to 1"),
            ({"tempo": 120}, "tempo", "Extra inputs"),
            ([1, 2], "settings", "JSON object"),
            ("not json {", "settings", "JSON object"),
        ]:
            answer = ask(ws, bad if isinstance(bad, str) else json.dumps(bad))
            assert answer["field"] == field and fragment in answer["error"], answer
        assert ask(ws, "x" * (MB + 10))["field"] == "settings"
        # After all that the stream still works, with the settings last accepted.
        answer = ask(ws, webcam[0])
        assert answer["person"] and len(answer["seed"]["pattern"]) == 16


def test_frames_sent_faster_than_read_are_dropped_and_the_newest_wins(server, webcam):
    with connect(live_url(server)) as ws:
        ask(ws, webcam[0])  # the tracker is ready
        for frame in webcam[:8]:
            ws.send(frame)
        answers = [json.loads(ws.recv(timeout=30)) for _ in range(8)]
    numbers = sorted(a["frame"] for a in answers)
    assert numbers == list(range(2, 10))  # each frame answered exactly once
    read = [a["frame"] for a in answers if "person" in a]
    dropped = [a["frame"] for a in answers if a.get("dropped")]
    assert read[0] == 2 and read[-1] == 9 and len(dropped) >= 4  # the first and the newest were read
    assert len(read) + len(dropped) == 8


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_bad_frames_are_answered_and_the_stream_goes_on(server, webcam):
    with connect(live_url(server), max_size=None) as ws:
        for bad, fragment in [
            (b"not an image at all", "not a JPEG"),
            (webcam[0][: len(webcam[0]) // 2], "truncated"),
            (png_bytes(Image.new("L", (5000, 5000))), "4096"),
            (b"\xff\xd8" + b"\0" * (10 * MB), "limit is 10 MB"),
        ]:
            answer = ask(ws, bad)
            assert answer["field"] == "frame" and fragment in answer["error"], answer
        assert ask(ws, webcam[0])["person"]


def test_a_frame_far_over_the_limit_closes_the_socket_with_a_reason(server, webcam):
    with connect(live_url(server), max_size=None) as ws:
        ws.send(b"\0" * (12 * MB))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd.code == 1009  # message too big
    assert stream(server, webcam[:2])[-1]["person"]  # and the next client is served


def test_two_clients_at_once_each_get_what_they_would_alone(server, pose_dir):
    first, second = photo_frames(pose_dir, "241", 20, 1), photo_frames(pose_dir, "474", 20, 2)
    alone = [stream(server, first), stream(server, second)]
    together: dict = {}

    def client(key, frames):
        together[key] = stream(server, frames)

    threads = [threading.Thread(target=client, args=(k, f)) for k, f in ((0, first), (1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for key in (0, 1):
        assert [a.get("seed") for a in together[key]] == [a.get("seed") for a in alone[key]]
    assert alone[0][-1]["seed"] != alone[1][-1]["seed"]


def vanish_mid_frame(server, frame: bytes) -> None:
    """Connect, send a frame and drop the TCP connection without a goodbye."""
    with connect(live_url(server)) as ws:
        ws.send(frame)
        ws.socket.shutdown(socket.SHUT_RDWR)


def all_places_free_within(server, frame: bytes, seconds: float, places: int = 4) -> list[dict]:
    """Answers to ``places`` streams open at once, as soon as the server takes them all."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with contextlib.ExitStack() as stack:
                sockets = [stack.enter_context(connect(live_url(server))) for _ in range(places)]
                return [ask(ws, frame) for ws in sockets]
        except ConnectionClosed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_clients_that_vanish_mid_frame_leave_the_server_serving(server, webcam):
    for _ in range(4):  # as many as the server's streams: one that leaked would hold its place for good
        vanish_mid_frame(server, webcam[0])
    assert httpx.get(f"{server.url}/api/health", timeout=10).json()["status"] == "ready"
    # A vanished stream's place is free once the frame it was reading is done (~1 s each here).
    answers = all_places_free_within(server, webcam[0], seconds=30)
    assert all(a["person"] for a in answers)


@pytest.fixture(scope="module")
def private_server():
    """A server of its own: an empty TMPDIR to watch, and only 2 live streams."""
    with tempfile.TemporaryDirectory(prefix="poseloops-tmp-") as tmp:
        server = start_server(env={"TMPDIR": tmp, "POSELOOPS_MAX_LIVE_STREAMS": "2"})
        try:
            yield server, Path(tmp)
        finally:
            server.stop()


def test_streams_beyond_the_limit_are_refused_with_a_reason(private_server, webcam):
    server, _ = private_server
    with connect(live_url(server)) as a, connect(live_url(server)) as b:
        assert ask(a, webcam[0])["person"] and ask(b, webcam[0])["person"]
        with connect(live_url(server)) as c:
            refusal = json.loads(c.recv(timeout=10))
            with pytest.raises(ConnectionClosed) as closed:
                c.recv(timeout=10)
    assert "limit" in refusal["error"] and refusal["retry_after"] >= 1
    assert closed.value.rcvd.code == 1013 and "limit" in closed.value.rcvd.reason
    assert stream(server, webcam[:1])[0]["person"]  # closed streams free their place


def test_frames_and_settings_are_never_stored_or_logged(private_server, webcam):
    server, tmp = private_server
    marker = "private-marker-live-4e2b"
    frame = webcam[0] + marker.encode()  # JPEG readers ignore bytes after the image's end
    with connect(live_url(server)) as ws:
        assert ask(ws, frame)["person"]
        assert "error" in ask(ws, marker.encode() * 50)
        assert "error" in ask(ws, json.dumps({marker: 1}))
        assert "error" in ask(ws, marker)
    time.sleep(0.3)
    assert marker not in server.log()
    assert list(tmp.iterdir()) == []  # nothing was spooled to a temporary file
    pid = server.process.pid
    open_files = [Path(f"/proc/{pid}/fd/{fd}").resolve() for fd in Path(f"/proc/{pid}/fd").iterdir()]
    assert not [f for f in open_files if str(f).startswith(str(tmp))]
