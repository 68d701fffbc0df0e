"""``poseloops eval`` on a small folder laid out like the Groove dataset, made from real Groove files."""

from __future__ import annotations

import json
import math

import pytest

from poseloops.midi_io import read_midi_pattern

from .conftest import assert_one_line_error, run_cli
from .model_data import groove_like_folder, rock_beat_hits, write_drum_midi


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


# --- every option of ``eval`` changes what it prints -------------------------------------------------


def rock_folder(folder, bars: dict[str, tuple[str, int]]):
    """A Groove-like folder of rock beats (kick, snare, eighth hats: 12 hits a bar) made with mido:
    ``{file name: (split, bars)}``."""
    for name, (_, length) in bars.items():
        write_drum_midi(folder / name, rock_beat_hits(length))
    (folder / "info.csv").write_text("midi_filename,split\n" + "".join(f"{n},{s}\n" for n, (s, _) in bars.items()))
    return folder


@pytest.fixture(scope="module")
def rock_beats(tmp_path_factory):
    """Train: 8 and 6 bars (224 steps); validation: 4 bars (64 steps)."""
    return rock_folder(tmp_path_factory.mktemp("rock"), {"a.mid": ("train", 8), "b.mid": ("train", 6),
                                                        "c.mid": ("validation", 4)})


def eval_json(*args: str) -> dict:
    result = run_cli("eval", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_eval_split_scores_that_split(rock_beats):
    validation, train = eval_json("--data", str(rock_beats)), eval_json("--data", str(rock_beats), "--split", "train")
    assert (validation["split"], validation["files"], validation["model"]["steps"]) == ("validation", 1, 64)
    assert (train["split"], train["files"], train["model"]["steps"]) == ("train", 2, 224)
    assert "onsets" not in validation and "music" not in validation


def test_eval_prints_text_figures_unless_json(rock_beats):
    report = eval_json("--data", str(rock_beats))
    text = run_cli("eval", "--data", str(rock_beats))
    assert text.returncode == 0, text.stderr
    assert not text.stdout.lstrip().startswith("{")
    model, ngram = report["model"], report["ngram"]
    assert f"model: NLL {model['nll']:.4f} nats/step" in text.stdout and f"{model['steps']} steps" in text.stdout
    assert f"ngram: NLL {ngram['nll']:.4f} nats/step, accuracy {ngram['accuracy']:.4f}" in text.stdout


def test_eval_onsets_compares_the_onsets_of_generated_and_real_bars(rock_beats):
    """Every real bar is the same rock bar of 12 hits: real against real differs by nothing, and the
    shipped model continues it with about as many hits a bar."""
    onsets = eval_json("--data", str(rock_beats), "--onsets")["onsets"]
    assert onsets["seeds"] > 0 and onsets["real_vs_real_mad"] == 0
    assert onsets["hits_per_bar"]["real"] == 12
    assert abs(onsets["hits_per_bar"]["model"] - 12) < 3
    assert onsets["model_mad"] < onsets["ngram_mad"]


def test_eval_music_needs_loops_of_two_bars(tmp_path):
    """--music samples 4-bar loops from one-bar seeds followed by a real bar: a split of one-bar files
    has none, which is one line; the same split without --music is scored (the full judgement on real
    data, 600 seeds, is test_eval_music_judges_sampled_loops, through the library)."""
    short = rock_folder(tmp_path, {"a.mid": ("train", 4), "b.mid": ("validation", 1)})
    assert eval_json("--data", str(short))["model"]["steps"] == 16
    assert_one_line_error(run_cli("eval", "--data", str(short), "--music"), "32 steps")


def test_music_figures_on_machine_made_files_without_spread_are_null_not_a_crash(rock_beats):
    """Every hit at velocity 90 on the grid: the data has no spread and its next bar equals its seed bar,
    so the ratios have nothing to compare with (they crashed with a ZeroDivisionError)."""
    from poseloops.model import load_default_model
    from poseloops.model.corpus import load_split
    from poseloops.model.evaluate import music_report

    report = music_report(load_default_model(), load_split(rock_beats, "validation"), hold_seeds=8)
    assert report["spread"]["data_velocity_sd"] == 0 and report["spread"]["velocity_ratio"] is None
    assert report["spread"]["offset_ratio"] is None
    assert report["hold"]["ratio"] is None  # the drummer's next bar is the seed bar: 0 cells apart
