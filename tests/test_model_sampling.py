"""Sampling with the shipped model: shapes, reproducibility, greedy decoding, argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from poseloops.errors import ParameterError
from poseloops.model import generate, load_default_model
from poseloops.model.events import pattern_to_events, model_inputs
from poseloops.model.train import model_from_arrays
from poseloops.model.weights import load_weights
from poseloops.pattern import MAX_STEPS, Pattern

ROCK_SEED = Pattern.from_steps(
    [[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], []],
    velocities=[[110, 70], [], [60], [], [120, 65], [], [60], [90], [100, 70], []],
    bpm=96.0,
)


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def torch_model():
    spec, arrays, _ = load_weights()
    return model_from_arrays(spec, arrays)


def test_results_are_the_seed_followed_by_the_generated_steps(model):
    results = model.continue_pattern(ROCK_SEED, steps=32, rng_seed=7, variations=3)
    assert len(results) == 3
    for result in results:
        assert len(result) == 42 and result.seed_length == 10 and result.bpm == 96.0
        assert result.steps[:10] == ROCK_SEED.steps and result.velocities[:10] == ROCK_SEED.velocities
        for step in range(10, 42):  # generated hits: the data's mean velocity at that place in the bar
            for drum, velocity in zip(result.steps[step], result.velocities[step]):
                assert velocity == model.velocities[step % 16, drum]
    assert ROCK_SEED.seed_length == 10 and len(ROCK_SEED) == 10  # the seed is untouched
    # a drum model continuing a rock beat plays something in two bars
    assert all(r.slice(10, 42).num_hits > 0 for r in results)


def test_generated_velocities_accent_the_backbeat_like_real_drummers(model):
    snare = model.velocities[:, 1]
    assert snare[4] > 85 and snare[12] > 85  # beats 2 and 4
    assert snare[[1, 3, 5, 7, 9, 11, 13, 15]].max() < snare[4]  # ghost notes on the 16ths are softer
    assert model.velocities.min() >= 1 and model.velocities.max() <= 127


def test_same_rng_seed_same_loops_and_variations_differ(model):
    first = model.continue_pattern(ROCK_SEED, rng_seed=123, variations=4)
    again = model.continue_pattern(ROCK_SEED, rng_seed=123, variations=4)
    other = model.continue_pattern(ROCK_SEED, rng_seed=124, variations=4)
    assert [p.steps for p in first] == [p.steps for p in again]
    assert [p.steps for p in first] != [p.steps for p in other]
    assert len({p.steps for p in first}) > 1  # temperature 1 gives four different variations


def test_temperature_zero_picks_the_most_likely_event_each_step(model, torch_model):
    results = model.continue_pattern(ROCK_SEED, steps=24, temperature=0.0, variations=3, rng_seed=None)
    assert results[0].steps == results[1].steps == results[2].steps
    events = pattern_to_events(results[0])
    previous, positions = model_inputs(events)
    with torch.no_grad():  # an independent implementation checks the choices
        logits, _ = torch_model(torch.from_numpy(previous)[None], torch.from_numpy(positions)[None])
    assert logits[0, 10:].argmax(-1).tolist() == events[10:].tolist()


def test_higher_temperature_gives_more_varied_loops(model):
    def distinct_events(temperature):
        loops = model.continue_pattern(ROCK_SEED, steps=64, temperature=temperature, rng_seed=5, variations=8)
        return len({e for loop in loops for e in pattern_to_events(loop)[10:].tolist()})

    assert distinct_events(0.3) < distinct_events(1.5)


@pytest.mark.parametrize("seed", [Pattern.empty(0), Pattern.empty(10)], ids=["empty", "all rests"])
def test_seed_without_hits_starts_a_new_piece(model, seed):
    results = model.continue_pattern(seed, steps=32, rng_seed=3, variations=2)
    assert all(len(r) == len(seed) + 32 and r.seed_length == len(seed) for r in results)
    assert all(r.num_hits > 0 for r in results)


def test_generate_uses_the_default_model(model):
    assert load_default_model() is model
    assert generate(ROCK_SEED, steps=8, rng_seed=1)[0].steps == model.continue_pattern(ROCK_SEED, steps=8, rng_seed=1)[0].steps
    assert len(generate(ROCK_SEED, steps=0)[0]) == 10


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"steps": -1}, "steps -1"),
        ({"steps": MAX_STEPS}, "longer than 1024"),
        ({"steps": 2.5}, "steps 2.5"),
        ({"temperature": 2.01}, "temperature 2.01"),
        ({"temperature": -0.1}, "temperature -0.1"),
        ({"temperature": float("nan")}, "temperature nan"),
        ({"temperature": "hot"}, "temperature 'hot'"),
        ({"rng_seed": -3}, "rng_seed -3"),
        ({"rng_seed": 1.5}, "rng_seed 1.5"),
        ({"variations": 0}, "variations 0"),
        ({"variations": 65}, "variations 65"),
    ],
)
def test_bad_arguments_raise_parameter_error_naming_the_value(model, options, fragment):
    with pytest.raises(ParameterError) as info:
        model.continue_pattern(ROCK_SEED, **options)
    assert fragment in str(info.value)


def test_a_full_length_pattern_can_be_reached_exactly(model):
    result = model.continue_pattern(ROCK_SEED, steps=MAX_STEPS - 10, rng_seed=0)[0]
    assert len(result) == MAX_STEPS
    assert np.isin(pattern_to_events(result), np.arange(512)).all()
