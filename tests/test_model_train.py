"""A tiny training run end to end: the loss falls and the exported weights load and match PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from poseloops.model import load_model
from poseloops.model.dataset import load_split
from poseloops.model.events import model_inputs
from poseloops.model.train import FileStreams, model_from_arrays, train_model
from poseloops.model.train_config import TrainConfig
from poseloops.model.weights import load_weights

from .model_data import groove_like_folder


def test_tiny_training_run_learns_and_exports(groove_dir, tmp_path):
    data = groove_like_folder(groove_dir, tmp_path / "data", train=6, validation=2, max_seconds=15.0)
    out = tmp_path / "tiny.npz"
    config = TrainConfig(epochs=3, hidden=32, layers=2, embedding=16, dropout=0.1, window=32, batch=16,
                         windows_per_epoch=160, learning_rate=1e-2, seed=3)
    lines = []
    summary = train_model(data, out, config, progress=False, log=lines.append)
    history = summary["history"]
    assert len(history) == 3 and any("validation NLL" in line for line in lines)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert summary["best"]["validation_nll"] < math.log(512) - 2  # far better than a uniform guess

    spec, arrays, training = load_weights(out)
    assert (spec.hidden, spec.layers, spec.embedding) == (32, 2, 16)
    assert training["best"] == summary["best"]
    model = load_model(out)
    events = np.array([5, 0, 4, 0, 6, 0, 4, 1] * 4)
    previous, positions = model_inputs(events)
    with torch.no_grad():
        expected, _ = model_from_arrays(spec, arrays)(torch.from_numpy(previous)[None], torch.from_numpy(positions)[None])
    state = model.lstm.initial_state(1)
    for t in range(len(events)):
        logits, state = model.lstm.step(previous[t:t + 1], positions[t], state)
        assert np.abs(logits[0] - expected[0, t].numpy()).max() <= 1e-4


def test_training_refuses_a_bad_setting(tmp_path):
    from poseloops.errors import ParameterError

    with pytest.raises(ParameterError, match="dropout"):
        train_model(tmp_path, tmp_path / "x.npz", TrainConfig(dropout=1.5), progress=False)


def test_stateful_streams_read_whole_files_in_order(groove_dir, tmp_path):
    data = groove_like_folder(groove_dir, tmp_path / "data", train=4, validation=1, max_seconds=15.0)
    files = [s.astype(np.int64) for s in load_split(data, "train").sequences]
    batch, window = 3, 16
    streams = FileStreams(files, np.random.default_rng(0), batch=batch, window=window)
    rows = [[] for _ in range(batch)]  # per row: the (previous, positions, targets) of each file read
    started = []  # files in the order rows started them
    for _ in range(3 * sum(len(f) for f in files) // (batch * window)):
        previous, positions, targets, mask, reset = (t.numpy() for t in streams.next_batch())
        assert previous.shape == positions.shape == targets.shape == mask.shape == (batch, window)
        for row in range(batch):
            n = int(mask[row].sum())
            assert n > 0 and mask[row, :n].all() and not mask[row, n:].any()  # padding only at the end
            if reset[row]:
                rows[row].append(([], [], []))
            for part, values in zip(rows[row][-1], (previous, positions, targets)):
                part.extend(values[row, :n])
    for row in rows:
        for previous, positions, targets in row[:-1]:  # the last file may still be in progress
            index = next(i for i, f in enumerate(files) if np.array_equal(f, targets))  # a whole file, in order
            expected_previous, expected_positions = model_inputs(files[index])
            assert np.array_equal(previous, expected_previous) and np.array_equal(positions, expected_positions)
            started.append(index)
    assert set(started) == set(range(len(files)))

    state = (torch.ones(2, batch, 5), torch.full((2, batch, 5), 2.0))
    streams.state = state
    h, c = streams.initial_state(torch.tensor([True, False, True]))
    assert (h[:, [0, 2]] == 0).all() and (c[:, [0, 2]] == 0).all()
    assert torch.equal(h[:, 1], state[0][:, 1]) and torch.equal(c[:, 1], state[1][:, 1])
