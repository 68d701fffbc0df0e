"""Live mode, as the review found it: with nobody in view no joint is drawn or lit on the camera's
overlay (the loop the person made plays on), and the status says live mode plays, not where the
last loop came from. Chromium's fake camera plays a clip made here from a fixture photo: a person
for a few seconds, then an empty room.
"""

from __future__ import annotations

import numpy as np
import pytest

from .browser_harness import CHROMIUM, CHROMIUM_ARGS, POSE_DATA, new_studio
from .pose_clips import HEADER, photo_path, yuv420_frame

pytestmark = pytest.mark.browser

PERSON_S, EMPTY_S = 6, 60  # the empty room outlasts the test (the fake camera loops its clip)
WATCH_LOOPS = 2.5  # the overlay is watched with nobody in view for this many turns of the loop...
WATCH_MIN_S = 4.0  # ...and at least this long

# Every 200 ms: the keypoints drawn, the joints lit so far, and the overlay's painted pixels.
OVERLAY_PROBE = """() => new Promise((done) => {
  const canvas = document.querySelector('#camera-overlay');
  const samples = [];
  const timer = setInterval(() => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    samples.push({ keypoints: canvas.dataset.keypoints, flashes: Number(canvas.dataset.flashes || 0), painted,
                   live: document.querySelector('#camera-stage').dataset.live });
  }, 200);
  setTimeout(() => { clearInterval(timer); done(samples); }, %d);
})"""


@pytest.fixture(scope="module")
def leaving_clip(tmp_path_factory):
    from poseloops.seeds import read_image_file

    person = read_image_file(photo_path(POSE_DATA, "241"))
    blank = np.zeros((480, 640, 3), np.uint8)
    path = tmp_path_factory.mktemp("review_live") / "person-leaves.y4m"
    with path.open("wb") as handle:
        handle.write(HEADER.replace(" F5:1 ", " F1:1 ").encode("ascii"))
        handle.write((b"FRAME\n" + yuv420_frame(person)) * PERSON_S)
        handle.write((b"FRAME\n" + yuv420_frame(blank)) * EMPTY_S)
    return path


def test_with_nobody_in_view_no_joint_is_drawn_or_lit_and_the_status_says_live(playwright, server, leaving_clip):
    args = [arg.format(webcam_clip=leaving_clip.resolve()) for arg in CHROMIUM_ARGS]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        studio, _ = new_studio(browser, server)
        studio.open()
        assert "New loop from your" in studio.status()
        studio.tab("camera")
        studio.page.wait_for_function("() => document.querySelector('#camera-toggle').textContent === 'Stop camera'")
        studio.page.click(".switch:has(#live-toggle)")
        studio.page.wait_for_function("() => window.studio.live.on")
        status_on = studio.status()
        studio.page.wait_for_function(
            "() => window.studio.live.takes.size > 0 && window.studio.player.playing", timeout=(PERSON_S + 30) * 1000)
        studio.page.wait_for_function(
            "() => document.querySelector('#camera-stage').dataset.live === 'nobody'", timeout=(PERSON_S + 30) * 1000)
        studio.page.wait_for_timeout(500)  # a joint lit just before stays lit for 180 ms
        loop_s = studio.page.evaluate("(() => { const m = window.studio.player.current.meta; return m.steps * 15 / m.bpm; })()")
        watch_s = max(WATCH_MIN_S, WATCH_LOOPS * loop_s)  # the seed's steps (whose joints light up) play in it
        samples = studio.page.evaluate(OVERLAY_PROBE % int(watch_s * 1000))
        status = studio.status()
        playing = studio.page.evaluate("window.studio.player.playing")
        assert studio.errors == [], studio.errors
    finally:
        browser.close()

    assert playing and len(samples) >= watch_s * 2, (watch_s, len(samples))
    assert all(s["live"] == "nobody" for s in samples), samples  # nobody came back during the watch
    assert {s["keypoints"] for s in samples} == {"0"}, samples
    assert max(s["painted"] for s in samples) == 0, samples
    assert samples[-1]["flashes"] == samples[0]["flashes"], samples  # no joint lit while the loop played on
    for said in (status_on, status):  # as live mode starts, and with nobody in view
        assert "Live" in said and "New loop from your" not in said, said
