"""The infilling model as shipped: NumPy equals PyTorch, kept cells are kept to the bit, asked cells are drawn
from the model's own odds, and every bar sounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poseloops.errors import ParameterError
from poseloops.model.cell_selection import select_cells
from poseloops.model.infill_data import NUM_INPUTS, PIECE_BAR_INDICES, WINDOW_STEPS
from poseloops.model.infill_model import load_default_infill_model
from poseloops.model.infill_sampling import Ask, window_layout
from poseloops.pattern import NUM_DRUMS, STEPS_PER_BAR, Pattern


@pytest.fixture(scope="module")
def model():
    return load_default_infill_model()


@pytest.fixture(scope="module")
def real_loops(groove_train) -> list[Pattern]:
    """4-bar windows of real drumming with the drummer's touch, from the train split's beat files."""
    loops = []
    for velocities, offsets, fill in zip(groove_train.velocities, groove_train.offsets, groove_train.fills):
        for start in range(0, 0 if fill else len(velocities) - 4 * STEPS_PER_BAR + 1, 4 * STEPS_PER_BAR):
            span = slice(start, start + 4 * STEPS_PER_BAR)
            if (velocities[span] > 0).reshape(4, -1).any(axis=1).all():
                loops.append(Pattern.from_matrix(velocities[span], offsets=offsets[span], seed_length=0))
        if len(loops) >= 12:
            return loops[:12]
    assert len(loops) >= 4, "the train split has too few 4-bar beat windows"
    return loops


def test_numpy_forward_equals_pytorch(model):
    """Batches of different sizes in turn, and from two threads at once: each thread's work arrays are its own."""
    torch = pytest.importorskip("torch")
    from concurrent.futures import ThreadPoolExecutor

    from poseloops.model.infill_spec import load_infill
    from poseloops.model.infill_torch import net_from_arrays

    spec, arrays, _ = load_infill(model.path)
    reference = net_from_arrays(spec, arrays)
    rng = np.random.default_rng(3)

    def batch(n):
        return (rng.random((n, WINDOW_STEPS, NUM_INPUTS)).astype(np.float32),
                rng.integers(0, len(spec.styles) + 1, n), rng.integers(0, len(spec.parts), (n, WINDOW_STEPS)),
                rng.integers(0, PIECE_BAR_INDICES, (n, WINDOW_STEPS)))

    def agrees(inputs, styles, parts, piece_bars):
        ours = model.sampler.net.forward(inputs, styles, parts, piece_bars)
        with torch.no_grad():
            theirs = reference(*(torch.from_numpy(a) for a in (inputs, styles, parts, piece_bars))).numpy()
        assert ours.shape == (len(inputs), WINDOW_STEPS, NUM_DRUMS, 5)
        np.testing.assert_allclose(ours, theirs, atol=2e-4, rtol=1e-4)
        return float(np.abs(ours).max())

    sizes = [agrees(*batch(n)) for n in (3, 1, 3, 2)]
    assert min(sizes) > 0.1  # real outputs, not zeros that agree trivially

    same_size = [batch(4) for _ in range(2)]
    alone = [model.sampler.net.forward(*b) for b in same_size]

    def again_and_again(i):
        return max(float(np.abs(model.sampler.net.forward(*same_size[i]) - alone[i]).max()) for _ in range(30))

    with ThreadPoolExecutor(2) as pool:
        assert max(pool.map(again_and_again, [0, 1])) < 1e-5


@pytest.mark.parametrize("bars", [1, 2, 3, 4, 5, 8])
def test_every_step_of_a_loop_takes_its_odds_from_whole_weights(bars):
    steps, weights = window_layout(bars * STEPS_PER_BAR)
    totals = np.zeros(bars * STEPS_PER_BAR)
    np.add.at(totals, steps.reshape(-1), weights.reshape(-1))
    np.testing.assert_allclose(totals, 1.0, atol=1e-6)
    if bars > 4:  # each step is read from a window that has it away from its edges where it can
        middle = steps[weights > 0] - steps[:, :1].repeat(WINDOW_STEPS, 1)[weights > 0]
        assert middle.min() >= 0 and middle.max() < WINDOW_STEPS


