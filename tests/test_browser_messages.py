"""Messages about bad input: a file that is not a recording or a picture is named in plain words
beside its button, a refused picture leaves no preview (the last one read stays), and a photo
over the size limit is shrunk in the browser and read.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .browser_harness import POSE_DATA, assert_plain_message_beside, wait_for_error

pytestmark = pytest.mark.browser


def test_error_messages_are_plain_and_beside_their_control(desk, tmp_path):
    """Bad files are named in plain words next to their button; a refused photo leaves
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
