"""The loop grid as a person sees it while the loop plays: the playhead moves with the sound and
stays in view on a loop wider than the screen, an edit is heard from the next bar, and what the
grid and the BPM slider show is what the player holds, even after a render the server refused.
"""

from __future__ import annotations

import pytest

from .browser_harness import Studio, assert_plain_message_beside, load_session, loop_cells, rock_session, set_slider

pytestmark = pytest.mark.browser

STEPS_PER_BAR = 16


def shown_and_heard(studio: Studio) -> dict:
    """What the screen shows (slider, grid) beside what the player holds and the audio it fetched."""
    return studio.page.evaluate(
        """() => { const p = window.studio.player, s = window.studio.store.getState(), a = window.studio.audio();
                   const heard = p.heard(), slot = p.current;
                   return { slider: Number(document.querySelector('#bpm').value), out: document.querySelector('#bpm-out').textContent,
                            state: s.settings.bpm, heardBpm: heard.bpm, heardSteps: heard.steps, heardPattern: heard.loop.pattern,
                            audioBpm: a.meta.bpm, audioSteps: a.meta.steps, slotSeconds: slot.duration,
                            gridSteps: document.querySelectorAll('#loop-grid .cell[data-drum="0"]').length,
                            stateSteps: s.loop.pattern.length }; }"""
    )


def assert_shown_is_heard(studio: Studio) -> dict:
    seen = shown_and_heard(studio)
    assert seen["slider"] == seen["state"] == seen["heardBpm"] == seen["audioBpm"] == float(seen["out"]), seen
    assert seen["gridSteps"] == seen["stateSteps"] == seen["heardSteps"] == seen["audioSteps"], seen
    assert abs(seen["slotSeconds"] - seen["heardSteps"] * 15 / seen["heardBpm"]) < 0.05, seen  # the audio's own length
    lit = sorted(loop_cells(studio, "seed") + loop_cells(studio, "gen"))
    assert lit == sorted((step, drum) for step, drums in enumerate(seen["heardPattern"]) for drum in drums)
    return seen


def test_playback_runs_the_playhead_and_an_edit_is_queued_for_the_next_bar(studio):
    studio.open()
    studio.play()
    assert studio.page.evaluate("window.studio.player.ctx.state") == "running"
    steps_seen = set()
    for _ in range(8):
        studio.page.wait_for_timeout(150)
        steps_seen.add(int(studio.page.get_attribute("#loop-grid", "data-play-step")))
    assert len(steps_seen) >= 3, steps_seen  # the playhead moves with the sound
    assert all(0 <= step < 64 for step in steps_seen)
    studio.screenshot("studio-playing-1280x720.png")

    # an edit in the generated part, made early in a bar: marked as queued, then heard from a bar boundary
    key_before = studio.audio_key()
    cell = "#loop-grid .cell[data-step='40'][data-drum='7']"
    studio.page.wait_for_function("() => Number(document.querySelector('#loop-grid').dataset.playStep) % 16 === 1")
    studio.page.click(cell)
    studio.wait_for_render(key_before)
    # the schedule and the mark read in one tick: a slow render may reach the page after its bar began
    timing = studio.page.evaluate(
        """(c) => { const p = window.studio.player; const slot = p.pending || p.current;
                   return {at: slot.at, now: p.ctx.currentTime, anchor: p.current.anchor, bar: 16 * 15 / 120,
                           marks: document.querySelector(c).className.split(" ")}; }""",
        cell,
    )
    bars = (timing["at"] - timing["anchor"]) / timing["bar"]
    assert abs(bars - round(bars)) < 1e-6, bars  # a bar boundary of the loop that plays
    assert timing["at"] - timing["now"] <= timing["bar"] + 0.1  # the next bar, not the loop's end
    assert studio.state()["edits"] == ["40:7"]
    on = 7 in studio.state()["loop"]["pattern"][40]
    queued = "queued-on" if on else "queued-off"
    if timing["now"] < timing["at"]:
        assert queued in timing["marks"], timing  # marked until its bar
    studio.page.wait_for_function(
        "([c, q]) => !document.querySelector(c).classList.contains(q)", arg=[cell, queued], timeout=5000
    )
    assert ("on" in studio.page.get_attribute(cell, "class").split()) == on  # then heard, and shown plainly

    # Space on the page (no control focused) stops and starts
    studio.page.evaluate("document.activeElement.blur()")
    studio.page.locator("body").press(" ")
    studio.page.wait_for_function("() => !window.studio.player.playing")
    studio.page.locator("body").press(" ")
    studio.page.wait_for_function("() => window.studio.player.playing")


