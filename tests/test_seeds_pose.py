"""Body pose as a seed: the mapping rules on made-up bodies, BlazePose on real photos and video.

Photos: COCO 2014 validation images, all seven of ../shared/data/pose when it is
there, else the four of tests/data/pose (see the READMEs for who is in each);
the webcam and slideshow clips are Y4M videos made from them (tests/pose_clips.py).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from poseloops.errors import NoPersonError, ParameterError
from poseloops.pattern import NUM_DRUMS
from poseloops.seeds import (
    COCO_17,
    Keypoints,
    estimate_pose,
    find_people,
    keypoints_to_pattern,
    pose_to_pattern,
    read_image_file,
    read_video_frames,
    video_to_patterns,
)
from poseloops.seeds.pose_mapping import (
    CLOSED_HAT,
    ARM_SPAN,
    CRASH,
    FEET_BELOW_HIPS,
    HEAD_ABOVE_HIPS,
    HEIGHT_LADDER,
    HIGH_TOM,
    KICK,
    LOW_TOM,
    MID_TOM,
    OPEN_HAT,
    RIDE,
    SNARE,
    drum_for_height,
)

from .pose_clips import CLIPS, photo_path, write_clips

FRAME = (640.0, 800.0)
FEET_Y, HEAD_Y = 760.0, 360.0  # a person 400 px tall, head 1 on the height ladder
BODY_HEIGHT = FEET_Y - HEAD_Y
TORSO = (0.88 - 0.53) * BODY_HEIGHT  # shoulders to hips of `standing`


def at(height: float) -> float:
    """The y (pixels) of a height on the ladder: 0 at the feet, 1 at the head."""
    return FEET_Y - height * BODY_HEIGHT


def standing(**moved: tuple[float, float]) -> Keypoints:
    """A COCO person standing with arms down, centred at x=320; ``moved`` overrides points (x, height)."""
    body = {
        "nose": (320, 1.0), "left_eye": (315, 1.0), "right_eye": (325, 1.0), "left_ear": (310, 1.0), "right_ear": (330, 1.0),
        "left_shoulder": (355, 0.88), "right_shoulder": (285, 0.88), "left_elbow": (365, 0.64), "right_elbow": (275, 0.64),
        "left_wrist": (368, 0.5), "right_wrist": (272, 0.5), "left_hip": (340, 0.53), "right_hip": (300, 0.53),
        "left_knee": (338, 0.28), "right_knee": (302, 0.28), "left_ankle": (336, 0.0), "right_ankle": (304, 0.0),
    }  # fmt: skip
    body.update(moved)
    xy = np.array([(x, at(h)) for x, h in (body[name] for name in COCO_17.landmarks)])
    return Keypoints(COCO_17, xy, np.full(17, 0.9), FRAME)


def drums_at(pattern, step: int) -> set[int]:
    return set(pattern.steps[step])


def test_standing_person_plays_a_groove():
    seed = keypoints_to_pattern(standing())
    hits = seed.to_matrix() > 0
    assert len(seed) == 10 and seed.seed_length == 10
    assert hits[:, KICK].sum() >= 1  # the feet kick
    assert hits[:, SNARE].any() and hits[:, CLOSED_HAT].any() and hits[:, RIDE].any()
    assert not hits[:, CRASH].any() and not hits[:, OPEN_HAT].any()  # hands are down
    assert seed.num_hits <= 11


def test_feet_play_the_kick_the_head_the_ride():
    for x in (200, 320, 440):
        seed = keypoints_to_pattern(standing(left_ankle=(x, 0.0), right_ankle=(x, 0.0)))
        bar_width = ARM_SPAN * (FEET_BELOW_HIPS + HEAD_ABOVE_HIPS) * TORSO
        step = int(np.floor(((x - 320) / bar_width + 0.5) * 10))
        assert KICK in drums_at(seed, min(max(step, 0), 9))
    seed = keypoints_to_pattern(standing())
    assert RIDE in drums_at(seed, 5)


def hidden(kp: Keypoints, *names: str, frame=FRAME) -> Keypoints:
    vis = kp.visibility.copy()
    vis[[COCO_17.index(n) for n in names]] = 0.0
    return Keypoints(COCO_17, kp.xy, vis, frame)


LEGS = ("left_knee", "right_knee", "left_ankle", "right_ankle")


def test_heights_hang_on_the_torso_so_a_vanishing_foot_moves_nothing_else():
    whole = keypoints_to_pattern(standing()).to_matrix() > 0
    for gone in (LEGS, ("left_ankle",), ("right_wrist", "left_knee")):
        seed = keypoints_to_pattern(hidden(standing(), *gone)).to_matrix() > 0
        assert not (seed & ~whole).any(), gone  # hits only disappear, none moves


def test_in_a_half_body_shot_the_frame_bottom_is_the_floor():
    # The frame ends just below the hips (y 548): the hands low in view kick.
    kp = standing(left_wrist=(368, 0.45), right_wrist=(272, 0.45))
    half = hidden(kp, *LEGS, frame=(640.0, at(0.42)))
    seed = keypoints_to_pattern(half).to_matrix() > 0
    assert seed[:, KICK].sum() == 2 and seed[:, RIDE].any()
    # With the whole frame the same hands play above the kick.
    assert not (keypoints_to_pattern(hidden(kp, *LEGS)).to_matrix()[:, KICK] > 0).any()


def test_raised_hands_reach_the_cymbals():
    up = keypoints_to_pattern(standing(left_wrist=(380, 1.35), right_wrist=(260, 1.35)))
    assert (up.to_matrix()[:, CRASH] > 0).sum() == 2
    at_head = keypoints_to_pattern(standing(left_wrist=(380, 1.12), right_wrist=(260, 1.12)))
    assert (at_head.to_matrix()[:, OPEN_HAT] > 0).sum() == 2


def test_every_drum_is_reachable_by_moving_a_hand():
    reached = set()
    for height in np.linspace(0.0, 1.5, 61):
        seed = keypoints_to_pattern(standing(left_wrist=(500, float(height))))
        reached |= drums_at(seed, 9)  # the far-right step holds only that hand
    assert reached == set(range(NUM_DRUMS))
    assert [drum for drum, _ in HEIGHT_LADDER].count(KICK) == 1 and drum_for_height(0.0) == KICK


def test_arms_spread_wide_spread_the_hits_across_the_bar():
    spread = keypoints_to_pattern(standing(left_wrist=(540, 0.85), right_wrist=(100, 0.85),
                                           left_elbow=(460, 0.86), right_elbow=(180, 0.86)))
    narrow = keypoints_to_pattern(standing())
    used = lambda p: np.flatnonzero((p.to_matrix() > 0).any(axis=1))
    assert used(spread)[0] == 0 and used(spread)[-1] == 9
    assert used(narrow)[0] > 0 and used(narrow)[-1] < 9


def test_mirror_flips_left_and_right():
    rng = np.random.default_rng(5)
    for _ in range(20):
        # The head moved off x=320: the bar's centre is a cell boundary, which has no mirror image.
        wrist = (float(rng.uniform(150, 500)), float(rng.uniform(0.2, 1.4)))
        knee = (float(rng.uniform(200, 400)), float(rng.uniform(0.1, 0.5)))
        kp = standing(nose=(323, 1.0), left_wrist=wrist, right_knee=knee)
        flipped = Keypoints(COCO_17, kp.xy * (-1, 1) + (640, 0), kp.visibility, FRAME)  # the body mirrored
        for steps in (10, 11):
            mirrored = keypoints_to_pattern(kp, steps=steps, mirror=True).to_matrix()
            np.testing.assert_array_equal(mirrored, keypoints_to_pattern(flipped, steps=steps).to_matrix())
            np.testing.assert_array_equal(mirrored, keypoints_to_pattern(kp, steps=steps).to_matrix()[::-1])


def test_visibility_threshold_drops_unseen_points():
    kp = standing(left_wrist=(500, 1.35))
    vis = kp.visibility.copy()
    vis[COCO_17.index("left_wrist")] = 0.3
    faint = Keypoints(COCO_17, kp.xy, vis, FRAME)
    assert CRASH in drums_at(keypoints_to_pattern(kp), 9)
    assert not keypoints_to_pattern(faint).to_matrix()[:, CRASH].any()
    assert CRASH in drums_at(keypoints_to_pattern(faint, visibility_threshold=0.25), 9)


def test_too_few_visible_points_is_no_person():
    kp = standing()
    vis = np.zeros(17)
    vis[:2] = 0.9
    with pytest.raises(NoPersonError, match="body points are visible"):
        keypoints_to_pattern(Keypoints(COCO_17, kp.xy, vis, FRAME))


def test_steps_option_and_frame_mode():
    kp = standing()
    assert len(keypoints_to_pattern(kp, steps=16)) == 16
    framed = keypoints_to_pattern(kp, normalize="frame")
    # Feet 40 px above the bottom edge of an 800 px frame: the floor band, kick.
    assert KICK in {d for step in framed.steps for d in step}
    with pytest.raises(ParameterError, match="normalize"):
        keypoints_to_pattern(kp, normalize="box")
    with pytest.raises(ParameterError, match="steps"):
        keypoints_to_pattern(kp, steps=0)
    with pytest.raises(ParameterError, match="frame size"):
        keypoints_to_pattern(Keypoints(COCO_17, kp.xy, kp.visibility, None), normalize="frame")


# --- real photos --------------------------------------------------------------

@pytest.fixture(scope="module")
def photos(pose_dir):
    """Every photo there is, by COCO number (the tests name only those the fixture set has)."""
    return {path.stem[-3:]: read_image_file(path) for path in sorted(pose_dir.glob("COCO_val2014_*.jpg"))}


@pytest.fixture(scope="module")
def photo_keypoints(photos):
    return {name: estimate_pose(image) for name, image in photos.items()}


@pytest.fixture(scope="module")
def photo_seeds(photo_keypoints):
    return {name: keypoints_to_pattern(keypoints) for name, keypoints in photo_keypoints.items()}


def test_small_jitter_rarely_changes_more_than_two_cells(photo_keypoints, photo_seeds):
    # 2 px of noise on every landmark of the real photos' people (59-640 px tall).
    rng = np.random.default_rng(0)
    changes = []
    for name, kp in photo_keypoints.items():
        seed = photo_seeds[name].to_matrix() > 0
        for _ in range(40):
            moved = Keypoints(kp.layout, kp.xy + rng.normal(0, 2.0, kp.xy.shape), kp.visibility, kp.frame_size)
            changes.append(int(((keypoints_to_pattern(moved).to_matrix() > 0) != seed).sum()))
    assert np.mean(np.array(changes) <= 2) >= 0.85, np.bincount(changes)
    assert np.mean(changes) <= 1.2


def test_real_photos_give_nonempty_different_seeds(photo_seeds):
    matrices = [p.to_matrix() > 0 for p in photo_seeds.values()]
    assert all(m.sum() >= 4 for m in matrices)
    pairs = [(a, b) for i, a in enumerate(matrices) for b in matrices[i + 1 :]]
    assert all((a != b).sum() >= 4 for a, b in pairs)


def test_same_image_same_seed(photos, photo_seeds):
    for name in ("241", "564"):
        again, _ = pose_to_pattern(photos[name].copy())
        assert again == photo_seeds[name]


# Seeds pinned on three photos (still picture, default options: 10 steps, not
# mirrored, so the picture's left is step 0). Each cell was checked by looking
# at the photo with the grid drawn over it (the bar centred between the
# shoulder and hip midpoints, 0.9 model body heights wide; heights on the body
# model hung on the torso): (step, drum, what plays it in the photo).
PINNED_SEEDS = {
    # A young man standing on a balance board, facing the camera, arms down.
    "241": [
        (3, SNARE, "his right hand, holding the Wii remote at his waist, picture left of his body"),
        (4, RIDE, "his head"),
        (4, CLOSED_HAT, "his right shoulder"),
        (4, LOW_TOM, "his right knee"),
        (4, KICK, "his right foot on the board"),
        (5, MID_TOM, "his left hand, hanging lower than the remote hand, at his thigh"),
        (5, LOW_TOM, "his left knee"),
        (5, KICK, "his left foot"),
        (6, CLOSED_HAT, "his left shoulder"),
        (6, SNARE, "his left elbow, at his waist"),
    ],
    # A man in a kitchen, upper body only (the frame's bottom edge is the floor),
    # one hand raised to a pan on the pegboard. The other hand, reaching low to the
    # utensils, is seen with visibility 0.41 (under 0.5), so it plays nothing.
    "294": [
        (4, HIGH_TOM, "the shoulder on the picture's left"),
        (5, HIGH_TOM, "the other shoulder: a half-body shot lifts the bands, so shoulders reach the high tom"),
        (5, RIDE, "his head"),
        (6, SNARE, "the elbow of the raised arm, at chest height"),
        (8, CLOSED_HAT, "the hand raised to the pan, right of his head, at the height of his mouth"),
    ],
    # A boy seen from the side, crouching to catch a ball, arms reaching forward to the
    # picture's left. His hips sit 74 px right of his shoulders: the bar's centre lies
    # between them, so the reaching hand lands on the very first step.
    "474": [
        (0, SNARE, "the hand reaching forward beside the glove, at waist height"),
        (2, CLOSED_HAT, "his head, bowed forward in the crouch (standing, it would play the ride)"),
        (2, LOW_TOM, "his bent knee"),
        (2, KICK, "his front foot"),
        (3, CLOSED_HAT, "his shoulders (both in one cell: a side view)"),
        (3, SNARE, "his elbow"),
        (3, KICK, "his back foot"),
    ],
}


@pytest.mark.parametrize("name", sorted(PINNED_SEEDS))
def test_photo_seeds_are_pinned(photo_keypoints, name):
    seed = keypoints_to_pattern(photo_keypoints[name])
    cells = {(step, drum) for step, drums in enumerate(seed.steps) for drum in drums}
    expected = {(step, drum) for step, drum, _ in PINNED_SEEDS[name]}
    assert cells == expected, (sorted(cells - expected), sorted(expected - cells))


def test_a_body_bowing_with_its_hips_far_from_its_shoulders():
    # Shoulders' midpoint (400, 300), hips' (560, 420): torso T = 200 px (not its 120 px
    # of height). By hand: feet 1.3 T below the hips (y 680), head 1.4 T above (y 140),
    # body height 540, bar 0.9 x 540 = 486 px centred at x 480 (between shoulders and
    # hips), so steps are 48.6 px wide from x 237; height = (680 - y) / 540.
    body = {
        "nose": (330, 250), "left_eye": (330, 250), "right_eye": (330, 250),  # head: height 0.796, across 0.19
        "left_ear": (330, 250), "right_ear": (330, 250),
        "left_shoulder": (420, 300), "right_shoulder": (380, 300),  # height 0.704: high tom, steps 3 and 2
        "left_elbow": (330, 380), "right_elbow": (330, 380),  # 0.556: snare, step 1
        "left_wrist": (260, 440), "right_wrist": (260, 440),  # 0.444: mid tom, across 0.047: step 0
        "left_hip": (580, 420), "right_hip": (540, 420),
        "left_knee": (620, 560), "right_knee": (520, 560),  # 0.222: low tom, steps 7 and 5
        "left_ankle": (600, 680), "right_ankle": (500, 680),  # 0: kick, steps 7 and 5
    }  # fmt: skip
    xy = np.array([body[name] for name in COCO_17.landmarks], dtype=float)
    seed = keypoints_to_pattern(Keypoints(COCO_17, xy, np.full(17, 0.9), (1000.0, 1000.0)))
    expected = {(0, MID_TOM), (1, CLOSED_HAT), (1, SNARE), (2, HIGH_TOM), (3, HIGH_TOM),
                (5, KICK), (5, LOW_TOM), (7, KICK), (7, LOW_TOM)}  # fmt: skip
    assert {(step, drum) for step, drums in enumerate(seed.steps) for drum in drums} == expected


def test_frame_mode_measures_in_the_picture():
    # Frame 640 x 800: across = x / 640, height = (1 - y / 800) x 1.3 (the top edge is as high as raised hands).
    kp = standing(left_wrist=(600, (FEET_Y - 80) / BODY_HEIGHT))  # a hand at x 600, y 80
    seed = keypoints_to_pattern(kp, normalize="frame")
    assert drums_at(seed, 9) == {OPEN_HAT}  # across 0.94, height 1.17 (without the 1.3 scale 0.9: closed hat)
    assert HIGH_TOM in drums_at(seed, 5)  # the head: x 320, y 360 -> height 0.715 (unscaled 0.55: snare)
    assert drums_at(seed, 4) >= {KICK} and KICK in drums_at(seed, 5)  # feet at y 760 -> 0.065


def test_full_body_photos_kick_with_their_feet(photos):
    for name in ("241", "474", "564"):
        seed, keypoints = pose_to_pattern(photos[name])
        positions, visible = keypoints.body_points(visibility_threshold=0.5)
        lowest = positions[visible][:, 1].max()
        feet = positions[-2:][visible[-2:]]
        assert len(feet) and np.isclose(feet[:, 1].max(), lowest)  # a foot is the lowest point
        assert (seed.to_matrix()[:, KICK] > 0).any()


def test_several_people_the_largest_is_chosen(photos):
    # 241: a man standing among two people sitting on sofas; BlazePose alone finds a sitter.
    people = find_people(photos["241"])
    assert len(people) >= 2
    chosen = estimate_pose(photos["241"])
    x0, y0, x1, y1 = chosen.visible_box()
    assert (y1 - y0) / photos["241"].shape[0] > 0.75  # the standing man, head to feet
    assert 150 < (x0 + x1) / 2 < 330


def test_small_distant_people_are_found_in_tiles(photos):
    people = find_people(photos["257"])
    assert people and all((p.visible_box()[3] - p.visible_box()[1]) < 0.3 * 480 for p in people)


def test_no_person_in_a_landscape_or_a_crop_of_sky(photos):
    h, w = 480, 640
    sky = np.linspace([90, 150, 230], [200, 220, 250], h // 2)
    ground = np.linspace([60, 140, 60], [30, 90, 30], h - h // 2)
    landscape = np.concatenate([sky, ground])[:, None, :].repeat(w, axis=1).astype(np.uint8)
    sky_crop = np.ascontiguousarray(photos["257"][:150])
    for image in (landscape, sky_crop):
        with pytest.raises(NoPersonError, match="no person found"):
            pose_to_pattern(image)


def test_estimator_is_safe_to_share_between_threads(photos):
    expected = estimate_pose(photos["564"]).xy
    results = []

    def work():
        results.append(estimate_pose(photos["564"]).xy)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(np.array_equal(r, expected) for r in results)


def _landmarks(result) -> np.ndarray:
    return np.array([(m.x, m.y, m.visibility) for m in result.pose_landmarks.landmark])


def test_our_threaded_graph_finds_what_mediapipes_own_pose_finds(photos, pose_clips):
    # The graph is built by hand to set XNNPACK's thread count, which Pose cannot:
    # its thresholds and side inputs must be Pose's, still and tracked, to the last bit.
    import mediapipe as mp

    from poseloops.seeds.pose_estimator import POSE_THREADS, BlazePoseEstimator, BlazePoseTracker

    threads = max(POSE_THREADS, 2)
    still = BlazePoseEstimator(threads=threads)._graph._pose
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as reference:
        for name in ("241", "459", "564"):
            assert np.array_equal(_landmarks(still.process(photos[name])), _landmarks(reference.process(photos[name])))
    still.close()
    tracker = BlazePoseTracker(threads=threads)
    frames = [frame for _, frame in read_video_frames(pose_clips / "people-slideshow.y4m")]
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as reference:
        for frame in frames:  # three people in turn: tracking, then lost, then found again
            ours, theirs = tracker._graph._pose.process(frame), reference.process(frame)
            assert (ours.pose_landmarks is None) == (theirs.pose_landmarks is None)
            if theirs.pose_landmarks is not None:
                assert np.array_equal(_landmarks(ours), _landmarks(theirs))
    tracker.close()


def test_video_gives_the_frame_with_the_most_body_or_the_frames_asked_for(pose_clips):
    clip = pose_clips / "people-slideshow.y4m"  # 241, 474, 564 for 5 frames each
    [(index, seed, keypoints)] = video_to_patterns(clip)
    assert 0 <= index < 15 and seed.num_hits >= 4
    _, visible = keypoints.body_points(visibility_threshold=0.5)
    assert visible.sum() >= 11
    chosen = video_to_patterns(clip, frames=[0, 7, 12])
    assert [i for i, _, _ in chosen] == [0, 7, 12]
    assert len({p for _, p, _ in chosen}) == 3  # three different people, three seeds
    with pytest.raises(ParameterError, match="no frame 99"):
        video_to_patterns(clip, frames=[99])


def test_webcam_clip_frames_agree(pose_clips):
    # The same still photo for 2 s: every frame must give the same seed.
    seeds = {p for _, p, _ in video_to_patterns(pose_clips / "person-webcam.y4m", frames=[0, 4, 9])}
    assert len(seeds) == 1


def test_clips_made_from_the_photos_show_the_photos(pose_dir, tmp_path):
    # What the suite plays as the webcam without ../shared: read back through OpenCV, frame by frame.
    folder = write_clips(pose_dir, tmp_path)
    for name, shots in CLIPS.items():
        frames = read_video_frames(folder / name, max_frames=100)
        numbers = [number for number, seconds in shots for _ in range(5 * seconds)]
        assert [i for i, _ in frames] == list(range(len(numbers)))
        for (_, frame), number in zip(frames, numbers):
            photo = Image.open(photo_path(pose_dir, number)).convert("RGB")
            scale = min(640 / photo.width, 480 / photo.height)
            width, height = round(photo.width * scale), round(photo.height * scale)
            expected = np.asarray(photo.resize((width, height), Image.BILINEAR), dtype=np.float64)
            left, top = (640 - width) // 2, (480 - height) // 2
            assert frame.shape == (480, 640, 3)
            shown = frame[top : top + height, left : left + width].astype(np.float64)
            assert np.abs(shown - expected).mean() < 6, (name, number)  # 4:2:0 chroma and two resamplers
            assert frame[:, : left - 2].max(initial=0) < 24 and frame[:, left + width + 2 :].max(initial=0) < 24


def test_bad_image_arrays_are_refused():
    with pytest.raises(ParameterError, match="uint8"):
        pose_to_pattern(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ParameterError, match="shape"):
        pose_to_pattern(np.zeros((10, 10), np.uint8))


def test_finding_people_does_not_change_the_callers_image(photos):
    # 241 has several people: each one found has their head covered in the image searched next,
    # which must be a copy, not the caller's picture
    image = photos["241"].copy()
    people = find_people(image)
    assert len(people) >= 2  # the covering ran
    assert np.array_equal(image, photos["241"])
