"""The metronome during playback: M (or its button) turns it on and off; while the loop plays it
clicks on the loop's beats, read from the clicks it scheduled on the audio clock and measured from
the loop's own start, and it follows a tempo change from the bar where the new tempo is heard."""

from __future__ import annotations

import numpy as np
import pytest

from .browser_harness import set_slider

pytestmark = pytest.mark.browser


def clicks_since(studio, since: float) -> tuple[list[float], float]:
    """The clicks scheduled after ``since`` and the audio-clock start of the loop heard now."""
    clicks = studio.page.evaluate("t => window.studio.metronome.clicks.filter((c) => c > t)", since)
    anchor = studio.page.evaluate("window.studio.player.current.anchor")
    return clicks, anchor


def test_the_metronome_clicks_on_the_loops_beats_and_follows_the_tempo(desk):
    page = desk.page
    set_slider(desk, "#bpm", 100)
    desk.wait_for_render(None)
    desk.play()
    page.locator("body").focus()
    page.keyboard.press("m")
    assert page.get_attribute("#metronome", "aria-pressed") == "true"
    page.wait_for_function("() => window.studio.metronome.running")
    start = desk.audio_time()
    page.wait_for_timeout(2500)
    clicks, anchor = clicks_since(desk, start)
    assert len(clicks) >= 3, clicks
    assert np.allclose(np.diff(clicks), 0.6, atol=1e-6), clicks  # 100 BPM
    beats = (np.array(clicks) - anchor) / 0.6
    assert np.allclose(beats, np.round(beats), atol=0.002), beats  # on the loop's beats

    key = desk.audio_key()
    set_slider(desk, "#bpm", 150)
    desk.wait_for_render(key)
    desk.wait_for_heard()
    switched = desk.audio_time()
    page.wait_for_timeout(1500)
    clicks, anchor = clicks_since(desk, switched)
    assert len(clicks) >= 3 and np.allclose(np.diff(clicks), 0.4, atol=1e-6), clicks  # 150 BPM from the switch
    beats = (np.array(clicks) - anchor) / 0.4
    assert np.allclose(beats, np.round(beats), atol=0.002), beats

    page.click("#metronome")  # off, by mouse
    assert page.get_attribute("#metronome", "aria-pressed") == "false"
    page.wait_for_function("() => !window.studio.metronome.running")
    page.click("#play")


def test_recording_a_rhythm_counts_in_one_bar(studio):
    """With the click on, the Rhythm panel counts 4, 3, 2, 1 (a bar at the BPM) before the time runs.
    Every text the time shows is collected in the page as it changes (a busy machine's polling
    would miss some)."""
    studio.open()
    set_slider(studio, "#bpm", 120)
    studio.tab("rhythm")
    studio.page.evaluate("""() => { const time = document.querySelector('#rhythm-time'); window.__shown = [];
        new MutationObserver(() => window.__shown.push([time.textContent, window.studio.player.context().currentTime]))
          .observe(time, { childList: true, characterData: true, subtree: true }); }""")
    studio.page.click("#rhythm-record")
    studio.page.wait_for_function("() => /^[0-9.]+ s$/.test(document.querySelector('#rhythm-time').textContent)"
                                  " && window.studio.metronome.clicks.length >= 5", timeout=20_000)
    studio.page.click("#rhythm-record")
    shown = studio.page.evaluate("window.__shown")
    clicks = studio.page.evaluate("window.studio.metronome.clicks")
    texts = [text for text, _ in shown]
    counts = [text for text in dict.fromkeys(texts) if text.startswith("count-in")]
    assert counts == ["count-in 4", "count-in 3", "count-in 2", "count-in 1"], texts
    # each number shows during its beat, and the time runs from the fifth click (the next bar) on
    for number in (4, 3, 2, 1):
        at = next(at for text, at in shown if text == f"count-in {number}")
        # shown as its click is scheduled, 0.1 s ahead: to the bit when the audio clock has not moved since
        assert clicks[4 - number] - 0.1 - 1e-6 <= at < clicks[5 - number], (number, at, clicks)
    first_time = next(at for text, at in shown if text.endswith(" s") and at > clicks[0])
    assert first_time >= clicks[4] - 0.1 - 1e-6, (first_time, clicks)
