"""Drumify: a rhythm tapped on the pad (mouse, keys, touch with force) after a one-bar count-in
becomes the rhythm sent to POST /api/drumify, with the Density knob's value; the real model's
answer plays as the new loop, keeps the tapped steps on more than one drum, and Undo brings the
loop before back. The count-in's clicks are measured in what the page outputs (the audio tap).
A take with no taps says so in one line and changes nothing.

The test taps at known 16ths of the take, read from the metronome's scheduled clicks: the take
starts one bar (4 clicks) after the first click. It taps on the listener's clock (what is heard),
aiming a little early so the delay of sending a tap stays well inside half a 16th.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from .browser_harness import requests_to, set_slider, wait_for_state
from .test_browser_rhythm import onsets

pytestmark = pytest.mark.browser

# A 16th at 40 BPM is 375 ms. Each tap is sent once the page has played AIM_EARLY_S before its
# step, so it lands on its step if it reaches the page up to 280 ms after that; it cannot come
# sooner. (At 60 BPM, aiming 40 ms early, CI's parallel pass once put a tap a step late.)
SLOW_BPM = 40
AIM_EARLY_S = 0.09


def begin_take(studio, bars: int) -> dict:
    """Choose the take's length, press the pad once (mouse) to count in; the take's clock."""
    studio.page.select_option("#drumify-bars", str(bars))
    studio.page.click("#drumify-pad")
    studio.page.wait_for_function("() => window.studio.metronome.running && window.studio.metronome.clicks.length > 0")
    first = studio.page.evaluate("window.studio.metronome.clicks[0]")
    bpm = studio.state()["settings"]["bpm"]
    beat = 60 / bpm
    return {"first": first, "start": first + 4 * beat, "sixteenth": beat / 4, "bars": bars}


def wait_heard(studio, time: float) -> None:
    studio.page.wait_for_function("t => window.studio.player.heardTime() >= t", arg=time - AIM_EARLY_S, polling=5)


def answers_from(studio, path: str) -> list:
    """The server's responses to the page's requests to ``path`` from now on (read them after)."""
    answers: list = []
    studio.page.on("response", lambda r: r.url.split("?")[0].endswith(path) and answers.append(r))
    return answers


def drumify_done(studio, before_take: int, answers: list) -> dict:
    """The state once the drumified loop is the studio's; it is the server's first answer, as sent."""
    wait_for_state(studio, "s.source === 'drumify' && s.take > a", before_take, timeout=60_000)
    state = studio.state()
    patterns = answers[-1].json()["patterns"]
    assert state["loop"]["pattern"] == patterns[0]["pattern"]
    assert [v["pattern"] for v in state["variations"]] == [p["pattern"] for p in patterns]
    return state


def hit_steps(rhythm: dict) -> list[int]:
    return [step for step, drums in enumerate(rhythm["pattern"]) if drums]


def test_taps_by_mouse_and_keys_become_a_drumified_loop_after_a_heard_count_in(tapped):
    page = tapped.open().page
    set_slider(tapped, "#bpm", SLOW_BPM)
    set_slider(tapped, "#density", 0.8)
    assert page.get_attribute("#density", "aria-valuetext") == "0.80, busy"
    help_text = tapped.text("#density-help")
    assert "next Generate, Regenerate and Drumify" in help_text  # this server's Generate takes a density
    loop_before = tapped.state()["loop"]
    take_before = tapped.state()["take"]
    tapped.tab("drumify")
    sent = requests_to(tapped, "/api/drumify")
    answers = answers_from(tapped, "/api/drumify")
    tapped.start_tap(9)
    take = begin_take(tapped, bars=1)
    assert page.get_attribute("#drumify-pad", "data-mode") in ("counting", None)
    pad = page.locator("#drumify-pad").bounding_box()
    centre = (pad["x"] + pad["width"] / 2, pad["y"] + pad["height"] / 2)
    # step 0 mouse, 4 Shift+K (an accent), 8 Space, 14 mouse: plain taps are velocity 100
    plan = [(0, "mouse"), (4, "Shift+K"), (8, " "), (14, "mouse")]
    for step, how in plan:
        wait_heard(tapped, take["start"] + step * take["sixteenth"])
        if how == "mouse":
            page.mouse.move(*centre)
            page.mouse.down()
            page.mouse.up()
        else:
            page.keyboard.press("Space" if how == " " else how)
    page.wait_for_function("() => !window.studio.metronome.running", timeout=10_000)
    state = drumify_done(tapped, take_before, answers)

    assert len(sent) == 1, sent
    body = sent[0]
    rhythm = body["rhythm"]
    assert len(rhythm["pattern"]) == 16
    assert hit_steps(rhythm) == [0, 4, 8, 14], rhythm["pattern"]
    assert [rhythm["velocities"][s][0] for s in (0, 4, 8, 14)] == [100, 127, 100, 100]
    assert all(-0.5 <= rhythm["offsets"][s][0] < 0.5 for s in (0, 4, 8, 14))
    assert body["density"] == 0.8 and body["temperature"] == state["settings"]["temperature"]

    # the count-in: 4 clicks a beat apart before the take's first downbeat, heard on the audio clock
    recording = tapped.read_tap()
    heard = [recording.time_of(0) + t for t in onsets(recording.samples)]
    count_in = [t for t in heard if take["first"] - 0.05 <= t < take["start"] - 0.05]
    assert len(count_in) == 4, (heard, take)
    assert np.allclose(np.diff(count_in), 60 / SLOW_BPM, atol=0.01), count_in
    assert any(abs(t - take["start"]) < 0.03 for t in heard), (heard, take)  # the clicks go on while tapping

    loop = state["loop"]
    assert len(loop["pattern"]) == 16
    # the kit plays exactly the tapped rhythm: every tapped step, nothing between (model/infill_rhythm.py)
    assert hit_steps(loop) == [0, 4, 8, 14], loop["pattern"]
    assert len({drum for drums in loop["pattern"] for drum in drums}) > 1, loop["pattern"]
    assert len(state["variations"]) > 1
    # nothing played: the new loop starts at once
    page.wait_for_function("() => window.studio.player.playing")
    tapped.wait_for_heard()
    assert tapped.page.evaluate("window.studio.player.heard().loop.pattern") == loop["pattern"]
    page.keyboard.press("Control+z")
    wait_for_state(tapped, "JSON.stringify(s.loop.pattern) === a", json.dumps(loop_before["pattern"], separators=(",", ":")))
    page.click("#play")


def test_touch_with_force_sets_velocity_and_a_take_without_taps_changes_nothing(phone):
    page = phone.page
    set_slider(phone, "#bpm", SLOW_BPM)
    phone.tab("drumify")
    sent = requests_to(phone, "/api/drumify")
    answers = answers_from(phone, "/api/drumify")
    cdp = page.context.new_cdp_session(page)
    where = {}

    def find_pad() -> None:
        page.locator("#drumify-pad").scroll_into_view_if_needed()
        box = page.locator("#drumify-pad").bounding_box()
        where.update(x=box["x"] + box["width"] / 2, y=box["y"] + box["height"] / 2)

    def touch(force: float) -> None:
        """A finger on the pad's centre, pressing with `force` (what a force-sensing screen reports)."""
        point = {**where, "force": force, "radiusX": 5, "radiusY": 5, "id": 1}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    find_pad()
    take_before = phone.state()["take"]
    page.select_option("#drumify-bars", "1")
    touch(0.5)  # the first touch counts in
    page.wait_for_function("() => window.studio.metronome.running && window.studio.metronome.clicks.length > 0")
    first = page.evaluate("window.studio.metronome.clicks[0]")
    sixteenth = 60 / SLOW_BPM / 4
    start = first + 16 * sixteenth
    for step, force in ((2, 0.25), (10, 0.95)):
        wait_heard(phone, start + step * sixteenth)
        touch(force)
    state = drumify_done(phone, take_before, answers)
    rhythm = sent[0]["rhythm"]
    assert hit_steps(rhythm) == [2, 10], rhythm["pattern"]
    soft, loud = rhythm["velocities"][2][0], rhythm["velocities"][10][0]
    assert soft < 70 < 110 < loud, (soft, loud)  # the force of each touch, not one fixed velocity
    assert len(state["loop"]["pattern"]) == 16 and hit_steps(state["loop"]) == [2, 10]

    # a take with no taps: one line, the loop and the requests as they were
    set_slider(phone, "#bpm", 200)
    page.wait_for_function("() => { const p = window.studio.player; return !p.pending && p.heard() && p.heard().bpm === 200; }")
    loop = phone.state()["loop"]
    find_pad()
    touch(0.5)
    page.wait_for_function("() => window.studio.metronome.running && window.studio.metronome.clicks.length > 0")
    # while a loop plays, the count-in starts on one of its bar lines
    first, anchor = page.evaluate("[window.studio.metronome.clicks[0], window.studio.player.current.anchor]")
    bars = (first - anchor) / (60 / 200 * 4)
    assert abs(bars - round(bars)) < 0.002 and first > anchor, (first, anchor)
    page.wait_for_function("() => !window.studio.metronome.running", timeout=10_000)
    page.wait_for_function("() => document.querySelector('#drumify-message').classList.contains('error')")
    message = phone.text("#drumify-message")
    assert "No taps" in message and "\n" not in message, message
    assert phone.state()["loop"] == loop and len(sent) == 1


