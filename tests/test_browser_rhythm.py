"""Recording a rhythm: the metronome clicks at the BPM (heard on the audio clock) and the input
meter moves while recording; Chromium's fake microphone and an uploaded recording each seed a
loop, the recording at its own tempo.
"""

from __future__ import annotations

import numpy as np
import pytest

from .browser_harness import set_slider, uploads_to

pytestmark = pytest.mark.browser


def onsets(samples: np.ndarray, rate: int = 44100, threshold: float = 0.05) -> list[float]:
    """Seconds at which sound starts after 50 ms of quiet."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    starts = [loud[0]] if len(loud) else []
    for previous, index in zip(loud, loud[1:]):
        if index - previous > 0.05 * rate:
            starts.append(index)
    return [index / rate for index in starts]


def test_the_metronome_clicks_at_the_bpm_and_the_meter_moves_while_recording(tapped, phone):
    """The click is measured in what the page outputs (the harness's audio tap: a ``tapped`` page)."""
    tapped.open()
    tapped.page.fill("#bpm", "100")
    tapped.page.dispatch_event("#bpm", "input")
    tapped.tab("rhythm")
    assert tapped.page.is_checked("#rhythm-click")
    tapped.page.check("#rhythm-use-bpm")  # the fake microphone's beeps make the seed at the studio's BPM
    tapped.start_tap(3.5)
    tapped.page.focus("#rhythm-record")
    tapped.page.keyboard.press("Enter")
    levels = []
    for _ in range(9):
        tapped.page.wait_for_timeout(250)
        levels.append(float(tapped.page.evaluate("document.querySelector('#rhythm-level').value")))
    tapped.page.keyboard.press("Enter")  # stop
    recording = tapped.read_tap()
    clicks = onsets(recording.samples)
    assert len(clicks) >= 3, clicks
    intervals = np.diff(clicks)
    assert np.allclose(intervals, 0.6, atol=0.01), intervals  # 100 BPM: a click every 0.6 s, on the audio clock
    assert max(levels) > 0.2 and len(set(levels)) > 2, levels  # Chromium's fake microphone beeps
    # It beeps for 20 ms every 0.5 s. A peak meter falls slowly (20 dB in 1.7 s: 0.1 of the meter
    # between two beeps), so once up it stays up; one showing the instant read the floor between
    # beeps (what the readings every 250 ms mostly caught before the meter had a fall time). It is
    # "up" from its first reading over 0.7: the first beep a fresh stream carries can come in part
    # (0.62, then 0.96 from the next beep on: once, in a CI-like run on two busy cores).
    risen = levels[next(i for i, level in enumerate(levels) if level > 0.7):]
    assert len(risen) >= 4 and min(risen) > 0.7, levels
    # the first recording of a fresh install waits for librosa's JIT compile (numba, no cache yet): > 30 s on CI
    tapped.wait_for_source("rhythm", timeout=180_000)

    phone.tab("rhythm")
    phone.page.locator("#rhythm-record").tap()
    phone.page.wait_for_function("() => document.querySelector('#rhythm-level').value > 0.2", timeout=5_000)
    phone.page.locator("#rhythm-record").tap()
    phone.page.wait_for_function("() => document.querySelector('#rhythm-record').getAttribute('aria-pressed') === 'false'")


def test_a_rhythm_recorded_from_the_microphone_seeds_a_loop(studio):
    """Chromium's fake microphone beeps at a steady rate: the hits become the seed."""
    studio.open()
    set_slider(studio, "#bpm", 104)
    set_slider(studio, "#seed-length", 14)
    studio.tab("rhythm")
    studio.page.check("#rhythm-use-bpm")
    sent = uploads_to(studio, "/api/seeds/audio")
    studio.page.click("#rhythm-record")
    studio.page.wait_for_function("() => parseFloat(document.querySelector('#rhythm-time').textContent) >= 3")
    studio.page.click("#rhythm-record")
    state = studio.wait_for_source("rhythm")
    assert sum(len(step) for step in state["seed"]["pattern"]) >= 2, state["seed"]
    # "use the studio's BPM" and the seed length, in whole bars, are sent with the recording
    assert sent == [{"bpm": ["104"], "bars": ["1"]}], sent
    assert len(state["seed"]["pattern"]) == 16 and state["settings"]["bpm"] == 104
    # a seed length of 14 steps seeds the whole first bar, and the page says so
    assert "first whole bar played (16 steps)" in studio.text("#rhythm-message")


def test_an_uploaded_recording_seeds_a_loop(studio, server, tmp_path):
    import httpx

    beat = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], []] * 4}  # two bars of rock at 100 BPM
    wav = httpx.post(f"{server.url}/api/render", json={"pattern": beat, "bpm": 100, "kit": "GMRockKit"}, timeout=60)
    recording = tmp_path / "beat.wav"
    recording.write_bytes(wav.content)
    studio.open()
    studio.page.fill("#seed-length", "32")  # the seed is the recording's first two bars
    studio.page.dispatch_event("#seed-length", "input")
    studio.tab("rhythm")
    sent = uploads_to(studio, "/api/seeds/audio")
    studio.page.set_input_files("#rhythm-file", str(recording))
    state = studio.wait_for_source("rhythm")
    assert sent == [{"bars": ["2"]}], sent  # no BPM: the server finds the recording's tempo
    hit_steps = {i for i, step in enumerate(state["seed"]["pattern"]) if step}
    assert {0, 4, 8, 12, 16, 20, 24, 28} <= hit_steps, state["seed"]
    # the studio takes the recording's tempo, found by the server
    assert state["settings"]["bpm"] == 100 and studio.page.input_value("#bpm") == "100"


