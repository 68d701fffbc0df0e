"""The shipped weights and their JSON spec: present, small, checked on load."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from poseloops.errors import ModelError
from poseloops.model import load_model
from poseloops.model.weights import DEFAULT_WEIGHTS, load_weights, save_weights, spec_path

MAX_SHIPPED_BYTES = 20 * 1024 * 1024  # the limit for the package data


def test_shipped_weights_are_small_and_describe_their_training():
    assert DEFAULT_WEIGHTS.stat().st_size < MAX_SHIPPED_BYTES
    spec, arrays, training = load_weights()
    assert spec.type == "poseloops.groove_lstm" and spec.num_events == 512 and spec.position_bits == 4
    assert "rock" in spec.styles and "funk" in spec.styles
    assert sum(a.size for a in arrays.values()) > 1_000_000  # at least 2 x 256 units
    assert training["best"]["validation_nll"] <= 1.10 and training["best"]["validation_accuracy"] >= 0.70


@pytest.fixture
def copied(tmp_path):
    target = tmp_path / "model.npz"
    shutil.copy(DEFAULT_WEIGHTS, target)
    shutil.copy(spec_path(DEFAULT_WEIGHTS), spec_path(target))
    return target


@pytest.mark.parametrize(
    "field, value, fragment",
    [("version", 99, "version is 99"), ("type", "magenta.drums_rnn", "type is 'magenta.drums_rnn'"),
     ("num_events", 256, "num_events is 256"), ("hidden", 300, "shape")],
)
def test_a_spec_that_does_not_match_is_refused(copied, field, value, fragment):
    document = json.loads(spec_path(copied).read_text())
    document[field] = value
    spec_path(copied).write_text(json.dumps(document))
    with pytest.raises(ModelError, match=fragment):
        load_model(copied)


def test_missing_or_broken_files_are_refused(copied, tmp_path):
    spec_path(copied).unlink()
    with pytest.raises(ModelError, match="spec .* is missing"):
        load_model(copied)
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path / "nothing.npz")


def test_save_then_load_round_trips_the_arrays(tmp_path):
    spec, arrays, training = load_weights()
    save_weights(tmp_path / "again.npz", spec, arrays, training={"note": "copy"})
    spec2, arrays2, training2 = load_weights(tmp_path / "again.npz")
    assert spec2 == spec and training2 == {"note": "copy"}
    assert all(np.array_equal(arrays[k], arrays2[k]) for k in arrays)
    arrays["out.bias"] = arrays["out.bias"][:10]
    with pytest.raises(ModelError, match="out.bias has shape"):
        save_weights(tmp_path / "bad.npz", spec, arrays)
