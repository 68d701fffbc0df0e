"""What the Link tests share: a private network namespace (``net_namespace``) holding a real
``poseloops serve --link`` and second Link peers (``link_peer.py``, their own processes), and
the test's clock ties to them.

Clocks: Link's clock (microseconds) and ``time.monotonic()`` are the system's monotonic clocks,
the same in every process; ``LinkPeer.clock_offset_us`` measures Link's minus the test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .net_namespace import NetNamespace
from .server_harness import POSELOOPS, READY_TIMEOUT_S, end_process, free_port

PEER_SCRIPT = Path(__file__).with_name("link_peer.py")
QUANTUM = 4.0


class LinkPeer:
    """A second Link peer in the namespace, driven by JSON lines (see link_peer.py)."""

    def __init__(self, namespace: NetNamespace, bpm: float = 100.0) -> None:
        self.process = subprocess.Popen(namespace.command(sys.executable, str(PEER_SCRIPT), str(bpm)),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def ask(self, op: str, **args) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def clock_offset_us(self) -> float:
        """Link's clock minus ``time.monotonic()``, in microseconds (both read in the peer, a few µs apart)."""
        states = [self.ask("state") for _ in range(5)]
        return min((s["micros"] - s["monotonic"] * 1e6 for s in states), key=abs)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.terminate()
        self.process.wait(timeout=10)


class LinkServer:
    """``poseloops serve --link`` (plus ``args``) inside the namespace, on its loopback."""

    def __init__(self, namespace: NetNamespace, args: list[str]) -> None:
        self.namespace = namespace
        port = namespace.call(free_port)
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.mkstemp(prefix="poseloops-link-", suffix=".log")[1])
        self.process = subprocess.Popen(
            namespace.command(str(POSELOOPS), "serve", "--port", str(port), "--link", *args),
            stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        self._client = namespace.call(httpx.Client, base_url=self.url, timeout=10)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log()}")
            try:
                if self.get("/api/health").json()["status"] == "ready":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the server was not ready: {self.log()}")

    def wait_warm(self, timeout: float = 120.0) -> None:
        """Wait until the server has warmed the rhythm reader: numba compiling it holds the GIL
        for long stretches, which stalls the server's other threads (the bar thread among them)."""
        deadline = time.monotonic() + timeout
        while "the rhythm reader" not in self.log() and time.monotonic() < deadline:
            time.sleep(0.2)

    def get(self, path: str) -> httpx.Response:
        return self.namespace.call(self._client.get, path)

    def put(self, path: str, body) -> httpx.Response:
        return self.namespace.call(self._client.put, path, json=body)

    def post(self, path: str, body) -> httpx.Response:
        return self.namespace.call(self._client.post, path, json=body)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        self.namespace.call(self._client.close)
        end_process(self.process)
        self.log_path.unlink(missing_ok=True)


def phase_error_ms(beat: float, tempo: float) -> float:
    """How far ``beat`` is from the nearest bar start (a multiple of 4 beats), in ms at ``tempo``."""
    phase = beat % QUANTUM
    return min(phase, QUANTUM - phase) * 60000.0 / tempo


def chromium_in(namespace: NetNamespace, folder: Path, chromium: str) -> Path:
    """An executable that starts ``chromium`` inside the namespace (Playwright drives it over its pipes)."""
    wrapper = folder / "chromium-in-namespace"
    wrapper.write_text(f'#!/bin/sh\nexec nsenter --net={namespace.path} {chromium} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper
