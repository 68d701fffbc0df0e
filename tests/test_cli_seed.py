"""``poseloops seed`` and ``poseloops generate --from``, run as a user runs them."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import soundfile

from poseloops.pattern import Pattern, json_to_pattern, pattern_to_text, text_to_pattern
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


# --- every option of ``seed`` changes the seed it prints ---------------------------------------------
# Each test compares the option against its absence (or two values of it) on a real input, so an
# option the command accepts and then ignores fails here.


@functools.lru_cache(maxsize=None)
def seed_json(*args: str) -> Pattern:
    """``poseloops seed ARGS --json``, parsed (cached: the pose runs load the estimator each time)."""
    result = run_cli("seed", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json_to_pattern(result.stdout)


def cells(pattern: Pattern) -> set[tuple[int, int]]:
    return {(step, drum) for step, drums in enumerate(pattern.steps) for drum in drums}


def sounding_steps(pattern: Pattern) -> list[int]:
    return [step for step, drums in enumerate(pattern.steps) if drums]


def test_seed_pose_mirror_plays_the_body_backwards(pose_dir):
    """Photo 474: the person's hits fill the first steps; mirrored (a selfie camera) they fill the last."""
    photo = str(pose_dir / "COCO_val2014_000000000474.jpg")
    plain, mirrored = seed_json("pose", photo), seed_json("pose", photo, "--mirror")
    assert max(sounding_steps(plain)) < 5 <= min(sounding_steps(mirrored))
    assert mirrored.steps == plain.steps[::-1]


def test_seed_pose_visibility_threshold_leaves_out_unsure_joints(pose_dir):
    """Photo 474 has four body points below 0.6 visibility and nine sure ones: a threshold near 1 keeps
    only the surest, so fewer hits, each one a hit of the default seed (the rest stay where they were)."""
    photo = str(pose_dir / "COCO_val2014_000000000474.jpg")
    default, strict = seed_json("pose", photo), seed_json("pose", photo, "--visibility-threshold", "0.99")
    everything = seed_json("pose", photo, "--visibility-threshold", "0")
    assert strict.num_hits < default.num_hits <= everything.num_hits
    assert 3 <= strict.num_hits and cells(strict) < cells(default) <= cells(everything)
    assert everything.num_hits > default.num_hits  # the unsure points play once the threshold lets them


def person_raising_a_hand(x_centre: float) -> list[list[float]]:
    """17 COCO keypoints (pixels) of a person facing the camera, 380 px tall, centred at ``x_centre``,
    their left hand (on the picture's right) raised above the head, so that mirroring changes the seed."""
    layout = [(0, 60), (-5, 55), (5, 55), (-10, 60), (10, 60),  # nose, eyes, ears
              (20, 120), (-20, 120), (30, 80), (-30, 190), (35, 20), (-35, 250),  # shoulders, elbows, wrists
              (12, 260), (-12, 260), (12, 350), (-12, 350), (12, 440), (-12, 440)]  # hips, knees, ankles
    return [[x_centre + dx, y, 0.95] for dx, y in layout]


def test_seed_pose_normalize_frame_puts_time_across_the_picture(tmp_path):
    """A person in the left fifth of a wide frame: measured on the body (default) the bar is
    centred on their torso, so they play the middle steps; measured on the frame they play step 1 only
    (x 115-185 of 1000 px is 0.115-0.185 of the way across)."""
    path = tmp_path / "left.json"
    path.write_text(json.dumps({"layout": "coco17", "width": 1000, "height": 500, "keypoints": person_raising_a_hand(150)}))
    body, frame = seed_json("pose", str(path)), seed_json("pose", str(path), "--normalize", "frame")
    assert set(sounding_steps(body)) <= {3, 4, 5, 6} and len(sounding_steps(body)) >= 3
    assert sounding_steps(frame) == [1]
    assert seed_json("pose", str(path), "--normalize", "body") == body


def test_seed_pose_frame_picks_that_frame_of_a_video(pose_dir, pose_clips):
    """The slideshow shows photo 474 at frame 7 and photo 564 at frame 12: each frame's seed is nearest
    the seed of the photo it shows."""
    video = run_cli("seed", "pose", str(pose_clips / "people-slideshow.y4m"), "--frame", "7", "--frame", "12")
    assert video.returncode == 0, video.stderr
    blocks = video.stdout.split("# frame ")[1:]
    assert [block.split("\n", 1)[0] for block in blocks] == ["7", "12"]
    frames = [text_to_pattern(block.split("\n", 1)[1]) for block in blocks]
    photos = [seed_json("pose", str(pose_dir / f"COCO_val2014_000000000{n}.jpg")) for n in ("474", "564")]
    for number, frame in enumerate(frames):
        distances = [len(cells(frame) ^ cells(photo)) for photo in photos]
        assert distances[number] < distances[1 - number], distances


def test_seed_random_draws_length_drums_from_low_to_high():
    narrow = seed_json("random", "--rng-seed", "3", "--steps", "64", "--low", "4", "--high", "6")
    assert len(narrow) == 64 and {d for step in narrow.steps for d in step} == {4, 5, 6}
    single = seed_json("random", "--rng-seed", "3", "--steps", "64", "--length", "1", "--low", "0", "--high", "8")
    assert all(len(step) == 1 for step in single.steps)
    assert len({step[0] for step in single.steps}) == 9  # all nine drums reachable
    # six draws from nine drums: 9 * (1 - (8/9)^6) = 4.4 distinct drums a step on average
    six = seed_json("random", "--rng-seed", "3", "--steps", "64", "--length", "6", "--low", "0", "--high", "8")
    assert 3.8 < six.num_hits / 64 < 5.0 and max(len(step) for step in six.steps) >= 5


