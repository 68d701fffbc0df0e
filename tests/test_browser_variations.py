"""Variations: the four loops the model made are previews, picked by a click, a number key or a
tap, and heard from the next bar.
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import wait_for_state

pytestmark = pytest.mark.browser


def test_variations_are_previews_picked_by_click_key_and_tap_at_the_next_bar(desk, phone):
    assert desk.page.locator("#variations .variation:visible").count() == 4
    variations = desk.state()["variations"]
    assert len({json.dumps(v["pattern"]) for v in variations}) == 4  # four different loops
    desk.play()
    desk.page.keyboard.press("2")
    wait_for_state(desk, "s.variation === 1")
    timing = desk.page.evaluate(
        "() => { const p = window.studio.player; return p.pending && {at: p.pending.at, anchor: p.current.anchor, now: p.ctx.currentTime}; }"
    )
    if timing:  # queued (not yet heard): at a bar boundary of what plays
        bars = (timing["at"] - timing["anchor"]) / (16 * 15 / 120)
        assert abs(bars - round(bars)) < 1e-6 and timing["at"] - timing["now"] <= 2.1
        assert "variation 2" in desk.text("#queue-badge")
    desk.wait_for_heard()
    assert desk.page.evaluate("window.studio.player.heard().variation") == 1
    assert desk.page.get_attribute("#variations .variation[data-index='1']", "data-state") == "current"
    desk.page.click("#variations .variation[data-index='2']")
    wait_for_state(desk, "s.variation === 2")
    desk.wait_for_heard()
    assert desk.state()["loop"]["pattern"] == variations[2]["pattern"]
    desk.page.click("#play")

    phone.page.locator("#variations .variation[data-index='3']").tap()
    wait_for_state(phone, "s.variation === 3")
    assert phone.state()["loop"]["pattern"] == phone.state()["variations"][3]["pattern"]
