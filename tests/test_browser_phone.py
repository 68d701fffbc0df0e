"""The studio on a 390x844 phone (touch events on): after Roll the loop and Play are on screen,
and every cell and button of the loop is large enough to touch.
"""

from __future__ import annotations

import pytest

from .browser_harness import Studio

pytestmark = pytest.mark.browser

MIN_TOUCH_PX = 24  # WCAG 2.2's minimum target size


def in_viewport(studio: Studio, selector: str) -> dict:
    return studio.page.evaluate(
        """s => { const b = document.querySelector(s).getBoundingClientRect();
                  return { top: b.top, bottom: b.bottom, inView: b.top >= 0 && b.top < innerHeight && b.bottom > 0 && b.width > 0 }; }""",
        selector,
    )


def test_on_a_phone_roll_brings_the_loop_and_play_into_view_and_cells_are_touch_sized(phone):
    """At 390x844, after Roll the loop and Play are on screen; every cell is at least 24x24 px."""
    before = phone.state()
    phone.page.locator("#dice-roll").tap()
    phone.wait_for_new_loop(before["loop"])
    phone.page.wait_for_function("() => window.studio.player.playing")
    phone.page.wait_for_function(
        "() => { const b = document.querySelector('#loop-grid').getBoundingClientRect(); return b.top >= 0 && b.top < innerHeight; }",
        timeout=5_000,
    )
    phone.page.wait_for_timeout(600)  # the smooth scroll ends
    assert in_viewport(phone, "#loop-grid")["inView"], in_viewport(phone, "#loop-grid")
    assert in_viewport(phone, "#play")["inView"], in_viewport(phone, "#play")
    sizes = phone.page.eval_on_selector_all(
        "#loop-grid .cell, #loop-grid .mix-btn, #variations .variation:not([hidden])",
        "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.width, b.height]; })",
    )
    assert len(sizes) >= 9 * 64
    small = [size for size in sizes if min(size) < MIN_TOUCH_PX]
    assert small == [], small[:5]
    phone.page.locator("#play").tap()  # the play button answers a touch
    phone.page.wait_for_function("() => !window.studio.player.playing")
