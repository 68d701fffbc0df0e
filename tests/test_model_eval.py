"""``poseloops eval`` on a small folder laid out like the Groove dataset, made from real Groove files."""

from __future__ import annotations

import json
import math

import pytest

from poseloops.midi_io import read_midi_pattern

from .conftest import assert_one_line_error, run_cli
from .model_data import groove_like_folder, write_drum_midi


@pytest.fixture(scope="module")
def small_groove(groove_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("groove_small")
    return groove_like_folder(groove_dir, folder, train=12, validation=4, max_seconds=20.0)


def test_eval_json_scores_every_step_of_the_split_for_both_models(small_groove):
    result = run_cli("eval", "--data", str(small_groove), "--split", "validation", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # the step count, worked out independently from the MIDI reader the seeds use
    files = [line.split(",") for line in (small_groove / "info.csv").read_text().splitlines()[1:]]
    header = (small_groove / "info.csv").read_text().splitlines()[0].split(",")
    names = [row[header.index("midi_filename")] for row in files if row[header.index("split")] == "validation"]
    expected_steps = sum(len(read_midi_pattern(small_groove / n, training_groups=True)) for n in names)
    for name in ("model", "ngram"):
        figures = report[name]
        assert figures["steps"] == expected_steps
        assert 0 < figures["nll"] < math.log(512)
        assert 0 <= figures["accuracy"] <= 1
    # the shipped model saw all of Groove's train split; this baseline only 12 short files
    assert report["model"]["nll"] < report["ngram"]["nll"]
    # velocities and offsets, teacher-forced on the real hits, beat the per-position means on the grid
    model, baseline = report["model"], report["groove_baseline"]
    assert 0 < model["velocity_mae"] < baseline["velocity_mae"]
    assert 0 < model["offset_mae_ms"] < baseline["offset_mae_ms"]
    assert model["nll_given_style"] < math.log(512)


def test_eval_recomputes_the_figures_from_real_files_not_the_weights_record(small_groove, tmp_path):
    """The same weights under another training record score the same: eval computes, never reads back."""
    import shutil

    from poseloops.model.weights import DEFAULT_WEIGHTS, spec_path

    copy = tmp_path / "copy.npz"
    shutil.copy(DEFAULT_WEIGHTS, copy)
    document = json.loads(spec_path(DEFAULT_WEIGHTS).read_text())
    document["training"] = {"best": {"validation_nll": 0.001}}
    spec_path(copy).write_text(json.dumps(document))
    shipped = json.loads(run_cli("eval", "--data", str(small_groove), "--json").stdout)
    again = json.loads(run_cli("eval", "--data", str(small_groove), "--json", "--model", str(copy)).stdout)
    assert again["model"] == shipped["model"] and again["model"]["nll"] > 0.5


def test_eval_music_judges_sampled_loops(groove_dir):
    from poseloops.model import load_default_model
    from poseloops.model.corpus import load_split
    from poseloops.model.evaluate import music_report

    report = music_report(load_default_model(), load_split(groove_dir, "validation"), hold_seeds=60)
    hold = report["hold"]
    assert hold["seeds"] == 60
    assert hold["generated_to_real_next"] < hold["generated_to_other_files"]  # it continues this file's groove
    assert report["silent_bar_rate"] == 0.0
    assert 0.7 < report["spread"]["velocity_ratio"] < 1.3 and 0.6 < report["spread"]["offset_ratio"] < 1.4


def test_eval_of_a_split_the_folder_lacks_is_a_one_line_error(small_groove):
    assert_one_line_error(run_cli("eval", "--data", str(small_groove), "--split", "test"), "no rows of the test split")


def test_eval_of_a_folder_without_drums_names_the_reason(tmp_path):
    write_drum_midi(tmp_path / "piano.mid", [(0, 60)], channel=0)
    (tmp_path / "info.csv").write_text("midi_filename,split\npiano.mid,validation\npiano.mid,train\n")
    assert_one_line_error(run_cli("eval", "--data", str(tmp_path)), "no drum notes (piano.mid)")
