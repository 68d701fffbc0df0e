"""The picture panel: an uploaded photo seeds a loop by its shapes or by the person's pose (with
the skeleton drawn), and switching the mode reads the picture on screen again.
"""

from __future__ import annotations

import pytest

from .browser_harness import POSE_DATA, set_slider, uploads_to

pytestmark = pytest.mark.browser


def test_a_picture_upload_seeds_a_loop_and_a_pose_picture_shows_its_skeleton(studio):
    studio.open()
    set_slider(studio, "#seed-length", 12)
    studio.tab("picture")
    shapes, poses = uploads_to(studio, "/api/seeds/image"), uploads_to(studio, "/api/seeds/pose")
    studio.page.set_input_files("#picture-file", str(POSE_DATA / "COCO_val2014_000000000474.jpg"))
    state = studio.wait_for_source("picture")
    assert sum(len(step) for step in state["seed"]["pattern"]) > 0
    assert shapes == [{"steps": ["12"]}] and len(state["seed"]["pattern"]) == 12, shapes  # the seed length chosen
    studio.page.check("input[name='picture-mode'][value='pose']")
    studio.page.set_input_files("#picture-file", str(POSE_DATA / "COCO_val2014_000000000241.jpg"))
    state = studio.wait_for_source("pose picture")
    assert poses[-1]["steps"] == ["12"] and len(state["seed"]["pattern"]) == 12, poses
    studio.page.wait_for_function("() => Number(document.querySelector('#picture-overlay').dataset.keypoints) >= 10")


def test_switching_the_picture_mode_reads_the_picture_again(desk):
    """The picture on screen is read the new way, with no new file chosen."""
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
