"""The loop grid a person reads and directs (issue 18): bar numbers and bar lines, a 4-bar loop
whole on a 1280x720 screen, seed cells that never hide under the names and are finger-sized on a
phone; locks on a row (its name), a bar (its number) and single cells, kept exactly by Regenerate
and by a row's or a bar's own "new" (read from the server's real answers); Undo; velocity by
dragging a hit (mouse and touch) and by the A and G keys, heard in what is sent to /api/render.
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import requests_to, tap_until, wait_for_state

pytestmark = pytest.mark.browser

STEPS_PER_BAR = 16
DRUMS = 9
MIN_TOUCH_PX = 24
SEED_CELL_MIN_DESKTOP_PX = 14


def cell(step: int, drum: int) -> str:
    return f"#loop-grid .cell[data-step='{step}'][data-drum='{drum}']"


def hits(loop: dict) -> dict[tuple[int, int], tuple]:
    """(step, drum) -> (velocity, offset) of every hit of a loop."""
    out = {}
    for step, drums in enumerate(loop["pattern"]):
        for i, drum in enumerate(drums):
            velocity = loop["velocities"][step][i] if loop.get("velocities") else None
            offset = loop["offsets"][step][i] if loop.get("offsets") else None
            out[(step, drum)] = (velocity, offset)
    return out


def cells_of(loop: dict, keep) -> dict:
    return {key: value for key, value in hits(loop).items() if keep(*key)}


def velocity_at(loop: dict, step: int, drum: int) -> int | None:
    drums = loop["pattern"][step]
    return loop["velocities"][step][drums.index(drum)] if drum in drums else None


def answer_of(studio, path: str, action) -> dict:
    """Do `action` and return the server's JSON answer to the page's request to `path`."""
    with studio.page.expect_response(lambda r: r.url.split("?")[0].endswith(path) and r.request.method == "POST", timeout=60_000) as info:
        action()
    response = info.value
    assert response.ok, (response.status, response.text())
    return response.json()


def unlock_all(studio) -> None:
    studio.page.click("#unlock-all")
    wait_for_state(studio, "!s.locks.rows.length && !s.locks.bars.length && !s.locks.cells.length")


def test_a_four_bar_loop_is_whole_on_screen_with_bar_numbers_and_lines(desk):
    """At 1280x720 all 64 steps are on screen at once (no scrolling), bar numbers 1-4 head the bars,
    a line divides them, and the gap before a beat leaves every cell the same width."""
    page = desk.page
    page.evaluate("window.scrollTo(0, 0)")
    assert len(desk.state()["loop"]["pattern"]) == 4 * STEPS_PER_BAR
    numbers = page.eval_on_selector_all("#loop-grid .bar-head .head-lock-bar", "els => els.map(e => e.textContent.trim())")
    assert numbers == ["1", "2", "3", "4"]
    seen = page.evaluate(
        """() => { const g = document.querySelector('#loop-grid');
                   const boxes = [...g.querySelectorAll('.cell')].map(c => { const b = c.getBoundingClientRect();
                     return [Number(c.dataset.step), b.left, b.right, b.top, b.bottom, b.width]; });
                   const lines = [...g.querySelectorAll('.bar-line')].map(l => { const b = l.getBoundingClientRect(); return [b.left, b.right, b.height]; });
                   return { boxes, lines, scrollWidth: g.scrollWidth, clientWidth: g.clientWidth, vw: innerWidth, vh: innerHeight }; }"""
    )
    assert len(seen["boxes"]) == 64 * DRUMS
    assert seen["scrollWidth"] <= seen["clientWidth"] + 1, seen["scrollWidth"]  # nothing to scroll to
    outside = [b for b in seen["boxes"] if b[1] < 0 or b[2] > seen["vw"] or b[3] < 0 or b[4] > seen["vh"]]
    assert outside == [], outside[:3]
    widths = [b[5] for b in seen["boxes"]]
    assert max(widths) - min(widths) < 0.6, (min(widths), max(widths))  # no cell shrunk for a beat's gap
    assert min(widths) >= 5
    by_step = {b[0]: b for b in seen["boxes"]}
    assert len(seen["lines"]) == 3
    for bar, (left, right, height) in enumerate(seen["lines"], start=1):
        assert by_step[bar * STEPS_PER_BAR - 1][2] <= left and right <= by_step[bar * STEPS_PER_BAR][1], (bar, left, right)
        assert height > DRUMS * 20  # down the whole grid
    # the gap before a beat is wider than between the steps of a beat
    gap = lambda step: by_step[step][1] - by_step[step - 1][2]  # noqa: E731
    assert gap(4) > gap(3) + 1 and gap(16) > gap(4) + 2, (gap(3), gap(4), gap(16))


def test_seed_cells_never_slip_under_the_names_and_are_finger_sized_on_a_phone(desk, phone):
    for studio, tap in ((desk, False), (phone, True)):
        if tap:
            studio.page.locator("#tab-grid").tap()
        else:
            studio.page.click("#tab-grid")
        for length in (32, 10):
            studio.page.fill("#seed-length", str(length))
            studio.page.dispatch_event("#seed-length", "input")
            studio.page.wait_for_function("n => document.querySelectorAll('#seed-grid .cell[data-drum=\"0\"]').length === n", arg=length)
            seen = studio.page.evaluate(
                """() => { const g = document.querySelector('#seed-grid'); g.scrollLeft = 0;
                           const names = [...g.querySelectorAll('.label .label-name')].map(n => {
                             const r = n.getBoundingClientRect(); return Math.max(r.right, r.left + n.scrollWidth); });
                           const cells = [...g.querySelectorAll('.cell')].map(c => { const b = c.getBoundingClientRect();
                             return [Number(c.dataset.step), b.left, b.width, b.height]; });
                           return { names, cells }; }"""
            )
            first_left = min(left for step, left, _, _ in seen["cells"] if step == 0)
            assert max(seen["names"]) <= first_left + 0.5, (studio.page.viewport_size, length, max(seen["names"]), first_left)
            smallest = min(min(w, h) for _, _, w, h in seen["cells"])
            assert smallest >= (MIN_TOUCH_PX if tap else SEED_CELL_MIN_DESKTOP_PX), (studio.page.viewport_size, length, smallest)
        studio.page.fill("#seed-length", "10")
        studio.page.dispatch_event("#seed-length", "input")
        if tap:
            studio.page.locator("#tab-dice").tap()
        else:
            studio.page.click("#tab-dice")


def test_locked_rows_bars_and_cells_are_shown_sent_kept_by_regenerate_undone_and_kept_on_reload(desk):
    page = desk.page
    unlock_all(desk)
    # a row by its name and a bar by its number (mouse); a cell by L on the focused cell (keyboard)
    page.click("#loop-grid .head-lock-row[data-drum='0']")
    page.click("#loop-grid .head-lock-bar[data-bar='1']")
    page.focus(cell(40, 2))
    page.keyboard.press("l")
    wait_for_state(desk, "s.locks.rows.length === 1 && s.locks.bars.length === 1 && s.locks.cells.length === 1")
    steps = len(desk.state()["loop"]["pattern"])
    expected = sorted({(s, 0) for s in range(steps)} | {(s, d) for s in range(16, 32) for d in range(DRUMS)} | {(40, 2)})
    shown = page.eval_on_selector_all(
        "#loop-grid .cell.locked", "els => els.map(e => [Number(e.dataset.step), Number(e.dataset.drum), e.getAttribute('aria-label')])"
    )
    assert sorted((s, d) for s, d, _ in shown) == expected
    assert all(label.endswith(", locked") for _, _, label in shown)
    assert page.get_attribute("#loop-grid .head-lock-row[data-drum='0']", "aria-pressed") == "true"
    assert page.get_attribute("#loop-grid .head-lock-bar[data-bar='1']", "aria-pressed") == "true"
    assert page.get_attribute("#loop-grid .head-lock-bar[data-bar='0']", "aria-pressed") == "false"
    assert "locked" not in page.get_attribute(cell(41, 2), "aria-label")
    # the lock is a shape, not only a colour: stripes over the cell, and a padlock on the row's name
    assert page.evaluate("s => getComputedStyle(document.querySelector(s), '::after').backgroundImage", cell(40, 2)).startswith("repeating-linear-gradient")
    assert page.evaluate("s => getComputedStyle(document.querySelector(s), '::after').backgroundImage", cell(41, 2)) == "none"
    assert page.is_visible("#loop-grid .head-lock-row[data-drum='0'] .padlock")

    before = desk.state()["loop"]
    sent = requests_to(desk, "/api/regenerate")
    answer = answer_of(desk, "/api/regenerate", lambda: page.keyboard.press("r"))  # R: regenerate, from the focused cell
    assert [tuple(c) for c in sent[0]["locked"]] == expected
    assert "drums" not in sent[0] and "bars" not in sent[0]
    locked = set(expected)
    kept = cells_of(before, lambda s, d: (s, d) in locked)
    for pattern in answer["patterns"]:
        assert cells_of(pattern, lambda s, d: (s, d) in locked) == kept  # hits, velocities and timing, exactly
    free_before = cells_of(before, lambda s, d: (s, d) not in locked)
    assert any(cells_of(p, lambda s, d: (s, d) not in locked) != free_before for p in answer["patterns"])
    after = desk.wait_for_new_loop(before)["loop"]
    assert after["pattern"] == answer["patterns"][0]["pattern"]

    # Undo brings the old loop back; the locks stay
    page.keyboard.press("Control+z")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern) === a", json.dumps(before["pattern"], separators=(",", ":")))
    assert desk.state()["locks"] == {"rows": [0], "bars": [1], "cells": ["40:2"]}

    # the locks survive a reload, and are shown
    page.wait_for_timeout(400)  # saved
    desk.open()
    assert desk.state()["locks"] == {"rows": [0], "bars": [1], "cells": ["40:2"]}
    assert page.eval_on_selector_all("#loop-grid .cell.locked", "els => els.length") == len(expected)

    # everything locked: the server's refusal is said beside Regenerate, and nothing is lost
    for drum in range(1, DRUMS):
        page.click(f"#loop-grid .head-lock-row[data-drum='{drum}']")
    wait_for_state(desk, "s.locks.rows.length === 9")
    loop = desk.state()["loop"]
    page.click("#regenerate")
    page.wait_for_function("() => document.querySelector('#regenerate-message').classList.contains('error')", timeout=30_000)
    text = desk.text("#regenerate-message")
    assert "locked" in text and "\n" not in text.strip(), text
    assert page.get_attribute("#regenerate", "aria-invalid") == "true"
    assert desk.state()["loop"] == loop
    unlock_all(desk)


def test_a_rows_and_a_bars_new_redraw_only_them_and_undo_restores(desk):
    page = desk.page
    unlock_all(desk)
    page.click(cell(44, 2))  # an edit: a new take clears the marks
    page.click("#loop-grid .head-lock-bar[data-bar='0']")  # bar 1 locked: the hats' new keeps it
    before = desk.state()["loop"]
    sent = requests_to(desk, "/api/regenerate")
    answer = answer_of(desk, "/api/regenerate", lambda: page.click("#loop-grid .head-new-row[data-drum='2']"))
    assert sent[0]["drums"] == [2]
    assert [tuple(c) for c in sent[0]["locked"]] == [(s, d) for s in range(16) for d in range(DRUMS)]
    new = answer["patterns"][0]
    assert cells_of(new, lambda s, d: d != 2 or s < 16) == cells_of(before, lambda s, d: d != 2 or s < 16)
    assert cells_of(new, lambda s, d: d == 2) != cells_of(before, lambda s, d: d == 2)
    row_loop = desk.wait_for_new_loop(before)["loop"]
    assert row_loop["pattern"] == new["pattern"]

    answer = answer_of(desk, "/api/regenerate", lambda: page.click("#loop-grid .head-new-bar[data-bar='2']"))
    assert sent[1]["bars"] == [3] and "drums" not in sent[1]
    bar3 = lambda s, d: 32 <= s < 48  # noqa: E731
    new = answer["patterns"][0]
    assert cells_of(new, lambda s, d: not bar3(s, d)) == cells_of(row_loop, lambda s, d: not bar3(s, d))
    assert any(cells_of(p, bar3) != cells_of(row_loop, bar3) for p in answer["patterns"])
    desk.wait_for_new_loop(row_loop)

    page.click("#undo")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern) === a", json.dumps(row_loop["pattern"], separators=(",", ":")))
    page.click("#undo")
    wait_for_state(desk, "JSON.stringify(s.loop.pattern) === a", json.dumps(before["pattern"], separators=(",", ":")))
    unlock_all(desk)


def test_dragging_a_hit_or_a_key_sets_its_velocity_in_the_state_and_what_is_rendered(desk):
    page = desk.page
    desk.wait_for_heard()  # the grid shows (and a drag starts from) the loop heard, which may still be the last one
    loop = desk.state()["loop"]
    step, drum = next((s, d) for s in range(20, 64) for d in loop["pattern"][s] if velocity_at(loop, s, d) < 90)
    start = velocity_at(loop, step, drum)
    renders = requests_to(desk, "/api/render")
    box = page.locator(cell(step, drum)).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 45, steps=6)  # up: louder
    page.mouse.up()
    wait_for_state(desk, "(() => { const p = s.loop.pattern[a[0]]; return p.includes(a[1]) && s.loop.velocities[a[0]][p.indexOf(a[1])] !== a[2]; })()",
                   [step, drum, start])
    dragged = velocity_at(desk.state()["loop"], step, drum)
    assert start + 20 <= dragged <= 127, (start, dragged)  # still a hit (not toggled off), and louder
    assert desk.state()["edits"].count(f"{step}:{drum}") == (1 if step >= desk.state()["loop"]["seed_length"] else 0)
    page.wait_for_function("n => window.studio.audio() && JSON.parse(window.studio.audio().key).pattern.velocities", arg=None)
    desk.page.wait_for_timeout(300)
    rendered = [r["pattern"] for r in renders if r["pattern"].get("velocities")]
    assert rendered and velocity_at(rendered[-1], step, drum) == dragged

    # keys on the focused cell: G a ghost note, A an accent
    page.focus(cell(step, drum))
    page.keyboard.press("g")
    wait_for_state(desk, "(() => { const p = s.loop.pattern[a[0]]; return s.loop.velocities[a[0]][p.indexOf(a[1])] === 40; })()", [step, drum])
    page.keyboard.press("a")
    wait_for_state(desk, "(() => { const p = s.loop.pattern[a[0]]; return s.loop.velocities[a[0]][p.indexOf(a[1])] === 120; })()", [step, drum])
    page.wait_for_function(
        "([s, d]) => { const r = JSON.parse(window.studio.audio().key).pattern; const i = r.pattern[s].indexOf(d); return r.velocities[s][i] === 120; }",
        arg=[step, drum],
    )
    desk.wait_for_heard()  # the grid shows what is heard: the accent from its bar on, as bright as 120 is
    assert page.get_attribute(cell(step, drum), "data-velocity") == "120"
    # undo, one step each: the ghost note, then the drag's velocity
    page.keyboard.press("Control+z")
    wait_for_state(desk, "(() => { const p = s.loop.pattern[a[0]]; return s.loop.velocities[a[0]][p.indexOf(a[1])] === 40; })()", [step, drum])
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    wait_for_state(desk, "(() => { const p = s.loop.pattern[a[0]]; return s.loop.velocities[a[0]][p.indexOf(a[1])] === a[2]; })()", [step, drum, start])


def touch_drag(studio, x: float, y: float, dy: float, moves: int = 6) -> None:
    """A finger put down at (x, y), moved by dy in `moves` steps and lifted: real touch input."""
    session = studio.page.context.new_cdp_session(studio.page)
    try:
        point = lambda py: [{"x": x, "y": py, "radiusX": 4, "radiusY": 4, "force": 1, "id": 1}]  # noqa: E731
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(y)})
        for i in range(1, moves + 1):
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": point(y + dy * i / moves)})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        session.detach()


def test_on_a_phone_a_finger_drags_velocity_and_locks_by_touch(phone):
    page = phone.page
    phone.wait_for_heard()  # the grid shows (and a drag starts from) the loop heard, which may still be the last one
    loop = phone.state()["loop"]
    step, drum = next((s, d) for s in range(10, 32) for d in loop["pattern"][s] if velocity_at(loop, s, d) > 50)
    start = velocity_at(loop, step, drum)
    page.locator(cell(step, drum)).scroll_into_view_if_needed()
    box = page.locator(cell(step, drum)).bounding_box()
    scroll = page.evaluate("document.querySelector('#loop-grid').scrollTop")
    touch_drag(phone, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 40)  # down: softer
    wait_for_state(phone, "(() => { const p = s.loop.pattern[a[0]]; return p.includes(a[1]) && s.loop.velocities[a[0]][p.indexOf(a[1])] < a[2]; })()",
                   [step, drum, start])
    assert velocity_at(phone.state()["loop"], step, drum) <= start - 15
    assert page.evaluate("document.querySelector('#loop-grid').scrollTop") == scroll  # the drag did not scroll the grid

    # lock by touch: a row by its name, then a cell in the Lock cells mode
    phone.wait_for_heard()  # the softer hit's render is in: the page is idle again
    tap_until(phone, "#loop-grid .head-lock-row[data-drum='1']", "s.locks.rows.includes(1)")
    page.locator("#lock-cells").tap()
    assert page.get_attribute("#lock-cells", "aria-pressed") == "true"
    on = drum in phone.state()["loop"]["pattern"][step]
    tap_until(phone, cell(step, drum), "s.locks.cells.includes(a)", f"{step}:{drum}")
    assert (drum in phone.state()["loop"]["pattern"][step]) == on  # locked, not toggled
    assert "locked" in page.get_attribute(cell(step, drum), "class").split()
    page.locator("#lock-cells").tap()
    page.locator("#unlock-all").tap()
    wait_for_state(phone, "!s.locks.rows.length && !s.locks.cells.length")
