"""``poseloops seed`` and ``poseloops generate --from``, run as a user runs them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from poseloops.pattern import json_to_pattern, text_to_pattern
from tests.conftest import assert_one_line_error, run_cli

PHOTO = "COCO_val2014_000000000241.jpg"


def test_seed_random_prints_a_grid_and_json():
    text = run_cli("seed", "random", "--rng-seed", "7")
    assert text.returncode == 0, text.stderr
    grid = text_to_pattern(text.stdout)
    as_json = run_cli("seed", "random", "--rng-seed", "7", "--json", "--steps", "10")
    assert json_to_pattern(as_json.stdout) == grid and len(grid) == 10
    assert {d for step in grid.steps for d in step} <= {0, 1, 2}


def test_seed_pose_from_a_photo_and_a_video(pose_dir, pose_clips):
    photo = run_cli("seed", "pose", str(pose_dir / PHOTO), "--json", "--steps", "12", "--mirror")
    assert photo.returncode == 0, photo.stderr
    seed = json_to_pattern(photo.stdout)
    assert len(seed) == 12 and seed.num_hits >= 5
    video = run_cli("seed", "pose", str(pose_clips / "people-slideshow.y4m"), "--frame", "0", "--frame", "12")
    assert video.returncode == 0, video.stderr
    assert video.stdout.count("# frame") == 2 and video.stdout.count("kick") == 2


def test_seed_pose_from_keypoints_json_of_both_layouts(tmp_path):
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps({"keypoints": [[300 + 5 * i, 40 + 25 * i, 0.9] for i in range(17)]}))
    blaze = tmp_path / "blaze.json"
    blaze.write_text(json.dumps([{"x": 0.4 + 0.005 * i, "y": 0.05 + 0.028 * i, "visibility": 0.9} for i in range(33)]))
    for path in (coco, blaze):
        result = run_cli("seed", "pose", str(path), "--json")
        assert result.returncode == 0, result.stderr
        assert json_to_pattern(result.stdout).num_hits >= 4


def test_seed_image_and_grid(pose_dir, tmp_path):
    image = run_cli("seed", "image", str(pose_dir / "COCO_val2014_000000000257.jpg"), "--picture-density", "0.3", "--json")
    assert image.returncode == 0, image.stderr
    assert json_to_pattern(image.stdout).num_hits == 9  # 0.3 x 3 hits x 10 steps
    grid = tmp_path / "grid.txt"
    grid.write_text(run_cli("seed", "random", "--rng-seed", "1").stdout)
    again = run_cli("seed", "grid", str(grid), "--json")
    assert again.returncode == 0 and json_to_pattern(again.stdout) == text_to_pattern(grid.read_text())


def test_seed_audio_with_a_given_bpm(tmp_path):
    from poseloops.audio import render_oneshot
    from poseloops.pattern import Pattern

    known = Pattern.from_steps([[0, 2], [], [2], [], [1, 2], [], [2], [], [0, 2], [], [2], [], [1, 2], [], [2], []])
    path = tmp_path / "beat.flac"
    soundfile.write(path, render_oneshot(known, bpm=100, kit="GMRockKit"), 44100)
    result = run_cli("seed", "audio", str(path), "--bpm", "100", "--json")
    assert result.returncode == 0, result.stderr
    seed = json_to_pattern(result.stdout)
    assert seed.bpm == 100 and [bool(s) for s in seed.steps[:16]] == [bool(s) for s in known.steps]
    assert {0, 1, 2} <= {d if d != 3 else 2 for step in seed.steps for d in step}


def test_generate_from_a_source(pose_dir):
    result = run_cli("generate", "--from", "pose", str(pose_dir / PHOTO), "--steps", "8", "--rng-seed", "1")
    assert result.returncode == 0, result.stderr
    loop = text_to_pattern(result.stdout)
    assert loop.seed_length == 10 and len(loop) == 18
    dice = run_cli("generate", "--from", "random", "--seed-steps", "4", "--length", "1", "--steps", "4")
    assert dice.returncode == 0 and text_to_pattern(dice.stdout).seed_length == 4


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, pose_dir):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "text.jpg").write_text("this is not a photo")
    (folder / "half.jpg").write_bytes((pose_dir / PHOTO).read_bytes()[:5000])
    (folder / "text.wav").write_text("this is not a sound")
    (folder / "text.y4m").write_text("YUV4MPEG2 nonsense")
    soundfile.write(folder / "silence.wav", np.zeros(44100, np.float32), 44100)
    (folder / "twenty.json").write_text(json.dumps({"keypoints": [[1, 2, 0.9]] * 20}))
    sky = np.tile(np.linspace(80, 250, 480).astype(np.uint8)[:, None, None], (1, 640, 3))
    from PIL import Image

    Image.fromarray(sky).save(folder / "sky.png")
    return folder


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("seed", "pose", "{bad}/text.jpg"), ("text.jpg", "not a JPEG")),
        (("seed", "image", "{bad}/half.jpg"), ("half.jpg", "truncated")),
        (("seed", "audio", "{bad}/text.wav"), ("text.wav", "not audio")),
        (("seed", "audio", "{bad}/silence.wav"), ("silence.wav", "silent")),
        (("seed", "pose", "{bad}/text.y4m"), ("text.y4m", "video")),
        (("seed", "pose", "{bad}/twenty.json"), ("twenty.json", "20 keypoints")),
        (("seed", "pose", "{bad}/sky.png"), ("sky.png", "no person")),
        (("seed", "pose", "{bad}/missing.jpg"), ("missing.jpg", "does not exist")),
        (("seed", "random", "--low", "5", "--high", "2"), ("low 5 is above high 2",)),
        (("seed", "random", "--picture-density", "0.5"), ("--picture-density applies to image",)),
        (("seed", "image"), ("needs an input file",)),
        (("generate", "--from", "pose", "{bad}/sky.png"), ("no person",)),
        (("generate", "--from", "drums"), ("not a source",)),
    ],
)
def test_bad_input_is_one_line_and_exit_2(bad_files, args, fragments):
    result = run_cli(*[a.replace("{bad}", str(bad_files)) for a in args])
    assert_one_line_error(result, *fragments)
