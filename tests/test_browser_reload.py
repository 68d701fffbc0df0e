"""What survives a reload: the session (loop and settings), and an edit made just before it,
even with the edit's render still in flight.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_session_survives_a_reload(studio):
    studio.open()
    studio.page.fill("#bpm", "87")
    studio.page.dispatch_event("#bpm", "input")
    loop = studio.state()["loop"]
    studio.page.wait_for_timeout(400)  # the page saves shortly after a change
    studio.open()
    state = studio.state()
    assert state["loop"] == loop and state["settings"]["bpm"] == 87
    assert studio.page.input_value("#bpm") == "87"


def test_an_edit_just_before_a_reload_survives_it(desk):
    """The page saves on leaving, not only 250 ms after a change; leaving aborts the
    edit's render, and that must not undo the edit. Reloaded at once, and with the render in flight."""
    for step, wait_ms in ((9, 0), (11, 120)):
        desk.page.goto(desk.url)
        desk.page.wait_for_selector("body[data-ready='true']")
        cell = f"#loop-grid .cell[data-step='{step}'][data-drum='6']"
        was_on = 6 in desk.state()["loop"]["pattern"][step]
        desk.page.click(cell)
        desk.page.wait_for_timeout(wait_ms)  # inside the 250 ms save delay
        desk.page.reload()
        desk.page.wait_for_selector("body[data-ready='true']")
        assert (6 in desk.state()["loop"]["pattern"][step]) != was_on, (step, wait_ms)
        assert ("on" in desk.page.get_attribute(cell, "class").split()) != was_on