selections = st.fixed_dictionaries({
    "drums": st.none() | st.lists(st.integers(0, NUM_DRUMS - 1), min_size=1, max_size=4, unique=True),
    "bars": st.none() | st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True),
    "steps": st.none() | st.tuples(st.integers(1, 64), st.integers(0, 20)).map(lambda t: (t[0], min(64, t[0] + t[1]))),
    "locked": st.none() | st.lists(st.tuples(st.integers(0, 63), st.integers(0, 8)), max_size=20),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=selections, which=st.integers(0, 11), rng_seed=st.integers(0, 2**32 - 1))
def test_kept_cells_come_back_bit_exact_whatever_is_asked(model, real_loops, choice, which, rng_seed):
    loop = real_loops[which % len(real_loops)]
    try:
        asked = select_cells(len(loop), **choice)
    except ParameterError:
        return  # a choice that keeps everything: refused (tested below)
    if asked.all():
        with pytest.raises(ParameterError, match="nothing is kept"):
            model.regenerate(loop, asked, rng_seed=rng_seed)
        return
    result = model.regenerate(loop, asked, rng_seed=rng_seed, temperature=1.0)[0]
    assert len(result) == len(loop) and result.seed_length == loop.seed_length
    before, after = loop.to_matrix(), result.to_matrix()
    np.testing.assert_array_equal(after[~asked], before[~asked])
    np.testing.assert_array_equal(result.offset_matrix()[~asked], loop.offset_matrix()[~asked])


@pytest.mark.parametrize("choice, argument, fragment", [
    ({"drums": [9]}, "drums", "drum index 0-8"),
    ({"drums": [-1]}, "drums", "drum index 0-8"),
    ({"bars": [5]}, "bars", "past the loop's end"),
    ({"bars": [0]}, "bars", "past the loop's end"),
    ({"steps": (60, 70)}, "steps", "past the loop's end"),
    ({"steps": (9, 3)}, "steps", "1 <= A <= B"),
    ({"drums": [0], "bars": [1], "steps": (17, 32)}, "drums", "nothing to regenerate"),
    ({"locked": [(64, 0)]}, "locked", "is not a"),
])
def test_bad_choices_name_their_argument(choice, argument, fragment):
    with pytest.raises(ParameterError, match=fragment) as caught:
        select_cells(64, **choice)
    assert caught.value.argument == argument


