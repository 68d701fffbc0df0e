"""The studio in a real browser: Debian's Chromium driven by Playwright, against a real
server, with a real clip of a real person as the webcam (person-webcam.y4m: ../shared's, or
made from the fixture photos, see tests/pose_clips.py) and real photos for uploads.
Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest
import soundfile as sf

from .server_harness import shared_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--use-file-for-fake-video-capture={webcam_clip}",
    "--autoplay-policy=no-user-gesture-required",  # headless has no person to click first
]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server():
    return shared_server()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def chromium_args(args: list[str], pose_clips: Path) -> list[str]:
    """``args`` with the fake camera playing the webcam clip."""
    return [arg.format(webcam_clip=(pose_clips / "person-webcam.y4m").resolve()) for arg in args]


@pytest.fixture(scope="module")
def browser(playwright, pose_clips):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args(CHROMIUM_ARGS, pose_clips))
    yield browser
    browser.close()


class Studio:
    """A page of the studio, with the console errors it logged."""

    def __init__(self, page, url: str):
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def open(self) -> "Studio":
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
        return self

    def state(self) -> dict:
        return self.page.evaluate("window.studio.store.getState()")

    def wait_for_source(self, source: str, timeout: float = 30_000) -> dict:
        self.page.wait_for_function(
            "s => { const st = window.studio.store.getState(); return st.source === s && st.loop; }",
            arg=source,
            timeout=timeout,
        )
        return self.state()

    def tab(self, name: str) -> None:
        self.page.click(f"#tab-{name}")

    def status(self) -> str:
        return self.page.text_content("#status") or ""

    def screenshot(self, name: str, **options) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), **options)
        return path


@pytest.fixture
def studio(browser, server):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    yield Studio(page, server.url)
    context.close()


def loop_cells(studio: Studio, kind: str) -> list[tuple[int, int]]:
    """(step, drum) of the lit cells of one kind ("seed" or "gen") in the loop grid."""
    cells = studio.page.eval_on_selector_all(
        f"#loop-grid .cell.{kind}.on", "cells => cells.map(c => [Number(c.dataset.step), Number(c.dataset.drum)])"
    )
    return [tuple(cell) for cell in cells]


def test_page_loads_without_console_errors_and_shows_a_first_loop(studio):
    studio.open()
    state = studio.state()
    assert state["loop"] and state["source"] == "dice"
    assert len(state["loop"]["pattern"]) == 10 + 32
    assert studio.page.locator("#loop-grid .cell").count() == 9 * 42
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


def test_playback_runs_the_playhead_and_an_edit_lands_on_the_next_loop_turn(studio):
    studio.open()
    studio.page.click("#play")
    studio.page.wait_for_function("() => window.studio.player.playing")
    assert studio.page.evaluate("window.studio.player.ctx.state") == "running"
    steps_seen = set()
    for _ in range(8):
        studio.page.wait_for_timeout(150)
        steps_seen.add(int(studio.page.get_attribute("#loop-grid", "data-play-step")))
    assert len(steps_seen) >= 3, steps_seen  # the playhead moves with the sound
    assert all(0 <= step < 42 for step in steps_seen)
    studio.screenshot("studio-playing-1280x720.png")

    # an edit in the generated part: the new render starts exactly at a loop boundary
    first_start = studio.page.evaluate("window.studio.player.current.start")
    key_before = studio.page.evaluate("window.studio.audio().key")
    studio.page.click("#loop-grid .cell[data-step='20'][data-drum='7']")
    studio.page.wait_for_function("k => window.studio.audio().key !== k", arg=key_before, timeout=15_000)
    timing = studio.page.evaluate(
        """() => { const p = window.studio.player;
                   const slot = p.pending || p.current;
                   return {playing: p.playing, state: p.ctx.state, start: slot.start,
                           now: p.ctx.currentTime, duration: slot.duration}; }"""
    )
    assert timing["playing"] and timing["state"] == "running"
    loop_s = 42 * 60 / 120 / 4
    assert abs(timing["duration"] - loop_s) < 1e-3
    # the switch is on a boundary of the loop that was playing: a whole number of loops after it began
    turns = (timing["start"] - first_start) / timing["duration"]
    assert turns >= 1 and abs(turns - round(turns)) < 1e-6, turns
    assert studio.state()["edits"] == ["20:7"]

    # a new BPM: the slower loop also starts on a boundary of the one playing, without a stop
    key_before = studio.page.evaluate("window.studio.audio().key")
    studio.page.fill("#bpm", "90")
    studio.page.dispatch_event("#bpm", "input")
    studio.page.wait_for_function("k => window.studio.audio().key !== k", arg=key_before, timeout=15_000)
    switch = studio.page.evaluate(
        """() => { const p = window.studio.player; const slot = p.pending || p.current;
                   return {playing: p.playing, start: slot.start, duration: slot.duration}; }"""
    )
    assert switch["playing"] and abs(switch["duration"] - 42 * 60 / 90 / 4) < 1e-3
    turns = (switch["start"] - first_start) / loop_s
    assert abs(turns - round(turns)) < 1e-6, turns

    # Space stops and starts
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


def test_a_picture_upload_seeds_a_loop_and_a_pose_picture_shows_its_skeleton(studio, pose_dir):
    studio.open()
    studio.tab("picture")
    studio.page.set_input_files("#picture-file", str(pose_dir / "COCO_val2014_000000000474.jpg"))
    state = studio.wait_for_source("picture")
    assert sum(len(step) for step in state["seed"]["pattern"]) > 0
    studio.page.check("input[name='picture-mode'][value='pose']")
    studio.page.set_input_files("#picture-file", str(pose_dir / "COCO_val2014_000000000241.jpg"))
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
    studio.tab("rhythm")
    studio.page.set_input_files("#rhythm-file", str(recording))
    state = studio.wait_for_source("rhythm")
    hit_steps = {i for i, step in enumerate(state["seed"]["pattern"]) if step}
    assert {0, 4, 8, 12, 16, 20, 24, 28} <= hit_steps, state["seed"]
    # the studio takes the recording's tempo, found by the server
    assert state["settings"]["bpm"] == 100 and studio.page.input_value("#bpm") == "100"


def test_a_bad_upload_shows_a_message(studio, tmp_path):
    studio.open()
    studio.tab("picture")
    not_a_picture = tmp_path / "notes.txt"
    not_a_picture.write_text("this is not a picture")
    studio.page.set_input_files("#picture-file", str(not_a_picture))
    studio.page.wait_for_selector("#status.error")
    assert "image/jpeg" in studio.status() and "text/plain" in studio.status()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    studio.page.set_input_files("#picture-file", str(broken))
    studio.page.wait_for_function("() => !document.querySelector('#status').textContent.includes('text/plain')")
    assert "error" in studio.page.get_attribute("#status", "class")


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
    assert len(audio) > 4 * 42 * 44100 * 60 / 120 / 4  # four loops and the tail

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


def test_phone_layout_fits_the_screen(browser, server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    studio = Studio(context.new_page(), server.url).open()
    width = studio.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    box = studio.page.locator("#loop-grid").bounding_box()
    assert box["width"] <= PHONE["width"]
    cell = studio.page.locator("#loop-grid .cell").first.bounding_box()
    assert cell["width"] >= 20 and cell["height"] >= 14  # big enough to tap
    studio.screenshot("studio-390x844.png", full_page=True)
    assert studio.errors == []
    context.close()


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
CAMERA_DENIED_ARGS = [arg for arg in CHROMIUM_ARGS if "fake-ui" not in arg] + ["--deny-permission-prompts"]
# A computer with no camera at all.
CAMERA_ABSENT_ARGS = [arg for arg in CHROMIUM_ARGS if "media-stream" not in arg and "video-capture" not in arg]


@pytest.mark.parametrize(
    ("args", "expected"),
    [(CAMERA_DENIED_ARGS, "camera is blocked"), (CAMERA_ABSENT_ARGS, "no camera found")],
    ids=["denied", "absent"],
)
def test_a_denied_or_absent_camera_says_so_in_the_page(playwright, server, pose_clips, args, expected):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args(args, pose_clips))
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
