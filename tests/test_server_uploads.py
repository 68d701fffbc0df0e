"""Uploads on a real server of their own (``poseloops serve`` on loopback, an empty TMPDIR and an empty
working directory, upload limits of 1.5 MB): nothing a person sends touches the disk, even for a moment,
and a body streamed without a Content-Length is cut off at the limit with a JSON 413.

The disk is watched with Linux inotify (through ctypes): a file created and deleted again between two
looks at the folder still shows up as an event.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import select
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from .server_harness import POSELOOPS, LiveServer, free_port, wait_until

LIMIT_BYTES = 1_500_000
PHOTO = "COCO_val2014_000000000241.jpg"
IN_MODIFY, IN_MOVED_TO, IN_CREATE = 0x2, 0x80, 0x100


class FolderWatch:
    """Every file or folder created, moved in or written in ``folder`` since it was opened (inotify)."""

    def __init__(self, folder: Path):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        watch = self.libc.inotify_add_watch(self.fd, str(folder).encode(), IN_CREATE | IN_MOVED_TO | IN_MODIFY)
        assert watch >= 0, os.strerror(ctypes.get_errno())

    def events(self) -> list[str]:
        names = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return names
            offset = 0
            while offset < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16: offset + 16 + length].rstrip(b"\0").decode()
                names.append(f"{name} (mask {mask:#x})")
                offset += 16 + length

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture(scope="module")
def private_server():
    """``poseloops serve`` run in an empty folder with an empty TMPDIR, both watched from before it starts."""
    with tempfile.TemporaryDirectory(prefix="poseloops-uploads-") as root:
        cwd, tmp = Path(root) / "cwd", Path(root) / "tmp"
        cwd.mkdir(), tmp.mkdir()
        port = free_port()
        log = Path(tempfile.mkstemp(prefix="poseloops-serve-", suffix=".log")[1])
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(tmp),
               "POSELOOPS_MAX_IMAGE_BYTES": str(LIMIT_BYTES), "POSELOOPS_MAX_AUDIO_BYTES": str(LIMIT_BYTES)}
        process = subprocess.Popen([str(POSELOOPS), "serve", "--port", str(port)], cwd=cwd, env=env,
                                   stdout=log.open("wb"), stderr=subprocess.STDOUT)
        server = LiveServer(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until(server, ready=True)
            yield server, cwd, tmp
        finally:
            server.stop()


def test_uploads_never_touch_the_disk(private_server, pose_dir):
    """Photos, frames, recordings and JSON bodies (a session, a seed to continue) go through memory only:
    not a file is created or written in TMPDIR or the working directory, not even one deleted after."""
    server, cwd, tmp = private_server
    watches = [FolderWatch(cwd), FolderWatch(tmp)]
    photo = (pose_dir / PHOTO).read_bytes()
    beat = {"pattern": [[0, 2], [2], [1, 2], [2]] * 4}
    with httpx.Client(base_url=server.url, timeout=120) as api:
        wav = api.post("/api/render", json={"pattern": beat, "bpm": 120}).content
        buffer = io.BytesIO()
        sf.write(buffer, np.tile(sf.read(io.BytesIO(wav), dtype="float32")[0], (2, 1)), 44100, format="FLAC")
        answers = [
            api.post("/api/seeds/pose?steps=10", content=photo, headers={"content-type": "image/jpeg"}),
            api.post("/api/seeds/image?steps=10", content=photo, headers={"content-type": "image/jpeg"}),
            api.post("/api/pose", content=photo, headers={"content-type": "image/jpeg"}),
            api.post("/api/seeds/audio?bpm=120", content=wav, headers={"content-type": "audio/wav"}),
            api.post("/api/seeds/audio?bpm=120", content=buffer.getvalue(), headers={"content-type": "audio/flac"}),
            api.post("/api/session/load", json={"seed": beat, "loop": beat}),
            api.post("/api/generate", json={"seed": beat, "steps": 16, "rng_seed": 1}),
            api.post("/api/export/audio", json={"pattern": beat, "loops": 1, "format": "flac"}),
        ]
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text[:200] for a in answers]
    assert answers[0].json()["seed"]["pattern"] and answers[3].json()["seed"]["pattern"]
    time.sleep(0.3)
    created = [name for watch in watches for name in watch.events()]
    for watch in watches:
        watch.close()
    assert created == []
    assert list(tmp.iterdir()) == [] and list(cwd.iterdir()) == []
    # the watch sees what is written there (the same check fails when something is)
    proof = FolderWatch(tmp)
    with tempfile.NamedTemporaryFile(dir=tmp) as spooled:
        spooled.write(b"x")
        spooled.flush()
    assert proof.events() and list(tmp.iterdir()) == []
    proof.close()


def post_chunked(url: str, path: str, content_type: str, total_bytes: int) -> tuple[int, dict, int]:
    """POST ``total_bytes`` as a chunked body (no Content-Length) on a raw socket; stop sending once the
    server answers. Returns the status, the JSON body and how many bytes went out."""
    host, port = url.removeprefix("http://").split(":")
    chunk = b"\0" * 65536
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            while sent < total_bytes and not select.select([sock], [], [], 0)[0]:  # until the server answers
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            if sent >= total_bytes:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        answer = b""
        deadline = time.monotonic() + 30
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            answer += sock.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        length = int(headers.get("content-length", headers.get("Content-Length", "0")))
        while len(body) < length and time.monotonic() < deadline:
            body += sock.recv(65536)
    status = int(head.split()[1])
    return status, json.loads(body[:length]), sent


@pytest.mark.parametrize("path, content_type, what", [("/api/seeds/image", "image/jpeg", "image"),
                                                      ("/api/seeds/audio", "audio/wav", "audio"),
                                                      ("/api/generate", "application/json", "JSON body")])
def test_a_streamed_body_over_the_limit_is_refused_with_a_json_413(private_server, path, content_type, what):
    server, _, _ = private_server
    status, body, sent = post_chunked(server.url, path, content_type, total_bytes=3 * LIMIT_BYTES)
    assert status == 413, (status, body)
    assert body["field"] == "body" and what in body["detail"] and "limit" in body["detail"]
    assert sent > LIMIT_BYTES  # the limit was passed while the body streamed in
    health = httpx.get(f"{server.url}/api/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ready"  # and the server serves on
