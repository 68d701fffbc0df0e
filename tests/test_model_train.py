"""Training end to end: a tiny run learns and exports, DDP with 2 processes follows 1, bad settings are refused."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from poseloops.model import load_model
from poseloops.model.corpus import load_split
from poseloops.model.training_files import TrainingFiles
from poseloops.model.train import build_rows, train_model
from poseloops.model.train_batches import plan_batch, rows_of_rank
from poseloops.model.train_config import TrainConfig
from poseloops.model.weights import load_weights
from poseloops.pattern import Pattern

from .conftest import POSELOOPS, assert_one_line_error, run_cli
from .model_data import groove_like_folder

TINY = dict(hidden=32, layers=2, embedding=16, dropout=0.1, window=32, batch=16, windows_per_epoch=160,
            learning_rate=1e-2, seed=3)


@pytest.fixture(scope="module")
def tiny_data(groove_dir, tmp_path_factory):
    return groove_like_folder(groove_dir, tmp_path_factory.mktemp("tiny"), train=6, validation=2, max_seconds=15.0)


def test_tiny_training_run_learns_and_exports(tiny_data, tmp_path):
    out = tmp_path / "tiny.npz"
    lines = []
    summary = train_model(tiny_data, out, TrainConfig(epochs=3, **TINY), progress=False, log=lines.append)
    history = summary["history"]
    assert len(history) == 3 and any("validation NLL" in line for line in lines)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert summary["best"]["validation_nll"] < math.log(512) - 2  # far better than a uniform guess
    spec, _, training = load_weights(out)
    assert (spec.hidden, spec.layers, spec.embedding) == (32, 2, 16)
    assert training["best"] == summary["best"] and training["world_size"] == 1
    loop = load_model(out).continue_pattern(Pattern.from_steps([[0, 2], [2]]), bars=2, rng_seed=1)[0]
    assert len(loop) == 32


def test_batches_mask_padding_and_join_fills_after_beats(groove_dir):
    files = TrainingFiles(load_split(groove_dir, "validation"), ("rock", "funk"))
    plans = plan_batch(files, np.random.default_rng(0), batch=64, window=48, sparse_openings=0.15)
    batch = build_rows(files, plans, 48)
    mask = batch["mask"].numpy()
    assert batch["lookback"].shape == (64, 48, files.file_inputs(0)["lookback"].shape[1])
    for row, plan in enumerate(plans):
        skip = plan.get("opening", 0)  # a sparse opening is read, not learned
        n = int(mask[row].sum())
        assert n > 0 and mask[row, skip:skip + n].all() and not mask[row, :skip].any()
        assert not mask[row, skip + n:].any()
    joins = [r for r, plan in enumerate(plans) if plan["kind"] == "join" and not plan["part_drop"]]
    assert joins, "some rows join a beat to a fill"
    for r in joins:
        parts = batch["parts"][r].numpy()[mask[r]]
        switch = np.flatnonzero(np.diff(parts))
        assert set(parts) <= {1, 2} and len(switch) <= 1  # beat, then fill
        if len(switch):
            assert (switch[0] + 1) % 16 == 0 or parts[0] == 2  # the fill starts on a bar line


def test_sparse_openings_keep_a_few_real_hits_and_learn_only_what_follows(groove_train):
    """Rows that open like a person's sparse seed: 1-3 of the drummer's hits, then the drummer's real playing."""
    files = TrainingFiles(groove_train, (), far_bars=(2, 4), trim_silence=True)
    plans = plan_batch(files, np.random.default_rng(1), batch=256, window=64, sparse_openings=0.15)
    batch = build_rows(files, plans, 64)
    openings = [(r, p) for r, p in enumerate(plans) if p["kind"] == "opening"]
    assert 0.08 * 256 < len(openings) < 0.25 * 256
    for r, plan in openings:
        n = plan["opening"]
        real = files.events[plan["file"]][plan["start"]:plan["start"] + 64]
        events, velocities = batch["events"][r].numpy(), batch["velocities"][r].numpy()
        assert plan["start"] % 16 == 0 and batch["positions"][r][0] == 0  # a seed opens bar 1
        kept = velocities[:n] > 0
        real_hits = files.velocities[plan["file"]][plan["start"]:plan["start"] + n] > 0
        assert kept.sum() <= 3 and (kept <= real_hits).all() and (kept.any() or not real_hits.any())
        np.testing.assert_array_equal(events[n:len(real)], real[n:])
        assert batch["previous"][r][0] == 0  # nothing before it: as a seed is read
        assert not batch["mask"][r][:n].any() and batch["mask"][r][n:len(real)].all()


