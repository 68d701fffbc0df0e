"""What a new user's review of the studio found (issue 18), each checked in Debian's Chromium against
the real server: the picture panel after a refusal and a mode switch during a read, messages that
describe what plays now (or go), Undo on a fresh page, Bars acting on the loop that plays, the
generation controls saying when they apply, swing in percent, help texts, New session, the panels'
big buttons above the fold at 1280x720 with the transport in view, and aria-invalid on a refused
rhythm upload. (Live mode's overlay and status: test_browser_review_live.py; Generate while the
server is down: test_browser_server_down.py; session files: test_browser_session_file.py.)
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from .browser_harness import POSE_DATA, requests_to, set_slider, wait_for_error, wait_for_state

pytestmark = pytest.mark.browser

PERSON = POSE_DATA / "COCO_val2014_000000000474.jpg"
# Records the size of every picture the page sends to a seed route (Playwright does not report a Blob body).
SENT_PROBE = """() => { window.__sent = []; const send = window.fetch;
  window.fetch = async (url, init) => {
    const path = String(url);
    if (path.includes('/api/seeds/') && init && init.body instanceof Blob) {
      const bitmap = await createImageBitmap(init.body).catch(() => null);
      if (bitmap) window.__sent.push({ path: path.split('?')[0], width: bitmap.width, height: bitmap.height });
    }
    return send(url, init); }; }"""


def nobody_jpeg() -> bytes:
    """A picture of shapes with no person in it, 500x300 (no photo of the test data has that size)."""
    image = Image.new("RGB", (500, 300), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.ellipse((20 + i * 75, 60 + (i % 3) * 60, 90 + i * 75, 130 + (i % 3) * 60), fill=(40 * i, 90, 200 - 30 * i))
    draw.rectangle((0, 240, 500, 300), fill=(60, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def playing(studio) -> None:
    """The loop plays (a test before may have left it playing: Play would stop it)."""
    if not studio.page.evaluate("window.studio.player.playing"):
        studio.play()


def preview_size(studio) -> tuple[int, int]:
    return tuple(studio.page.evaluate("() => { const i = document.querySelector('#picture-preview'); return [i.naturalWidth, i.naturalHeight]; }"))


# --- review 5: Undo on a fresh page --------------------------------------------------------------


def test_a_fresh_page_has_nothing_to_undo(studio):
    studio.open()
    state = studio.state()
    assert state["loop"] and len(state["variations"]) == 4
    assert studio.page.is_disabled("#undo")
    studio.page.locator("body").press("Control+z")
    studio.page.wait_for_timeout(300)
    after = studio.state()
    assert after["loop"] == state["loop"] and len(after["variations"]) == 4
    shown = studio.page.eval_on_selector_all("#variations .variation", "bs => bs.filter(b => !b.hidden).length")
    assert shown == 4 and studio.page.is_visible("#variations")


# --- review 1: the picture panel -----------------------------------------------------------------


def test_after_a_photo_with_nobody_the_shapes_read_that_photo_and_it_is_shown(studio):
    studio.open()
    studio.tab("picture")
    studio.page.check("input[name='picture-mode'][value='pose']")
    studio.page.set_input_files("#picture-file", str(PERSON))
    studio.wait_for_source("pose picture")
    first_preview = preview_size(studio)
    studio.page.evaluate(SENT_PROBE)
    studio.page.set_input_files("#picture-file", {"name": "garden.jpg", "mimeType": "image/jpeg", "buffer": nobody_jpeg()})
    wait_for_error(studio, "#picture-message", "garden.jpg")
    assert "no person" in studio.text("#picture-message").lower()
    studio.page.wait_for_function("() => document.querySelector('#picture-preview').naturalWidth === 500")
    assert preview_size(studio) == (500, 300) != first_preview  # the photo the message is about
    assert studio.page.is_hidden("#picture-overlay")  # no skeleton of the earlier person over it
    studio.page.check("input[name='picture-mode'][value='image']")  # "read it by its shapes"
    state = studio.wait_for_source("picture")
    assert studio.page.evaluate("window.__sent") == [
        {"path": "/api/seeds/pose", "width": 500, "height": 300},
        {"path": "/api/seeds/image", "width": 500, "height": 300},
    ]
    assert preview_size(studio) == (500, 300) and state["seed"]["pattern"]


def test_a_mode_switch_during_a_pose_read_reads_the_picture_the_new_way(studio):
    """The pose answer is held back by the test (the real server answers it later): the switch to
    shapes comes while the pose is read. The radio and the loop agree: a shapes loop, and it stays."""
    studio.open()
    studio.tab("picture")
    studio.page.check("input[name='picture-mode'][value='pose']")
    held = []
    studio.page.route("**/api/seeds/pose*", lambda route: held.append(route))
    studio.page.set_input_files("#picture-file", str(PERSON))
    for _ in range(100):
        if held:
            break
        studio.page.wait_for_timeout(50)
    assert held, "the page sent no pose read"
    studio.page.check("input[name='picture-mode'][value='image']")
    state = studio.wait_for_source("picture")
    held[0].continue_()  # the pose answer comes now, late
    studio.page.wait_for_timeout(1500)
    assert studio.state()["source"] == "picture" and studio.state()["loop"] == state["loop"]
    assert studio.page.is_checked("input[name='picture-mode'][value='image']")
    assert studio.page.is_hidden("#picture-overlay")
    studio.page.unroute("**/api/seeds/pose*")


# --- review 4: messages describe what plays now, or go -----------------------------------------------


def test_a_tap_tempo_message_goes_when_undo_brings_the_old_tempo_back(desk):
    before = desk.state()["settings"]["bpm"]
    for _ in range(4):
        desk.page.click("#tap")
        desk.page.wait_for_timeout(480)
    wait_for_state(desk, "s.settings.bpm !== a", before)
    assert "Tap tempo:" in desk.text("#controls-message")
    for _ in range(4):  # taps a second apart or more (a busy machine) are undo steps of their own
        desk.page.click("#undo")
        desk.page.wait_for_timeout(100)
        if desk.state()["settings"]["bpm"] == before:
            break
    assert desk.state()["settings"]["bpm"] == before
    assert desk.text("#controls-message") == ""


def test_a_refused_change_says_so_at_its_control_and_the_error_goes_when_a_playable_variation_is_picked(desk):
    """At 21 BPM four bars last 46 s; sixteen would last 183 s, over the 180 s a loop may last."""
    key = desk.audio_key()
    set_slider(desk, "#bpm", 21)
    desk.wait_for_render(key)
    steps = len(desk.state()["loop"]["pattern"])
    desk.page.select_option("#bars", "16")
    wait_for_error(desk, "#bars-message", "BPM")
    assert desk.page.get_attribute("#bars", "aria-invalid") == "true"
    assert desk.page.input_value("#bars") == "4" and len(desk.state()["loop"]["pattern"]) == steps
    assert "New loop" not in desk.status()
    desk.page.click("#variations .variation[data-index='1']")
    wait_for_state(desk, "s.variation === 1")
    desk.page.wait_for_function("() => !document.querySelector('#bars-message').textContent")
    assert desk.page.get_attribute("#bars", "aria-invalid") is None
    set_slider(desk, "#bpm", 120)


# --- review 3: Bars acts on the loop playing; the others say they apply to the next loop ---------


def test_bars_cuts_the_loop_playing_or_has_the_model_continue_it(desk):
    playing(desk)
    loop = desk.state()["loop"]
    assert len(loop["pattern"]) == 64
    renders = requests_to(desk, "/api/render")
    desk.page.select_option("#bars", "2")
    wait_for_state(desk, "s.loop.pattern.length === 32")
    cut = desk.state()["loop"]
    assert cut["pattern"] == loop["pattern"][:32] and cut["velocities"] == loop["velocities"][:32]
    assert "cut" in desk.text("#bars-message") and "next bar" in desk.text("#bars-message")
    desk.page.select_option("#bars", "3")
    wait_for_state(desk, "s.loop.pattern.length === 48", timeout=30_000)
    longer = desk.state()["loop"]
    assert longer["pattern"][:32] == cut["pattern"] and longer["velocities"][:32] == cut["velocities"]
    assert sum(len(step) for step in longer["pattern"][32:]) > 0  # the model's new bar
    assert longer["seed_length"] == loop["seed_length"]
    assert "continued" in desk.text("#bars-message")
    desk.wait_for_heard()
    assert [len(r["pattern"]["pattern"]) for r in renders][-2:] == [32, 48]
    desk.page.click("#undo")
    wait_for_state(desk, "s.loop.pattern.length === 32")
    desk.page.click("#undo")
    wait_for_state(desk, "s.loop.pattern.length === 64")


def test_the_generation_controls_say_they_apply_to_the_next_loop(desk, phone):
    desk.page.evaluate("document.activeElement && document.activeElement.blur()")
    loop = desk.state()["loop"]
    generated = requests_to(desk, "/api/generate")
    note = desk.text("#make-note").lower()
    assert "next loop" in note and "temperature" in note and "bars" in note
    set_slider(desk, "#temperature", 1.4)
    assert "next loop" in desk.text("#make-message") and "1.40" in desk.text("#make-message")
    desk.page.focus("#fill-every")
    desk.page.select_option("#fill-every", "4")
    assert "fill every 4" in desk.text("#make-message")
    desk.page.locator("#seed-length").focus()
    desk.page.keyboard.press("ArrowRight")
    assert "Seed length" in desk.text("#make-message")
    desk.page.wait_for_timeout(500)
    assert generated == [] and desk.state()["loop"] == loop  # nothing changed what plays
    desk.page.click("#generate")
    desk.page.wait_for_function("() => !document.querySelector('#make-message').textContent", timeout=30_000)
    assert generated and generated[-1]["temperature"] == 1.4 and generated[-1]["fill_every"] == 4

    phone.page.locator("#tab-dice").tap()
    set_slider(phone, "#temperature", 0.5)
    assert "next loop" in phone.text("#make-message")
    assert phone.page.is_visible("#make-message")


def test_swing_shows_as_a_percentage_and_the_help_texts_are_there(desk):
    set_slider(desk, "#swing", 0.58)
    assert desk.text("#swing-out") == "58%"
    assert desk.page.get_attribute("#swing", "aria-valuetext") == "58% swing"
    set_slider(desk, "#swing", 0.5)
    assert desk.text("#swing-out") == "50%"
    descriptions = {}
    for node in desk.ax_tree():
        if node.get("role", {}).get("value") == "slider":
            descriptions[(node.get("name") or {}).get("value", "")] = (node.get("description") or {}).get("value", "")
    assert "wild" in descriptions["Temperature"], descriptions
    assert "steps" in descriptions["Seed length (steps)"], descriptions
    groove = desk.page.get_attribute("#groove", "title")
    assert groove and "feel" in groove
    if desk.page.query_selector("#density"):  # the Density control (the direct controls) has its own
        assert "sparse" in descriptions.get("Density", "").lower(), descriptions
    assert desk.page.is_visible("#temperature-help") and desk.page.is_visible("#seed-length-help")


# --- also expected: New session --------------------------------------------------------------------


def test_new_session_empties_the_studio_and_undo_brings_the_loop_back(desk, phone):
    playing(desk)
    loop = desk.state()["loop"]
    desk.page.click("#new-session")
    wait_for_state(desk, "s.loop === null && s.seed === null")
    desk.page.wait_for_function("() => !window.studio.player.playing")
    assert desk.page.eval_on_selector_all("#loop-grid .cell.on", "cs => cs.length") == 0
    assert desk.page.is_hidden("#variations")
    assert "New session" in desk.status()
    desk.page.locator("body").press("Control+z")
    wait_for_state(desk, "s.loop !== null")
    assert desk.state()["loop"] == loop and len(desk.state()["variations"]) == 4
    assert desk.status() != "" and "New session" not in desk.status()
    desk.page.focus("#new-session")
    desk.page.keyboard.press("Enter")  # by keyboard
    wait_for_state(desk, "s.loop === null")
    desk.page.click("#undo")
    wait_for_state(desk, "s.loop !== null")

    phone.page.locator("#new-session").tap()  # by touch
    wait_for_state(phone, "s.loop === null")
    phone.page.locator("#undo").tap()
    wait_for_state(phone, "s.loop !== null")


# --- review 7: above the fold at 1280x720, the transport in view, aria-invalid ------------------


def test_roll_capture_and_live_are_above_the_fold_and_the_transport_stays_in_view(desk):
    inside = "s => { const r = document.querySelector(s).getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; }"
    desk.page.evaluate("window.scrollTo(0, 0)")
    desk.tab("dice")
    assert desk.page.evaluate(inside, "#dice-roll")
    desk.tab("camera")
    desk.page.wait_for_function("() => document.querySelector('#camera-toggle').textContent === 'Stop camera'")
    assert desk.page.evaluate(inside, "#camera-capture") and desk.page.evaluate(inside, ".switch:has(#live-toggle)")
    assert desk.page.evaluate("window.scrollY") == 0
    desk.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    desk.page.wait_for_function("() => window.scrollY > 100")  # the page did scroll
    for control in ("#play", "#generate", "#undo"):
        assert desk.page.evaluate(inside, control), control
    desk.page.evaluate("window.scrollTo(0, 0)")
    desk.tab("dice")


def test_a_refused_rhythm_upload_marks_its_control(desk):
    desk.tab("rhythm")
    desk.page.set_input_files("#rhythm-file", {"name": "notes.wav", "mimeType": "audio/wav", "buffer": b"these are my notes"})
    wait_for_error(desk, "#rhythm-message", "notes.wav")
    assert desk.page.get_attribute("#rhythm-file", "aria-invalid") == "true"
    assert desk.page.get_attribute("#rhythm-file", "aria-describedby") == "rhythm-message"
    desk.tab("dice")


def test_messages_of_this_file_left_no_console_errors(desk):
    assert all("Failed to load resource" in error for error in desk.errors), desk.errors
