"""``poseloops prepare`` speed: ``prepare_files_per_s``, MIDI files read into a corpus per second.

Reads ../shared/data/groove when it is there (Groove's 1,150 files), else the fixture set, with one worker
per core; ``prepare_files`` says how many files the figure counts and ``prepare_load_s`` how long the
corpus takes to load back (both splits training reads).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from poseloops.model.corpus import list_all_files, load_split, prepare_corpus

REPO = Path(__file__).resolve().parent.parent
GROOVE_DIRS = (REPO.parent / "shared" / "data" / "groove", REPO / "tests" / "data" / "groove")


def run(results: dict) -> None:
    groove = next(d for d in GROOVE_DIRS if (d / "info.csv").is_file())
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.npz"
        started = time.perf_counter()
        prepare_corpus(groove, corpus, workers=os.cpu_count())
        seconds = time.perf_counter() - started
        files = len(list_all_files(groove))
        started = time.perf_counter()
        load_split(corpus, "train"), load_split(corpus, "validation")
        results["prepare_files_per_s"] = round(files / seconds, 1)
        results["prepare_files"] = files
        results["prepare_load_s"] = round(time.perf_counter() - started, 3)
