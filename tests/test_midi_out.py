"""``poseloops play --midi-out`` on a real MIDI system: a JACK server (dummy driver) and a second
JACK client reading the port (``midi_reader``).

The loop is two bars of a real drummer (the Groove MIDI Dataset: velocities and microtiming),
played with swing. Expected notes and times are worked out here from the loop's steps,
offsets, swing and the tempo; received times are aligned on the first note.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from poseloops.cli import main
from poseloops.midi_io import read_midi_pattern
from poseloops.pattern import pattern_to_json

from .conftest import POSELOOPS
from .midi_reader import JackServer, MidiReader

# times what it hears against the machine's clock: runs alone, after the rest (scripts/test.sh)
pytestmark = pytest.mark.quiet

GROOVE_FILE = Path(__file__).parent / "data/groove/drummer7/session3/48_funk_112_beat_4-4.mid"
GM_DRUM_PITCHES = (36, 38, 42, 46, 41, 43, 45, 49, 51)  # the file export's pitches, class by class
NOTE_ON, NOTE_OFF, CLOCK, START, STOP = 0x99, 0x89, 0xF8, 0xFA, 0xFC  # channel 10 = 0x_9
ALL_NOTES_OFF = bytes([0xB9, 123, 0])
BPM, SWING, LOOPS, STEPS = 300.0, 0.6, 3, 32
MAX_TIMING_P99_MS = 2.0
MAX_CLOCK_JITTER_P99_MS = 1.0
PERFORMANCES = 5  # at most: see test_plays_the_loops_notes_velocities_and_timing_with_clock
DISTURBED_PAUSE_S = 3.0  # before playing a disturbed performance again


@pytest.fixture(scope="module")
def jack():
    server = JackServer("pl-play")  # short: libjack overruns a buffer on some long names
    try:
        yield server
    finally:
        server.stop()
    assert server.process.poll() is not None  # no jackd left behind


@pytest.fixture(scope="module")
def reader(jack):
    midi_reader = MidiReader(jack)
    yield midi_reader
    midi_reader.close()


@pytest.fixture(scope="module")
def groove_loop(tmp_path_factory):
    pattern = read_midi_pattern(GROOVE_FILE).slice(0, STEPS)
    path = tmp_path_factory.mktemp("midi_out") / "groove.json"
    path.write_text(pattern_to_json(pattern))
    return pattern, path


def play(jack, reader, port_name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``poseloops play`` on ``jack``, the reader connected to its port; the messages are in ``reader``."""
    reader.take()
    follower = reader.follow(f"PoseLoops:{port_name}")
    result = subprocess.run([str(POSELOOPS), "play", *args, "--midi-out", port_name], env=jack.env,
                            capture_output=True, text=True, timeout=timeout)
    follower.join()
    time.sleep(0.05)  # the last JACK cycles
    return result


def expected_hits(pattern, *, loops: int, swing: float, bpm: float) -> list[tuple[float, int, int]]:
    """(seconds from the first downbeat, pitch, velocity) of every hit of ``loops`` passes, in time order."""
    step_s = 60.0 / bpm / 4
    hits = []
    for loop in range(loops):
        for step, (drums, velocities, offsets) in enumerate(zip(pattern.steps, pattern.velocities, pattern.offsets)):
            swung = step + ((swing - 0.5) * 2 if step % 2 else 0.0)
            for drum, velocity, offset in zip(drums, velocities, offsets):
                at = loop * len(pattern) + swung + offset
                hits.append((max(at, 0.0) * step_s, GM_DRUM_PITCHES[drum], velocity))
    return sorted(hits)


def abs_p99_ms(errors_s) -> float:
    return float(np.percentile(np.abs(errors_s), 99) * 1000)


def performance_figures(messages, pattern) -> tuple[float, float]:
    """Check one performance's notes, velocities and clock exactly; return its (timing error p99,
    clock period jitter p99) in ms."""
    statuses = [data[0] for _, _, data in messages]
    expected = expected_hits(pattern, loops=LOOPS, swing=SWING, bpm=BPM)
    note_ons = [(at_ns, data) for _, at_ns, data in messages if data[0] == NOTE_ON]
    assert [(data[1], data[2]) for _, data in note_ons] == [(pitch, velocity) for _, pitch, velocity in expected]
    assert statuses.count(NOTE_OFF) == len(note_ons)  # every note ends, on channel 10 too
    assert all(status in (NOTE_ON, NOTE_OFF, CLOCK, START, STOP, 0xB9) for status in statuses)
    # MIDI clock: Start first, 24 ticks a quarter note for the whole performance, Stop after the last
    ticks_ns = np.array([at_ns for _, at_ns, data in messages if data[0] == CLOCK])
    assert statuses[0] == START and statuses.count(START) == 1
    assert len(ticks_ns) == LOOPS * STEPS // 4 * 24
    assert statuses.index(STOP) > len(statuses) - 1 - statuses[::-1].index(CLOCK)
    assert ALL_NOTES_OFF in [data for _, _, data in messages[-3:]]

    received_s = (np.array([at_ns for at_ns, _ in note_ons]) - note_ons[0][0]) / 1e9
    expected_s = np.array([at for at, _, _ in expected]) - expected[0][0]
    periods_s = np.diff(ticks_ns) / 1e9
    return abs_p99_ms(received_s - expected_s), abs_p99_ms(periods_s - 60.0 / BPM / 24)


