"""Builds tests/data/ (the fixture set the tests use without ../shared) from ../shared/data.

    .venv/bin/python scripts/make_test_data.py [--shared ../shared/data]

Groove MIDI Dataset files (CC BY 4.0), copied unchanged, rows of info.csv kept
in the dataset's own order with all its columns:
1. the files the tests read first from the full dataset, so a test that takes
   "the first N files" reads the same files with or without ../shared:
   the first 4/4 files under the time limits of tests/model_data.py's
   groove_like_folder, the first validation files (test_model_parity.py), the
   first validation beats scripts/groove_clips.py turns into clips;
2. for each split, each style of STYLES and each of beat and fill, the
   shortest 4/4 file (beats of at least MIN_BEAT_SECONDS, so a beat holds some
   bars), and the shortest file not in 4/4 of each split;
3. the shortest train file ending in a whole silent bar, none inside (the
   loader's trim of trailing silence needs one to cut: test_model_dataset.py).
Photos: PHOTOS from data/pose, unchanged. The Y4M clips are never copied: the
tests build them from the photos (tests/pose_clips.py).
Run it again only to change the selection; tests/data/README.md describes it.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from groove_clips import groove_clips  # noqa: E402

TARGET = REPO / "tests" / "data"
STYLES = ("rock", "funk", "jazz", "latin", "hiphop")
MIN_BEAT_SECONDS = 10.0
# (split, count, shorter than seconds): the calls tests make to groove_like_folder, and the parity test's 4 files.
FIRST_FILES = (("train", 12, 20.0), ("validation", 4, 20.0), ("train", 6, 15.0), ("validation", 2, 15.0),
               ("validation", 4, float("inf")))
FIRST_CLIPS = 5  # tests/test_seeds_rhythm.py: CLIPS
PHOTOS = ("COCO_val2014_000000000241.jpg", "COCO_val2014_000000000474.jpg",
          "COCO_val2014_000000000564.jpg", "COCO_val2014_000000000257.jpg",
          "COCO_val2014_000000000294.jpg", "COCO_val2014_000000000459.jpg")


def first_files(rows: list[dict], split: str, count: int, max_seconds: float) -> list[dict]:
    chosen = [r for r in rows if r["split"] == split and r["time_signature"] == "4-4" and float(r["duration"]) < max_seconds]
    return chosen[:count]


def shortest(rows: list[dict], keep) -> list[dict]:
    matching = [r for r in rows if keep(r)]
    return [min(matching, key=lambda r: float(r["duration"]))] if matching else []


def style_files(rows: list[dict]) -> list[dict]:
    chosen = []
    for split in ("train", "validation"):
        for style in STYLES:
            for beat_type in ("beat", "fill"):
                chosen += shortest(rows, lambda r: r["split"] == split and r["style"].split("/")[0] == style
                                   and r["beat_type"] == beat_type and r["time_signature"] == "4-4"
                                   and (beat_type == "fill" or float(r["duration"]) >= MIN_BEAT_SECONDS))
        chosen += shortest(rows, lambda r: r["split"] == split and r["time_signature"] != "4-4")
    return chosen


def ends_in_silence(groove: Path) -> list[str]:
    """The shortest train file ending in a whole silent bar, with none inside what the loader keeps."""
    from poseloops.model.corpus import load_split
    from poseloops.model.training_files import TrainingFiles

    dataset = load_split(groove, "train")
    whole, trimmed = TrainingFiles(dataset, ()), TrainingFiles(dataset, (), trim_silence=True)
    cut = [(len(w), name) for name, w, t in zip(dataset.names, whole.events, trimmed.events)
           if len(w) // 16 * 16 > len(t) and all(t[b:b + 16].any() for b in range(0, len(t) - 15, 16))]
    return [min(cut)[1]] if cut else []


def select_rows(groove: Path) -> tuple[list[str], list[dict]]:
    with (groove / "info.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames), list(reader)
    wanted = {r["midi_filename"] for split, n, s in FIRST_FILES for r in first_files(rows, split, n, s)}
    wanted |= {clip.name for clip in groove_clips("validation", FIRST_CLIPS, groove_dir=groove)}
    wanted |= {r["midi_filename"] for r in style_files(rows)}
    wanted |= set(ends_in_silence(groove))
    return columns, [r for r in rows if r["midi_filename"] in wanted]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    groove, pose = args.shared / "groove", args.shared / "pose"
    columns, rows = select_rows(groove)
    target = TARGET / "groove"
    shutil.rmtree(target, ignore_errors=True)
    for row in rows:
        destination = target / row["midi_filename"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(groove / row["midi_filename"], destination)
    with (target / "info.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    shutil.copyfile(groove / "LICENSE", target / "LICENSE")
    (TARGET / "pose").mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        shutil.copyfile(pose / name, TARGET / "pose" / name)
    size = sum(p.stat().st_size for p in target.rglob("*.mid"))
    print(f"{len(rows)} Groove files ({size / 1024:.0f} KiB), {len(PHOTOS)} photos in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
