"""The studio's "MIDI out" switch in Chromium: the page's loop reaches a real MIDI port (a JACK dummy
server and a JACK-Client reader, ``midi_reader``) with its notes and tempo; a BPM change on the
page follows; switching off sends every note off and a clock Stop."""

from __future__ import annotations


import pytest

from .browser_harness import load_session, new_studio, rock_session, set_slider
from .midi_reader import clock_period_s, served_with_jack
from .test_midi_out import ALL_NOTES_OFF, CLOCK, NOTE_OFF, NOTE_ON, STOP

# times what it hears against the machine's clock: runs alone, after the rest (scripts/test.sh)
pytestmark = [pytest.mark.browser, pytest.mark.quiet]


@pytest.fixture(scope="module")
def midi_rig():
    with served_with_jack("pl-page") as rig:
        yield rig


def tick_period_s(messages) -> float:
    return clock_period_s(messages, CLOCK)


def test_the_switch_sends_the_pages_loop_and_tempo_to_the_midi_port(browser, midi_rig, tmp_path):
    server, reader = midi_rig
    studio, context = new_studio(browser, server)
    try:
        studio.open()
        load_session(studio, rock_session(tmp_path / "rock.json", bars=1, bpm=150))
        studio.page.click("#midi-out")
        studio.page.wait_for_function("() => document.getElementById('midi-out-status').textContent.includes('PoseLoops:studio')")
        reader.follow("PoseLoops:studio").join()
        reader.take()
        studio.page.wait_for_timeout(2 * 1600 + 300)  # two bars at 150 BPM
        at_150 = reader.take()
        set_slider(studio, "#bpm", 100)
        studio.page.wait_for_timeout(3 * 2400)  # the new tempo from the next bar line, then two bars
        at_100 = reader.take()
        studio.page.click("#midi-out")
        studio.page.wait_for_function("() => !document.getElementById('midi-out').checked")
        studio.page.wait_for_timeout(300)
        after = reader.take()
        assert not studio.errors
    finally:
        context.close()
    ons = [(data[1], data[2]) for _, _, data in at_150 if data[0] == NOTE_ON]
    # the rock loop: a kick a beat, snare on 2 and 4, closed hats on the 8ths, all at the default 100
    assert {pitch for pitch, _ in ons} == {36, 38, 42} and {velocity for _, velocity in ons} == {100}
    one_bar = [36, 42, 42, 36, 38, 42, 42, 36, 42, 42, 36, 38, 42, 42]  # step by step; kick, snare, hat at a step
    pitches = [pitch for pitch, _ in ons]
    bars = one_bar * (len(pitches) // len(one_bar) + 2)
    assert len(pitches) >= len(one_bar)
    assert any(bars[start:start + len(pitches)] == pitches for start in range(len(one_bar))), pitches
    assert tick_period_s(at_150) == pytest.approx(60 / 150 / 24, rel=0.01)
    assert tick_period_s(at_100[len(at_100) // 2:]) == pytest.approx(60 / 100 / 24, rel=0.01)
    everything = [data for _, _, data in at_150 + at_100 + after]
    assert [data[0] for data in everything].count(NOTE_OFF) == [data[0] for data in everything].count(NOTE_ON)
    assert everything[-2:] == [ALL_NOTES_OFF, bytes([STOP])]
