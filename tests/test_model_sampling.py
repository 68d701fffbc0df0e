"""Sampling with the shipped model: whole-bar loops, the groove, reproducibility, draws that follow the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from poseloops.errors import ParameterError
from poseloops.model import generate, load_default_model
from poseloops.model.events import pattern_to_events
from poseloops.model.features import PART_BEAT, teacher_inputs
from poseloops.model.sampling import choose, draw_groove
from poseloops.model.train import model_from_arrays, pad_rows
from poseloops.model.weights import load_weights
from poseloops.pattern import MAX_STEPS, Pattern

ROCK_SEED = Pattern.from_steps(
    [[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], []],
    velocities=[[110, 70], [], [60], [], [120, 65], [], [60], [90], [100, 70], []],
    offsets=[[0.0, 0.05], [], [0.1], [], [-0.05, 0.0], [], [0.1], [0.0], [0.0, 0.05], []],
    bpm=96.0,
)


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def torch_model():
    spec, arrays, _ = load_weights()
    return model_from_arrays(spec, arrays)


def test_loops_are_whole_bars_with_the_seed_opening_bar_one(model):
    results = model.continue_pattern(ROCK_SEED, rng_seed=7, variations=3)
    assert len(results) == 3
    for result in results:
        assert len(result) == 64 and result.seed_length == 10 and result.bpm == 96.0  # 4 bars by default
        assert result.slice(0, 10) == ROCK_SEED.with_seed_length(10)  # steps, velocities, offsets kept
        generated = result.slice(10, 64)
        velocities = [v for vels in generated.velocities for v in vels]
        offsets = [o for offs in generated.offsets for o in offs]
        assert len(set(velocities)) > 5 and len(set(offsets)) > 5  # played, not stamped
        assert all(1 <= v <= 127 for v in velocities) and all(-0.5 <= o < 0.5 for o in offsets)
    assert len(ROCK_SEED) == 10  # the seed is untouched
    assert len(model.continue_pattern(ROCK_SEED, bars=2, rng_seed=1)[0]) == 32
    assert len(model.continue_pattern(Pattern.empty(40), rng_seed=1)[0]) == 96  # a 3-bar seed: twice its bars
    assert len(model.continue_pattern(ROCK_SEED, steps=5, rng_seed=1)[0]) == 15


def test_same_rng_seed_same_loops_and_variations_differ(model):
    first = model.continue_pattern(ROCK_SEED, rng_seed=123, variations=4)
    again = model.continue_pattern(ROCK_SEED, rng_seed=123, variations=4)
    other = model.continue_pattern(ROCK_SEED, rng_seed=124, variations=4)
    assert first == again
    assert [p.steps for p in first] != [p.steps for p in other]
    assert len({p.steps for p in first}) > 1  # temperature 1 gives four different variations


def test_temperature_zero_picks_the_most_likely_event_and_groove_each_step(model, torch_model):
    results = model.continue_pattern(ROCK_SEED, bars=2, temperature=0.0, variations=3)
    assert results[0] == results[1] == results[2]
    loop = results[0]
    parts = np.full(len(loop), PART_BEAT)
    inputs = teacher_inputs(pattern_to_events(loop), loop.to_matrix(), loop.offset_matrix(), parts,
                            far_bars=model.spec.far_bars)
    inputs["styles"] = np.zeros(len(loop), np.int64)
    with torch.no_grad():  # an independent implementation checks the choices
        logits, groove, _ = torch_model(pad_rows([inputs], len(loop)))
    # greedy: a rest where the model thinks it more likely than not, else the likeliest hit
    probs = torch.softmax(logits[0, 10:], -1)
    greedy = torch.where(probs[:, 0] > 0.5, 0, probs[:, 1:].argmax(-1) + 1)
    assert greedy.tolist() == pattern_to_events(loop)[10:].tolist()
    expected_velocity = np.clip(np.round(groove[0, 10:, :, 0].numpy() * 127), 1, 127)
    hits = loop.to_matrix()[10:] > 0
    assert np.abs(loop.to_matrix()[10:][hits] - expected_velocity[hits]).max() <= 1
    assert np.abs(loop.offset_matrix()[10:][hits] - groove[0, 10:, :, 2].numpy()[hits]).max() <= 2e-4


def test_event_draws_follow_the_softmax(model):
    """A sampler that shifts, skips or flattens its draws fails this chi-square test."""
    logits, _, _ = _first_step(model)
    rng = np.random.default_rng(0)
    draws = np.concatenate([choose(np.repeat(logits, 1000, axis=0), 1.0, rng) for _ in range(20)])
    probs = np.exp(logits[0] - logits[0].max())
    probs /= probs.sum()  # at temperature 1 the draw is the model's own softmax
    top = np.argsort(probs)[::-1][:8]
    observed = np.array([(draws == e).sum() for e in top] + [(~np.isin(draws, top)).sum()])
    expected = np.append(probs[top], 1 - probs[top].sum())
    expected = expected / expected.sum() * len(draws)
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # temperature flattens the choice of drums and keeps the rest's probability
    hot = choose(np.repeat(logits, 5000, axis=0), 1.5, rng)
    cold = choose(np.repeat(logits, 5000, axis=0), 0.5, rng)
    best_hit = 1 + int(np.argmax(probs[1:]))
    assert (cold == best_hit).mean() > probs[best_hit] > (hot == best_hit).mean()
    for draws_at in (hot, cold):
        assert abs((draws_at == 0).mean() - probs[0]) < 0.03


def test_velocity_and_offset_draws_follow_the_laplace_distributions(model):
    _, top, _ = _first_step(model)
    events = np.full(20000, 0b111)  # kick, snare and closed hat sound
    params = model.lstm.groove(np.repeat(top, len(events), axis=0), events)
    velocities, offsets = draw_groove(params, events, 1.0, np.random.default_rng(1))
    assert (velocities[:, 3:] == 0).all() and (offsets[:, 3:] == 0).all()  # silent drums get nothing
    for drum in range(3):
        location, scale = params[0, drum, 2], np.exp(params[0, drum, 3])
        inside = (offsets[:, drum] > -0.5) & (offsets[:, drum] < 0.4999)  # clipping piles draws at the ends
        kept = stats.laplace(location, scale)
        low, high = kept.cdf(-0.5), kept.cdf(0.4999)
        sample = offsets[inside, drum]
        conditional = lambda x: (kept.cdf(x) - low) / (high - low)  # noqa: E731
        assert stats.kstest(sample, conditional).pvalue > 1e-3
        v_location = params[0, drum, 0] * 127
        assert abs(np.median(velocities[:, drum]) - np.clip(v_location, 1, 127)) < 2.5


def _first_step(model):
    from poseloops.model.features import lookback_features
    from poseloops.model.sampling import _prime, Played

    seed = Played(pattern_to_events(ROCK_SEED)[None], ROCK_SEED.to_matrix()[None].astype(np.float32),
                  ROCK_SEED.offset_matrix()[None])
    parts = np.full(11, PART_BEAT)
    state = _prime(model.lstm, seed, 0, parts, 0, 10)
    padded = Played(np.pad(seed.events, ((0, 0), (0, 1))), np.pad(seed.velocities, ((0, 0), (0, 1), (0, 0))),
                    np.pad(seed.offsets, ((0, 0), (0, 1), (0, 0))))
    lookback = lookback_features(padded.events, padded.velocities, padded.offsets, np.array([10]),
                                 model.spec.far_bars)[:, 0]
    return model.lstm.step(seed.events[:, 9], 10, lookback, 0, PART_BEAT, state)


def test_loops_from_real_seeds_sound_like_drumming(model, groove_dir):
    """Real one-bar seeds from the validation split: busy like the data, never silent, rests where drummers rest."""
    from poseloops.model.corpus import load_split
    from poseloops.model.evaluate import real_bars
    from poseloops.model.loop_metrics import bars_of, hits_per_bar, silent_bars

    data = load_split(groove_dir, "validation")
    rng = np.random.default_rng(4)
    seeds, real = real_bars(data, rng, 40, 48)
    loops = [model.continue_pattern(seed, bars=4, rng_seed=k)[0] for k, seed in enumerate(seeds)]
    generated = np.concatenate([bars_of(loop)[1:] for loop in loops])
    real_bars_ = np.concatenate([bars_of(Pattern.from_steps([[d for d in range(9) if e >> d & 1] for e in r]))
                                 for r in real])
    density, real_density = hits_per_bar(generated), hits_per_bar(real_bars_)
    assert 0.7 * real_density < density < 1.3 * real_density
    rests = 1 - generated.any(axis=2).mean()
    real_rests = 1 - real_bars_.any(axis=2).mean()
    assert abs(rests - real_rests) < 0.12
    assert sum(silent_bars(loop) for loop in loops) == 0
    onsets_model = generated.mean(axis=0)
    onsets_real = real_bars_.mean(axis=0)
    assert np.abs(onsets_model - onsets_real).mean() < 0.05


SPARSE_SEEDS = {"one kick": [[0]], "a snare then 7 rests": [[1]] + [[]] * 7, "a crash then 7 rests": [[7]] + [[]] * 7}


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.0, 1.5])
def test_no_bar_of_a_loop_is_silent_whatever_the_seed_and_temperature(model, temperature):
    """The sparsest seeds and dice rolls, 8 variations each: every bar has a hit (the shipped model alone, drawing
    each bar once, leaves some of these silent at every temperature from 0.5 to 1.5)."""
    from poseloops.model.loop_metrics import silent_bars
    from poseloops.seeds import roll_dice

    seeds = [Pattern.from_steps(steps) for steps in SPARSE_SEEDS.values()] + [roll_dice(rng_seed=k) for k in range(4)]
    loops = [loop for k, seed in enumerate(seeds) for rng_seed in range(3)
             for loop in model.continue_pattern(seed, temperature=temperature, rng_seed=rng_seed + 10 * k,
                                                variations=8)]
    assert len(loops) == 168 and all(len(loop) == 64 for loop in loops)
    assert sum(silent_bars(loop) for loop in loops) == 0
    if temperature > 0:
        assert len({loop.steps for loop in loops}) == len(loops)  # redrawn bars are draws, not one stock bar


class CountingRng:
    """A real NumPy generator that notes how many rows each event draw is for (one call per step drawn)."""

    def __init__(self, seed: int):
        self.rng, self.rows = np.random.default_rng(seed), []

    def random(self, size: int) -> np.ndarray:
        self.rows.append(size)
        return self.rng.random(size)

    def laplace(self, *args) -> np.ndarray:
        return self.rng.laplace(*args)


def test_a_bar_that_comes_out_silent_is_drawn_again_until_it_sounds(model):
    """After a kick and 63 rests the model often leaves bar 5 silent: those rows are drawn again, bar by bar,
    each time fewer of them, until every one sounds (not once and then forced at the likeliest step)."""
    from poseloops.model.drum_model import _played
    from poseloops.model.features import fill_parts
    from poseloops.model.loop_metrics import silent_bars
    from poseloops.model.sampling import MAX_REDRAWS, continue_played

    seed = Pattern.from_steps([[0]] + [[]] * 63)
    rng = CountingRng(1)
    generated = continue_played(model.lstm, _played(seed), steps=16, temperature=1.0, rng=rng, variations=32,
                                style=0, parts=fill_parts(80), origin=0)
    assert len(rng.rows) % 16 == 0  # whole bars drawn: the first draw of every row, then the redraws
    passes = rng.rows[::16]
    assert all(rows == passes[0] for rows in rng.rows[:16]) and passes[0] == 32
    redraws = passes[1:]
    assert 2 <= len(redraws) <= MAX_REDRAWS + 1, passes
    assert all(a > b for a, b in zip(redraws, redraws[1:]))  # the rows still silent, and only those
    bars = generated.events[:, :16]
    assert bars.any(axis=1).all()
    loops = [Pattern.from_matrix(v.astype(np.uint8)) for v in generated.velocities]
    assert sum(silent_bars(loop) for loop in loops) == 0


def test_a_greedy_loop_that_would_fall_silent_gets_its_likeliest_hit_instead(model, torch_model):
    """A pose seed of one of the shared photos, whose greedy continuation went silent in bar 2: the bar is drawn
    again with the rest barred at the step where the model found a hit likeliest, and the rest is greedy."""
    from poseloops.model.loop_metrics import bars_of, silent_bars

    seed = Pattern.from_steps([[], [2], [], [1], [6, 8], [6], [], [], [], []])
    loop = model.continue_pattern(seed, temperature=0.0)[0]
    assert silent_bars(loop) == 0
    bar_two = bars_of(loop)[1]
    parts = np.full(len(loop), PART_BEAT)
    inputs = teacher_inputs(pattern_to_events(loop), loop.to_matrix(), loop.offset_matrix(), parts,
                            far_bars=model.spec.far_bars)
    inputs["styles"] = np.zeros(len(loop), np.int64)
    with torch.no_grad():
        probs = torch.softmax(torch_model(pad_rows([inputs], len(loop)))[0][0], -1).numpy()
    events = pattern_to_events(loop)
    hit_steps = [t for t in range(16, 32) if events[t]]
    assert bar_two.any() and hit_steps  # the bar sounds
    for t in range(16, 32):  # greedy wherever the rest was not barred
        if t not in hit_steps:
            assert probs[t, 0] > 0.5
        else:
            assert events[t] == probs[t, 1:].argmax() + 1
    barred = [t for t in hit_steps if probs[t, 0] > 0.5]
    assert len(barred) == 1  # one step was made to sound against the model's odds


def test_fill_bars_bring_the_toms_and_crashes(model):
    """The same RNG seed with and without fills: the bars before the fill are the same draws, and the fill
    bar brings the toms and crashes a beat bar of the same loop does not (without fills bar 4 is a beat)."""
    from poseloops.model.loop_metrics import TOMS_AND_CRASH, bars_of, hits_per_bar

    def bars(fill_every: int) -> np.ndarray:
        loops = model.continue_pattern(ROCK_SEED, bars=4, fill_every=fill_every, rng_seed=11, variations=16)
        return np.stack([bars_of(loop) for loop in loops])

    fills, plain, every_other = bars(4), bars(0), bars(2)
    np.testing.assert_array_equal(fills[:, :3], plain[:, :3])  # bars 1-3 are beats either way
    assert hits_per_bar(fills[:, 3], TOMS_AND_CRASH) > 3 * hits_per_bar(plain[:, 3], TOMS_AND_CRASH) + 0.5
    np.testing.assert_array_equal(every_other[:, 0], plain[:, 0])
    assert hits_per_bar(every_other[:, 1], TOMS_AND_CRASH) > 3 * hits_per_bar(plain[:, 1], TOMS_AND_CRASH) + 0.5


def test_styles_are_named_and_change_the_loop(model):
    assert model.styles[0] == "any" and {"rock", "funk", "jazz", "latin", "hiphop"} <= set(model.styles)
    kick = Pattern.from_steps([[0]])
    funk = model.continue_pattern(kick, style="funk", rng_seed=2, variations=16)
    jazz = model.continue_pattern(kick, style="jazz", rng_seed=2, variations=16)
    assert [p.steps for p in funk] != [p.steps for p in jazz]
    hats = lambda loops: sum(2 in step for p in loops for step in p.steps)  # noqa: E731
    assert hats(funk) > 1.5 * hats(jazz)  # funk drives the closed hats; jazz keeps time elsewhere


@pytest.mark.parametrize("seed", [Pattern.empty(0), Pattern.empty(10)], ids=["empty", "all rests"])
def test_seed_without_hits_starts_a_new_piece(model, seed):
    results = model.continue_pattern(seed, bars=2, rng_seed=3, variations=2)
    assert all(len(r) == 32 and r.seed_length == len(seed) for r in results)
    assert all(r.num_hits > 0 for r in results)


def test_context_is_read_first_and_not_returned(model):
    context = model.continue_pattern(ROCK_SEED, bars=2, rng_seed=1)[0]
    after = model.continue_pattern(Pattern.from_steps([[0]]), bars=1, context=context, rng_seed=5, variations=8)
    fresh = model.continue_pattern(Pattern.from_steps([[0]]), bars=1, rng_seed=5, variations=8)
    assert all(len(p) == 16 and p.seed_length == 1 for p in after)
    assert [p.steps for p in after] != [p.steps for p in fresh]


def test_humanize_keeps_the_hits_and_plays_them(model):
    straight = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8)
    played = model.humanize(straight, rng_seed=3)
    assert played.steps == straight.steps
    velocities = [v for vels in played.velocities for v in vels]
    assert len(set(velocities)) > 8 and not played.on_grid
    snare = [vels[step.index(1)] for step, vels in zip(played.steps, played.velocities) if 1 in step]
    hats_off = [vels[step.index(2)] for step, vels in zip(played.steps, played.velocities) if step == (2,)]
    assert np.mean(snare) > np.mean(hats_off)  # the backbeat is louder than the hats between
    assert model.humanize(straight, rng_seed=3) == played


def test_humanize_plays_in_the_style_asked_for(model):
    """At temperature 0 (no draw) only the style differs: funk plays the same hits louder than jazz."""
    straight = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8)
    played = {style: model.humanize(straight, style=style, rng_seed=3, temperature=0.0)
              for style in ("funk", "jazz", "any")}
    loudness = {style: p.to_matrix()[p.to_matrix() > 0].mean() for style, p in played.items()}
    assert played["funk"].velocities != played["jazz"].velocities != played["any"].velocities
    assert loudness["funk"] > loudness["jazz"] + 5


def test_humanize_at_temperature_zero_is_the_likeliest_touch_and_above_it_a_draw(model):
    straight = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8)
    likeliest = [model.humanize(straight, rng_seed=seed, temperature=0.0) for seed in (1, 2)]
    drawn = [model.humanize(straight, rng_seed=seed, temperature=1.0) for seed in (1, 2)]
    assert likeliest[0] == likeliest[1]  # no draw: the rng seed changes nothing
    assert drawn[0].velocities != drawn[1].velocities and drawn[0].offsets != drawn[1].offsets

    def spread(pattern: Pattern) -> float:
        velocities = pattern.to_matrix().astype(float)
        return float(np.std(velocities[velocities > 0] - likeliest[0].to_matrix()[velocities > 0]))

    assert spread(likeliest[0]) == 0 and spread(drawn[0]) > 3  # drawn around the likeliest touch


def test_humanize_temperature_scales_how_far_the_touch_strays(model):
    """Velocities and offsets stray from the likeliest touch about half as far at 0.5 as at 1, and further
    at 2 (the draw's scale times the temperature; 16 rng seeds, the mean absolute distance)."""
    straight = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8)
    likeliest = model.humanize(straight, rng_seed=1, temperature=0.0)
    hits = likeliest.to_matrix() > 0

    def strays(temperature: float) -> tuple[float, float]:
        played = [model.humanize(straight, rng_seed=seed, temperature=temperature) for seed in range(16)]
        velocity = np.mean([np.abs(p.to_matrix()[hits].astype(float) - likeliest.to_matrix()[hits]).mean()
                            for p in played])
        offset = np.mean([np.abs(p.offset_matrix()[hits] - likeliest.offset_matrix()[hits]).mean() for p in played])
        return velocity, offset

    half, one, two = strays(0.5), strays(1.0), strays(2.0)
    for k in range(2):
        assert 0.3 < half[k] / one[k] < 0.7, (half, one)
        assert two[k] > 1.3 * one[k], (one, two)


