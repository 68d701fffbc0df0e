"""The live player's scheduling (``rig.live_player``) with its messages caught as it sends them,
stamped with ``perf_counter_ns``: repeated hits of one pitch stay paired, a new loop and a new
tempo start at a bar line, ``stop`` silences. (On a real MIDI port: test_midi_out.py.)"""

from __future__ import annotations

import time

import numpy as np
import pytest

from poseloops.pattern import Pattern
from poseloops.rig.live_player import LiveLoop
from poseloops.rig.midi_out import MidiOutPort, start_player

NOTE_ON, NOTE_OFF, CLOCK, START, STOP = 0x99, 0x89, 0xF8, 0xFA, 0xFC
KICK, SNARE = 36, 38


class CaughtPort(MidiOutPort):
    """A port whose messages are kept with the time they were sent."""

    def __init__(self) -> None:
        super().__init__(midi_out=None, api="test", name="caught")
        self.sent: list[tuple[int, list[int]]] = []

    def send(self, message: list[int]) -> None:
        self.sent.append((time.perf_counter_ns(), list(message)))

    def close(self) -> None:
        pass


def kicks(steps: int, *, every: int = 4, velocity: int = 90) -> Pattern:
    return Pattern.from_steps([[0] if step % every == 0 else [] for step in range(steps)],
                              velocities=[[velocity] if step % every == 0 else [] for step in range(steps)])


def test_a_pitch_hit_again_while_it_sounds_is_ended_just_before():
    # two snares 0.4 of a 16th apart: the first one's 32nd-long note would overlap the second
    pattern = Pattern.from_steps([[1], [1], [], []], offsets=[[0.3], [-0.3], [], []])
    port = CaughtPort()
    player = start_player(port, LiveLoop(pattern, 300.0), loops=2)
    assert player.wait(timeout_s=10)
    notes = [message for _, message in port.sent if message[0] in (NOTE_ON, NOTE_OFF)]
    assert notes == [[NOTE_ON, SNARE, 100], [NOTE_OFF, SNARE, 0]] * 4
    times = [at for at, message in port.sent if message[0] == NOTE_ON]
    gap_steps = (times[1] - times[0]) / 1e9 / (60 / 300 / 4)
    assert gap_steps == pytest.approx(0.4, abs=0.05)  # 1 - 0.3 - 0.3 of a 16th


def test_a_new_loop_and_tempo_start_at_the_next_bar_line_and_stop_silences():
    port = CaughtPort()
    player = start_player(port, LiveLoop(kicks(16), 300.0), clock=True)
    time.sleep(0.3)  # inside the first bar (0.8 s at 300 BPM, after a 0.1 s lead)
    player.set_loop(LiveLoop(kicks(16, every=8, velocity=50), 150.0))
    time.sleep(0.1 + 0.8 + 1.6 * 1.5)
    player.stop()
    assert not player.playing
    sent = port.sent
    start_ns = next(at for at, message in sent if message[0] == START)
    ons = [(at, message[2]) for at, message in sent if message[0] == NOTE_ON]
    first_new = next(i for i, (_, velocity) in enumerate(ons) if velocity == 50)
    assert [velocity for _, velocity in ons[:first_new]] == [90] * 4  # the whole first bar, then the new loop
    assert {velocity for _, velocity in ons[first_new:]} == {50}
    bar_line_ms = (ons[first_new][0] - start_ns) / 1e6
    assert bar_line_ms == pytest.approx(800, abs=2)  # one bar of 300 BPM
    ticks = np.array([at for at, message in sent if message[0] == CLOCK])
    before = np.diff(ticks[ticks < ons[first_new][0]]) / 1e6
    after = np.diff(ticks[ticks >= ons[first_new][0]]) / 1e6
    assert np.median(before) == pytest.approx(60_000 / 300 / 24, abs=0.1)
    assert np.median(after) == pytest.approx(60_000 / 150 / 24, abs=0.1)
    assert [message for _, message in sent[-2:]] == [[0xB9, 123, 0], [STOP]]
    statuses = [message[0] for _, message in sent]
    assert statuses.count(NOTE_OFF) == statuses.count(NOTE_ON)


def test_loops_and_a_loop_without_steps_are_checked():
    with pytest.raises(ValueError, match="no steps"):
        LiveLoop(Pattern.from_steps([]), 120.0)
    with pytest.raises(ValueError, match="loops 0"):
        start_player(CaughtPort(), LiveLoop(kicks(4), 120.0), loops=0)
