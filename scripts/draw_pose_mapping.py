"""Draw docs/pose-mapping.png: real photos with their skeleton, the mapping's grid over them, and the seed.

    .venv/bin/python scripts/draw_pose_mapping.py

Photos from ../shared/data/pose (COCO 2014 validation). Not part of the product.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from poseloops.pattern import DRUM_LABELS  # noqa: E402
from poseloops.seeds import estimate_pose, keypoints_to_pattern, read_image_file  # noqa: E402
from poseloops.seeds import pose_mapping as mapping  # noqa: E402
from poseloops.seeds.keypoints import BODY_POINTS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
POSE_DATA = REPO.parent / "shared" / "data" / "pose"
OUT = REPO / "docs" / "pose-mapping.png"
EXAMPLES = (
    ("COCO_val2014_000000000241.jpg", "standing, arms down"),
    ("COCO_val2014_000000000564.jpg", "tennis: reaching, one foot back"),
    ("COCO_val2014_000000000294.jpg", "hanging a pan, upper body only"),
)
LADDER = [drum for drum, _ in mapping.HEIGHT_LADDER]  # bottom to top
COLOURS = plt.get_cmap("tab10")


def colour(drum: int):
    return COLOURS(LADDER.index(drum))


def draw_photo(ax, image, keypoints, steps: int) -> None:
    ax.imshow(image)
    layout = keypoints.layout
    vis = keypoints.visibility >= mapping.DEFAULT_VISIBILITY_THRESHOLD
    for a, b in layout.edges:
        i, j = layout.index(a), layout.index(b)
        if vis[i] and vis[j]:
            ax.plot(*keypoints.xy[[i, j]].T, color="white", lw=2.5, alpha=0.9)
            ax.plot(*keypoints.xy[[i, j]].T, color="black", lw=1.0, alpha=0.8)
    positions, visible = keypoints.body_points(visibility_threshold=mapping.DEFAULT_VISIBILITY_THRESHOLD)
    box = mapping.body_box(keypoints)
    height = box.height(positions[:, 1])
    seen = positions[visible]
    left, right = box.x_at(0.0), box.x_at(1.0)
    edges = [0.0] + [upper for _, upper in mapping.HEIGHT_LADDER[:-1]] + [1.45]
    for k, (drum, _) in enumerate(mapping.HEIGHT_LADDER):
        y0, y1 = box.y_at(edges[k]), box.y_at(edges[k + 1])
        ax.fill_between([left, right], y0, y1, color=colour(drum), alpha=0.18, lw=0)
        ax.text(right + 4, (y0 + y1) / 2, DRUM_LABELS[drum], fontsize=7, va="center", color=colour(drum))
    for k in range(steps + 1):
        x = left + k / steps * (right - left)
        ax.plot([x, x], [box.y_at(0.0), box.y_at(edges[-1])], color="white", lw=0.6, alpha=0.7)
    for k, name in enumerate(BODY_POINTS):
        if visible[k] and name in mapping.PLAYING_POINTS:
            drum = mapping.drum_for_height(height[k])
            ax.scatter(*positions[k], s=70, color=colour(drum), edgecolor="white", linewidth=1.5, zorder=5)
    body_height = box.floor_y - box.head_y
    margin = 0.12 * body_height
    ax.set_xlim(min(left, seen[:, 0].min()) - margin, max(right, seen[:, 0].max()) + 0.35 * body_height)
    ax.set_ylim(max(box.floor_y, seen[:, 1].max()) + margin, box.y_at(edges[-1]) - margin)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_grid(ax, pattern) -> None:
    matrix = pattern.to_matrix() > 0
    steps = len(pattern)
    for row, drum in enumerate(reversed(LADDER)):  # crash on top, kick at the bottom, like the body
        for step in range(steps):
            face = colour(drum) if matrix[step, drum] else (0.95, 0.95, 0.95)
            ax.add_patch(plt.Rectangle((step, row), 0.92, 0.92, color=face))
    ax.set_xlim(0, steps)
    ax.set_ylim(len(LADDER), 0)
    ax.set_yticks(np.arange(len(LADDER)) + 0.46)
    ax.set_yticklabels([DRUM_LABELS[d] for d in reversed(LADDER)], fontsize=8)
    ax.set_xticks(np.arange(steps) + 0.46)
    ax.set_xticklabels(range(1, steps + 1), fontsize=7)
    ax.set_xlabel("step (16th notes)", fontsize=8)
    ax.set_aspect("equal")
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)


def main() -> int:
    fig, axes = plt.subplots(len(EXAMPLES), 2, figsize=(11, 5.2 * len(EXAMPLES)), gridspec_kw={"width_ratios": [1.25, 1]})
    for (name, caption), (photo_ax, grid_ax) in zip(EXAMPLES, axes):
        image = read_image_file(POSE_DATA / name)
        keypoints = estimate_pose(image)
        seed = keypoints_to_pattern(keypoints)
        draw_photo(photo_ax, image, keypoints, len(seed))
        photo_ax.set_title(f"{name.split('_')[-1]}: {caption}", fontsize=9)
        draw_grid(grid_ax, seed)
        grid_ax.set_title("the seed it plays", fontsize=9)
    fig.suptitle("Pose to seed: height picks the drum (bands), left to right is time (columns)", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT, dpi=100)
    plt.close(fig)
    # 256 colours keep the photos readable at a quarter of the size.
    with Image.open(OUT) as drawn:
        drawn.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(OUT, optimize=True)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