def test_seed_bpm_is_the_seeds_tempo(tmp_path):
    assert seed_json("random", "--rng-seed", "1", "--bpm", "123").bpm == 123
    grid = tmp_path / "grid.txt"
    grid.write_text(pattern_to_text(Pattern.from_steps([[0], [], [1], []])))
    assert seed_json("grid", str(grid), "--bpm", "87.5").bpm == 87.5


@pytest.fixture(scope="module")
def sox_beat(tmp_path_factory):
    """A 16-step rock bar at 100 BPM mixed by SoX from Hydrogen samples (not our engine): hits on the 8ths."""
    from tests.sox_kit import pattern_hits, sox_render

    matrix = np.zeros((16, 9), int)
    matrix[[0, 8, 14], 0] = 100
    matrix[[4, 12], 1] = 100
    matrix[0:16:2, 2] = 80
    path = tmp_path_factory.mktemp("sox") / "beat.wav"
    sox_render(pattern_hits(matrix, 100.0), path, tail_s=0.5)
    return path


@pytest.mark.parametrize("bpm", [50, 200])
def test_seed_audio_bpm_given_sets_where_the_hits_fall(sox_beat, bpm):
    """The recording's 8ths at 100 BPM: told the tempo is 200 they fall every 4th step of the seed, told
    50, on every step. Estimated, the tempo comes out near 100 and they fall every other step."""
    estimated = seed_json("audio", str(sox_beat))
    assert abs(estimated.bpm - 100) < 2 and sounding_steps(estimated) == list(range(0, 16, 2))
    told = seed_json("audio", str(sox_beat), "--bpm", str(bpm))
    assert told.bpm == bpm
    assert sounding_steps(told) == [round(step * bpm / 100) for step in range(0, 16, 2)]


@pytest.fixture(scope="module")
def source_files(tmp_path_factory, pose_dir, sox_beat):
    """One input per source, each longer than 7 steps: a 16-step grid and its MIDI, a picture, a
    recording, keypoints."""
    from poseloops.midi_io import write_midi

    folder = tmp_path_factory.mktemp("sources")
    sixteen = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 4)
    (folder / "grid.txt").write_text(pattern_to_text(sixteen))
    write_midi(sixteen, folder / "beat.mid", bpm=100)
    (folder / "person.json").write_text(json.dumps({"keypoints": person_raising_a_hand(300), "width": 600, "height": 500}))
    return {"random": None, "grid": folder / "grid.txt", "midi": folder / "beat.mid",
            "image": pose_dir / "COCO_val2014_000000000257.jpg", "audio": sox_beat, "pose": folder / "person.json",
            "sixteen": sixteen}


@pytest.mark.parametrize("source", ["random", "grid", "midi", "image", "audio", "pose"])
def test_seed_steps_is_the_seeds_length_for_every_source(source_files, source):
    path = source_files[source]
    inputs = [] if path is None else [str(path)]
    default = seed_json(source, *inputs)
    seven = seed_json(source, *inputs, "--steps", "7")
    assert len(default) != 7 and len(seven) == 7 and seven.seed_length == 7
    if source in ("grid", "midi"):  # cut from the file's start; longer is padded with rests
        assert seven.steps == source_files["sixteen"].steps[:7]
        twenty = seed_json(source, *inputs, "--steps", "20")
        assert twenty.steps == source_files["sixteen"].steps + ((),) * 4


def test_seed_picture_density_scales_the_hits(pose_dir):
    picture = str(pose_dir / "COCO_val2014_000000000257.jpg")
    counts = [seed_json("image", picture, "--picture-density", d).num_hits for d in ("0.2", "0.6")]
    assert counts == [6, 18]  # density x 3 hits x 10 steps


def test_generate_from_takes_the_seed_options(source_files):
    """``generate --from`` reads a source as ``seed`` does: the loop opens with the seed that ``seed``
    prints for the same options (mirror and seed steps here)."""
    person = str(source_files["pose"])
    result = run_cli("generate", "--from", "pose", person, "--mirror", "--seed-steps", "12", "--rng-seed", "4",
                     "--bars", "1")
    assert result.returncode == 0, result.stderr
    loop = text_to_pattern(result.stdout)
    seed = seed_json("pose", person, "--mirror", "--steps", "12")
    assert loop.seed_length == 12 and loop.steps[:12] == seed.steps
    assert seed != seed_json("pose", person, "--steps", "12")  # mirroring this person changes the seed


def test_seed_audio_is_whole_bars_as_asked(sox_beat, tmp_path):
    """A recording seeds its first one or two whole bars (--seed-bars), never cut mid-bar unless --steps says so."""
    from tests.sox_kit import pattern_hits, sox_render

    bar = np.zeros((16, 9), int)
    bar[[0, 8, 14], 0], bar[[4, 12], 1], bar[0:16:2, 2] = 100, 100, 80
    three = tmp_path / "three.wav"
    sox_render(pattern_hits(np.tile(bar, (3, 1)), 100.0, lead_in_s=0.2, jitter_ms=5), three, tail_s=0.5)
    assert len(seed_json("audio", str(three))) == 32
    one = seed_json("audio", str(three), "--seed-bars", "1")
    assert len(one) == one.seed_length == 16 and sounding_steps(one) == list(range(0, 16, 2))
    assert len(seed_json("audio", str(sox_beat), "--seed-bars", "2")) == 16  # one bar played: that bar
    for args, fragment in [(("--seed-bars", "3"), "seed bars"), (("--seed-bars", "1", "--steps", "12"), "not both")]:
        result = run_cli("seed", "audio", str(three), *args)
        assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr, result.stderr
    other = run_cli("seed", "random", "--seed-bars", "1")
    assert other.returncode == 2 and "--seed-bars applies to audio seeds, not random" in other.stderr
