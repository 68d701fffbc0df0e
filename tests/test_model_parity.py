"""NumPy inference against PyTorch on the shipped weights and real Groove inputs (max |diff| <= 1e-4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from poseloops.model.corpus import load_split
from poseloops.model.training_files import TrainingFiles
from poseloops.model.features import PART_ANY
from poseloops.model.lstm import NumpyDrumLSTM
from poseloops.model.train import model_from_arrays, pad_rows
from poseloops.model.weights import load_weights

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def shipped():
    spec, arrays, _ = load_weights()
    return NumpyDrumLSTM(spec, arrays), model_from_arrays(spec, arrays)


def test_shipped_model_is_at_least_two_layers_of_256(shipped):
    numpy_model, _ = shipped
    assert numpy_model.layers >= 2 and numpy_model.hidden >= 256


def test_logits_and_groove_match_pytorch_on_real_files(shipped, groove_dir):
    numpy_model, torch_model = shipped
    spec = numpy_model.spec
    files = TrainingFiles(load_split(groove_dir, "validation"), spec.styles, far_bars=spec.far_bars)
    steps = 96
    chosen = [f for f in range(len(files)) if files.lengths[f] >= steps][:4]
    rows = [files.file_inputs(f, stop=steps, part=PART_ANY) for f in chosen]
    rows[0]["styles"][:] = 1 + spec.styles.index("rock")  # one row with a style given
    batch = pad_rows(rows, steps)
    with torch.no_grad():
        expected_logits, expected_groove, _ = torch_model(batch)
    state = numpy_model.initial_state(len(rows))
    got_logits, got_groove = [], []
    b = {k: v.numpy() for k, v in batch.items()}
    for t in range(steps):
        logits, top, state = numpy_model.step(b["previous"][:, t], b["positions"][:, t], b["lookback"][:, t],
                                              b["styles"][:, t], b["parts"][:, t], state)
        got_logits.append(logits)
        got_groove.append(numpy_model.groove(top, b["events"][:, t]))
    got_logits, got_groove = np.stack(got_logits, axis=1), np.stack(got_groove, axis=1)
    assert got_logits.dtype == np.float32 and got_logits.shape == tuple(expected_logits.shape)
    assert np.abs(got_logits - expected_logits.numpy()).max() <= TOLERANCE
    # the NumPy path clips log scales as the loss does; locations are compared as they are
    expected = expected_groove.numpy()
    assert np.abs(got_groove[..., 0::2] - expected[..., 0::2]).max() <= TOLERANCE
    assert np.abs(got_groove[..., 1::2] - np.clip(expected[..., 1::2], -7, 1)).max() <= TOLERANCE
    # not trivially equal: the outputs vary over steps and rows
    assert got_logits.std(axis=1).mean() > 0.1 and got_groove[..., 0].std() > 0.02
