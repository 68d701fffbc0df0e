"""Figures for docs/studio.md: how steady live-mode seeds are, and how fast they follow a change.

    .venv/bin/python scripts/measure_live_seeds.py [--seconds 3] [--rng-seed 0]

Frames are made as the page sends them (tests/live_frames.py): each photo of
../shared/data/pose held still in front of a webcam (a slow sway of 1-2 px,
sensor noise, JPEG), the webcam clip, and the slideshow clip (three people,
one second each, looped) at 30 fps. Three ways of reading them:

- still: the still-picture estimator on every frame (what /api/pose does);
- tracked: BlazePose in video mode (``BlazePoseTracker``), plain mapping;
- steady: ``LivePose``: tracked, with the mapping's hysteresis (what /api/live does).

Steady share: of consecutive frames that both show a person, once tracking has
settled (0.5 s after the start or a change of person), the share whose seeds
are identical. Follow time: after the slideshow changes person, how long until
the seed changes, and until it is the seed the new person then holds.
Needs the shared data; not part of the product.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from poseloops.errors import NoPersonError  # noqa: E402
from poseloops.seeds import decode_image, estimate_pose, keypoints_to_pattern, read_image_file  # noqa: E402
from poseloops.seeds.live_pose import LivePose, MappingOptions  # noqa: E402
from poseloops.seeds.pose_estimator import BlazePoseEstimator, BlazePoseTracker  # noqa: E402
from tests.live_frames import FPS, clip_frames, held_still  # noqa: E402

POSE_DATA = REPO.parent / "shared" / "data" / "pose"
SETTLE_FRAMES = FPS // 2
OPTIONS = MappingOptions(steps=10, mirror=True)


class Reader:
    """One way of turning a stream of frames into seeds (``None`` where nobody is seen)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.estimator = BlazePoseEstimator() if kind == "still" else None
        self.live = LivePose(OPTIONS) if kind == "steady" else None
        self.tracker = BlazePoseTracker() if kind == "tracked" else None

    def seeds(self, frames: list[bytes]) -> list:
        if self.live is not None:
            self.live.reset()
        if self.tracker is not None:
            self.tracker.reset()
        return [self._seed(decode_image(data)) for data in frames]

    def _seed(self, image):
        if self.live is not None:
            return self.live.read(image).seed
        keypoints = estimate_pose(image, estimator=self.estimator) if self.estimator else self.tracker.detect(image)
        if keypoints is None:
            return None
        try:
            return keypoints_to_pattern(keypoints, steps=OPTIONS.steps, mirror=OPTIONS.mirror)
        except NoPersonError:
            return None


def steady_pairs(seeds: list, start: int, end: int) -> tuple[int, int]:
    """(identical, compared) consecutive pairs among seeds[start:end] that both show a person."""
    pairs = [(a, b) for a, b in zip(seeds[start : end - 1], seeds[start + 1 : end]) if a is not None and b is not None]
    return sum(a == b for a, b in pairs), len(pairs)


def follow_frames(seeds: list, switch: int, end: int) -> tuple[int, int]:
    """Frames after a switch until the seed first changes, and until it settles on its final value."""
    before, final = seeds[switch - 1], seeds[end - 1]
    first_change = next((i - switch for i in range(switch, end) if seeds[i] != before), end - switch)
    settled = next((i - switch for i in range(switch, end) if all(s == final for s in seeds[i:end])), end - switch)
    return first_change, settled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each photo is held still")
    parser.add_argument("--rng-seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.rng_seed)
    count = round(args.seconds * FPS)
    streams = {path.stem[-3:]: held_still(read_image_file(path), count, rng=rng) for path in sorted(POSE_DATA.glob("*.jpg"))}
    streams["webcam clip"] = clip_frames(POSE_DATA / "person-webcam.y4m", seconds=args.seconds)
    slideshow = clip_frames(POSE_DATA / "people-slideshow.y4m", seconds=6.0)
    readers = [Reader(kind) for kind in ("still", "tracked", "steady")]
    print(f"{'stream':<12} " + " ".join(f"{r.kind:>16}" for r in readers))
    totals = {r.kind: [0, 0] for r in readers}
    webcam_like = {r.kind: [0, 0] for r in readers}  # all but 257's distant pedestrians
    for name, frames in streams.items():
        row = []
        for reader in readers:
            seeds = reader.seeds(frames)
            same, pairs = steady_pairs(seeds, SETTLE_FRAMES, len(seeds))
            totals[reader.kind][0] += same
            totals[reader.kind][1] += pairs
            if name != "257":
                webcam_like[reader.kind][0] += same
                webcam_like[reader.kind][1] += pairs
            seen = sum(s is not None for s in seeds) / len(seeds)
            row.append(f"{same / max(pairs, 1):6.1%} seen {seen:4.0%}")
        print(f"{name:<12} " + " ".join(f"{cell:>16}" for cell in row))
    print(f"{'all held':<12} " + " ".join(f"{totals[r.kind][0] / totals[r.kind][1]:>16.1%}" for r in readers))
    print(f"{'all but 257':<12} " + " ".join(f"{webcam_like[r.kind][0] / webcam_like[r.kind][1]:>16.1%}" for r in readers))
    print("slideshow (a new person every second, 6 s): steady share within each person; follow time, ms")
    for reader in readers:
        seeds = reader.seeds(slideshow)
        switches = list(range(FPS, len(seeds), FPS))
        same = pairs = 0
        for start in [0, *switches]:
            s, p = steady_pairs(seeds, start + SETTLE_FRAMES, min(start + FPS, len(seeds)))
            same, pairs = same + s, pairs + p
        follows = [follow_frames(seeds, switch, min(switch + FPS, len(seeds))) for switch in switches]
        first = [1000 * f / FPS for f, _ in follows]
        settled = [1000 * s / FPS for _, s in follows]
        print(
            f"  {reader.kind:<8} steady {same / max(pairs, 1):6.1%}; first change median {np.median(first):.0f} "
            f"(max {max(first):.0f}); settled median {np.median(settled):.0f} (max {max(settled):.0f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
