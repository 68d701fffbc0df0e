"""The studio in a real browser: Debian's Chromium driven by Playwright, against a real
server, with a real clip of a real person as the webcam (person-webcam.y4m: ../shared's, or
made from the fixture photos, see tests/pose_clips.py) and real photos for uploads (harness:
browser_harness.py). Screenshots go to artifacts/
(git-ignored). The accessibility, defect, feature and player tests have files of their own.
"""

from __future__ import annotations

import json
import mido
import pytest
import soundfile as sf

from .browser_harness import (  # noqa: F401  (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    POSE_DATA,
    READY_TIMEOUT_MS,
    Studio,
    browser,
    loop_cells,
    playwright,
    server,
    studio,
)

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


def test_webcam_draws_the_skeleton_and_capture_makes_a_seed(studio):
    studio.open()
    studio.tab("camera")
    studio.page.wait_for_function("() => document.querySelector('#camera-video').videoWidth > 0", timeout=15_000)
    studio.page.wait_for_function(
        "() => Number(document.querySelector('#camera-overlay').dataset.keypoints) >= 10", timeout=30_000
    )
    drawn = studio.page.evaluate(
        """() => { const c = document.querySelector('#camera-overlay');
                   const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let lit = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) lit++;
                   return {lit, width: c.width, height: c.height}; }"""
    )
    assert drawn["width"] == 640 and drawn["height"] == 480
    assert drawn["lit"] > 2000, drawn  # thick limbs, not a few stray pixels
    assert studio.page.get_attribute("#camera-stage", "data-person") == "yes"
    studio.screenshot("studio-camera.png")

    studio.page.click("#camera-capture")
    studio.page.wait_for_function("() => document.querySelector('#countdown').textContent === '3'")
    assert "stage" in studio.page.get_attribute("#camera-stage", "class")
    studio.screenshot("studio-countdown.png")
    state = studio.wait_for_source("camera", timeout=30_000)
    hits = sum(len(step) for step in state["seed"]["pattern"])
    assert hits >= 3, state["seed"]


def test_a_picture_upload_seeds_a_loop_and_a_pose_picture_shows_its_skeleton(studio):
    studio.open()
    studio.tab("picture")
    studio.page.set_input_files("#picture-file", str(POSE_DATA / "COCO_val2014_000000000474.jpg"))
    state = studio.wait_for_source("picture")
    assert sum(len(step) for step in state["seed"]["pattern"]) > 0
    studio.page.check("input[name='picture-mode'][value='pose']")
    studio.page.set_input_files("#picture-file", str(POSE_DATA / "COCO_val2014_000000000241.jpg"))
    studio.wait_for_source("pose picture")
    studio.page.wait_for_function("() => Number(document.querySelector('#picture-overlay').dataset.keypoints) >= 10")


def test_a_rhythm_recorded_from_the_microphone_seeds_a_loop(studio):
    """Chromium's fake microphone beeps at a steady rate: the hits become the seed."""
    studio.open()
    studio.tab("rhythm")
    studio.page.check("#rhythm-use-bpm")
    studio.page.click("#rhythm-record")
    studio.page.wait_for_function("() => parseFloat(document.querySelector('#rhythm-time').textContent) >= 3")
    studio.page.click("#rhythm-record")
    state = studio.wait_for_source("rhythm")
    assert sum(len(step) for step in state["seed"]["pattern"]) >= 2, state["seed"]


def test_an_uploaded_recording_seeds_a_loop(studio, server, tmp_path):
    import httpx

    beat = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], []] * 4}  # two bars of rock at 100 BPM
    wav = httpx.post(f"{server.url}/api/render", json={"pattern": beat, "bpm": 100, "kit": "GMRockKit"}, timeout=60)
    recording = tmp_path / "beat.wav"
    recording.write_bytes(wav.content)
    studio.open()
    studio.page.fill("#seed-length", "32")  # the seed is the recording's first 32 steps
    studio.page.dispatch_event("#seed-length", "input")
    studio.tab("rhythm")
    studio.page.set_input_files("#rhythm-file", str(recording))
    state = studio.wait_for_source("rhythm")
    hit_steps = {i for i, step in enumerate(state["seed"]["pattern"]) if step}
    assert {0, 4, 8, 12, 16, 20, 24, 28} <= hit_steps, state["seed"]
    # the studio takes the recording's tempo, found by the server
    assert state["settings"]["bpm"] == 100 and studio.page.input_value("#bpm") == "100"


def test_midi_wav_and_session_downloads_are_valid_and_the_session_loads_back(studio, tmp_path):
    studio.open()
    loop = studio.state()["loop"]
    with studio.page.expect_download() as midi_download:
        studio.page.click("#dl-midi")
    midi = mido.MidiFile(str(midi_download.value.path()))
    notes = [m for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0]
    assert len(notes) == sum(len(step) for step in loop["pattern"])

    with studio.page.expect_download() as wav_download:
        studio.page.click("#dl-wav")
    audio, rate = sf.read(str(wav_download.value.path()))
    assert rate == 44100 and audio.shape[1] == 2
    assert len(audio) >= 4 * 64 * 44100 * 60 / 120 / 4  # four loops (and any tail)

    with studio.page.expect_download() as session_download:
        studio.page.click("#dl-session")
    session_path = tmp_path / "session.json"
    session_download.value.save_as(session_path)
    session = json.loads(session_path.read_text())
    assert session["loop"]["pattern"] == loop["pattern"]

    studio.page.click("#dice-roll")  # change the loop, then load the saved session back
    studio.page.wait_for_function(
        "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) !== JSON.stringify(p); }",
        arg=loop["pattern"],
    )
    studio.page.set_input_files("#load-session", str(session_path))
    studio.page.wait_for_function(
        "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) === JSON.stringify(p); }",
        arg=loop["pattern"],
    )


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


# A person who clicks Block: the fake camera is there, the permission prompt is refused.
CAMERA_DENIED_ARGS = [arg for arg in CHROMIUM_ARGS if "fake-ui" not in arg and "video-capture" not in arg] + [
    "--deny-permission-prompts"]
# A computer with no camera at all.
CAMERA_ABSENT_ARGS = [arg for arg in CHROMIUM_ARGS if "media-stream" not in arg and "video-capture" not in arg]


@pytest.mark.parametrize(
    ("args", "expected"),
    [(CAMERA_DENIED_ARGS, "camera is blocked"), (CAMERA_ABSENT_ARGS, "no camera found")],
    ids=["denied", "absent"],
)
def test_a_denied_or_absent_camera_says_so_in_the_page(playwright, server, args, expected):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        studio = Studio(browser.new_page(viewport=DESKTOP), server.url).open()
        studio.tab("camera")
        studio.page.wait_for_function(
            "t => document.querySelector('#camera-message').textContent.toLowerCase().includes(t)",
            arg=expected,
            timeout=15_000,
        )
        assert "error" in (studio.page.get_attribute("#camera-message", "class") or "")
        assert studio.state()["loop"], "the loop made before is still there"
    finally:
        browser.close()