def one_cell_odds(model, loop: Pattern) -> tuple[np.ndarray, np.ndarray]:
    """For each cell of the loop's first bar asked alone (everything else kept): the model's outputs
    ``(16, 9, 5)``, from one batched pass."""
    velocities = loop.to_matrix().astype(np.float32)
    offsets = loop.offset_matrix()
    kept = np.ones((16 * 9, *velocities.shape), bool)
    for cell in range(16 * 9):
        kept[cell, cell // 9, cell % 9] = False
    ask = Ask(velocities, offsets, kept[0], np.full(len(loop), 1), touch_given=True)
    out = model.sampler.predict(ask, velocities[None] * kept, offsets[None] * kept, kept, None)
    return out[np.arange(16 * 9), np.arange(16 * 9) // 9, np.arange(16 * 9) % 9].reshape(16, 9, -1), velocities


def asked_alone(loop: Pattern, step: int, drum: int) -> Ask:
    kept = np.ones((len(loop), 9), bool)
    kept[step, drum] = False
    return Ask(loop.to_matrix().astype(np.float32), loop.offset_matrix(), kept, np.full(len(loop), 1),
               touch_given=True)


def test_one_asked_cell_is_a_hit_as_often_as_the_model_says(model, real_loops):
    """A single asked cell is drawn in one pass from the model's odds: its hit rate over 300 draws matches
    sigmoid(logit / T) at T 1 and 0.5 within 4.5 binomial standard errors; at T 0 it is the likelier answer.
    The cells tested are those the model gives odds nearest 0.2, 0.5 and 0.8."""
    out, _ = one_cell_odds(model, real_loops[0])
    odds = 1 / (1 + np.exp(-out[..., 0]))
    for target in (0.2, 0.5, 0.8):
        step, drum = np.unravel_index(int(np.argmin(np.abs(odds - target))), odds.shape)
        logit = float(out[step, drum, 0])
        ask = asked_alone(real_loops[0], step, drum)
        for temperature in (1.0, 0.5):
            drawn, _ = model.sampler.draw(ask, variations=300, temperature=temperature,
                                          rng=np.random.default_rng(int(step)))
            rate = float((drawn[:, step, drum] > 0).mean())
            p = 1 / (1 + np.exp(-logit / temperature))
            assert abs(rate - p) <= 4.5 * np.sqrt(max(p * (1 - p), 1e-4) / 300) + 1e-3, (step, drum, rate, p)
        greedy, _ = model.sampler.draw(ask, variations=3, temperature=0.0, rng=np.random.default_rng(0))
        assert np.all((greedy[:, step, drum] > 0) == (logit > 0))
    assert odds.max() > 0.6 and odds.min() < 0.4  # the cells tested differ


def test_drawn_velocities_spread_as_the_laplace_the_model_gives(model, real_loops):
    """The surest hit cell of a real loop, asked alone and drawn 600 times: the median velocity is the
    location and the mean absolute deviation the scale (of velocity / 127), each within 15%."""
    out, velocities = one_cell_odds(model, real_loops[1])
    hit_odds = np.where(velocities[:16] > 0, out[..., 0], -np.inf)
    step, drum = np.unravel_index(int(np.argmax(hit_odds)), hit_odds.shape)
    drawn, _ = model.sampler.draw(asked_alone(real_loops[1], step, drum), variations=600, temperature=1.0,
                                  rng=np.random.default_rng(5))
    played = drawn[:, step, drum]
    played = played[played > 0] / 127.0
    assert len(played) > 100
    location, scale = float(out[step, drum, 1]), float(np.exp(out[step, drum, 2]))
    assert abs(np.median(played) - np.clip(location, 1 / 127, 1)) < 0.15 * max(scale, 0.02) + 2 / 127
    if 0.2 < location < 0.8:  # away from the clip at 1 and 127
        assert abs(np.mean(np.abs(played - np.median(played))) - scale) < 0.15 * scale + 1 / 127


def test_temperature_zero_draws_the_same_loop_every_time(model, real_loops):
    asked = select_cells(len(real_loops[2]), drums=[2, 3])
    first = model.regenerate(real_loops[2], asked, temperature=0.0, rng_seed=1, variations=3)
    again = model.regenerate(real_loops[2], asked, temperature=0.0, rng_seed=99)
    assert first[0] == first[1] == first[2] == again[0]


@pytest.mark.parametrize("temperature", [1.0, 0.0])
def test_cells_are_drawn_bar_by_bar_as_a_drummer_plays(model, real_loops, temperature):
    """A pass draws cells of a bar only when it leaves no cell of an earlier bar open (a pass may finish one
    bar and start the next), and the passes reach every bar."""
    from poseloops.model.infill_sampling import InfillSampler

    class Watched(InfillSampler):
        def predict(self, ask, velocities, offsets, known, density):
            passes.append(known.copy())
            return super().predict(ask, velocities, offsets, known, density)

    loop = real_loops[4]
    for asked in (select_cells(len(loop), drums=[0, 2, 3]), select_cells(len(loop), bars=[2, 3, 4])):
        passes = []
        sampler = Watched(model.sampler.net)
        ask = Ask(loop.to_matrix().astype(np.float32), loop.offset_matrix(), ~asked, np.ones(len(loop), np.int64))
        sampler.draw(ask, variations=2, temperature=temperature, rng=np.random.default_rng(3))
        bars_drawn = []
        for before, after in zip(passes, passes[1:]):
            new = after & ~before
            open_after = (~after).reshape(2, 4, STEPS_PER_BAR * NUM_DRUMS).any(axis=2)
            for row in range(2):
                drawn = np.flatnonzero(new[row].reshape(4, -1).any(axis=1))
                if len(drawn):
                    assert not open_after[row, :drawn.max()].any(), (temperature, row, drawn, open_after[row])
                    bars_drawn.extend(drawn.tolist())
        assert len(passes) >= 5 and set(bars_drawn) >= {1, 2}, (len(passes), bars_drawn)


def test_the_same_rng_seed_draws_the_same_loop_and_another_draws_another(model, real_loops):
    asked = select_cells(len(real_loops[3]), bars=[2, 3])
    one = model.regenerate(real_loops[3], asked, rng_seed=7)[0]
    assert model.regenerate(real_loops[3], asked, rng_seed=7)[0] == one
    others = [model.regenerate(real_loops[3], asked, rng_seed=k)[0] for k in range(8)]
    assert len({p.steps for p in others}) >= 4


def test_no_bar_comes_out_silent_even_from_nothing_but_a_rest(model):
    """A loop of one kick and three empty bars, the empty bars asked at a density near 0: every bar sounds."""
    loop = Pattern.from_steps([[0]] + [[] for _ in range(63)])
    asked = select_cells(len(loop), bars=[2, 3, 4])
    for temperature in (0.0, 0.5, 1.5):
        for result in model.regenerate(loop, asked, rng_seed=3, temperature=temperature, variations=6, density=0.0):
            per_bar = (result.to_matrix() > 0).reshape(4, -1).sum(axis=1)
            assert per_bar.min() >= 1, (temperature, per_bar)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_drumify_plays_every_tapped_step_with_the_taps_touch_and_nothing_between(model, data):
    """The loop's merged rhythm is the tap's: a hit on every tapped step, none between taps in a bar that has
    taps, and each step's loudest hit with the tap's velocity and offset; a bar with no tap is not silent."""
    bars = data.draw(st.sampled_from([1, 2]), label="bars")
    tapped = np.array(data.draw(st.lists(st.booleans(), min_size=bars * STEPS_PER_BAR,
                                         max_size=bars * STEPS_PER_BAR).filter(any), label="taps"))
    velocity = np.array([data.draw(st.integers(1, 127)) if t else 0 for t in tapped])
    offset = np.array([data.draw(st.floats(-0.5, 0.49)) if t else 0.0 for t in tapped])
    drum = data.draw(st.integers(0, NUM_DRUMS - 1), label="drum")
    rhythm = Pattern.from_steps([[drum] if t else [] for t in tapped],
                                velocities=[[int(v)] if t else [] for t, v in zip(tapped, velocity)],
                                offsets=[[float(o)] if t else [] for t, o in zip(tapped, offset)])
    bar_tapped = tapped.reshape(bars, -1).any(axis=1).repeat(STEPS_PER_BAR)
    for loop in model.drumify(rhythm, rng_seed=data.draw(st.integers(0, 2**32 - 1)), variations=2):
        velocities, offsets = loop.to_matrix(), loop.offset_matrix()
        plays = (velocities > 0).any(axis=1)
        assert plays[tapped].all() and not (plays & ~tapped & bar_tapped).any()
        assert np.array_equal(velocities.max(axis=1)[tapped], velocity[tapped])
        loudest = velocities.argmax(axis=1)
        np.testing.assert_allclose(offsets[np.arange(len(loop)), loudest][tapped], offset[tapped], atol=1e-4)
        assert (velocities.reshape(bars, -1).max(axis=1) > 0).all()  # no silent bar