def test_plays_the_loops_notes_velocities_and_timing_with_clock(jack, reader, groove_loop):
    """Every performance's notes exact; the timing figures of the first performance the machine
    left alone. This 2-core VM is shared with other test suites: now and then another process
    holds a CPU in the kernel for milliseconds, delaying even real-time threads (JACK's or the
    player's), so a disturbed performance is played again after a pause, at most four times; all
    are printed. (CI's run of stop 25 met a disturbance that lasted three performances in a row,
    just after the parallel pass had ended.)"""
    pattern, path = groove_loop
    figures = []
    for attempt in range(PERFORMANCES):
        result = play(jack, reader, "drums", str(path), "--clock", "--bpm", f"{BPM:g}", "--swing", f"{SWING:g}",
                      "--loops", str(LOOPS))
        assert result.returncode == 0, result.stderr
        timing_p99, jitter_p99 = performance_figures(reader.take(), pattern)
        figures.append((timing_p99, jitter_p99))
        print(f"\nperformance {attempt + 1}: {LOOPS * pattern.num_hits} notes exact, timing error p99 "
              f"{timing_p99:.3f} ms; {LOOPS * STEPS // 4 * 24} clock ticks, period jitter p99 {jitter_p99:.3f} ms")
        if timing_p99 <= MAX_TIMING_P99_MS and jitter_p99 <= MAX_CLOCK_JITTER_P99_MS:
            break
        time.sleep(DISTURBED_PAUSE_S)
    assert figures[-1][0] <= MAX_TIMING_P99_MS, figures
    assert figures[-1][1] <= MAX_CLOCK_JITTER_P99_MS, figures


def test_one_loop_without_clock_sends_only_the_notes(jack, reader, groove_loop):
    pattern, path = groove_loop
    result = play(jack, reader, "once", str(path), "--bpm", "300", "--loops", "1", "--groove", "0")
    assert result.returncode == 0, result.stderr
    messages = [data for _, _, data in reader.take()]
    note_ons = [(data[1], data[2]) for data in messages if data[0] == NOTE_ON]
    # --groove 0: every hit once, on its step (so in step order, then pitch order), at one velocity
    assert [pitch for pitch, _ in note_ons] == [pitch for _, pitch in sorted(
        (step, GM_DRUM_PITCHES[drum]) for step, drums in enumerate(pattern.steps) for drum in drums)]
    assert {velocity for _, velocity in note_ons} == {100}
    assert not [data for data in messages if data[0] in (CLOCK, START, STOP)]


