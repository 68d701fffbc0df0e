"""The studio's "MIDI out" switch on a real server (``poseloops serve`` on loopback) and a real MIDI
system (a JACK dummy server and a JACK-Client reader, ``midi_reader``): the page's loop is played
to the port, a new loop takes over at a bar line, switching off sends every note off and a
clock Stop; bad requests are 4xx naming their field.
"""

from __future__ import annotations

import os
import time

import httpx
import pytest

from poseloops.errors import PoseLoopsError
from poseloops.midi_io import read_midi_pattern
from poseloops.pattern import pattern_to_dict

from .midi_reader import clock_period_s, served_with_jack
from .test_midi_out import ALL_NOTES_OFF, CLOCK, GM_DRUM_PITCHES, GROOVE_FILE, NOTE_OFF, NOTE_ON, START, STOP

# times what it hears against the machine's clock: runs alone, after the rest (scripts/test.sh)
pytestmark = pytest.mark.quiet

BPM = 300.0
BAR_S = 4 * 60.0 / BPM
KICK_EVERY_BEAT = {"pattern": [[0] if step % 4 == 0 else [] for step in range(16)],
                   "velocities": [[77] if step % 4 == 0 else [] for step in range(16)]}


@pytest.fixture(scope="module")
def rig():
    with served_with_jack("pl-serve", wait_ready=False) as rig:
        yield rig


def test_the_pages_loop_plays_then_a_new_loop_takes_over_at_a_bar_line(rig):
    server, reader = rig
    groove = read_midi_pattern(GROOVE_FILE).slice(0, 16)
    with httpx.Client(base_url=server.url, timeout=30) as api:
        switched = api.post("/api/midi-out", json={"enabled": True, "port": "studio", "clock": True})
        assert switched.status_code == 200, switched.text
        assert switched.json()["port"] == "PoseLoops:studio" and switched.json()["api"] == "JACK"
        reader.follow("PoseLoops:studio").join()
        reader.take()
        played = api.put("/api/midi-out/loop", json={"pattern": pattern_to_dict(groove), "bpm": BPM})
        assert played.status_code == 200 and played.json()["playing"], played.text
        time.sleep(BAR_S * 2.5)
        assert api.put("/api/midi-out/loop", json={"pattern": KICK_EVERY_BEAT, "bpm": BPM}).status_code == 200
        time.sleep(BAR_S * 2.5)
        off = api.post("/api/midi-out", json={"enabled": False})
        assert off.status_code == 200 and off.json()["enabled"] is False
    time.sleep(0.05)
    messages = reader.take()
    datas = [data for _, _, data in messages]
    start_ns = next(at for _, at, data in messages if data[0] == START)
    ons = [(at, data[1], data[2]) for _, at, data in messages if data[0] == NOTE_ON]
    # the groove's first bar as the page has it, at least twice, then only the new loop's kicks
    first_bar = [(GM_DRUM_PITCHES[d], v) for step in range(16)
                 for d, v in sorted(zip(groove.steps[step], groove.velocities[step]))]
    switch = next(i for i, (_, pitch, velocity) in enumerate(ons) if (pitch, velocity) == (36, 77))
    assert switch >= 2 * len(first_bar)
    assert {(pitch, velocity) for _, pitch, velocity in ons[:switch]} == set(first_bar)
    assert {(pitch, velocity) for _, pitch, velocity in ons[switch:]} == {(36, 77)}
    bars_in = (ons[switch][0] - start_ns) / 1e9 / BAR_S
    assert abs(bars_in - round(bars_in)) * BAR_S <= 0.002  # on a bar line of the player's clock
    assert datas.count(NOTE_OFF) == datas.count(NOTE_ON)
    assert datas[-2:] == [ALL_NOTES_OFF, bytes([STOP])]
    # 24 a quarter note at the page's tempo (a fit over all ticks: each is quantised to JACK's period)
    assert datas.count(bytes([CLOCK])) > 400
    assert clock_period_s(messages, CLOCK) == pytest.approx(60.0 / BPM / 24, rel=0.001)


@pytest.mark.parametrize("path, body, status, field", [
    ("/api/midi-out", {"enabled": True, "port": "a:b"}, 422, "port"),
    ("/api/midi-out", {"enabled": "yes please"}, 422, "enabled"),
    ("/api/midi-out/loop", {"pattern": KICK_EVERY_BEAT, "bpm": 400}, 422, "bpm"),
    ("/api/midi-out/loop", {"pattern": KICK_EVERY_BEAT, "bpm": 120}, 409, "enabled"),  # switched off
])
def test_bad_requests_are_4xx_naming_the_field(rig, path, body, status, field):
    server, _ = rig
    answer = (httpx.put if path.endswith("loop") else httpx.post)(f"{server.url}{path}", json=body, timeout=30)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field


def test_no_midi_system_is_refused_naming_what_was_tried(monkeypatch):
    from poseloops.rig.midi_out_switch import MidiOutSwitch

    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"poseloops-absent-{os.getpid()}")
    switch = MidiOutSwitch()
    if os.path.exists("/dev/snd/seq"):  # a machine with ALSA's sequencer: the switch falls back to it
        assert switch.configure(enabled=True, port="studio")["api"] == "ALSA"
        switch.close()
        return
    with pytest.raises(PoseLoopsError, match="no MIDI system.*JACK.*ALSA"):
        switch.configure(enabled=True, port="studio")
