"""Ableton Link (``serve --link``, /api/link, the page on Link's bars), against real Link peers.

Everything that starts Link runs inside a private network namespace (loopback only, multicast
routed on lo: ``net_namespace``), never on this machine's interfaces: the server, two peers
(``link_peer.py``, each its own process using LinkPython-extern directly) and, for the page,
Chromium itself (``chromium_in``). The test process reaches the namespace's loopback from one
thread that entered it.
"""

from __future__ import annotations

import socket
import time

import pytest
from pythonosc.osc_message import OscMessage

from .link_rig import LinkPeer, LinkServer, phase_error_ms
from .net_namespace import NetNamespace

FOLLOW_LIMIT_S = 1.0
BEAT_LIMIT_MS = 1.0
POLL_S = 0.005
OSC_BAR_LATE_MS = 100.0  # a cue for visuals, not a clock: Link itself is the clock


@pytest.fixture(scope="module")
def rig():
    namespace = NetNamespace()
    bars = namespace.call(socket.socket, socket.AF_INET, socket.SOCK_DGRAM)
    namespace.call(bars.bind, ("127.0.0.1", 0))
    bars.settimeout(5)
    peers, server = [], None
    try:
        peers = [LinkPeer(namespace, 100.0), LinkPeer(namespace, 100.0)]
        server = LinkServer(namespace, ["--osc-out", f"127.0.0.1:{bars.getsockname()[1]}"])
        deadline = time.monotonic() + 10
        while server.get("/api/link").json()["peers"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        yield namespace, server, peers, bars
    finally:
        if server is not None:
            server.close()
        for peer in peers:
            peer.close()
        bars.close()
        namespace.close()


def test_link_runs_only_in_a_namespace_with_loopback_and_sees_both_peers(rig):
    namespace, server, peers, _ = rig
    assert namespace.interfaces() == ["lo"]
    session = server.get("/api/link").json()
    assert session["enabled"] is True
    assert session["peers"] == 2
    assert peers[0].ask("state")["peers"] == 2
    assert set(session) >= {"enabled", "peers", "tempo", "beat"}


def wait_for_server_tempo(server: LinkServer, bpm: float, timeout: float = 3.0) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if abs(server.get("/api/link").json()["tempo"] - bpm) < 0.01:
            return time.monotonic()
        time.sleep(POLL_S)
    return None


def test_server_follows_a_peers_tempo_within_a_second(rig):
    _, server, peers, _ = rig
    follow_s = []
    for bpm in (133.0, 87.5, 120.0):
        changed = peers[0].ask("set_tempo", bpm=bpm)["monotonic"]
        seen = wait_for_server_tempo(server, bpm)
        assert seen is not None, f"the server never took {bpm} BPM: {server.get('/api/link').json()}"
        follow_s.append(seen - changed)
    print(f"server follows a peer's tempo after {', '.join(f'{s * 1000:.0f}' for s in follow_s)} ms")
    assert max(follow_s) < FOLLOW_LIMIT_S, follow_s


def test_peers_follow_a_tempo_put_to_the_server(rig):
    _, server, peers, _ = rig
    for bpm in (96.0, 120.0):
        sent = time.monotonic()
        answer = server.put("/api/link", {"tempo": bpm})
        assert answer.status_code == 200 and abs(answer.json()["tempo"] - bpm) < 0.01, answer.text
        seen = [peer.ask("wait_tempo", bpm=bpm, timeout=3)["monotonic"] for peer in peers]
        assert None not in seen, f"a peer never took {bpm} BPM"
        print(f"peers follow PUT {bpm} after {', '.join(f'{(s - sent) * 1000:.0f}' for s in seen)} ms")
        assert max(s - sent for s in seen) < FOLLOW_LIMIT_S


@pytest.mark.parametrize(("body", "word"), [({"tempo": 500}, "300"), ({"tempo": 5}, "20"), ({"tempo": "fast"}, "number"),
                                            ({}, "required"), ({"tempo": 120, "beat": 0}, "beat")])
def test_a_bad_tempo_is_refused_naming_the_field(rig, body, word):
    _, server, _, _ = rig
    before = server.get("/api/link").json()["tempo"]
    answer = server.put("/api/link", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == ("beat" if "beat" in body else "tempo")
    assert word in answer.json()["detail"]
    assert server.get("/api/link").json()["tempo"] == before


def test_the_servers_beat_agrees_with_a_peers_within_a_millisecond(rig):
    _, server, peers, _ = rig
    errors_ms = []
    for _ in range(20):
        session = server.get("/api/link").json()
        peer_beat = peers[0].ask("beat_at", micros=session["micros"])["beat"]
        # the same Link-clock instant: the beats' phases in the bar must agree
        phase = (session["beat"] - peer_beat) % 4.0
        errors_ms.append(min(phase, 4.0 - phase) * 60000.0 / session["tempo"])
        assert session["bar_start_micros"] <= session["micros"]
        assert phase_error_ms(peers[0].ask("beat_at", micros=round(session["bar_start_micros"]))["beat"],
                              session["tempo"]) < BEAT_LIMIT_MS
    print(f"beat agreement: max {max(errors_ms) * 1000:.1f} µs over {len(errors_ms)} samples")
    assert max(errors_ms) < BEAT_LIMIT_MS, errors_ms


def test_osc_bar_messages_come_at_the_sessions_bar_starts(rig):
    _, server, peers, bars = rig
    server.wait_warm()
    offset_us = peers[0].clock_offset_us()
    tempo = server.get("/api/link").json()["tempo"]
    bars.setblocking(False)
    while True:  # the bars sent before this test began are not what it times
        try:
            bars.recv(1024)
        except BlockingIOError:
            break
    bars.settimeout(5)
    numbers, late_ms = [], []
    while len(numbers) < 3:
        datagram = bars.recv(1024)
        arrived_us = time.monotonic() * 1e6 + offset_us
        message = OscMessage(datagram)
        assert message.address == "/poseloops/bar"
        numbers.append(message.params[0])
        beat = peers[0].ask("beat_at", micros=round(arrived_us))["beat"]
        late_ms.append((beat % 4.0) * 60000.0 / tempo)  # how long after its bar start it arrived
    print(f"/poseloops/bar arrives {', '.join(f'{ms:.2f}' for ms in late_ms)} ms after the bar starts")
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    # Never early (that would read as most of a bar late); how late is the receiving thread's
    # wake-up on a busy 2-core machine as much as the sender's (typically 1-10 ms, up to ~40 seen).
    assert max(late_ms) < OSC_BAR_LATE_MS, late_ms
