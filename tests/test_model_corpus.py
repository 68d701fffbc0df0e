"""``poseloops prepare``: a MIDI folder read once into a corpus file that train and eval read in its place."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from poseloops.model.corpus import load_split, prepare_corpus
from poseloops.model.train import train_model
from poseloops.model.train_config import TrainConfig

from .conftest import assert_one_line_error, run_cli
from .model_data import groove_like_folder, rock_beat_hits, write_drum_midi

TINY = TrainConfig(epochs=1, hidden=16, layers=1, embedding=8, dropout=0.0, window=32, batch=8, windows_per_epoch=24,
                   seed=4)
BAD_FILES = {"bad/broken.mid": "unreadable or missing MIDI", "bad/empty.mid": "empty file",
             "bad/piano.mid": "no drum notes"}


@pytest.fixture(scope="module")
def messy_groove(groove_dir, tmp_path_factory):
    """Six real Groove files, plus a broken, an empty and a piano-only file listed in its info.csv."""
    folder = groove_like_folder(groove_dir, tmp_path_factory.mktemp("messy"), train=4, validation=2,
                                max_seconds=20.0)
    (folder / "bad").mkdir()
    (folder / "bad/broken.mid").write_bytes(b"MThd\x00\x00\x00\x06 not a MIDI file")
    (folder / "bad/empty.mid").write_bytes(b"")
    write_drum_midi(folder / "bad/piano.mid", [(0, 60), (4, 64), (8, 67)], channel=0)
    with (folder / "info.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for name in BAD_FILES:
        rows.append({**rows[0], "midi_filename": name, "split": "train"})
    with (folder / "info.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_prepare_counts_the_files_it_read_and_says_why_it_skipped_the_rest(messy_groove, tmp_path):
    corpus = tmp_path / "corpus.npz"
    result = run_cli("prepare", str(messy_groove), "--out", str(corpus), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "read 6 files: 4 train" in result.stdout and "2 validation" in result.stdout
    assert "skipped 3;" in result.stdout
    for name, reason in BAD_FILES.items():
        assert f"skipped 1: {reason} ({name})" in result.stdout, result.stdout
    train = load_split(corpus, "train")
    assert {reason: names for reason, names in train.skipped.items()} == {r: [n] for n, r in BAD_FILES.items()}


def test_the_corpus_holds_what_the_folder_holds_and_trains_the_same(messy_groove, tmp_path):
    corpus = tmp_path / "corpus.npz"
    prepare_corpus(messy_groove, corpus, workers=2)
    for split in ("train", "validation"):
        folder, cached = load_split(messy_groove, split), load_split(corpus, split)
        assert cached.names == folder.names and cached.styles == folder.styles and cached.fills == folder.fills
        assert cached.bpms == folder.bpms and cached.skipped == folder.skipped
        for a, b in zip(folder.sequences + folder.velocities + folder.offsets,
                        cached.sequences + cached.velocities + cached.offsets):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(folder.mean_velocities(), cached.mean_velocities())
    from_folder = train_model(messy_groove, tmp_path / "a.npz", TINY, progress=False, log=lambda line: None)
    from_corpus = train_model(corpus, tmp_path / "b.npz", TINY, progress=False, log=lambda line: None)
    assert from_folder["history"][0]["train_loss"] == from_corpus["history"][0]["train_loss"]
    assert from_folder["best"]["validation_nll"] == from_corpus["best"]["validation_nll"]


def test_eval_reads_the_corpus_in_place_of_the_folder(messy_groove, tmp_path):
    corpus = tmp_path / "corpus.npz"
    prepare_corpus(messy_groove, corpus, workers=1)
    from_folder = run_cli("eval", "--data", str(messy_groove), "--json")
    from_corpus = run_cli("eval", "--data", str(corpus), "--json")
    assert from_corpus.returncode == 0, from_corpus.stderr
    folder_report, corpus_report = json.loads(from_folder.stdout), json.loads(from_corpus.stdout)
    assert corpus_report["model"] == folder_report["model"] and corpus_report["files"] == 2
    assert corpus_report["groove_baseline"] == folder_report["groove_baseline"]


def test_a_plain_folder_without_info_csv_splits_the_same_way_as_training_reads_it(groove_dir, tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    for path in sorted(groove_dir.rglob("*_4-4.mid"))[:10]:
        shutil.copy(path, folder / path.name)
    write_drum_midi(folder / "sub/mine.mid", rock_beat_hits(2))
    report = prepare_corpus(folder, tmp_path / "plain.npz", workers=2)
    assert report.files["train"] + report.files["validation"] == 11 and report.files["validation"] == 1
    for split in ("train", "validation"):
        cached = load_split(tmp_path / "plain.npz", split)
        assert cached.names == load_split(folder, split).names
        assert set(cached.styles) == {""} and set(cached.fills) == {None}  # nothing says style or part


def test_prepare_and_train_refuse_bad_input_in_one_line(tmp_path):
    write_drum_midi(tmp_path / "piano/a.mid", [(0, 60)], channel=0)
    assert_one_line_error(run_cli("prepare", str(tmp_path / "piano"), "--out", str(tmp_path / "c.npz")),
                          "no usable drum notes", "no drum notes (a.mid)")
    assert_one_line_error(run_cli("prepare", str(tmp_path / "none"), "--out", str(tmp_path / "c.npz")),
                          "does not exist")
    (tmp_path / "fake.npz").write_bytes(b"PK\x03\x04 truncated")
    assert_one_line_error(run_cli("eval", "--data", str(tmp_path / "fake.npz")), "cannot read the corpus")
    np.savez(tmp_path / "weights.npz", x=np.zeros(3))
    assert_one_line_error(run_cli("train", "--data", str(tmp_path / "weights.npz"), "--out", str(tmp_path / "m.npz")),
                          "is not a corpus")


PREPARE_COUNTING_FORKS = (
    "import sys\n"
    "forks = []\n"
    "sys.addaudithook(lambda event, _: forks.append(event) if event == 'os.fork' else None)\n"
    "from poseloops.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('forked', len(forks))\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize("workers", [1, 3])
def test_prepare_workers_is_the_number_of_reading_processes(messy_groove, tmp_path, workers):
    """--workers 1 reads in the command's own process; N starts a pool of N (counted as the forks Python
    audits). The default, one per core, differs from 1 or from 3 on any machine. The corpus is the same."""
    corpus = tmp_path / "corpus.npz"
    result = subprocess.run([sys.executable, "-c", PREPARE_COUNTING_FORKS, "prepare", str(messy_groove),
                             "--out", str(corpus), "--workers", str(workers)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"forked {0 if workers == 1 else workers}"
    assert len(load_split(corpus, "train").sequences) == 4
