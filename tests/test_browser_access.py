"""The studio for keyboard and screen-reader users, read from Chromium itself: the
accessibility tree over the DevTools protocol (what a screen reader is given), the pixels
on screen (is the focus visible?), and real key presses.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CONTROL_ROLES = {"slider", "button", "checkbox", "combobox", "textbox", "spinbutton", "searchbox", "radio", "switch", "gridcell", "tab", "meter"}
TABS = ("dice", "grid", "camera", "picture", "rhythm", "drumify")
# Names a person would look for, by role, in each panel (and everywhere: the top bar, the loop).
EXPECTED_NAMES = {
    None: {
        "slider": ["BPM", "Swing", "Temperature", "Seed length (steps)", "Density", "kick volume", "kick pan", "crash volume", "ride pan", "room reverb", "Volume"],
        "button": ["Play", "Generate", "Undo", "Redo", "Tap tempo", "Lock the random seed", "Mute kick", "Solo kick", "Mute ride", "Solo crash", "MIDI", "WAV", "Stems", "Save session", "Load session", "Metronome", "Blend"],
        "combobox": ["Kit", "Bars", "Blend from", "to", "over"],
        "spinbutton": ["Random seed"],
    },
    "dice": {"slider": ["Drums per step", "Lowest drum", "Highest drum"], "button": ["Roll"]},
    "grid": {"button": ["Clear", "Fill from loop", "Use as seed"]},
    "camera": {"button": ["Stop camera", "Capture pose"]},
    "picture": {"radio": ["its shapes", "the person's pose"], "button": ["Choose a picture…"]},
    "rhythm": {
        "checkbox": ["Metronome click while recording (use headphones)", "Use the studio's BPM instead of detecting the tempo"],
        "button": ["Record", "Upload a recording…", "Drumify the recording"],
        "meter": ["Input level"],
    },
    "drumify": {"button": ["Drumify pad: tap a rhythm"], "combobox": ["Tap for"]},
}
NUMBERS_ONLY = re.compile(r"^[\s\d.,:%+-]*$")


def named_controls(studio) -> list[tuple[str, str, str]]:
    """(role, name, value) of every control in the accessibility tree."""
    controls = []
    for node in studio.ax_tree():
        role = node.get("role", {}).get("value")
        if role in CONTROL_ROLES:
            controls.append((role, (node.get("name") or {}).get("value", ""), str((node.get("value") or {}).get("value", ""))))
    return controls


def open_tab(studio, name: str) -> None:
    studio.tab(name)
    if name == "camera":
        studio.page.wait_for_function("() => document.querySelector('#camera-toggle').textContent === 'Stop camera'")


def test_every_control_has_a_name_that_says_what_it_is(studio):
    """Every slider, button, checkbox, select, text field (and cell, tab, meter) in Chromium's
    accessibility tree has a name, no name is just a number, and the controls a person looks
    for are there by their names; sliders say their value in words."""
    studio.open()
    studio.page.click("#mixer summary")
    for tab in TABS:
        open_tab(studio, tab)
        controls = named_controls(studio)
        assert len(controls) > 40, controls
        nameless = [(role, name) for role, name, _ in controls if not name.strip() or NUMBERS_ONLY.match(name)]
        assert nameless == [], f"{tab}: {nameless}"
        for expected in (EXPECTED_NAMES[None], EXPECTED_NAMES[tab]):
            for role, names in expected.items():
                present = {name for r, name, _ in controls if r == role}
                missing = [name for name in names if name not in present]
                assert missing == [], f"{tab}: no {role} named {missing}; {role}s: {sorted(present)}"
        # values in words; Chromium's DevTools tree reports a range input's number as its
        # valuetext, so aria-valuetext is read from the element
        valuetext = lambda selector: studio.page.get_attribute(selector, "aria-valuetext")  # noqa: E731
        assert valuetext("#bpm") == "120 BPM"
        if tab == "dice":
            drum_names = ["kick", "snare", "closed hi-hat", "open hi-hat", "low tom", "mid tom", "high tom", "crash", "ride"]
            for slider in ("#dice-low", "#dice-high"):
                assert valuetext(slider) == drum_names[int(studio.page.input_value(slider))]
        cells = [name for role, name, _ in controls if role == "gridcell"]
        assert "kick, step 1 (seed)" in cells and "ride, step 64" in cells
    studio.page.click("#tab-dice")


def focus_key(studio) -> dict | None:
    """What has the focus, where it is on the screen (viewport coordinates, the viewport's size), and a key naming it."""
    return studio.page.evaluate(
        """() => { const el = document.activeElement;
                   if (!el || el === document.body) return null;
                   const box = el.getBoundingClientRect();
                   const key = [el.tagName, el.id, el.getAttribute('aria-label') || '', el.textContent.trim().slice(0, 30),
                                el.dataset.step ?? '', el.dataset.drum ?? '', el.dataset.index ?? '', el.name || ''].join('|');
                   return { key, x: box.left, y: box.top, width: box.width, height: box.height,
                            viewWidth: innerWidth, viewHeight: innerHeight }; }"""
    )


def focus_is_visible(studio, where: dict) -> tuple[bool, int]:
    """Compare the pixels around the focused element with the same pixels unfocused."""
    margin = 7
    left, top = max(0, where["x"] - margin), max(0, where["y"] - margin)
    right = min(where["viewWidth"], where["x"] + where["width"] + margin)
    bottom = min(where["viewHeight"], where["y"] + where["height"] + margin)
    box = {"x": left, "y": top, "width": right - left, "height": bottom - top}
    focused = studio.clip_pixels(box)
    studio.page.evaluate("document.activeElement.blur()")
    unfocused = studio.clip_pixels(box)
    changed = int((np.abs(focused - unfocused).max(axis=2) > 48).sum())
    # a ring round the element: at least half a pixel wide along its sides
    return changed >= max(20, (where["width"] + where["height"]) / 2), changed


def test_every_tab_stop_shows_a_visible_focus_indicator(studio):
    """Tab through the whole page, in every panel and with the mixer open: at each stop the
    screen must change around the focused element (its pixels with and without the focus)."""
    studio.open()
    studio.page.mouse.move(0, 0)
    studio.page.click("#mixer summary")
    checked: dict[str, int] = {}
    invisible = []
    for tab in TABS:
        open_tab(studio, tab)
        if tab == "camera":
            studio.page.click("#camera-toggle")  # a still camera view: only the focus changes
        # start from the top of the page, as a person arriving does
        studio.page.evaluate(
            """() => { document.activeElement && document.activeElement.blur();
                       document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex');
                       window.scrollTo(0, 0); }"""
        )
        studio.page.mouse.move(0, 0)
        first = None
        for _ in range(200):
            studio.page.keyboard.press("Tab")
            where = focus_key(studio)
            if where is None or where["key"] == first:
                break  # round the page once
            first = first or where["key"]
            if where["key"] in checked or where["width"] == 0:
                studio.page.evaluate("document.activeElement.blur()")
                continue
            visible, changed = focus_is_visible(studio, where)
            checked[where["key"]] = changed
            if not visible:
                invisible.append((where["key"], changed))
    assert len(checked) > 60, sorted(checked)  # every panel's controls, the mixer's sliders, the grid
    for expected in ("INPUT|load-session", "INPUT|picture-file", "INPUT|rhythm-file", "INPUT|bpm", "INPUT|rhythm-use-bpm"):
        assert any(key.startswith(expected) for key in checked), expected
    assert invisible == []


def press_space_on(studio, selector: str) -> None:
    studio.page.focus(selector)
    studio.page.keyboard.press(" ")


def test_space_presses_the_focused_control_and_plays_and_stops_elsewhere(studio):
    studio.open()
    assert not studio.page.evaluate("window.studio.player.playing")
    # Roll: a new seed, and play does not toggle
    seed = studio.state()["seed"]["pattern"]
    press_space_on(studio, "#dice-roll")
    studio.page.wait_for_function(
        "p => JSON.stringify(window.studio.store.getState().seed.pattern) !== p", arg=str(seed).replace(" ", "")
    )
    studio.page.wait_for_function("() => window.studio.player.playing")  # Roll plays the new loop, as a click does
    # a loop cell: toggled; still playing
    cell = "#loop-grid .cell[data-step='20'][data-drum='5']"
    was_on = 5 in studio.state()["loop"]["pattern"][20]
    press_space_on(studio, cell)
    studio.page.wait_for_function("w => window.studio.store.getState().loop.pattern[20].includes(5) !== w", arg=was_on)
    assert studio.page.evaluate("window.studio.player.playing")
    # the mixer's heading opens the mixer
    press_space_on(studio, "#mixer summary")
    assert studio.page.evaluate("document.querySelector('#mixer').open")
    assert studio.page.evaluate("window.studio.player.playing")
    # the checkbox is ticked from the keyboard
    studio.tab("rhythm")
    press_space_on(studio, "#rhythm-use-bpm")
    assert studio.page.is_checked("#rhythm-use-bpm")
    press_space_on(studio, "#rhythm-use-bpm")
    assert not studio.page.is_checked("#rhythm-use-bpm")
    assert studio.page.evaluate("window.studio.player.playing")
    # with no control focused (or on a slider), Space stops and plays
    studio.page.evaluate("document.activeElement.blur()")
    studio.page.keyboard.press(" ")
    studio.page.wait_for_function("() => !window.studio.player.playing")
    press_space_on(studio, "#bpm")
    studio.page.wait_for_function("() => window.studio.player.playing")
    assert studio.errors == []
