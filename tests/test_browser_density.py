"""The Density knob: sparse (0) to busy (1), 0.5 as the model plays; moved by keys, undone and
redone with the loop's other settings, and sent as it reads with the next Generate (this server's
Generate takes a density) and Drumify (tests/test_browser_drumify.py)."""

from __future__ import annotations

import pytest

from .browser_harness import requests_to, wait_for_state

pytestmark = pytest.mark.browser


def test_density_by_keys_is_undoable_and_sent_with_generate(desk):
    page = desk.page
    assert page.input_value("#density") == "0.5"
    assert page.get_attribute("#density", "aria-valuetext") == "0.50, as the model plays"
    assert "Generate, Regenerate and Drumify" in desk.text("#density-help")
    page.focus("#density")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_state(desk, "s.settings.density === 0.6")
    assert desk.text("#density-out") == "0.60" and page.get_attribute("#density", "aria-valuetext") == "0.60, busier"
    page.keyboard.press("Control+z")
    wait_for_state(desk, "s.settings.density === 0.5")
    assert page.input_value("#density") == "0.5" and desk.text("#density-out") == "0.50"
    page.keyboard.press("Control+Shift+z")
    wait_for_state(desk, "s.settings.density === 0.6")
    assert page.input_value("#density") == "0.6"
    sent = requests_to(desk, "/api/generate")
    take = desk.state()["take"]
    page.click("#generate")
    wait_for_state(desk, "s.take > a", take, timeout=60_000)
    assert [body["density"] for body in sent] == [0.6]
