"""OSC in and out (``serve --osc-in PORT --osc-out HOST:PORT``), on loopback with python-osc's own
client (``SimpleUDPClient``) and server (``ThreadingOSCUDPServer``) as the installation's side;
and junk (hypothesis-made datagrams, floods) that never stops the server."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient
from websockets.sync.client import connect

from poseloops.pattern import dict_to_pattern

from .live_frames import clip_frames
from .server_harness import free_port, start_server

WAIT_S = 30.0


class Installation:
    """What TouchDesigner or Max would be: an OSC receiver on loopback, and a sender."""

    def __init__(self) -> None:
        self.received: queue.Queue = queue.Queue()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(lambda address, *args: self.received.put((address, args)))
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, address: str, timeout: float = WAIT_S) -> tuple:
        deadline = time.monotonic() + timeout
        while True:
            got, args = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            if got == address:
                return args

    def drain(self) -> list[tuple]:
        out = []
        while not self.received.empty():
            out.append(self.received.get_nowait())
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def rig():
    installation = Installation()
    osc_in = free_port()
    server = start_server(args=["--osc-in", str(osc_in), "--osc-out", f"127.0.0.1:{installation.port}"])
    client = SimpleUDPClient("127.0.0.1", osc_in)
    server.osc_in = ("127.0.0.1", osc_in)
    try:
        yield server, client, installation
    finally:
        server.stop()
        installation.close()


def loop_out(installation: Installation) -> dict:
    (text,) = installation.next("/poseloops/loop")
    return json.loads(text)


def test_a_loop_the_studio_generates_goes_out_as_json(rig):
    server, _, installation = rig
    installation.drain()
    seed = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], []], "seed_length": 8}
    answer = httpx.post(f"{server.url}/api/generate", json={"seed": seed, "bars": 2, "rng_seed": 3}, timeout=60)
    assert answer.status_code == 200
    sent = loop_out(installation)
    made = answer.json()["patterns"][0]
    assert sent["pattern"] == made["pattern"] and sent["seed_length"] == 8
    assert sent["velocities"] == made["velocities"]
    assert sent["bpm"] == 120.0
    assert len(sent["pattern"]) == 32


def test_osc_commands_make_loops_from_the_last_one(rig):
    server, client, installation = rig
    httpx.post(f"{server.url}/api/generate", json={"seed": {"pattern": [[0], [2], [1], [2]], "seed_length": 4}, "bars": 1},
               timeout=60).raise_for_status()
    first = loop_out(installation)
    client.send_message("/poseloops/bpm", 97.5)
    client.send_message("/poseloops/style", "funk")
    client.send_message("/poseloops/generate", [])
    generated = loop_out(installation)
    assert generated["bpm"] == 97.5
    assert generated["pattern"][:4] == first["pattern"][:4] == [[0], [2], [1], [2]]
    assert generated["seed_length"] == 4 and len(generated["pattern"]) > 4
    client.send_message("/poseloops/regenerate", [])
    again = loop_out(installation)
    assert again["pattern"][:4] == generated["pattern"][:4]  # the seed is kept
    assert len(again["pattern"]) == len(generated["pattern"])
    assert dict_to_pattern({k: v for k, v in again.items() if k != "bpm"}).num_hits > 4
    client.send_message("/poseloops/bpm", 60)  # an OSC int is a number too
    client.send_message("/poseloops/generate", [])
    assert loop_out(installation)["bpm"] == 60.0


def test_every_live_frame_sends_its_pose(rig, pose_clips):
    server, _, installation = rig
    frames = clip_frames(pose_clips / "person-webcam.y4m", seconds=0.3)
    installation.drain()
    answers = []
    with connect(server.url.replace("http://", "ws://") + "/api/live", max_size=None) as ws:
        for frame in frames:
            ws.send(frame)
            answers.append(json.loads(ws.recv(timeout=30)))
    with_pose = [a for a in answers if "pose" in a]
    assert len(with_pose) == len(frames)
    poses = [installation.next("/poseloops/pose", timeout=5) for _ in with_pose]
    for answer, values in zip(with_pose, poses):
        assert len(values) == 132
        for i, point in enumerate(answer["pose"]["keypoints"]):
            x, y, z, visibility = values[4 * i: 4 * i + 4]
            assert abs(x - point["x"]) < 1e-3 and abs(y - point["y"]) < 1e-3 and z == 0.0
            assert abs(visibility - point["visibility"]) < 1e-3


def osc_datagram(address: str, args: list) -> bytes:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


ADDRESSES = st.sampled_from(["/poseloops/generate", "/poseloops/regenerate", "/poseloops/bpm", "/poseloops/style",
                             "/poseloops/loop", "/poseloops", "/nope", "/poseloops/bpm/x"]) | st.from_regex(r"\A/[a-z/]{0,20}\Z")
ARGS = st.lists(st.one_of(st.integers(-2**31, 2**31 - 1), st.floats(width=32), st.text(max_size=20),
                          st.binary(min_size=1, max_size=16), st.booleans(), st.none()), max_size=4)
JUNK = st.one_of(st.binary(max_size=300), st.builds(osc_datagram, ADDRESSES, ARGS),
                 st.builds(lambda d, n: d[:n], st.builds(osc_datagram, ADDRESSES, ARGS), st.integers(0, 40)))


@pytest.fixture(scope="module")
def junk_sender():
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    yield sock
    sock.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datagram=JUNK)
def test_junk_never_stops_the_server(rig, junk_sender, datagram):
    junk_sender.sendto(datagram, rig[0].osc_in)
    assert rig[0].alive()  # and the next test sees that it still answers


def test_after_junk_and_a_flood_a_good_message_is_still_answered(rig, junk_sender):
    server, client, installation = rig
    for _ in range(3000):  # a flood: far more commands than the worker runs
        client.send_message("/poseloops/bpm", 120.0)
    for _ in range(200):
        junk_sender.sendto(b"\x00garbage", server.osc_in)
    time.sleep(1.0)
    installation.drain()
    client.send_message("/poseloops/generate", [])
    assert loop_out(installation)["bpm"] == 120.0
    assert server.alive()
    assert httpx.get(f"{server.url}/api/health", timeout=10).json()["status"] == "ready"
    log = server.log()
    dropped = [line for line in log.splitlines() if "OSC: dropped" in line]
    # logged once per kind (and then counts at most every 10 s), not once per message
    assert 2 <= len(dropped) <= 20, dropped
    assert "Traceback" not in log


def test_without_link_the_link_route_says_so(rig):
    server, _, _ = rig
    assert httpx.get(f"{server.url}/api/link", timeout=10).json() == {
        "enabled": False, "peers": 0, "tempo": None, "beat": None}
    answer = httpx.put(f"{server.url}/api/link", json={"tempo": 100}, timeout=10)
    assert answer.status_code == 409
    assert "--link" in answer.json()["detail"]


@pytest.mark.parametrize(("args", "words"), [
    (["--osc-out", "studio"], ["HOST:PORT"]),
    (["--osc-in", "busy"], ["cannot listen for OSC"]),
])
def test_bad_osc_options_are_one_line(args, words):
    import socket

    from .conftest import assert_one_line_error, run_cli

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        args = [str(taken.getsockname()[1]) if a == "busy" else a for a in args]
        result = run_cli("serve", "--port", "0", *args, timeout=120)
    assert_one_line_error(result, *words)
