"""The camera panel with Chromium's fake camera: the skeleton is drawn over a real person and
Capture makes a seed after its countdown; with nobody in view Capture is disabled; a blocked or
absent camera is said in the page.
"""

from __future__ import annotations

import pytest

from .browser_harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, Studio

pytestmark = pytest.mark.browser


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


def test_capture_is_disabled_while_nobody_is_in_view(playwright, server):
    """Chromium's own fake camera (a test pattern, no person) leaves Capture disabled."""
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
