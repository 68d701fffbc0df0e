"""``poseloops train-infill`` end to end: a tiny run learns and writes a model the NumPy runtime loads and runs as
PyTorch does; two processes under torchrun train one model together; bad settings are refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from poseloops.model.cell_selection import select_cells
from poseloops.pattern import Pattern

from .conftest import GROOVE_SAMPLE, assert_one_line_error, run_cli

TINY = ["--epochs", "2", "--steps-per-epoch", "6", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "8",
        "--threads", "1", "--max-files", "24", "--seed", "4", "--quiet"]  # 24: the fixture set's first long file is its 17th


@pytest.fixture(scope="module")
def tiny_model(groove_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("infill") / "runs" / "tiny.npz"  # a folder that does not exist yet
    result = run_cli("train-infill", "--data", str(groove_dir), "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("wrote ") == 1
    return out


def test_a_tiny_run_learns_and_writes_what_the_runtime_loads(tiny_model):
    from poseloops.model.infill_model import load_infill_model

    report = json.loads(tiny_model.with_suffix(".json").read_text())["training"]
    history = report["history"]
    assert len(history) == 2 and report["world_size"] == 1
    assert history[-1]["hit_nll"] < history[0]["hit_nll"] < np.log(2)  # better than a coin, and learning
    assert report["best_hit_nll"] == min(h["hit_nll"] for h in history)
    model = load_infill_model(tiny_model)
    assert (model.spec.width, model.spec.layers, model.spec.heads) == (32, 1, 2)
    loop = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 16)
    (drawn,) = model.regenerate(loop, select_cells(len(loop), drums=[2]), rng_seed=3)
    kept = np.ones((len(loop), 9), bool)
    kept[:, 2] = False
    assert np.array_equal(drawn.to_matrix()[kept], loop.to_matrix()[kept])


def test_the_numpy_runtime_runs_a_trained_model_as_pytorch_does(tiny_model):
    import torch

    from poseloops.model.infill_data import NUM_INPUTS, PIECE_BAR_INDICES, WINDOW_STEPS
    from poseloops.model.infill_model import load_infill_model
    from poseloops.model.infill_spec import load_infill
    from poseloops.model.infill_torch import net_from_arrays

    spec, arrays, _ = load_infill(tiny_model)
    rng = np.random.default_rng(1)
    inputs = rng.random((2, WINDOW_STEPS, NUM_INPUTS)).astype(np.float32)
    styles, parts = np.array([0, 2]), rng.integers(0, len(spec.parts), (2, WINDOW_STEPS))
    piece_bars = rng.integers(0, PIECE_BAR_INDICES, (2, WINDOW_STEPS))
    ours = load_infill_model(tiny_model).sampler.net.forward(inputs, styles, parts, piece_bars)
    with torch.no_grad():
        theirs = net_from_arrays(spec, arrays)(*(torch.from_numpy(a) for a in (inputs, styles, parts, piece_bars))
                                               ).numpy()
    np.testing.assert_allclose(ours, theirs, atol=2e-4, rtol=1e-4)


def test_two_processes_under_torchrun_train_one_model(groove_dir, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    out = tmp_path / "two.npz"
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "poseloops", "train-infill", "--data", str(groove_dir), "--out", str(out), *TINY],
                         capture_output=True, text=True, timeout=600, env=env)
    assert two.returncode == 0, two.stderr[-2000:]
    assert two.stdout.count("wrote ") == 1  # rank 0 reports, once
    report = json.loads(out.with_suffix(".json").read_text())["training"]
    assert report["world_size"] == 2 and len(report["history"]) == 2


@pytest.mark.parametrize("args, fragment", [
    (["--width", "30", "--heads", "4"], "width 30 is not a multiple of heads 4"),
    (["--epochs", "0"], "epochs 0"),
    (["--learning-rate", "2"], "learning rate 2"),
])
def test_bad_settings_are_one_line_and_exit_2(groove_dir, tmp_path, args, fragment):
    assert_one_line_error(run_cli("train-infill", "--data", str(groove_dir), "--out", str(tmp_path / "m.npz"),
                                  *args), fragment)


def test_an_out_that_is_a_folder_or_data_that_is_missing_is_refused(tmp_path):
    assert_one_line_error(run_cli("train-infill", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m.npz")),
                          "does not exist")
    assert_one_line_error(run_cli("train-infill", "--data", str(tmp_path), "--out", str(tmp_path)), "is a folder")
    # the fixture set's first 4 train files are one- and two-bar fills: nothing a 4-bar window can be cut from
    assert_one_line_error(run_cli("train-infill", "--data", str(GROOVE_SAMPLE), "--out", str(tmp_path / "m.npz"),
                                  "--max-files", "4"), "no file of 4 whole bars")
