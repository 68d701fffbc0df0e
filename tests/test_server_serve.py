"""The running server as several people use it: on loopback, concurrent, responsive
while one request is long, and keeping nothing anyone sent in its logs.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from .conftest import assert_one_line_error, run_cli
from .server_harness import shared_server

SEEDS = [
    {"pattern": [[0, 2], [2], [1, 2], [2]]},
    {"pattern": [[0], [], [0], [1], [], [2], [0, 3]]},
    {"pattern": [[4], [5], [6], [1, 7], [], [8]]},
    {"pattern": [[0, 1, 2], [], [], [2], [0], [], [1, 8], []]},
]


def make_loop(client: httpx.Client, seed: dict, rng_seed: int) -> tuple[dict, bytes]:
    generated = client.post("/api/generate", json={"seed": seed, "steps": 16, "rng_seed": rng_seed})
    assert generated.status_code == 200, generated.text
    pattern = generated.json()["patterns"][0]
    rendered = client.post("/api/render", json={"pattern": pattern, "bpm": 100 + rng_seed})
    assert rendered.status_code == 200, rendered.text
    return pattern, rendered.content


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket process ``pid`` listens on, as the kernel has them.

    The process's socket inodes (/proc/PID/fd), looked up in /proc/net/tcp and tcp6 (state 0A is
    LISTEN). The kernel prints each 32-bit word of an address in the machine's byte order.
    """
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # an fd closed while listing
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:
                continue
            address, port = local.split(":")
            raw = bytes.fromhex(address)
            words = [raw[i : i + 4] for i in range(0, len(raw), 4)]
            raw = b"".join(word[::-1] if sys.byteorder == "little" else word for word in words)
            found.append((socket.inet_ntop(family, raw), int(port, 16)))
    return found


def test_serve_listens_on_loopback_and_prints_the_address():
    server = shared_server()
    first_line = server.log().splitlines()[0]
    match = re.search(r"open (http://127\.0\.0\.1:(\d+)/)", first_line)
    assert match, first_line
    assert match.group(1).rstrip("/") == server.url
    # The address printed is rewritten for a browser (0.0.0.0 shows as 127.0.0.1): the socket's
    # own address, from the kernel, says where the server really listens.
    assert listening_addresses(server.process.pid) == [("127.0.0.1", int(match.group(2)))]


def test_serve_says_in_one_line_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("serve", "--port", str(taken.getsockname()[1]), timeout=60)
    assert_one_line_error(result, "cannot listen on 127.0.0.1")
    assert_one_line_error(run_cli("serve", "--port", "70000"), "port")


def test_concurrent_users_get_exactly_what_each_would_get_alone():
    server = shared_server()
    jobs = [(SEEDS[i % len(SEEDS)], 100 + i) for i in range(8)]
    with httpx.Client(base_url=server.url, timeout=60) as client:
        alone = [make_loop(client, seed, rng) for seed, rng in jobs]

    def one_user(job):
        with httpx.Client(base_url=server.url, timeout=60) as client:
            return make_loop(client, *job)

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(one_user, jobs))
    assert together == alone


def test_health_answers_while_a_long_request_runs():
    server = shared_server()
    long_loop = {"pattern": [[0, 2], [2], [1, 2], [2, 3]] * 64}  # 256 steps
    slow: dict = {}

    def long_request():
        start = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=120) as client:
            # raw: the render alone (normalising 512 s of audio adds tens of seconds on a busy machine)
            response = client.post("/api/export/audio", json={"pattern": long_loop, "bpm": 45, "loops": 6, "loudness": "raw"})
        slow.update(status=response.status_code, start=start, end=time.perf_counter())

    thread = threading.Thread(target=long_request)
    thread.start()
    time.sleep(0.3)  # let the export get going
    latencies, answered_at = [], []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(3):
            start = time.perf_counter()
            assert client.get("/api/health").status_code == 200
            latencies.append(time.perf_counter() - start)
            answered_at.append(time.perf_counter())
    thread.join(120)
    assert slow["status"] == 200
    slow_s = slow["end"] - slow["start"]
    print(f"export took {slow_s * 1000:.0f} ms; /api/health meanwhile: median {statistics.median(latencies) * 1000:.1f} ms")
    # the health checks were answered while the export was still running, not after it
    assert answered_at[-1] < slow["end"], (answered_at[-1] - slow["start"], slow_s)


def test_nothing_a_person_sends_is_logged():
    server = shared_server()
    marker = "private-marker-7d1f3a"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post("/api/render", json={"pattern": {"pattern": [[0]]}, "kit": marker})
        client.post("/api/seeds/image", content=marker.encode() * 100, headers={"content-type": "image/jpeg"})
        client.post(f"/api/seeds/image?steps={marker}", content=b"x", headers={"content-type": "image/png"})
        client.post("/api/seeds/keypoints", json={"keypoints": marker})
    time.sleep(0.2)
    log = server.log()
    assert marker not in log
    assert 'HTTP/1.1"' not in log  # no access log lines at all