def test_the_tempo_read_is_shown_and_halve_and_double_read_the_recording_again(studio, tmp_path):
    """A SoX mix of Hydrogen samples (not our engine): two bars of 16th hats at 96 BPM. The page shows
    the tempo read; Halve sends the same recording back at half the tempo, and the loop follows."""
    from poseloops.pattern import Pattern
    from .sox_kit import pattern_hits, sox_render

    bar = [[0, 2], [2], [2], [2], [1, 2], [2], [2], [2], [0, 2], [2], [0, 2], [2], [1, 2], [2], [2], [2]]
    recording = tmp_path / "sixteenths.wav"
    sox_render(pattern_hits(Pattern.from_steps(bar * 2).to_matrix(), 96, lead_in_s=0.3, jitter_ms=6, seed=2),
               recording, tail_s=0.4)
    studio.open()
    studio.tab("rhythm")
    assert studio.page.is_hidden("#rhythm-tempo")
    sent = uploads_to(studio, "/api/seeds/audio")
    studio.page.set_input_files("#rhythm-file", str(recording))
    state = studio.wait_for_source("rhythm", timeout=120_000)
    read = state["seed"]["bpm"]
    assert abs(read / 96 - 1) <= 0.04 and state["settings"]["bpm"] == round(read)  # the studio plays whole BPM
    assert studio.text("#rhythm-tempo-read") == f"Tempo read: {round(read * 10) / 10:g} BPM"
    assert len(state["seed"]["pattern"]) == 16  # the default seed length (10 steps) seeds one whole bar
    loop = state["loop"]

    studio.page.click("#rhythm-halve")
    half = round(read / 2, 2)
    studio.page.wait_for_function("b => { const s = window.studio.store.getState(); return s.seed.bpm === b && s.loop; }",
                                  arg=half, timeout=60_000)
    state = studio.state()
    assert sent[1] == {"bpm": [f"{half:g}"], "bars": ["1"]}, sent  # the same recording, at half the tempo
    assert state["settings"]["bpm"] == round(half) and state["loop"] != loop  # the loop follows at once
    assert [i for i, step in enumerate(state["seed"]["pattern"]) if step] == list(range(16))  # 2 hits a step
    assert studio.text("#rhythm-tempo-read") == f"Tempo: {round(half * 10) / 10:g} BPM"  # given, not read

    studio.page.click("#rhythm-double")  # back to the tempo read
    studio.page.wait_for_function("b => window.studio.store.getState().seed.bpm > b", arg=half * 1.5, timeout=60_000)
    state = studio.state()
    assert len(sent) == 3 and abs(state["seed"]["bpm"] / read - 1) < 0.001 and state["settings"]["bpm"] == round(read)
