"""``--model FILE`` on every command that plays the model: your own weights are used, and a
wrong or corrupt file is one line naming it (exit 2), before anything is written."""

from __future__ import annotations

import json
import shutil
import time

import httpx
import numpy as np
import pytest

from poseloops.model import load_model
from poseloops.model.train import TrainConfig, train_model
from poseloops.model.weights import spec_path
from poseloops.pattern import Pattern, json_to_pattern, pattern_to_json

from .conftest import assert_one_line_error, run_cli
from .model_data import groove_like_folder
from .server_harness import start_server

TINY = dict(hidden=24, layers=1, embedding=8, dropout=0.0, window=32, batch=16, windows_per_epoch=64,
            learning_rate=1e-2, seed=5)
SEED = Pattern.from_steps([[0, 2], [2], [1, 2], [2], [0, 2], [2], [1, 2], [2]])


@pytest.fixture(scope="module")
def own_model(groove_dir, tmp_path_factory):
    """Weights a user trained themselves: small, and so unlike the shipped model."""
    folder = tmp_path_factory.mktemp("own")
    data = groove_like_folder(groove_dir, folder / "midi", train=4, validation=1, max_seconds=10.0)
    out = folder / "my-groove.npz"
    train_model(data, out, TrainConfig(epochs=1, **TINY), progress=False, log=lambda line: None)
    return out


@pytest.fixture(scope="module")
def broken_models(own_model, tmp_path_factory):
    """One file per way a weights file goes wrong, and a fragment its error must name."""
    folder = tmp_path_factory.mktemp("broken")
    cases = {}
    cases["missing"] = (folder / "nowhere.npz", "nowhere.npz")
    text = folder / "notes.npz"
    text.write_text("these are not weights\n")
    shutil.copy(spec_path(own_model), spec_path(text))
    cases["not an archive"] = (text, "notes.npz")
    cut = folder / "cut.npz"
    cut.write_bytes(own_model.read_bytes()[: own_model.stat().st_size // 2])
    shutil.copy(spec_path(own_model), spec_path(cut))
    cases["truncated"] = (cut, "cut.npz")
    no_spec = folder / "lonely.npz"
    shutil.copy(own_model, no_spec)
    cases["no spec beside it"] = (no_spec, "lonely.json")
    other = folder / "other.npz"
    np.savez(other, weights=np.zeros((3, 3), dtype=np.float32))
    shutil.copy(spec_path(own_model), spec_path(other))
    cases["other arrays"] = (other, "other.npz")
    return cases


def generated(*args: str) -> Pattern:
    result = run_cli("generate", "--seed-pattern", str(args[0]), "--bars", "2", "--rng-seed", "7", *args[1:],
                     "--json", str(args[0]) + ".out.json")
    assert result.returncode == 0, result.stderr
    with open(str(args[0]) + ".out.json", encoding="utf-8") as handle:
        return json_to_pattern(handle.read())


def test_generate_with_your_model_plays_your_model(own_model, tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(pattern_to_json(SEED))
    mine = generated(seed_file, "--model", str(own_model))
    shipped = generated(seed_file)
    expected = load_model(own_model).continue_pattern(SEED, bars=2, rng_seed=7)[0]
    assert mine.steps == expected.steps and mine.velocities == expected.velocities
    assert mine.steps != shipped.steps  # a one-epoch toy and the shipped model do not agree on 24 steps


def test_humanize_with_your_model_plays_your_velocities(own_model, tmp_path):
    seed_file = tmp_path / "grid.json"
    seed_file.write_text(pattern_to_json(SEED))
    outputs = {}
    for name, extra in (("mine", ["--model", str(own_model)]), ("shipped", [])):
        out = tmp_path / f"{name}.json"
        result = run_cli("humanize", str(seed_file), "--out", str(out), "--rng-seed", "2", *extra)
        assert result.returncode == 0, result.stderr
        outputs[name] = json_to_pattern(out.read_text())
    expected = load_model(own_model).humanize(SEED, rng_seed=2)
    assert outputs["mine"].steps == SEED.steps == outputs["shipped"].steps  # humanize never changes the hits
    assert outputs["mine"].velocities == expected.velocities
    assert outputs["mine"].velocities != outputs["shipped"].velocities


def test_eval_scores_your_model(own_model, groove_dir, tmp_path):
    data = groove_like_folder(groove_dir, tmp_path / "midi", train=1, validation=2, max_seconds=10.0)
    mine = json.loads(run_cli("eval", "--data", str(data), "--json", "--model", str(own_model)).stdout)
    shipped = json.loads(run_cli("eval", "--data", str(data), "--json").stdout)
    assert mine["model"]["steps"] == shipped["model"]["steps"] > 0
    assert mine["model"]["nll"] > shipped["model"]["nll"]  # a one-epoch toy is the worse predictor


def wrong_model_commands(tmp_path) -> dict[str, list[str]]:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(pattern_to_json(SEED))
    return {
        "generate": ["generate", "--seed-pattern", str(seed_file), "--json", str(tmp_path / "g.json")],
        "humanize": ["humanize", str(seed_file), "--out", str(tmp_path / "h.json")],
        "eval": ["eval", "--data", str(tmp_path), "--json"],
        "serve": ["serve", "--port", "0"],
    }


def test_every_way_a_weights_file_goes_wrong_is_one_line_naming_it(broken_models, tmp_path):
    generate = wrong_model_commands(tmp_path)["generate"]
    for case, (path, named) in broken_models.items():
        assert_one_line_error(run_cli(*generate, "--model", str(path), timeout=60), named)
    assert not (tmp_path / "g.json").exists()


def test_a_wrong_weights_file_is_one_line_on_every_command(broken_models, tmp_path):
    path, named = broken_models["truncated"]
    for command, args in wrong_model_commands(tmp_path).items():
        result = run_cli(*args, "--model", str(path), timeout=60)
        assert_one_line_error(result, named)
    assert not (tmp_path / "g.json").exists() and not (tmp_path / "h.json").exists()


def test_the_studio_names_the_model_it_serves(own_model):
    server = start_server(args=["--model", str(own_model)], wait_ready=False)  # the model, not the pose estimator
    try:
        deadline = time.monotonic() + 120
        while True:  # 503 while the model loads
            answer = httpx.get(server.url + "/api/model", timeout=30)
            if answer.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        server.stop()
    assert answer.status_code == 200, answer.text
    info = answer.json()
    assert info["name"] == "my-groove" and info["shipped"] is False and info["path"] == str(own_model.resolve())
