"""Server benchmarks on a real ``poseloops serve`` over loopback (httpx clients).

- ``e2e_ms``: a 640x480 JPEG webcam frame -> pose seed -> 32-step continuation ->
  rendered loop (WAV bytes back), the chain the page runs on Capture; median.
- ``server_rps``: completed generate-and-render pairs per second with 4
  concurrent clients for 10 s; ``errors``: non-2xx answers meanwhile.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench import median_ms

FRAME_SIZE = (640, 480)
PHOTO = Path(__file__).resolve().parents[2] / "shared" / "data" / "pose" / "COCO_val2014_000000000241.jpg"
SEED = {"pattern": [[0, 2], [2], [1, 2], [2], [0, 2], [], [1, 2], [2], [0], [2]]}
CLIENTS = 4
LOAD_SECONDS = 10.0
E2E_REPEATS = 20
READY_TIMEOUT_S = 180


def run(results: dict) -> None:
    server, url = _start_server()
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            frame = _webcam_frame()
            results["e2e_ms"] = median_ms(lambda: _frame_to_loop(client, frame), repeats=E2E_REPEATS, warmup=3)
        rps, errors = _load(url)
        results["server_rps"] = rps
        results["errors"] = errors
    finally:
        server.terminate()
        server.wait(10)


def _frame_to_loop(client: httpx.Client, frame: bytes) -> bytes:
    seed = client.post("/api/seeds/pose", content=frame, headers={"content-type": "image/jpeg"})
    seed.raise_for_status()
    loop = client.post("/api/generate", json={"seed": seed.json()["seed"], "steps": 32})
    loop.raise_for_status()
    audio = client.post("/api/render", json={"pattern": loop.json()["patterns"][0], "bpm": 120})
    audio.raise_for_status()
    return audio.content


def _load(url: str) -> tuple[float, int]:
    """Generate-and-render pairs completed per second by ``CLIENTS`` clients in ``LOAD_SECONDS``."""
    done, errors = [0] * CLIENTS, [0] * CLIENTS
    stop_at = time.perf_counter() + LOAD_SECONDS

    def client_loop(k: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while time.perf_counter() < stop_at:
                generated = client.post("/api/generate", json={"seed": SEED, "steps": 32})
                if generated.status_code != 200:
                    errors[k] += 1
                    continue
                rendered = client.post("/api/render", json={"pattern": generated.json()["patterns"][0], "bpm": 120})
                if rendered.status_code != 200:
                    errors[k] += 1
                    continue
                done[k] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return round(sum(done) / elapsed, 2), sum(errors)


def _webcam_frame() -> bytes:
    from PIL import Image

    image = Image.open(PHOTO).convert("RGB")
    image.thumbnail(FRAME_SIZE)  # keep the person's proportions
    frame = Image.new("RGB", FRAME_SIZE, (40, 40, 40))
    frame.paste(image, ((FRAME_SIZE[0] - image.width) // 2, (FRAME_SIZE[1] - image.height) // 2))
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-c", "import sys; from poseloops.cli import main; sys.exit(main(sys.argv[1:]))"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=5).json()["status"] == "ready":
                return server, url
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        if server.poll() is not None:
            raise RuntimeError(f"poseloops serve exited with {server.returncode}")
        time.sleep(0.25)
    server.terminate()
    raise RuntimeError("poseloops serve was not ready in time")


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
