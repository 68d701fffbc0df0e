"""Defects 4-8 of issue 10 (the studio for everyone), each measured from the page as a person
meets it: what the grid and the sliders show against what the player holds, where the
playhead is on screen, what a message says and where, what a phone shows after Roll, and the
smaller items (mixer names, row labels, MIDI swing, a save before a reload, Capture with
nobody in view, the picture mode). Defects 1-3 are in test_browser_access.py.
"""

from __future__ import annotations

import io
import json

import mido
import pytest
from PIL import Image

from .browser_harness import (  # noqa: F401  (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    POSE_DATA,
    Studio,
    browser,
    load_session,
    loop_cells,
    new_studio,
    playwright,
    rock_session,
    server,
)

pytestmark = pytest.mark.browser

STEPS_PER_BAR = 16
TICKS_PER_STEP = 120  # the MIDI files' resolution: 480 ticks a beat
CLOSED_HAT_PITCH = 42
MIN_TOUCH_PX = 24  # WCAG 2.2's minimum target size
DEVELOPER_WORDS = ("<_io", "BytesIO", "0x", "body:", "Input should", "request body", "send the image bytes", "Error opening")


@pytest.fixture(scope="module")
def desk(browser, server):
    studio, context = new_studio(browser, server)
    studio.open()
    yield studio
    context.close()


@pytest.fixture(scope="module")
def phone(browser, server):
    studio, context = new_studio(browser, server, PHONE)
    studio.open()
    yield studio
    context.close()


def set_slider(studio: Studio, selector: str, value: float) -> None:
    studio.page.fill(selector, str(value))
    studio.page.dispatch_event(selector, "input")


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


def gap_px(studio: Studio, message: str, control: str) -> float:
    """Vertical distance between a message and the control it is about (0 when they overlap)."""
    return studio.page.evaluate(
        """([m, c]) => { const a = document.querySelector(m).getBoundingClientRect();
                         const b = document.querySelector(c).getBoundingClientRect();
                         return Math.max(0, a.top - b.bottom, b.top - a.bottom); }""",
        [message, control],
    )


def wait_for_error(studio: Studio, message: str, name: str) -> None:
    studio.page.wait_for_function(
        "([m, n]) => { const e = document.querySelector(m); return e.classList.contains('error') && e.textContent.includes(n); }",
        arg=[message, name],
    )


def assert_plain_message_beside(studio: Studio, message: str, control: str, *words: str) -> str:
    text = studio.text(message)
    assert "error" in (studio.page.get_attribute(message, "class") or ""), text
    for word in DEVELOPER_WORDS:
        assert word not in text, text
    for word in words:
        assert word.lower() in text.lower(), (word, text)
    assert gap_px(studio, message, control) < 80, (message, control)
    assert studio.status() == "" or "error" not in (studio.page.get_attribute("#status", "class") or "")
    return text


def test_after_a_render_error_what_is_shown_is_what_plays(desk, tmp_path):
    """Defect 4: a loop too long at its BPM is refused; the grid, the slider and the sound stay together."""
    load_session(desk, rock_session(tmp_path / "slow.json", bars=4, bpm=20))
    desk.play()
    desk.wait_for_heard()
    # 16 bars at 20 BPM would be 192 s of audio: over the server's 180 s
    desk.page.select_option("#bars", "16")
    desk.page.click("#generate")
    desk.page.wait_for_function("() => document.querySelector('#controls-message').classList.contains('error')", timeout=60_000)
    seen = assert_shown_is_heard(desk)
    assert seen["gridSteps"] == 4 * STEPS_PER_BAR and seen["slider"] == 20
    assert_plain_message_beside(desk, "#controls-message", "#generate", "20 BPM", "fewer bars")

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


def test_the_grid_follows_the_playhead_on_a_long_loop(desk, tmp_path):
    """Defect 5: a 16-bar loop is wider than the screen; the column heard stays in view."""
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


