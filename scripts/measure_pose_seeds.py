"""Figures for docs/seeds.md: how pose seeds behave on the photos in ../shared/data/pose.

    .venv/bin/python scripts/measure_pose_seeds.py [--trials N]

- distinct: share of photo pairs whose seeds differ, and the mean number of
  cells (of steps x 9) in which they differ;
- determinism: the same image run twice gives the same seed;
- image jitter: the image shifted by 2-4 px, or scaled by 2-4 px, and run
  through the estimator again: cells changed against the original seed;
- keypoint jitter: Gaussian noise of 2 px on every keypoint: cells changed.
Needs the shared data; not part of the product.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from poseloops.seeds.keypoints import Keypoints
from poseloops.seeds.pose_estimator import estimate_pose
from poseloops.seeds.pose_mapping import keypoints_to_pattern

POSE_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pose"


def cells(pattern) -> np.ndarray:
    return pattern.to_matrix() > 0


def changed(a, b) -> int:
    return int((cells(a) != cells(b)).sum())


def shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The picture moved by (dx, dy) pixels, edges repeated."""
    padded = np.pad(image, ((abs(dy), abs(dy)), (abs(dx), abs(dx)), (0, 0)), mode="edge")
    h, w = image.shape[:2]
    return np.ascontiguousarray(padded[abs(dy) - dy : abs(dy) - dy + h, abs(dx) - dx : abs(dx) - dx + w])


def scaled(image: np.ndarray, pixels: int) -> np.ndarray:
    """The picture resized so its width grows by ``pixels`` (aspect kept)."""
    h, w = image.shape[:2]
    size = (w + pixels, round(h * (w + pixels) / w))
    return np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="keypoint-noise trials per photo")
    parser.add_argument("--noise-px", type=float, default=2.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    photos = sorted(POSE_DATA.glob("*.jpg"))
    seeds, image_changes, kp_changes = {}, [], []
    for path in photos:
        image = np.asarray(Image.open(path).convert("RGB"))
        keypoints = estimate_pose(image)
        if keypoints is None:
            print(f"{path.name}: no person")
            continue
        seed = keypoints_to_pattern(keypoints)
        again = keypoints_to_pattern(estimate_pose(image))
        assert changed(seed, again) == 0, f"{path.name}: not deterministic"
        seeds[path.name] = seed
        per_photo = []
        for dx, dy in ((2, 0), (0, 3), (-4, 0), (3, -3)):
            other = estimate_pose(shifted(image, dx, dy))
            per_photo.append(changed(seed, keypoints_to_pattern(other)) if other else 99)
        for pixels in (2, -3, 4):
            other = estimate_pose(scaled(image, pixels))
            per_photo.append(changed(seed, keypoints_to_pattern(other)) if other else 99)
        image_changes += per_photo
        noisy = []
        for _ in range(args.trials):
            xy = keypoints.xy + rng.normal(0.0, args.noise_px, keypoints.xy.shape)
            moved = Keypoints(keypoints.layout, xy, keypoints.visibility, keypoints.frame_size)
            noisy.append(changed(seed, keypoints_to_pattern(moved)))
        kp_changes += noisy
        box = keypoints.visible_box()
        print(f"{path.name}: person {box[3] - box[1]:.0f} px tall, {seed.num_hits} hits; image jitter changes {per_photo}; "
              f"keypoint noise: mean {np.mean(noisy):.2f} cells, <=2 in {np.mean(np.array(noisy) <= 2):.0%}")
    pairs = list(itertools.combinations(seeds.values(), 2))
    diffs = [changed(a, b) for a, b in pairs]
    image_changes, kp_changes = np.array(image_changes), np.array(kp_changes)
    print(f"photos with a person: {len(seeds)} of {len(photos)}; deterministic: all")
    print(f"distinct pairs: {sum(d > 0 for d in diffs)}/{len(pairs)}; cells differing per pair: "
          f"mean {np.mean(diffs):.1f}, min {min(diffs)}")
    print(f"image jitter (2-4 px shift/scale, {image_changes.size} runs): cells changed mean {image_changes.mean():.2f}, "
          f"median {np.median(image_changes):.0f}, <=2 cells in {np.mean(image_changes <= 2):.0%}, "
          f"0 cells in {np.mean(image_changes == 0):.0%}")
    print(f"keypoint noise ({args.noise_px:g} px, {kp_changes.size} trials): cells changed mean {kp_changes.mean():.2f}, "
          f"<=2 cells in {np.mean(kp_changes <= 2):.0%}, 0 cells in {np.mean(kp_changes == 0):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