def test_ctrl_c_stops_with_every_note_off_and_a_clock_stop(jack, reader, groove_loop):
    _, path = groove_loop
    reader.take()
    follower = reader.follow("PoseLoops:live")
    player = subprocess.Popen([str(POSELOOPS), "play", str(path), "--midi-out", "live", "--clock", "--bpm", "120"],
                              env=jack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        follower.join()
        deadline = time.monotonic() + 60
        while sum(data[0] == NOTE_ON for _, _, data in reader.messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        player.send_signal(signal.SIGINT)
        _, stderr = player.communicate(timeout=30)
    finally:
        if player.poll() is None:
            player.kill()
    time.sleep(0.05)
    messages = [data for _, _, data in reader.take()]
    assert player.returncode == 0, stderr
    assert "stopped" in stderr
    statuses = [data[0] for data in messages]
    assert statuses.count(NOTE_ON) >= 5
    assert statuses.count(NOTE_OFF) == statuses.count(NOTE_ON)  # nothing left sounding
    assert messages[-2:] == [ALL_NOTES_OFF, bytes([STOP])]


def one_line_error(capsys, *args: str) -> str:
    """``poseloops ARGS`` in this process (as ``main`` runs it): exit 2 and one line on stderr, returned."""
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, (code, lines)
    assert "Traceback" not in lines[0]
    return lines[0]


def test_bad_input_is_one_line(capsys, tmp_path, groove_loop):
    _, path = groove_loop
    assert "missing.json" in one_line_error(capsys, "play", str(tmp_path / "missing.json"), "--midi-out", "x")
    assert "bpm 400" in one_line_error(capsys, "play", str(path), "--midi-out", "x", "--bpm", "400")
    assert "loops 0" in one_line_error(capsys, "play", str(path), "--midi-out", "x", "--loops", "0")
    assert "'a:b'" in one_line_error(capsys, "play", str(path), "--midi-out", "a:b")


def test_no_midi_system_is_one_line_naming_what_was_tried(capsys, monkeypatch, groove_loop):
    _, path = groove_loop
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"poseloops-absent-{os.getpid()}")  # no such JACK server
    args = ("play", str(path), "--midi-out", "x", "--loops", "1", "--bpm", "300")
    if Path("/dev/snd/seq").exists():  # a machine with ALSA's sequencer: the player falls back to it
        assert main(list(args)) == 0 and "to ALSA port" in capsys.readouterr().out
        return
    line = one_line_error(capsys, *args)
    assert "no MIDI system" in line and "JACK:" in line and "ALSA:" in line, line


LINK_BPM = 150.0
# When two Link sessions meet, the older one wins, but two founded within 0.5 s of each other
# are settled by their random session ids (Link's Sessions.hpp, SESSION_EPS). The player's
# session is founded a moment after it starts, so the peer's must be older than that window,
# as a DAW's session is when someone starts playing into it: else the player's --bpm 90 won
# one time in a few, on a quiet machine where the player starts fast.
SESSION_TIE_S = 0.5


def link_figures(messages, state: dict, offset_us: float) -> tuple[float, float]:
    """(how far the first downbeat is off the session's bar line, p99 of the ticks off the session's
    beat grid from it), in ms; the tick count and the bar line checked exactly."""
    from .link_rig import phase_error_ms

    tempo = state["tempo"]

    def link_beat(at_ns: int) -> float:
        return state["beat"] + ((at_ns / 1000 + offset_us) - state["micros"]) / 60e6 * tempo

    start_beat = link_beat(next(at for _, at, data in messages if data[0] == START))
    assert abs(start_beat - round(start_beat / 4) * 4) < 0.5  # near a bar line, not a beat of it
    ticks = np.array([link_beat(at) for _, at, data in messages if data[0] == CLOCK])
    assert len(ticks) == 2 * STEPS // 4 * 24
    on_grid = start_beat + np.arange(len(ticks)) / 24  # the session's beats from the first downbeat
    return phase_error_ms(start_beat, tempo), abs_p99_ms((ticks - on_grid) * 60 / tempo)


def test_with_link_the_clock_follows_the_sessions_tempo_and_bars(jack, reader, groove_loop):
    """In a private network namespace (Link announces itself by multicast), with a second peer.
    A performance the shared machine disturbed is played again, at most twice (see above)."""
    from .link_rig import LinkPeer
    from .net_namespace import NetNamespace

    _, path = groove_loop
    namespace = NetNamespace()
    peer = None
    figures = []
    try:
        peer = LinkPeer(namespace, LINK_BPM)
        time.sleep(2 * SESSION_TIE_S)
        for attempt in range(PERFORMANCES):
            reader.take()
            follower = reader.follow("PoseLoops:link")
            result = subprocess.run(namespace.command(str(POSELOOPS), "play", str(path), "--midi-out", "link",
                                                      "--link", "--clock", "--bpm", "90", "--loops", "2"),
                                    env=jack.env, capture_output=True, text=True, timeout=120)
            follower.join()
            time.sleep(0.05)
            assert result.returncode == 0, result.stderr
            offset_us = peer.clock_offset_us()  # Link's clock minus time.monotonic() (perf_counter's clock too)
            state = peer.ask("state")
            assert state["tempo"] == pytest.approx(LINK_BPM, abs=0.01)  # the session's tempo, not --bpm 90
            figures.append(link_figures(reader.take(), state, offset_us))
            print(f"\nLink performance {attempt + 1}: first downbeat {figures[-1][0]:.3f} ms off the session's "
                  f"bar line, clock ticks p99 {figures[-1][1]:.3f} ms off its beat grid")
            if max(figures[-1]) <= MAX_TIMING_P99_MS:
                break
    finally:
        if peer is not None:
            peer.close()
        namespace.close()
    assert figures[-1][0] <= MAX_TIMING_P99_MS, figures
    assert figures[-1][1] <= MAX_TIMING_P99_MS, figures