@pytest.mark.parametrize("batch", [16, 30, 7])
def test_each_process_builds_its_own_rows_and_together_the_whole_batch_once(groove_dir, batch):
    """Under torchrun every process draws the same plan; rank r of N builds its share of the rows: no row is
    built twice (N processes reading the same rows still follow one process's loss, at N times the cost) and
    none is left out."""
    files = TrainingFiles(load_split(groove_dir, "validation"), ())
    plans = plan_batch(files, np.random.default_rng(2), batch=batch, window=32, sparse_openings=0.2)
    assert len(plans) == batch
    for size in (1, 2, 3, 4, 8):
        shares = [rows_of_rank(plans, rank, size) for rank in range(size)]
        built = sorted(id(plan) for share in shares for plan in share)
        assert built == sorted(id(plan) for plan in plans), size  # every row once, by one process
        assert max(map(len, shares)) - min(map(len, shares)) <= 1  # the work shared evenly


def test_two_processes_follow_one_with_the_same_global_batch(tiny_data, tmp_path):
    """DDP under torchrun (gloo): the same loss curve as one process, within float noise."""
    args = ["train", "--data", str(tiny_data), "--epochs", "2", "--hidden", "32", "--embedding", "16",
            "--window", "32", "--batch", "16", "--dropout", "0", "--seed", "5", "--quiet", "--threads", "1",
            "--max-files", "6"]
    one = run_cli(*args, "--out", str(tmp_path / "one.npz"))
    assert one.returncode == 0, one.stderr
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "poseloops", *args, "--out", str(tmp_path / "two.npz")],
                         capture_output=True, text=True, timeout=600, env=env)
    # torchrun's summary ends stderr; what a failing rank said (a C++ "terminate ... what()", a
    # Python error) is above it: both are shown (a bare-clone run once had rank 1 abort, SIGABRT).
    said = [line for line in two.stderr.splitlines() if any(k in line for k in ("rror", "terminate", "what()", "Abort"))]
    assert two.returncode == 0, "\n".join(said[:20]) + "\n...\n" + two.stderr[-1200:]
    history_one = json.loads((tmp_path / "one.json").read_text())["training"]["history"]
    history_two = json.loads((tmp_path / "two.json").read_text())["training"]
    assert history_two["world_size"] == 2
    for a, b in zip(history_one, history_two["history"]):
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-3, (a, b)
        assert abs(a["validation_nll"] - b["validation_nll"]) < 1e-3, (a, b)


def test_training_refuses_a_bad_setting(tmp_path):
    from poseloops.errors import ParameterError

    with pytest.raises(ParameterError, match="dropout"):
        train_model(tmp_path, tmp_path / "x.npz", TrainConfig(dropout=1.5), progress=False)


