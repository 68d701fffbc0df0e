"""Blend: "Blend from [A] to [B] over [4|8] bars". A defaults to the loop playing; B can be a
variation, a loop from the undo history or a saved session file's loop. The page sends the two
loops chosen to POST /api/blend, and the real model's phrase of the chosen length plays as the
new loop from the next bar; Undo brings the loop before back. Mouse, keyboard and touch.
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import requests_to, rock_session, wait_for_state

pytestmark = pytest.mark.browser


def options(studio, select: str) -> list[tuple[str, str]]:
    return studio.page.eval_on_selector_all(f"{select} option", "os => os.map(o => [o.value, o.textContent])")


def blended(studio, take_before: int) -> dict:
    wait_for_state(studio, "s.source === 'blend' && s.take > a", take_before, timeout=60_000)
    return studio.state()


def same_pattern_js(pattern) -> str:
    return json.dumps(pattern, separators=(",", ":"))


def test_blend_a_variation_into_the_loop_playing_over_8_bars_then_undo(desk):
    page = desk.page
    state = desk.state()
    assert len(state["variations"]) >= 2
    assert page.input_value("#blend-a") == "playing"  # A: the loop playing, by default
    values = [value for value, _ in options(desk, "#blend-b")]
    assert "variation:1" in values and page.input_value("#blend-b") != "playing"
    desk.play()
    sent = requests_to(desk, "/api/blend")
    page.select_option("#blend-b", "variation:1")
    page.select_option("#blend-bars", "8")
    page.click("#blend-go")
    after = blended(desk, state["take"])
    assert len(sent) == 1
    assert sent[0]["a"]["pattern"] == state["loop"]["pattern"]
    assert sent[0]["b"]["pattern"] == state["variations"][1]["pattern"]
    assert sent[0]["bars"] == 8
    assert len(after["loop"]["pattern"]) == 8 * 16
    # the phrase opens with A's first bar and ends with B's (the model keeps both as they are)
    first_bar = [sorted(d) for d in after["loop"]["pattern"][:16]]
    assert first_bar == [sorted(d) for d in state["loop"]["pattern"][:16]]
    last_bar = [sorted(d) for d in after["loop"]["pattern"][-16:]]
    assert last_bar == [sorted(d) for d in state["variations"][1]["pattern"][:16]]
    desk.wait_for_heard(timeout=30_000)  # heard from a bar line of the loop that played
    assert page.evaluate("window.studio.player.heard().loop.pattern.length") == 128
    assert "8-bar blend" in desk.status()

    # the loop before is in the history now: blend it back, 4 bars, by keyboard
    labels = dict(options(desk, "#blend-b"))
    assert labels.get("history:0", "").startswith("1 loop back"), labels
    sent.clear()
    page.focus("#blend-b")
    page.select_option("#blend-b", "history:0")
    page.focus("#blend-bars")
    page.keyboard.press("ArrowUp")  # 8 -> 4 bars
    assert page.input_value("#blend-bars") == "4"
    page.focus("#blend-go")
    page.keyboard.press("Enter")
    again = blended(desk, after["take"])
    assert sent[0]["a"]["pattern"] == after["loop"]["pattern"] and sent[0]["b"]["pattern"] == state["loop"]["pattern"]
    assert sent[0]["bars"] == 4 and len(again["loop"]["pattern"]) == 64

    page.keyboard.press("Control+z")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern) === a", same_pattern_js(after["loop"]["pattern"]))
    page.keyboard.press("Control+z")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern) === a", same_pattern_js(state["loop"]["pattern"]))
    page.click("#play")


def test_blend_into_a_saved_session_by_touch(phone, tmp_path):
    page = phone.page
    session = rock_session(tmp_path / "rock.json")
    rock = json.loads(session.read_text())["loop"]["pattern"]
    state = phone.state()
    page.set_input_files("#blend-file", str(session))
    page.wait_for_function("() => document.querySelector('#blend-b').value === 'file'")
    assert dict(options(phone, "#blend-b"))["file"] == "rock.json (session file)"
    sent = requests_to(phone, "/api/blend")
    page.locator("#blend-go").scroll_into_view_if_needed()
    page.locator("#blend-go").tap()
    after = blended(phone, state["take"])
    assert sent[0]["b"]["pattern"] == rock and sent[0]["a"]["pattern"] == state["loop"]["pattern"]
    assert len(after["loop"]["pattern"]) == 4 * 16
    assert [sorted(d) for d in after["loop"]["pattern"][-16:]] == [sorted(d) for d in rock[:16]]
    page.wait_for_function("() => window.studio.player.playing")  # nothing played: the blend starts at once

    # the same loop as A and B: one line, nothing sent
    page.select_option("#blend-a", "playing")
    page.select_option("#blend-b", "playing")
    page.locator("#blend-go").tap()
    assert "same loop" in phone.text("#blend-message") and len(sent) == 1
    page.locator("#play").tap()
