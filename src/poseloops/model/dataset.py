"""Folders of drum MIDI as event sequences for training and evaluation (no torch here).

``corpus.load_split`` reads a split from such a folder or from a prepared corpus
file; ``training_files`` turns a split into the model's inputs.

Two layouts are read:
- the Groove MIDI Dataset's: an ``info.csv`` with ``midi_filename``, ``split``
  and (optionally) ``time_signature``, ``style``, ``beat_type`` and ``bpm``
  columns, paths relative to the folder;
- any other folder of ``.mid`` / ``.midi`` files (searched recursively): the
  files are split into train / validation by a seeded shuffle.

Drums come from channel 10 and drum-named tracks, pitches are mapped with
Magenta's exact groups, and every note is put on its nearest 16th by ticks,
keeping its velocity and its offset from that 16th (what the groove model
learns). Each file keeps its style (the first part of Groove's ``style``,
e.g. ``funk`` of ``funk/groove1``) and whether it is a beat or a fill.
Only 4/4 files are used: the model's position-in-bar feature assumes 16 steps
a bar. Every skipped file is counted with its reason, and a folder that yields
nothing raises an ``InputError`` saying what was skipped and why (Magenta's
pipeline silently produced empty datasets here, magenta#1998).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..midi_io import DEFAULT_BPM, DrumHits, midi_to_drum_hits, read_midi
from ..pattern import DEFAULT_VELOCITY, MAX_VELOCITY, MIN_VELOCITY, NUM_DRUMS, STEPS_PER_BAR

INFO_CSV = "info.csv"
SPLITS = ("train", "validation", "test")
MIDI_SUFFIXES = (".mid", ".midi")
SHUFFLE_SEED = 2019  # fixed, so a folder without info.csv always splits the same way
VALIDATION_FRACTION = 0.1  # of a folder without info.csv
MIN_STEPS = 2  # a sequence needs a step to predict after the first
EXAMPLES_PER_REASON = 3  # file names quoted in the error message for each reason


@dataclass(frozen=True)
class FileLabels:
    """What ``info.csv`` says of a file; empty where a folder has no such column."""

    time_signature: str | None = None
    style: str = ""  # "" when not known
    fill: bool | None = None  # None when not known
    bpm: float | None = None


@dataclass
class DrumDataset:
    """Event sequences of one split with each hit's velocity and offset, labels, and what was skipped."""

    split: str
    sequences: list[np.ndarray] = field(default_factory=list)  # (steps,) int16 events per file
    velocities: list[np.ndarray] = field(default_factory=list)  # (steps, 9) uint8, 0 where silent
    offsets: list[np.ndarray] = field(default_factory=list)  # (steps, 9) float32 16ths, 0 where silent
    styles: list[str] = field(default_factory=list)
    fills: list[bool | None] = field(default_factory=list)
    bpms: list[float] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # summed velocity and count of hits per (position in bar, drum): how hard drummers play where
    velocity_sum: np.ndarray = field(default_factory=lambda: np.zeros((STEPS_PER_BAR, NUM_DRUMS)))
    hit_count: np.ndarray = field(default_factory=lambda: np.zeros((STEPS_PER_BAR, NUM_DRUMS)))

    def mean_velocities(self, *, default: int = DEFAULT_VELOCITY) -> np.ndarray:
        """``(16, 9)`` mean velocity per (position in bar, drum); ``default`` where no hit was seen."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(self.hit_count > 0, self.velocity_sum / np.maximum(self.hit_count, 1), default)
        return np.clip(np.round(mean), MIN_VELOCITY, MAX_VELOCITY).astype(np.float32)

    @property
    def num_steps(self) -> int:
        return int(sum(len(s) for s in self.sequences))

    def skipped_summary(self) -> str:
        """``3 not in 4/4 (a.mid, b.mid, ...); 1 unreadable MIDI (c.mid)``."""
        parts = []
        for reason, names in sorted(self.skipped.items(), key=lambda item: -len(item[1])):
            examples = ", ".join(names[:EXAMPLES_PER_REASON]) + (", ..." if len(names) > EXAMPLES_PER_REASON else "")
            parts.append(f"{len(names)} {reason} ({examples})")
        return "; ".join(parts) if parts else "nothing skipped"


def load_folder_split(data_dir: Path, split: str) -> DrumDataset:
    """Every usable file of ``split`` in the folder ``data_dir`` (``corpus.load_split`` reads either form).

    Raises ``InputError`` when the folder is missing or the split yields no usable drum notes.
    """
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist")
    dataset = DrumDataset(split=split)
    for path, labels in list_split_files(data_dir, split):
        add_record(dataset, read_drum_file(path, labels, file_name(data_dir, path)), labels)
    if not dataset.sequences:
        raise InputError(
            f"no usable drum notes in the {split} split of {data_dir}: {dataset.skipped_summary()}"
        )
    return dataset


def list_split_files(data_dir: Path, split: str) -> list[tuple[Path, FileLabels]]:
    """(MIDI path, labels from info.csv) of every file in ``split``."""
    info = data_dir / INFO_CSV
    if info.is_file():
        return _files_from_info(info, split)
    files = sorted(p for p in data_dir.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"{data_dir} has neither an {INFO_CSV} nor any .mid/.midi files")
    random.Random(SHUFFLE_SEED).shuffle(files)
    num_validation = max(1, round(len(files) * VALIDATION_FRACTION)) if len(files) > 1 else 0
    chosen = {"validation": files[:num_validation], "train": files[num_validation:], "test": []}[split]
    if not chosen:
        raise InputError(
            f"{data_dir} has no {INFO_CSV}, so its {len(files)} MIDI files are split into train and "
            f"validation only; the {split} split is empty"
        )
    return [(p, FileLabels()) for p in chosen]


def _files_from_info(info: Path, split: str) -> list[tuple[Path, FileLabels]]:
    try:
        with info.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError(f"cannot read {info}: {err}") from None
    if not rows or "midi_filename" not in rows[0] or "split" not in rows[0]:
        raise InputError(f"{info} needs the columns midi_filename and split")
    chosen = [(info.parent / r["midi_filename"], _labels(r)) for r in rows if r["split"] == split]
    if not chosen:
        found = sorted({r["split"] for r in rows})
        raise InputError(f"{info} has no rows of the {split} split (it has: {', '.join(found)})")
    return chosen


def _labels(row: dict[str, str]) -> FileLabels:
    beat_type = (row.get("beat_type") or "").strip().lower()
    try:
        bpm = float(row["bpm"]) if row.get("bpm") else None
    except ValueError:
        bpm = None
    return FileLabels(
        time_signature=row.get("time_signature") or None,
        style=primary_style(row.get("style") or ""),
        fill={"fill": True, "beat": False}.get(beat_type),
        bpm=bpm,
    )


def primary_style(style: str) -> str:
    """``funk`` of Groove's ``funk/groove1``: the genre, lower case; "" for none."""
    return style.split("/")[0].strip().lower()


