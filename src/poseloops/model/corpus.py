"""A MIDI folder read once into one compact corpus file (``poseloops prepare``), for ``train`` and ``eval``.

Reading and quantising MIDI is most of what ``load_split`` costs (about a
minute for Groove's thousand files on one core); a library of tens of
thousands of files would pay it again at every training run. ``prepare_corpus``
reads every file of every split in worker processes and writes one ``.npz``:
each split's events, velocities and offsets concatenated, with per-file
start indices, labels (style, beat/fill), tempo, source name, the per-position
velocity sums the groove baseline needs, and what was skipped and why.
``load_split`` (here, the one entry point for both storage forms) reads such a
file wherever it reads a folder, into the same ``DrumDataset`` (same files in
the same order), so training on the corpus is training on the folder.
"""

from __future__ import annotations

import json
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ParameterError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR
from .dataset import (SPLITS, DrumDataset, FileLabels, add_record, file_name, list_split_files, load_folder_split,
                      read_drum_file)

CORPUS_TYPE = "poseloops.drum_corpus"
CORPUS_VERSION = 1
FILL_CODES = {None: -1, False: 0, True: 1}  # beat/fill label as stored; -1 where the folder does not say
FILES_PER_TASK = 16  # files a worker reads per task: fewer round trips than one file each


@dataclass(frozen=True)
class PrepareReport:
    """What ``prepare_corpus`` read: files per split, steps, and skipped files by reason."""

    path: Path
    files: dict[str, int]
    steps: dict[str, int]
    skipped: dict[str, list[str]]

    @property
    def files_read(self) -> int:
        return sum(self.files.values())

    @property
    def files_skipped(self) -> int:
        return sum(len(names) for names in self.skipped.values())


def load_split(data_dir: str | Path, split: str) -> DrumDataset:
    """Every usable file of ``split`` in ``data_dir`` (a folder, or a corpus from ``poseloops prepare``).

    Raises ``ParameterError`` for an unknown split and ``InputError`` when the
    folder is missing or the split yields no usable drum notes.
    """
    if split not in SPLITS:
        raise ParameterError(f"split {split!r} is not one of {', '.join(SPLITS)}")
    data_dir = Path(data_dir)
    if data_dir.is_file():
        return load_corpus_split(data_dir, split)
    return load_folder_split(data_dir, split)


def list_all_files(data_dir: Path) -> list[tuple[str, Path, FileLabels]]:
    """(split, path, labels) of every file of every split, in ``load_split``'s order."""
    listed, errors = [], []
    for split in SPLITS:
        try:
            listed += [(split, path, labels) for path, labels in list_split_files(data_dir, split)]
        except InputError as err:  # a split the folder lacks
            errors.append(err)
    if not listed:
        raise errors[0]
    return listed


def _read_chunk(data_dir: Path, chunk: list[tuple[str, Path, FileLabels]]):
    return [read_drum_file(path, labels, file_name(data_dir, path)) for _, path, labels in chunk]