def test_train_cli_stops_on_ctrl_c_resumes_and_reports_the_run(tiny_data, tmp_path):
    """Ctrl+C: exit 130 and one line saying how to go on; --resume finishes; the report says what happened."""
    out = tmp_path / "m.npz"
    args = ["train", "--data", str(tiny_data), "--out", str(out), "--epochs", "4", "--hidden", "16",
            "--embedding", "8", "--window", "32", "--batch", "8", "--quiet", "--max-files", "3"]
    running = subprocess.Popen([str(POSELOOPS), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    checkpoint = tmp_path / "m.checkpoint.pt"
    deadline = time.monotonic() + 240
    while not checkpoint.exists() and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    running.send_signal(signal.SIGINT)
    _, stderr = running.communicate(timeout=120)
    assert running.returncode == 130, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        f"interrupted: add --resume to continue from the last epoch in {checkpoint}"]
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert not report["finished"] and 1 <= len(report["epochs"]) < 4

    resumed = run_cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch" in resumed.stdout and "best epoch" in resumed.stdout
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert report["finished"] and [r["epoch"] for r in report["epochs"]] == [1, 2, 3, 4]
    assert report["world_size"] == 1 and report["arguments"]["epochs"] == 4 and report["versions"]["torch"]
    assert report["best"] == json.loads((tmp_path / "m.json").read_text())["training"]["best"]
    assert report["wall_seconds"] > 0 and all(r["validation_nll"] > 0 for r in report["epochs"])
    from PIL import Image

    with Image.open(tmp_path / "m.report.png") as image:
        pixels = np.asarray(image.convert("L"))
    assert pixels.shape == (360, 900) and (pixels < 128).mean() > 0.005  # drawn curves and text, not a blank


def test_train_cli_refuses_bad_input_in_one_line(tiny_data, tmp_path):
    assert_one_line_error(run_cli("train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "x.npz")),
                          "does not exist")
    assert_one_line_error(run_cli("train", "--data", str(tiny_data), "--out", "x.npz", "--far-bars", "1"),
                          "far bars")


def _interrupt_at(text: str):
    """A log that stops the run (as Ctrl+C does) when it sees ``text``: after that epoch's work, before its checkpoint."""
    def log(line: str) -> None:
        if line.startswith(text):
            raise KeyboardInterrupt
    return log


def test_resume_after_an_interrupted_run_ends_with_the_weights_of_an_uninterrupted_one(tiny_data, tmp_path):
    config = TrainConfig(epochs=3, **{**TINY, "windows_per_epoch": 48})
    whole = train_model(tiny_data, tmp_path / "whole.npz", config, progress=False, log=lambda line: None)
    with pytest.raises(KeyboardInterrupt):
        train_model(tiny_data, tmp_path / "cut.npz", config, progress=False, log=_interrupt_at("epoch 2:"))
    import torch

    assert torch.load(tmp_path / "cut.checkpoint.pt", weights_only=False)["epoch"] == 1
    resumed = train_model(tiny_data, tmp_path / "cut.npz", config, progress=False, log=lambda line: None, resume=True)
    drop_time = lambda history: [{k: v for k, v in r.items() if k != "minutes"} for r in history]  # noqa: E731
    assert drop_time(resumed["history"]) == drop_time(whole["history"])
    _, whole_arrays, _ = load_weights(tmp_path / "whole.npz")
    _, cut_arrays, _ = load_weights(tmp_path / "cut.npz")
    for name, array in whole_arrays.items():
        np.testing.assert_allclose(cut_arrays[name], array, rtol=0, atol=1e-6, err_msg=name)
    final_whole = torch.load(tmp_path / "whole.checkpoint.pt", weights_only=False)
    final_cut = torch.load(tmp_path / "cut.checkpoint.pt", weights_only=False)
    for name, tensor in final_whole["model"].items():  # the last epoch's weights, not only the best
        np.testing.assert_allclose(final_cut["model"][name].numpy(), tensor.numpy(), rtol=0, atol=1e-6, err_msg=name)


def test_resume_refuses_other_settings_and_a_missing_checkpoint(tiny_data, tmp_path):
    from poseloops.errors import InputError, ParameterError

    config = TrainConfig(epochs=2, **TINY)
    with pytest.raises(InputError, match="no checkpoint"):
        train_model(tiny_data, tmp_path / "m.npz", config, progress=False, resume=True)
    with pytest.raises(KeyboardInterrupt):
        train_model(tiny_data, tmp_path / "m.npz", config, progress=False, log=_interrupt_at("epoch 2:"))
    with pytest.raises(ParameterError, match="hidden=32 \\(now 16\\)"):
        train_model(tiny_data, tmp_path / "m.npz", TrainConfig(epochs=2, **{**TINY, "hidden": 16}), progress=False,
                    resume=True)


# --- every option of ``poseloops train`` reaches the run ---------------------------------------------
# Runs of one epoch and one batch (a batch of 64 windows covers tiny_data's train split), through the
# command's own parser and ``run_train`` in this process (importing torch once costs more than a run).
# Two runs with the same settings train the same weights, so each option is measured against a run
# without it: the first AdamW step moves every weight that has a gradient by exactly the learning rate.

ONE_STEP = ["--epochs", "1", "--hidden", "16", "--embedding", "8", "--window", "32", "--batch", "64", "--quiet",
            "--threads", "1", "--seed", "5", "--dropout", "0", "--learning-rate", "0.01", "--weight-decay", "0"]


@pytest.fixture(scope="module")
def train_cli(tiny_data, tmp_path_factory):
    """``train(*options)``: ``poseloops train`` on tiny_data with ONE_STEP and ``options`` -> (report, weights)."""
    import torch

    from poseloops.cli import main

    folder = tmp_path_factory.mktemp("options")
    threads = torch.get_num_threads()
    runs = {}

    def train(*options: str) -> tuple[dict, dict[str, np.ndarray]]:
        if options not in runs:
            out = folder / f"run{len(runs)}.npz"
            assert main(["train", "--data", str(tiny_data), "--out", str(out), *ONE_STEP, *options]) == 0
            report = json.loads((folder / f"run{len(runs)}.report.json").read_text())
            runs[options] = report, load_weights(out)[1]
        return runs[options]

    yield train
    torch.set_num_threads(threads)  # --threads set this process's


def weight_changes(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.abs(a[name].astype(np.float64) - b[name]).ravel() for name in a])


def test_train_runs_with_the_same_settings_train_the_same(train_cli):
    (first, weights), (again, weights_again) = train_cli(), train_cli("--seed", "5")
    assert first["epochs"][0]["train_loss"] == again["epochs"][0]["train_loss"]
    assert weight_changes(weights, weights_again).max() == 0


def test_train_learning_rate_is_the_size_of_the_first_step(train_cli):
    """AdamW's first step moves each weight by the learning rate times g / (|g| + 1e-8), its gradient's
    sign unless the gradient is tiny: runs at 1e-2 and 1e-6 from the same start differ by 0.01 - 1e-6 on
    most weights, by less on a few, by more on none."""
    changes = weight_changes(train_cli()[1], train_cli("--learning-rate", "1e-6")[1])
    full_step = np.abs(changes - (0.01 - 1e-6)) < 2e-6
    assert full_step.mean() > 0.5 and changes.max() < 0.01 + 2e-6


def test_train_weight_decay_shrinks_each_weight_by_learning_rate_times_decay(train_cli):
    """Decoupled decay: w <- w (1 - lr wd) before the step, so a run at wd 1 ends 0.01 w_start below one at
    wd 0 (w_start: the run at learning rate 1e-6, within 1e-6 of where both started)."""
    plain, decayed = train_cli()[1], train_cli("--weight-decay", "1")[1]
    start = train_cli("--learning-rate", "1e-6")[1]
    for name in plain:
        np.testing.assert_allclose(plain[name] - decayed[name], 0.01 * start[name], rtol=0, atol=1e-5, err_msg=name)
    assert max(np.abs(start[name]).max() for name in start) > 0.1  # so the decay above is far from 0


def test_train_groove_weight_weighs_the_velocity_and_offset_loss(train_cli):
    """The loss is event NLL + groove weight x groove NLL: on the same first batch, linear in the weight,
    and at weight 0 the untrained model's event NLL, near ln 512."""
    loss = {w: train_cli("--groove-weight", w)[0]["epochs"][0]["train_loss"] for w in ("0", "1", "3")}
    assert abs(loss["0"] - math.log(512)) < 0.3
    groove_nll = loss["1"] - loss["0"]
    assert abs(groove_nll) > 0.1 and abs(loss["3"] - loss["0"] - 3 * groove_nll) < 2e-3


@pytest.mark.parametrize("option, value", [("--dropout", "0.5"), ("--sparse-openings", "1")])
def test_train_dropout_and_sparse_openings_change_what_the_first_batch_learns(train_cli, option, value):
    """Dropout drops activations of the first forward pass; sparse openings leave each row's first 1-3
    steps unlearned: either way the first batch's loss and the step it takes differ from the plain run's."""
    (plain, plain_weights), (changed, changed_weights) = train_cli(), train_cli(option, value)
    assert abs(changed["epochs"][0]["train_loss"] - plain["epochs"][0]["train_loss"]) > 1e-3
    assert weight_changes(plain_weights, changed_weights).max() > 1e-3
    assert changed["config"][option[2:].replace("-", "_")] == float(value)


def test_train_minutes_stops_the_run_early(train_cli, capsys):
    report, _ = train_cli("--epochs", "40", "--minutes", "0.01")
    assert report["finished"] and 1 <= len(report["epochs"]) < 40
    assert "stopping: the 0.01-minute cap is reached" in capsys.readouterr().out


def test_train_threads_sets_torchs_threads(train_cli):
    import torch

    torch.set_num_threads(1)
    train_cli("--threads", "3")
    assert torch.get_num_threads() == 3
