"""Tap tempo: taps by click, the T key and touch set the BPM of the taps as the page received them.
"""

from __future__ import annotations

import pytest

from .browser_harness import Studio

pytestmark = pytest.mark.browser


def tap_times(studio: Studio) -> None:
    """Record the timeStamp of every tap (click, key T, touch) as the page's listener sees it."""
    studio.page.evaluate(
        """() => { window.__taps = [];
                   const note = (e) => window.__taps.push(e.timeStamp);
                   document.querySelector('#tap').addEventListener('click', note);
                   document.addEventListener('keydown', (e) => e.key.toLowerCase() === 't' && note(e)); }"""
    )


def bpm_of_taps(studio: Studio) -> float:
    taps = studio.page.evaluate("window.__taps")
    return 60000 * (len(taps) - 1) / (taps[-1] - taps[0])


def test_tap_tempo_by_click_key_and_touch_sets_the_bpm_of_the_taps(desk, phone):
    tap_times(desk)  # the first taps of this page: a new count
    for _ in range(4):
        desk.page.click("#tap")
        desk.page.wait_for_timeout(430)
    assert desk.state()["settings"]["bpm"] == round(bpm_of_taps(desk))
    assert 40 <= desk.state()["settings"]["bpm"] <= 145  # 430 ms apart plus what the busy page adds
    desk.page.wait_for_timeout(2100)  # a pause: a new count
    desk.page.evaluate("window.__taps = []; document.activeElement && document.activeElement.blur()")
    for _ in range(4):
        desk.page.keyboard.press("t")
        desk.page.wait_for_timeout(330)
    assert desk.state()["settings"]["bpm"] == round(bpm_of_taps(desk))
    assert desk.page.input_value("#bpm") == str(desk.state()["settings"]["bpm"])
    assert "BPM" in desk.text("#controls-message")

    tap_times(phone)
    for _ in range(4):
        phone.page.locator("#tap").tap()
        phone.page.wait_for_timeout(520)
    assert phone.state()["settings"]["bpm"] == round(bpm_of_taps(phone))