def prepare_corpus(data_dir: str | Path, out_path: str | Path, *, workers: int | None = None) -> PrepareReport:
    """Read every MIDI file under ``data_dir`` with ``workers`` processes and write the corpus ``out_path``.

    Raises ``InputError`` when the folder is missing or yields no usable file, ``ParameterError`` for a bad
    ``workers`` or an ``out_path`` not ending in ``.npz``.
    """
    data_dir, out_path = Path(data_dir), Path(out_path)
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ParameterError(f"workers={workers} must be at least 1")
    if out_path.suffix != ".npz":
        raise ParameterError(f"corpus file {out_path} must end in .npz")
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist")
    listed = list_all_files(data_dir)
    chunks = [listed[i:i + FILES_PER_TASK] for i in range(0, len(listed), FILES_PER_TASK)]
    if workers == 1:
        records = [r for chunk in chunks for r in _read_chunk(data_dir, chunk)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            records = [r for rs in pool.map(_read_chunk, [data_dir] * len(chunks), chunks) for r in rs]
    datasets = {split: DrumDataset(split=split) for split in SPLITS}
    for (split, _, labels), record in zip(listed, records):
        add_record(datasets[split], record, labels)
    if not any(d.sequences for d in datasets.values()):
        every = DrumDataset(split="all")
        for d in datasets.values():
            for reason, names in d.skipped.items():
                every.skipped[reason] += names
        raise InputError(f"no usable drum notes in {data_dir}: {every.skipped_summary()}")
    _write(out_path, datasets, data_dir)
    skipped: dict[str, list[str]] = {}
    for d in datasets.values():
        for reason, names in d.skipped.items():
            skipped.setdefault(reason, []).extend(names)
    return PrepareReport(out_path, {s: len(d.sequences) for s, d in datasets.items()},
                         {s: d.num_steps for s, d in datasets.items()}, skipped)


def _write(out_path: Path, datasets: dict[str, DrumDataset], data_dir: Path) -> None:
    arrays = {}
    for split, d in datasets.items():
        lengths = [len(s) for s in d.sequences]
        arrays[f"{split}.starts"] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        arrays[f"{split}.events"] = np.concatenate(d.sequences or [np.zeros(0, np.int16)]).astype(np.int16)
        arrays[f"{split}.velocities"] = np.concatenate(d.velocities or [np.zeros((0, NUM_DRUMS), np.uint8)])
        arrays[f"{split}.offsets"] = np.concatenate(d.offsets or [np.zeros((0, NUM_DRUMS), np.float32)])
        arrays[f"{split}.styles"] = np.array(d.styles, dtype=str)
        arrays[f"{split}.fills"] = np.array([FILL_CODES[f] for f in d.fills], np.int8)
        arrays[f"{split}.bpms"] = np.array(d.bpms, np.float64)
        arrays[f"{split}.names"] = np.array(d.names, dtype=str)
        arrays[f"{split}.velocity_sum"] = d.velocity_sum
        arrays[f"{split}.hit_count"] = d.hit_count
    header = {"type": CORPUS_TYPE, "version": CORPUS_VERSION, "source": str(data_dir.resolve()),
              "skipped": {s: dict(d.skipped) for s, d in datasets.items()}}
    arrays["header"] = np.array(json.dumps(header))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)  # mostly zeros (silent drums): a tenth of the raw size
    os.replace(tmp, out_path)


def load_corpus_split(path: str | Path, split: str) -> DrumDataset:
    """One split of a corpus file as the ``DrumDataset`` ``load_split`` reads from the folder.

    Raises ``InputError`` when the file is not a corpus of this version or the split holds no file.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(str(archive["header"])) if "header" in archive.files else {}
            if header.get("type") != CORPUS_TYPE:
                raise InputError(f"{path} is not a corpus from poseloops prepare")
            if header.get("version") != CORPUS_VERSION:
                raise InputError(f"corpus {path} is version {header.get('version')!r}, this PoseLoops reads "
                                 f"version {CORPUS_VERSION}: run poseloops prepare again")
            a = {key.split(".", 1)[1]: archive[key] for key in archive.files if key.startswith(f"{split}.")}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise InputError(f"cannot read the corpus {path}: {err}") from None
    dataset = DrumDataset(split=split)
    for reason, names in header["skipped"].get(split, {}).items():
        dataset.skipped[reason] = list(names)
    starts = a["starts"]
    codes = {code: fill for fill, code in FILL_CODES.items()}
    for i in range(len(starts) - 1):
        steps = slice(int(starts[i]), int(starts[i + 1]))
        dataset.sequences.append(a["events"][steps])
        dataset.velocities.append(a["velocities"][steps])
        dataset.offsets.append(a["offsets"][steps])
    dataset.styles = [str(s) for s in a["styles"]]
    dataset.fills = [codes[int(c)] for c in a["fills"]]
    dataset.bpms = [float(b) for b in a["bpms"]]
    dataset.names = [str(n) for n in a["names"]]
    dataset.velocity_sum = a["velocity_sum"].astype(np.float64).reshape(STEPS_PER_BAR, NUM_DRUMS)
    dataset.hit_count = a["hit_count"].astype(np.float64).reshape(STEPS_PER_BAR, NUM_DRUMS)
    if not dataset.sequences:
        raise InputError(f"no usable drum notes in the {split} split of the corpus {path}: "
                         f"{dataset.skipped_summary()}")
    return dataset