def test_generate_uses_the_default_model(model):
    assert load_default_model() is model
    assert generate(ROCK_SEED, steps=8, rng_seed=1) == model.continue_pattern(ROCK_SEED, steps=8, rng_seed=1)
    assert len(generate(ROCK_SEED, steps=0)[0]) == 10


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"steps": -1}, "steps -1"),
        ({"steps": MAX_STEPS}, "longer than 1024"),
        ({"bars": 0}, "bars 0"),
        ({"bars": 2, "steps": 3}, "not both"),
        ({"temperature": 2.01}, "temperature 2.01"),
        ({"temperature": float("nan")}, "temperature nan"),
        ({"rng_seed": -3}, "rng_seed -3"),
        ({"variations": 65}, "variations 65"),
        ({"style": "polka"}, "style 'polka'"),
        ({"fill_every": 3}, "fill_every 3"),
        ({"context": Pattern.empty(5)}, "not whole bars"),
    ],
)
def test_bad_arguments_raise_parameter_error_naming_the_value(model, options, fragment):
    with pytest.raises(ParameterError) as info:
        model.continue_pattern(ROCK_SEED, **options)
    assert fragment in str(info.value)


def test_a_full_length_pattern_can_be_reached_exactly(model):
    result = model.continue_pattern(ROCK_SEED, bars=64, rng_seed=0)[0]
    assert len(result) == MAX_STEPS
    assert np.isin(pattern_to_events(result), np.arange(512)).all()