def test_error_messages_are_plain_and_beside_their_control(desk, tmp_path):
    """Defect 6: bad files are named in plain words next to their button; a refused photo leaves
    no preview; a photo over the size limit is shrunk in the browser and read."""
    desk.tab("rhythm")
    desk.page.set_input_files("#rhythm-file", {"name": "notes.wav", "mimeType": "audio/wav", "buffer": b"these are my notes"})
    wait_for_error(desk, "#rhythm-message", "notes.wav")
    assert_plain_message_beside(desk, "#rhythm-message", "label:has(#rhythm-file)", "notes.wav", "audio", "choose")

    desk.tab("picture")
    desk.page.check("input[name='picture-mode'][value='image']")
    desk.page.set_input_files("#picture-file", {"name": "empty.jpg", "mimeType": "image/jpeg", "buffer": b""})
    wait_for_error(desk, "#picture-message", "empty.jpg")
    assert_plain_message_beside(desk, "#picture-message", "label:has(#picture-file)", "empty.jpg", "choose")
    assert desk.page.is_hidden("#picture-preview")
    desk.page.set_input_files("#picture-file", {"name": "letter.png", "mimeType": "image/png", "buffer": b"Dear drummer, " * 50})
    wait_for_error(desk, "#picture-message", "letter.png")
    assert_plain_message_beside(desk, "#picture-message", "label:has(#picture-file)", "letter.png", "JPEG or PNG")
    assert desk.page.is_hidden("#picture-preview")  # the refused picture is not shown

    # over the 4096-pixel limit: shrunk here, then read
    photo = Image.open(POSE_DATA / "COCO_val2014_000000000474.jpg").convert("RGB")
    big = photo.resize((5000, round(5000 * photo.height / photo.width)))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=80)
    # what the page sends: a probe on fetch (Playwright does not report a Blob body)
    desk.page.evaluate(
        """() => { window.__sent = []; const send = window.fetch;
                   window.fetch = async (url, init) => {
                     if (String(url).includes('/api/seeds/image') && init && init.body instanceof Blob) {
                       const bitmap = await createImageBitmap(init.body).catch(() => null);
                       if (bitmap) window.__sent.push({ bytes: init.body.size, width: bitmap.width, height: bitmap.height });
                     }
                     return send(url, init); }; }"""
    )
    before = desk.state()
    desk.page.set_input_files("#picture-file", {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()})
    desk.wait_for_new_loop(before["loop"])
    desk.page.wait_for_function("() => document.querySelector('#picture-message').textContent.includes('smaller')")
    assert desk.state()["source"] == "picture"
    sent = desk.page.evaluate("window.__sent")
    assert len(sent) == 1 and max(sent[0]["width"], sent[0]["height"]) <= 4096 and sent[0]["bytes"] > 10_000, sent
    assert desk.page.is_visible("#picture-preview")
    accepted = desk.page.get_attribute("#picture-preview", "src")
    desk.page.set_input_files("#picture-file", {"name": "letter.png", "mimeType": "image/png", "buffer": b"Dear drummer, " * 50})
    wait_for_error(desk, "#picture-message", "letter.png")
    assert desk.page.get_attribute("#picture-preview", "src") == accepted  # the last picture that worked
    assert desk.errors == [] or all("Failed to load resource" in e for e in desk.errors), desk.errors


def in_viewport(studio: Studio, selector: str) -> dict:
    return studio.page.evaluate(
        """s => { const b = document.querySelector(s).getBoundingClientRect();
                  return { top: b.top, bottom: b.bottom, inView: b.top >= 0 && b.top < innerHeight && b.bottom > 0 && b.width > 0 }; }""",
        selector,
    )


def test_on_a_phone_roll_brings_the_loop_and_play_into_view_and_cells_are_touch_sized(phone):
    """Defect 7: at 390x844, after Roll the loop and Play are on screen; every cell is at least 24x24 px."""
    before = phone.state()
    phone.page.locator("#dice-roll").tap()
    phone.wait_for_new_loop(before["loop"])
    phone.page.wait_for_function("() => window.studio.player.playing")
    phone.page.wait_for_function(
        "() => { const b = document.querySelector('#loop-grid').getBoundingClientRect(); return b.top >= 0 && b.top < innerHeight; }",
        timeout=5_000,
    )
    phone.page.wait_for_timeout(600)  # the smooth scroll ends
    assert in_viewport(phone, "#loop-grid")["inView"], in_viewport(phone, "#loop-grid")
    assert in_viewport(phone, "#play")["inView"], in_viewport(phone, "#play")
    sizes = phone.page.eval_on_selector_all(
        "#loop-grid .cell, #loop-grid .mix-btn, #variations .variation:not([hidden])",
        "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.width, b.height]; })",
    )
    assert len(sizes) >= 9 * 64
    small = [size for size in sizes if min(size) < MIN_TOUCH_PX]
    assert small == [], small[:5]
    phone.page.locator("#play").tap()  # the play button answers a touch
    phone.page.wait_for_function("() => !window.studio.player.playing")


