"""NumPy inference against PyTorch on the shipped weights and real Groove inputs (max |diff| <= 1e-4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from poseloops.model.dataset import load_split
from poseloops.model.events import model_inputs
from poseloops.model.lstm import NumpyDrumLSTM
from poseloops.model.train import model_from_arrays
from poseloops.model.weights import load_weights

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def shipped():
    spec, arrays, _ = load_weights()
    return NumpyDrumLSTM(spec, arrays), model_from_arrays(spec, arrays)


def test_shipped_model_is_at_least_two_layers_of_256(shipped):
    numpy_model, _ = shipped
    assert numpy_model.layers >= 2 and numpy_model.hidden >= 256


def test_next_step_logits_match_pytorch_on_real_files(shipped, groove_dir):
    numpy_model, torch_model = shipped
    files = load_split(groove_dir, "validation").sequences[:4]
    steps = 160
    batch = np.stack([np.asarray(f[:steps], dtype=np.int64) for f in files if len(f) >= steps])
    previous = np.stack([model_inputs(row)[0] for row in batch])
    positions = np.stack([model_inputs(row)[1] for row in batch])
    with torch.no_grad():
        expected, _ = torch_model(torch.from_numpy(previous), torch.from_numpy(positions))
    state = numpy_model.initial_state(len(batch))
    got = []
    for t in range(steps):
        logits, state = numpy_model.step(previous[:, t], positions[0, t], state)
        got.append(logits)
    got = np.stack(got, axis=1)
    assert got.dtype == np.float32 and got.shape == tuple(expected.shape) == (len(batch), steps, 512)
    difference = np.abs(got - expected.numpy()).max()
    assert difference <= TOLERANCE, difference
    # the logits are not trivially equal: they vary over steps and rows
    assert got.std(axis=1).mean() > 0.1
