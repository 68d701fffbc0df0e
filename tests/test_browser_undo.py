"""Undo and redo of loop edits and settings, by keys (Ctrl+Z, Ctrl+Shift+Z), buttons and a tap;
the history survives a reload.
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import wait_for_state

pytestmark = pytest.mark.browser


def test_undo_and_redo_of_loop_and_settings_by_keys_buttons_and_tap_survive_a_reload(desk, phone):
    desk.page.evaluate("document.activeElement && document.activeElement.blur()")
    bpm = desk.state()["settings"]["bpm"]
    desk.page.fill("#bpm", str(bpm + 13))
    desk.page.dispatch_event("#bpm", "input")
    desk.page.click("#loop-grid .cell[data-step='30'][data-drum='4']")
    edited = desk.state()["loop"]["pattern"][30]
    desk.page.locator("body").press("Control+z")  # the edit
    wait_for_state(desk, "JSON.stringify(s.loop.pattern[30]) !== a", json.dumps(edited, separators=(",", ":")))
    desk.page.locator("body").press("Control+z")  # the BPM
    wait_for_state(desk, "s.settings.bpm === a", bpm)
    assert desk.page.input_value("#bpm") == str(bpm)
    desk.page.locator("body").press("Control+Shift+z")
    wait_for_state(desk, "s.settings.bpm === a", bpm + 13)
    desk.page.click("#redo")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern[30]) === a", json.dumps(edited, separators=(",", ":")))
    desk.page.wait_for_timeout(400)  # saved
    desk.open()  # a reload: the history is kept with the session
    assert desk.page.is_enabled("#undo") and desk.state()["loop"]["pattern"][30] == edited
    desk.page.click("#undo")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern[30]) !== a", json.dumps(edited, separators=(",", ":")))
    assert desk.state()["settings"]["bpm"] == bpm + 13

    before = phone.state()["settings"]["swing"]
    phone.page.fill("#swing", "0.6")
    phone.page.dispatch_event("#swing", "input")
    phone.page.locator("#undo").tap()
    wait_for_state(phone, "s.settings.swing === a", before)
    phone.page.locator("#redo").tap()
    wait_for_state(phone, "s.settings.swing === 0.6")