def test_the_grid_follows_the_playhead_on_a_long_loop(desk, tmp_path):
    """A 16-bar loop is wider than the screen; the column heard stays in view."""
    load_session(desk, rock_session(tmp_path / "fast.json", bars=16, bpm=300))
    if not desk.page.evaluate("window.studio.player.playing"):
        desk.play()
    desk.wait_for_heard()
    desk.page.evaluate("document.querySelector('#loop-grid').scrollIntoView({block: 'center'})")
    assert desk.page.evaluate("(g => g.scrollWidth > g.clientWidth * 2)(document.querySelector('#loop-grid'))")
    steps, scrolls, off_screen = set(), set(), []
    for _ in range(22):  # 4.4 s: 5.5 bars at 300 BPM, about two screens of this grid
        desk.page.wait_for_timeout(200)
        where = desk.page.evaluate(
            """() => { const g = document.querySelector('#loop-grid'), step = Number(g.dataset.playStep);
                       if (step < 0) return null;
                       const view = g.getBoundingClientRect(), head = g.querySelector('.label').getBoundingClientRect();
                       const cell = g.querySelector(`.cell[data-step="${step}"][data-drum="0"]`).getBoundingClientRect();
                       return { step, scroll: g.scrollLeft, left: cell.left, right: cell.right,
                                viewLeft: view.left + head.width, viewRight: view.left + g.clientWidth, vw: innerWidth }; }"""
        )
        if where is None:
            continue
        steps.add(where["step"])
        scrolls.add(round(where["scroll"]))
        if where["left"] < where["viewLeft"] - 1 or where["right"] > min(where["viewRight"], where["vw"]) + 1:
            off_screen.append(where)
    assert max(steps) >= 3 * STEPS_PER_BAR, sorted(steps)  # past the first screen (about 44 steps wide)
    assert len(scrolls) >= 2, scrolls  # the grid scrolled
    assert off_screen == []
    desk.page.click("#play")  # stop


def test_after_a_render_error_what_is_shown_is_what_plays(desk, tmp_path):
    """A loop too long at its BPM is refused; the grid, the slider and the sound stay together."""
    load_session(desk, rock_session(tmp_path / "slow.json", bars=4, bpm=20))
    desk.play()
    desk.wait_for_heard()
    # 16 bars at 20 BPM would be 192 s of audio: over the server's 180 s. Bars changes the playing
    # loop (continued by the model), so the refusal is said beside Bars and the 4 bars play on.
    desk.page.select_option("#bars", "16")
    desk.page.wait_for_function("() => document.querySelector('#bars-message').classList.contains('error')", timeout=60_000)
    seen = assert_shown_is_heard(desk)
    assert seen["gridSteps"] == 4 * STEPS_PER_BAR and seen["slider"] == 20
    assert_plain_message_beside(desk, "#bars-message", "#bars", "20 BPM", "fewer bars")

    load_session(desk, rock_session(tmp_path / "long.json", bars=16, bpm=120))
    desk.wait_for_heard()
    set_slider(desk, "#bpm", 10)  # 256 steps at 10 BPM: 384 s
    desk.page.wait_for_function("() => document.querySelector('#controls-message').classList.contains('error')")
    desk.page.wait_for_function("() => Number(document.querySelector('#bpm').value) === 120")
    seen = assert_shown_is_heard(desk)
    assert seen["slider"] == 120 and seen["gridSteps"] == 16 * STEPS_PER_BAR
    text = assert_plain_message_beside(desk, "#controls-message", "#bpm", "at 10 BPM", "plays on")
    assert desk.page.get_attribute("#bpm", "aria-invalid") == "true", text
    assert desk.page.evaluate("window.studio.player.playing")
