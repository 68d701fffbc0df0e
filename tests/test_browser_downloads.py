"""Downloads: MIDI, WAV and session files are valid, the MIDI carries the swing as the audio
plays it, and a saved session loads back.
"""

from __future__ import annotations

import json

import mido
import pytest
import soundfile as sf

from .browser_harness import load_session, rock_session, set_slider

pytestmark = pytest.mark.browser

STEPS_PER_BAR = 16
TICKS_PER_STEP = 120  # the MIDI files' resolution: 480 ticks a beat
CLOSED_HAT_PITCH = 42


def test_midi_wav_and_session_downloads_are_valid_and_the_session_loads_back(studio, tmp_path):
    studio.open()
    loop = studio.state()["loop"]
    with studio.page.expect_download() as midi_download:
        studio.page.click("#dl-midi")
    midi = mido.MidiFile(str(midi_download.value.path()))
    notes = [m for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0]
    assert len(notes) == sum(len(step) for step in loop["pattern"])

    with studio.page.expect_download() as wav_download:
        studio.page.click("#dl-wav")
    audio, rate = sf.read(str(wav_download.value.path()))
    assert rate == 44100 and audio.shape[1] == 2
    assert len(audio) >= 4 * 64 * 44100 * 60 / 120 / 4  # four loops (and any tail)

    with studio.page.expect_download() as session_download:
        studio.page.click("#dl-session")
    session_path = tmp_path / "session.json"
    session_download.value.save_as(session_path)
    session = json.loads(session_path.read_text())
    assert session["loop"]["pattern"] == loop["pattern"]

    studio.page.click("#dice-roll")  # change the loop, then load the saved session back
    studio.page.wait_for_function(
        "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) !== JSON.stringify(p); }",
        arg=loop["pattern"],
    )
    studio.page.set_input_files("#load-session", str(session_path))
    studio.page.wait_for_function(
        "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) === JSON.stringify(p); }",
        arg=loop["pattern"],
    )


def hats_on_every_16th(path, bpm: float = 100) -> None:
    """A one-bar session: the rock beat with closed hats on every 16th (the off-beats swing)."""
    doc = json.loads(rock_session(path, bars=1, bpm=bpm).read_text())
    pattern = [sorted({*drums, 2}) for drums in doc["loop"]["pattern"]]
    doc["loop"]["pattern"] = pattern
    doc["seed"]["pattern"] = pattern[:4]
    path.write_text(json.dumps(doc))


def test_midi_export_carries_swing(desk, tmp_path):
    """Off-beat 16ths are late by the swing, as the audio plays them."""
    hats_on_every_16th(tmp_path / "hats.json")
    load_session(desk, tmp_path / "hats.json")
    swing = 0.66
    set_slider(desk, "#swing", swing)
    desk.page.wait_for_function("s => window.studio.store.getState().settings.swing === s", arg=swing)
    with desk.page.expect_download() as download:
        desk.page.click("#dl-midi")
    midi = mido.MidiFile(str(download.value.path()))
    assert midi.ticks_per_beat == 4 * TICKS_PER_STEP
    tick, hats = 0, []
    for message in midi.tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0 and message.note == CLOSED_HAT_PITCH:
            hats.append(tick)
    assert len(hats) == STEPS_PER_BAR
    # swing s puts the second 16th of each 8th at s of the 8th: (2s - 1) of a step late
    late = (2 * swing - 1) * TICKS_PER_STEP
    for step, at in enumerate(hats):
        expected = step * TICKS_PER_STEP + (late if step % 2 else 0)
        assert abs(at - expected) <= 1, (step, at, expected)
