"""Any picture as a seed (seeds/picture.py): busy cells play, rows follow the pose's height
ladder (crash at the top, kick at the bottom), density sets how many cells play."""

from __future__ import annotations

import numpy as np
import pytest

from poseloops.errors import InputError, ParameterError
from poseloops.pattern import NUM_DRUMS
from poseloops.seeds import image_to_pattern, read_image_file
from poseloops.seeds.picture import MAX_HITS_PER_STEP, ROWS_TOP_DOWN
from poseloops.seeds.pose_mapping import CRASH, KICK


@pytest.fixture(scope="module")
def photo(pose_dir) -> np.ndarray:
    return read_image_file(pose_dir / "COCO_val2014_000000000564.jpg")



def test_picture_seed_is_deterministic_and_sized(photo):
    seed = image_to_pattern(photo)
    assert seed == image_to_pattern(photo.copy())
    assert len(seed) == 10 and seed.seed_length == 10
    assert seed.num_hits > 0
    assert max(len(step) for step in seed.steps) <= MAX_HITS_PER_STEP
    assert len(image_to_pattern(photo, steps=32)) == 32


def test_density_controls_how_many_cells_play(photo):
    counts = [image_to_pattern(photo, density=d).num_hits for d in (0.1, 0.5, 1.0)]
    assert counts == sorted(counts) and counts[0] < counts[2]
    assert counts[1] == 15  # 0.5 x 3 hits x 10 steps: the photo is busy enough everywhere
    assert all(len(step) <= MAX_HITS_PER_STEP for step in image_to_pattern(photo, density=1.0).steps)


def test_busy_cells_play_and_bottom_rows_kick():
    image = np.full((270, 300, 3), 128, np.uint8)
    image[-30:, 0:30] = np.indices((30, 30)).sum(axis=0)[..., None] % 2 * 255  # checkerboard, bottom left
    image[:30, -30:] = np.indices((30, 30)).sum(axis=0)[..., None] % 2 * 255  # top right
    seed = image_to_pattern(image, steps=10, density=0.1)
    assert set(seed.steps[0]) == {KICK} and set(seed.steps[9]) == {CRASH}
    assert all(not step for step in seed.steps[1:9])


def test_rows_follow_the_pose_height_ladder():
    assert ROWS_TOP_DOWN[0] == CRASH and ROWS_TOP_DOWN[-1] == KICK
    assert sorted(ROWS_TOP_DOWN) == list(range(NUM_DRUMS))


def test_different_pictures_give_different_seeds(pose_dir):
    seeds = [image_to_pattern(read_image_file(p)) for p in sorted(pose_dir.glob("*.jpg"))]
    assert len(set(seeds)) == len(seeds)


def test_flat_picture_has_nothing_to_play():
    ramp = np.tile(np.linspace(0, 255, 640).astype(np.uint8)[None, :, None], (480, 1, 3))  # a smooth sky
    with pytest.raises(InputError, match="flat"):
        image_to_pattern(ramp)


@pytest.mark.parametrize("density", [0, -0.5, 1.5, float("nan"), "0.5"])
def test_bad_density_is_refused(photo, density):
    with pytest.raises(ParameterError, match="density"):
        image_to_pattern(photo, density=density)