@dataclass(frozen=True)
class FileRecord:
    """One usable file's arrays (what ``DrumDataset`` keeps of it), or ``reason`` why it is skipped."""

    name: str
    reason: str | None = None
    events: np.ndarray | None = None  # (steps,) int16
    velocities: np.ndarray | None = None  # (steps, 9) uint8
    offsets: np.ndarray | None = None  # (steps, 9) float32
    bpm: float = DEFAULT_BPM
    velocity_sum: np.ndarray | None = None  # (16, 9) summed velocity per (position in bar, drum)
    hit_count: np.ndarray | None = None  # (16, 9)


def read_drum_file(path: Path, labels: FileLabels, name: str) -> FileRecord:
    """``path`` as a ``FileRecord``; never raises for a bad file (its reason is recorded instead).

    A top-level function of plain arguments, so ``corpus.prepare_corpus`` can run it in worker processes.
    """
    time_signature = labels.time_signature
    if time_signature is not None and time_signature.replace("/", "-") != "4-4":
        return FileRecord(name, "not in 4/4")
    if path.is_file() and path.stat().st_size == 0:
        return FileRecord(name, "empty file")
    try:
        midi = read_midi(path)
    except InputError:
        return FileRecord(name, "unreadable or missing MIDI")
    if time_signature is None and not _is_four_four(midi):
        return FileRecord(name, "not in 4/4")
    hits = midi_to_drum_hits(midi, training_groups=True)
    events = hits_to_events(hits)
    if events is None:
        return FileRecord(name, "no drum notes")
    if len(events) < MIN_STEPS:
        return FileRecord(name, "shorter than 2 steps")
    velocities, offsets = hits_to_groove(hits)
    velocity_sum = np.zeros((STEPS_PER_BAR, NUM_DRUMS))
    hit_count = np.zeros((STEPS_PER_BAR, NUM_DRUMS))
    for step, drum, velocity, _ in hits.hits:
        velocity_sum[step % STEPS_PER_BAR, drum] += velocity
        hit_count[step % STEPS_PER_BAR, drum] += 1
    return FileRecord(name, None, events.astype(np.int16), velocities, offsets, labels.bpm or hits.bpm or DEFAULT_BPM,
                      velocity_sum, hit_count)


def file_name(data_dir: Path, path: Path) -> str:
    """How a file is named in messages and in a corpus: relative to the folder where it lies inside it."""
    return str(path.relative_to(data_dir)) if path.is_relative_to(data_dir) else str(path)


def add_record(dataset: DrumDataset, record: FileRecord, labels: FileLabels) -> None:
    """Append a read file to ``dataset``, or count it under its skip reason."""
    if record.reason is not None:
        dataset.skipped[record.reason].append(record.name)
        return
    dataset.sequences.append(record.events)
    dataset.velocities.append(record.velocities)
    dataset.offsets.append(record.offsets)
    dataset.styles.append(labels.style)
    dataset.fills.append(labels.fill)
    dataset.bpms.append(record.bpm)
    dataset.names.append(record.name)
    dataset.velocity_sum += record.velocity_sum
    dataset.hit_count += record.hit_count


def hits_to_events(hits: DrumHits) -> np.ndarray | None:
    """The ``(num_steps,)`` events of ``hits``, or None when there are no hits."""
    if not hits.hits:
        return None
    events = np.zeros(hits.num_steps, dtype=np.int64)
    for step, drum, _, _ in hits.hits:
        events[step] |= 1 << drum
    return events


def hits_to_groove(hits: DrumHits) -> tuple[np.ndarray, np.ndarray]:
    """``(num_steps, 9)`` velocities (uint8) and offsets (float32, 16ths) of ``hits``; 0 where silent."""
    velocities = np.zeros((hits.num_steps, NUM_DRUMS), np.uint8)
    offsets = np.zeros((hits.num_steps, NUM_DRUMS), np.float32)
    for step, drum, velocity, offset in hits.hits:
        velocities[step, drum] = velocity
        offsets[step, drum] = offset
    return velocities, offsets


def _is_four_four(midi) -> bool:
    """True when every time signature in the file is 4/4 (a file with none is 4/4 by MIDI's default)."""
    for track in midi.tracks:
        for message in track:
            if message.type == "time_signature" and (message.numerator, message.denominator) != (4, 4):
                return False
    return True