def test_mixer_names_and_grid_labels(desk):
    """Defect 8, names: the mixer says crash and ride; row labels end before the first column."""
    desk.page.click("#mixer summary")
    voices = desk.page.eval_on_selector_all("#mixer-body .voice-name", "els => els.map(e => e.textContent)")
    assert "crash" in voices and "ride" in voices and "clap" not in voices and "rim" not in voices, voices
    desk.page.click("#mixer summary")
    overlaps = desk.page.evaluate(
        """() => { for (const g of document.querySelectorAll('.grid')) g.scrollLeft = 0;  // the first column in view
                   return [...document.querySelectorAll('#loop-grid [role=row], #seed-grid [role=row]')].map(row => {
                 const name = row.querySelector('.label-name'), label = row.querySelector('.label');
                 const text = name.querySelector('.long').getBoundingClientRect();
                 const first = row.querySelector('.cell').getBoundingClientRect();
                 return { drum: name.textContent, textRight: text.right, labelRight: label.getBoundingClientRect().right,
                          first: first.left, clipped: name.scrollWidth > name.clientWidth + 1 }; })
               .filter(r => r.textRight > r.first || r.labelRight > r.first + 0.5 || r.clipped); }"""
    )
    assert overlaps == []


def hats_on_every_16th(path, bpm: float = 100) -> None:
    """A one-bar session: the rock beat with closed hats on every 16th (the off-beats swing)."""
    doc = json.loads(rock_session(path, bars=1, bpm=bpm).read_text())
    pattern = [sorted({*drums, 2}) for drums in doc["loop"]["pattern"]]
    doc["loop"]["pattern"] = pattern
    doc["seed"]["pattern"] = pattern[:4]
    path.write_text(json.dumps(doc))


def test_midi_export_carries_swing(desk, tmp_path):
    """Defect 8, MIDI: off-beat 16ths are late by the swing, as the audio plays them."""
    hats_on_every_16th(tmp_path / "hats.json")
    load_session(desk, tmp_path / "hats.json")
    swing = 0.66
    set_slider(desk, "#swing", swing)
    desk.page.wait_for_function("s => window.studio.store.getState().settings.swing === s", arg=swing)
    with desk.page.expect_download() as download:
        desk.page.click("#dl-midi")
    midi = mido.MidiFile(str(download.value.path()))
    assert midi.ticks_per_beat == 4 * TICKS_PER_STEP
    tick, hats = 0, []
    for message in midi.tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0 and message.note == CLOSED_HAT_PITCH:
            hats.append(tick)
    assert len(hats) == STEPS_PER_BAR
    # swing s puts the second 16th of each 8th at s of the 8th: (2s - 1) of a step late
    late = (2 * swing - 1) * TICKS_PER_STEP
    for step, at in enumerate(hats):
        expected = step * TICKS_PER_STEP + (late if step % 2 else 0)
        assert abs(at - expected) <= 1, (step, at, expected)


def test_an_edit_just_before_a_reload_survives_it(desk):
    """Defect 8: the page saves on leaving, not only 250 ms after a change; leaving aborts the
    edit's render, and that must not undo the edit. Reloaded at once, and with the render in flight."""
    for step, wait_ms in ((9, 0), (11, 120)):
        desk.page.goto(desk.url)
        desk.page.wait_for_selector("body[data-ready='true']")
        cell = f"#loop-grid .cell[data-step='{step}'][data-drum='6']"
        was_on = 6 in desk.state()["loop"]["pattern"][step]
        desk.page.click(cell)
        desk.page.wait_for_timeout(wait_ms)  # inside the 250 ms save delay
        desk.page.reload()
        desk.page.wait_for_selector("body[data-ready='true']")
        assert (6 in desk.state()["loop"]["pattern"][step]) != was_on, (step, wait_ms)
        assert ("on" in desk.page.get_attribute(cell, "class").split()) != was_on


def test_capture_is_disabled_while_nobody_is_in_view(playwright, server):
    """Defect 8: Chromium's own fake camera (a test pattern, no person) leaves Capture disabled."""
    args = [arg for arg in CHROMIUM_ARGS if "video-capture" not in arg]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        studio = Studio(browser.new_page(viewport=DESKTOP), server.url).open()
        studio.tab("camera")
        studio.page.wait_for_function("() => document.querySelector('#camera-stage').dataset.person === 'no'", timeout=20_000)
        studio.page.wait_for_timeout(1000)  # several pose answers
        assert studio.page.is_disabled("#camera-capture")
        assert "nobody" in (studio.page.get_attribute("#camera-capture", "title") or "").lower()
    finally:
        browser.close()


def test_switching_the_picture_mode_reads_the_picture_again(desk):
    """Defect 8: the picture on screen is read the new way, with no new file chosen."""
    desk.tab("picture")
    desk.page.check("input[name='picture-mode'][value='image']")
    desk.page.set_input_files("#picture-file", str(POSE_DATA / "COCO_val2014_000000000241.jpg"))
    desk.wait_for_source("picture")
    poses = []
    desk.page.on("request", lambda r: "/api/seeds/pose" in r.url and poses.append(r.url))
    desk.page.check("input[name='picture-mode'][value='pose']")
    desk.wait_for_source("pose picture")
    desk.page.wait_for_function("() => Number(document.querySelector('#picture-overlay').dataset.keypoints) >= 10")
    assert len(poses) == 1