def test_the_rhythm_panel_drumifies_its_recording_instead_of_continuing_it(desk, server, tmp_path):
    import httpx

    page = desk.page
    desk.tab("rhythm")
    page.click("#rhythm-drumify")
    assert "Record or upload a rhythm first" in desk.text("#rhythm-message")
    beat = {"pattern": [[0], [], [], [1], [], [], [0], [], [], [], [1], [], [0], [], [], []] * 2}  # two bars at 100 BPM
    wav = httpx.post(f"{server.url}/api/render", json={"pattern": beat, "bpm": 100, "kit": "GMRockKit"}, timeout=60)
    recording = tmp_path / "taps.wav"
    recording.write_bytes(wav.content)
    set_slider(desk, "#seed-length", 16)
    page.set_input_files("#rhythm-file", str(recording))
    seeded = desk.wait_for_source("rhythm", timeout=180_000)
    heard = hit_steps(seeded["seed"])
    assert {0, 3, 6, 10, 12} <= set(heard), seeded["seed"]
    sent = requests_to(desk, "/api/drumify")
    answers = answers_from(desk, "/api/drumify")
    page.focus("#rhythm-drumify")
    page.keyboard.press("Enter")
    state = drumify_done(desk, seeded["take"], answers)
    assert sent[0]["rhythm"]["pattern"] == seeded["seed"]["pattern"]
    assert sent[0]["density"] == 0.5
    assert len(state["loop"]["pattern"]) == 16 and state["loop"]["seed_length"] == 0  # a full kit, not a continuation
    assert hit_steps(state["loop"]) == heard, (heard, state["loop"]["pattern"])
    assert len({drum for drums in state["loop"]["pattern"] for drum in drums}) > 1
