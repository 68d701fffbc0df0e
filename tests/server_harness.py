"""A real studio server on loopback for the server and browser tests.

``shared_server()`` starts ``poseloops serve`` (the installed command, as a
person runs it) once per test session on a free port, waits until the model
and pose estimator are loaded, and stops it when the session ends. Its output
goes to a log file the tests can read (to check that nothing a person sent is
ever logged).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

POSELOOPS = Path(sys.executable).parent / "poseloops"
READY_TIMEOUT_S = 180  # MediaPipe's first load on a busy 2-core machine can take a while


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            end_process(self.process)
        self.log_path.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def end_process(process: subprocess.Popen, timeout_s: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(*, wait_ready: bool = True, env: dict | None = None, args: list[str] | None = None) -> LiveServer:
    """``poseloops serve`` on a free port, with ``args`` (say ``--model FILE``) after it."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="poseloops-serve-", suffix=".log")[1])
    process = subprocess.Popen(
        [str(POSELOOPS), "serve", "--port", str(port), *(args or [])],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until(server, ready=wait_ready)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until(server: LiveServer, *, ready: bool, timeout: float = READY_TIMEOUT_S) -> dict:
    """Poll /api/health until the server answers (and, with ``ready``, until it is ready)."""
    deadline = time.monotonic() + timeout
    health: dict = {}
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log()}")
        try:
            health = httpx.get(f"{server.url}/api/health", timeout=5).json()
        except httpx.HTTPError:
            health = {}
        if health and (not ready or health["status"] != "loading"):
            if ready and health["status"] != "ready":
                raise RuntimeError(f"the server could not load its parts: {health}")
            return health
        time.sleep(0.25)
    raise RuntimeError(f"the server was not ready after {timeout} s: {health}\n{server.log()}")


_shared: LiveServer | None = None
_failure: str | None = None


def shared_server() -> LiveServer:
    """One server for the whole test session, whichever test module asks first.

    If it cannot start, every later test is told why at once instead of starting another.
    """
    global _shared, _failure
    if _failure is not None:
        raise RuntimeError(f"the shared server could not start earlier: {_failure}")
    if _shared is None or not _shared.alive():
        try:
            _shared = start_server()
        except RuntimeError as err:
            _failure = str(err).splitlines()[0]
            raise
        atexit.register(_shared.stop)
    return _shared
