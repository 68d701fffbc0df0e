"""The studio page as a whole, in a real browser (Debian's Chromium driven by Playwright against a
real server; harness: browser_harness.py, fixtures: conftest.py): it loads with no console
errors and a first loop, shows that it waits while the model loads, makes loops from the dice,
the grid and Generate that keep their seed, and serves its API docs offline.

Each feature has a file of its own, named for it: test_browser_grid.py (the loop grid and the
playhead), _sound (kit, mixer, swing, groove), _generate (generation controls, random seed),
_variations, _undo, _tap_tempo, _rhythm, _camera, _picture, _downloads, _reload, _messages,
_phone, _access (keyboard and screen reader), _player (switching at the bar, on the audio clock)
and _live (live mode). Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import READY_TIMEOUT_MS, loop_cells

pytestmark = pytest.mark.browser


def test_page_loads_without_console_errors_and_shows_a_first_loop(studio):
    studio.open()
    state = studio.state()
    assert state["loop"] and state["source"] == "dice"
    assert len(state["loop"]["pattern"]) == 4 * 16  # whole bars: the seed starts bar 1
    assert state["loop"]["seed_length"] == 10
    assert studio.page.locator("#loop-grid .cell").count() == 9 * 64
    assert loop_cells(studio, "seed") and loop_cells(studio, "gen")
    assert studio.page.is_hidden("#loading")
    studio.screenshot("studio-1280x720.png")
    assert studio.errors == []


def test_dice_grid_and_generate_make_loops_that_keep_their_seed(studio):
    studio.open()
    # dice: a roll of only snares
    studio.page.fill("#dice-low", "1")
    studio.page.fill("#dice-high", "1")
    studio.page.dispatch_event("#dice-low", "input")
    studio.page.dispatch_event("#dice-high", "input")
    studio.page.click("#dice-roll")
    studio.page.wait_for_function("() => window.studio.store.getState().seed.pattern.every(s => s.length === 1 && s[0] === 1)")
    state = studio.wait_for_source("dice")
    assert state["loop"]["pattern"][:10] == state["seed"]["pattern"]

    # grid: draw kick on 1 and 5, snare on 3, with a click and with the keyboard
    studio.tab("grid")
    studio.page.click("#grid-clear")
    studio.page.click("#seed-grid .cell[data-step='0'][data-drum='0']")
    studio.page.click("#seed-grid .cell[data-step='4'][data-drum='0']")
    studio.page.focus("#seed-grid .cell[data-step='2'][data-drum='0']")
    studio.page.keyboard.press("ArrowUp")  # from kick up to snare
    studio.page.keyboard.press("Enter")
    studio.page.click("#grid-use")
    state = studio.wait_for_source("grid")
    studio.wait_for_heard()  # while a loop plays, the new one is shown from its bar on
    assert sorted(loop_cells(studio, "seed")) == [(0, 0), (2, 1), (4, 0)]
    seed = state["seed"]["pattern"]

    # regenerate: a new continuation, the same seed
    before = state["loop"]["pattern"][10:]
    studio.page.fill("#temperature", "1.6")
    studio.page.dispatch_event("#temperature", "input")
    studio.page.click("#generate")
    studio.page.wait_for_function(
        "before => JSON.stringify(window.studio.store.getState().loop.pattern.slice(10)) !== JSON.stringify(before)",
        arg=before,
        timeout=30_000,
    )
    assert studio.state()["loop"]["pattern"][:10] == seed


def test_loading_state_shows_while_the_model_loads(studio):
    loading = {"status": "loading", "parts": {}, "version": "test"}
    studio.page.route(
        "**/api/health", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(loading))
    )
    studio.page.goto(studio.url)
    studio.page.wait_for_selector("#loading:not([hidden])")
    assert "wait" in studio.page.text_content("#loading")
    assert studio.page.is_disabled("#generate")
    studio.page.unroute("**/api/health")
    studio.page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
    assert studio.page.is_hidden("#loading")


def test_api_docs_render_offline_from_the_package(studio):
    """/docs is Swagger UI served from the package: every request stays on this server."""
    requests: list[str] = []
    studio.page.on("request", lambda request: requests.append(request.url))
    studio.page.goto(studio.url.rstrip("/") + "/docs")
    studio.page.wait_for_selector(".opblock", timeout=30_000)
    operations = studio.page.locator(".opblock").count()
    assert operations >= 10, operations
    assert "/api/generate" in (studio.page.text_content("body") or "")
    foreign = [url for url in requests if not url.startswith(studio.url.rstrip("/"))]
    assert foreign == []
    assert studio.errors == []
