"""Scoring the groove model against baselines on a split of a drum dataset.

``evaluate_split`` is what ``poseloops eval`` prints. Every step of every
file of the split is scored, each file from its start (the first step's
previous event is a rest), so figures compare across models and runs:

- ``model``: mean negative log-likelihood per step in nats and next-event
  accuracy with no label given (comparable with a model that knows none),
  ``nll_given_style`` with each file's style given, and, teacher-forced on
  the real hits (given the real events, each hit's velocity and offset
  predicted from what came before), ``velocity_mae`` in MIDI units and
  ``offset_mae_ms``, from the predicted distributions' locations;
- ``ngram``: the 5-gram Kneser-Ney baseline, fitted on the train split;
- ``groove_baseline``: the train split's mean velocity per (position in bar,
  drum), played on the grid.

``compare_onsets`` (``--onsets``) and ``music_report`` (``--music``) judge
sampled loops: onset probabilities against real continuations; how a
generated bar holds the seed's groove, silent bars, spread and fills.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..pattern import MAX_VELOCITY, NUM_DRUMS, STEPS_PER_BAR, Pattern
from .corpus import load_split
from .dataset import DrumDataset
from .training_files import TrainingFiles
from .drum_model import DrumModel, load_default_model, load_model
from .features import PART_ANY, STYLE_ANY
from .loop_metrics import TOMS_AND_CRASH, bar_distance, event_bars, groove_spread, hits_per_bar, silent_bars
from .ngram import DEFAULT_ORDER, NgramModel
from .events import pattern_to_events

SCORE_BATCH = 32  # files the NumPy LSTM steps through together (sorted by length)
ONSET_SEEDS = 200  # real 1-bar seeds for the onset comparison
ONSET_CONTINUATION = 2 * STEPS_PER_BAR  # generated steps per seed, as a loop of two bars
ONSET_RNG_SEED = 2019
SAMPLING_TEMPERATURE = 1.0  # sampling as the product does by default
HOLD_SEEDS = 600  # one-bar beat seeds for the groove-holding figures (60 gave ratios 1.17-1.46 by draw)
OTHER_BARS = 20  # bars of other files each generated bar is compared with
FILL_SEEDS = 60


def evaluate_split(data_dir: str | Path, *, split: str = "validation", weights_path: str | Path | None = None,
                   ngram_order: int = DEFAULT_ORDER, onsets: bool = False, music: bool = False,
                   direct: bool = False) -> dict:
    """``{"model": {...}, "ngram": {...}, "groove_baseline": {...}}`` (plus ``"onsets"``, ``"music"``,
    ``"direct"`` (``evaluate_direct.direct_report``) if asked).

    Raises ``InputError`` when the split, or the train split the baselines are
    fitted on, yields no usable drum notes.
    """
    model = load_default_model() if weights_path is None else load_model(weights_path)
    scored = load_split(data_dir, split)
    train = scored if split == "train" else load_split(data_dir, "train")
    files = TrainingFiles(scored, model.spec.styles, far_bars=model.spec.far_bars)
    ngram = NgramModel.fit(train.sequences, order=ngram_order)
    figures = score_model(model, files)
    figures["nll_given_style"] = score_model(model, files, with_style=True)["nll"]
    report = {
        "model": figures,
        "ngram": score_ngram(ngram, scored.sequences),
        "groove_baseline": score_groove_baseline(train, files),
        "split": split,
        "files": len(scored.sequences),
        "skipped": {reason: len(names) for reason, names in scored.skipped.items()},
    }
    if onsets:
        report["onsets"] = compare_onsets(model, ngram, scored)
    if music:
        report["music"] = music_report(model, scored)
    if direct:
        from .evaluate_direct import direct_report

        report["direct"] = direct_report(scored, train, lstm=model)
    return report


def score_model(model: DrumModel, files: TrainingFiles, *, with_style: bool = False) -> dict:
    """NLL (nats/step), accuracy, steps, velocity and offset MAE of the NumPy model over every step of ``files``."""
    lstm = model.lstm
    order = sorted(range(len(files)), key=lambda i: files.lengths[i])
    totals = np.zeros(6)  # nll, correct, steps, velocity error, offset error (ms), hits
    for begin in range(0, len(order), SCORE_BATCH):
        chunk = order[begin:begin + SCORE_BATCH]
        rows = [files.file_inputs(f, style=None if with_style else STYLE_ANY, part=PART_ANY) for f in chunk]
        step_ms = np.array([60000.0 / (4.0 * files.bpms[f]) for f in chunk])
        totals += _score_rows(lstm, rows, step_ms)
    nll, correct, steps, velocity_error, offset_error, hits = totals
    return {"nll": round(nll / steps, 4), "accuracy": round(correct / steps, 4), "steps": int(steps),
            "velocity_mae": round(velocity_error / max(hits, 1), 2),
            "offset_mae_ms": round(offset_error / max(hits, 1), 2)}


def _score_rows(lstm, rows: list[dict[str, np.ndarray]], step_ms: np.ndarray) -> np.ndarray:
    longest = max(len(r["events"]) for r in rows)
    padded = {key: _pad([r[key] for r in rows], longest) for key in rows[0]}
    live_all = np.arange(longest)[None, :] < np.array([len(r["events"]) for r in rows])[:, None]
    state = lstm.initial_state(len(rows))
    totals = np.zeros(6)
    for t in range(longest):
        logits, top, state = lstm.step(padded["previous"][:, t], padded["positions"][:, t], padded["lookback"][:, t],
                                       padded["styles"][:, t], padded["parts"][:, t], state)
        live = live_all[:, t]
        targets = padded["events"][:, t]
        log_probs = _log_softmax(logits[live])
        totals[0] -= float(log_probs[np.arange(int(live.sum())), targets[live]].sum())
        totals[1] += int((logits[live].argmax(axis=1) == targets[live]).sum())
        totals[2] += int(live.sum())
        params = lstm.groove(top, targets)
        hits = (padded["velocities"][:, t] > 0) & live[:, None]
        velocity = np.clip(params[..., 0] * MAX_VELOCITY, 1, MAX_VELOCITY)
        offset = np.clip(params[..., 2], -0.5, 0.5)
        totals[3] += float((np.abs(velocity - padded["velocities"][:, t]) * hits).sum())
        totals[4] += float((np.abs(offset - padded["offsets"][:, t]) * step_ms[:, None] * hits).sum())
        totals[5] += int(hits.sum())
    return totals


def score_groove_baseline(train: DrumDataset, files: TrainingFiles) -> dict:
    """Velocity and offset MAE of "the train split's mean velocity at this position and drum, on the grid"."""
    means = train.mean_velocities()
    velocity_error = offset_error = 0.0
    hits = 0
    for f in range(len(files)):
        velocities, offsets = files.velocities[f].astype(np.float64), files.offsets[f].astype(np.float64)
        played = velocities > 0
        positions = np.arange(len(velocities)) % STEPS_PER_BAR
        velocity_error += float(np.abs(means[positions] - velocities)[played].sum())
        offset_error += float((np.abs(offsets) * 60000.0 / (4.0 * files.bpms[f]))[played].sum())
        hits += int(played.sum())
    return {"velocity_mae": round(velocity_error / max(hits, 1), 2), "offset_mae_ms": round(offset_error / max(hits, 1), 2)}


def score_ngram(ngram: NgramModel, sequences: list[np.ndarray]) -> dict:
    """NLL (nats/step), accuracy and steps of the n-gram over every step of ``sequences``."""
    nll, correct, count = 0.0, 0, 0
    for events in sequences:
        for (history, position), event in zip(ngram.histories(events), events):
            probs = ngram.distribution(history, position)
            nll -= float(np.log(probs[event]))
            correct += int(probs.argmax() == event)
            count += 1
    return {"nll": round(nll / count, 4), "accuracy": round(correct / count, 4), "steps": count}


def compare_onsets(model: DrumModel, ngram: NgramModel, dataset: DrumDataset, *,
                   num_seeds: int = ONSET_SEEDS, rng_seed: int = ONSET_RNG_SEED) -> dict:
    """Onset probabilities per (position in bar, drum) of generated vs real continuations of real 1-bar seeds.

    Seeds are bars (bar-aligned, so the position counter is right) of files long
    enough to have ``ONSET_CONTINUATION`` real steps after them. A second,
    independent draw of real bars gives the difference two real samples of this
    size already have (the noise floor).
    """
    rng = np.random.default_rng(rng_seed)
    seeds, real = real_bars(dataset, rng, num_seeds, ONSET_CONTINUATION)
    _, other_real = real_bars(dataset, rng, num_seeds, ONSET_CONTINUATION)
    model_cont = np.stack([
        pattern_to_events(model.continue_pattern(seed, steps=ONSET_CONTINUATION, temperature=SAMPLING_TEMPERATURE,
                                                 rng_seed=int(rng.integers(2**31)))[0])[STEPS_PER_BAR:]
        for seed in seeds])
    ngram_cont = np.stack([ngram.continue_events(pattern_to_events(seed), steps=ONSET_CONTINUATION,
                                                 temperature=SAMPLING_TEMPERATURE, rng=rng) for seed in seeds])
    reference = onset_probabilities(real)
    return {
        "seeds": len(seeds),
        "steps_per_continuation": ONSET_CONTINUATION,
        "temperature": SAMPLING_TEMPERATURE,
        "model_mad": _mad(onset_probabilities(model_cont), reference),
        "ngram_mad": _mad(onset_probabilities(ngram_cont), reference),
        "real_vs_real_mad": _mad(onset_probabilities(other_real), reference),
        "hits_per_bar": {"real": _density(real), "model": _density(model_cont), "ngram": _density(ngram_cont)},
    }


def music_report(model: DrumModel, dataset: DrumDataset, *, rng_seed: int = ONSET_RNG_SEED,
                 hold_seeds: int = HOLD_SEEDS) -> dict:
    """How sampled loops hold a groove, how often a bar is silent, their spread, and their fills.

    - ``hold``: one-bar seeds from beat files; the first generated bar's
      distance (cells of 16 x 9) to the seed bar, against the drummer's real
      next bar's; and the generated bar's distance to that real next bar,
      against bars of other files.
    - ``silent_bar_rate``: silent bars among the generated bars of 4-bar loops
      from the same seeds.
    - ``spread``: standard deviation of generated velocities and offsets over
      the split's own.
    - ``fills``: tom and crash hits per bar in fill bars over beat bars, for
      4-bar loops with ``fill_every=4`` (the product's phrase), and in the data (fill files over beat files).
    """
    rng = np.random.default_rng(rng_seed)
    beats = _beat_only(dataset)
    seeds, real = real_bars(beats, rng, hold_seeds, STEPS_PER_BAR)
    loops = [model.continue_pattern(seed, bars=4, temperature=SAMPLING_TEMPERATURE,
                                    rng_seed=int(rng.integers(2**31)))[0] for seed in seeds]
    others = _random_bars(dataset, rng, OTHER_BARS)
    hold = _hold(seeds, real, loops, others)
    generated_bars = sum(len(loop) // STEPS_PER_BAR - 1 for loop in loops)
    silent = sum(silent_bars(loop.slice(STEPS_PER_BAR, len(loop))) for loop in loops)
    velocity_sd, offset_sd = groove_spread(loops, from_step=STEPS_PER_BAR)
    data_velocity_sd, data_offset_sd = _data_spread(dataset)
    return {
        "hold": hold,
        "silent_bar_rate": round(silent / generated_bars, 4),
        "spread": {"velocity_sd": round(velocity_sd, 2), "data_velocity_sd": round(data_velocity_sd, 2),
                   "velocity_ratio": _ratio(velocity_sd, data_velocity_sd),
                   "offset_sd": round(offset_sd, 4), "data_offset_sd": round(data_offset_sd, 4),
                   "offset_ratio": _ratio(offset_sd, data_offset_sd)},
        "fills": _fills(model, seeds[:FILL_SEEDS], dataset, rng),
    }


def _hold(seeds, real, loops, others) -> dict:
    to_seed, real_to_seed, to_real, to_others = [], [], [], []
    for seed, next_bar, loop in zip(seeds, real, loops):
        seed_bar = event_bars(pattern_to_events(seed))[0]
        first = event_bars(pattern_to_events(loop))[1]
        real_bar = event_bars(next_bar)[0]
        to_seed.append(bar_distance(first, seed_bar))
        real_to_seed.append(bar_distance(real_bar, seed_bar))
        to_real.append(bar_distance(first, real_bar))
        to_others.append(np.mean([bar_distance(first, other) for other in others]))
    return {"seeds": len(seeds), "generated_to_seed": round(float(np.mean(to_seed)), 2),
            "real_next_to_seed": round(float(np.mean(real_to_seed)), 2),
            "ratio": _ratio(float(np.mean(to_seed)), float(np.mean(real_to_seed))),
            "generated_to_real_next": round(float(np.mean(to_real)), 2),
            "generated_to_other_files": round(float(np.mean(to_others)), 2)}


def _fills(model, seeds, dataset, rng) -> dict:
    fill_bars, beat_bars = [], []
    for seed in seeds:
        loop = model.continue_pattern(seed, bars=4, fill_every=4, temperature=SAMPLING_TEMPERATURE,
                                      rng_seed=int(rng.integers(2**31)))[0]
        bars = event_bars(pattern_to_events(loop))
        beat_bars += [bars[1], bars[2]]  # bar 0 is the seed; 1 and 2 are beats, 3 the fill
        fill_bars += [bars[3]]
    data_fill = [event_bars(s) for s, f in zip(dataset.sequences, dataset.fills) if f]
    data_beat = [event_bars(s) for s, f in zip(dataset.sequences, dataset.fills) if f is False]
    model_ratio = hits_per_bar(np.array(fill_bars), TOMS_AND_CRASH) / max(hits_per_bar(np.array(beat_bars),
                                                                                      TOMS_AND_CRASH), 1e-9)
    data_fill_bars = np.concatenate(data_fill) if data_fill else np.zeros((0, 16, 9), bool)
    data_beat_bars = np.concatenate(data_beat) if data_beat else np.zeros((0, 16, 9), bool)
    data_ratio = hits_per_bar(data_fill_bars, TOMS_AND_CRASH) / max(hits_per_bar(data_beat_bars, TOMS_AND_CRASH), 1e-9)
    return {"fill_every": 4, "loops": len(seeds),
            "fill_bar_toms_crash": round(hits_per_bar(np.array(fill_bars), TOMS_AND_CRASH), 3),
            "beat_bar_toms_crash": round(hits_per_bar(np.array(beat_bars), TOMS_AND_CRASH), 3),
            "ratio": round(model_ratio, 3), "data_ratio": round(data_ratio, 3)}


def real_bars(dataset: DrumDataset, rng: np.random.Generator, count: int, following: int):
    """``count`` bar-aligned real one-bar seeds (as patterns with their groove) and the ``following`` real events."""
    bar = STEPS_PER_BAR
    starts = [(i, s) for i, events in enumerate(dataset.sequences)
              for s in range(0, len(events) - bar - following + 1, bar)
              if np.asarray(events[s:s + bar]).any()]
    if not starts:
        raise InputError(f"no file has the {bar + following} steps a comparison of loops needs")
    picks = rng.choice(len(starts), size=count, replace=len(starts) < count)
    seeds, real = [], []
    for k in picks:
        i, s = starts[k]
        seeds.append(Pattern.from_matrix(dataset.velocities[i][s:s + bar], offsets=dataset.offsets[i][s:s + bar]))
        real.append(np.asarray(dataset.sequences[i][s + bar:s + bar + following], dtype=np.int64))
    return seeds, np.stack(real)


def _beat_only(dataset: DrumDataset) -> DrumDataset:
    keep = [i for i, fill in enumerate(dataset.fills) if fill is not True]
    subset = DrumDataset(split=dataset.split)
    for name in ("sequences", "velocities", "offsets", "styles", "fills", "bpms", "names"):
        setattr(subset, name, [getattr(dataset, name)[i] for i in keep])
    return subset


def _random_bars(dataset: DrumDataset, rng, count: int) -> list[np.ndarray]:
    bars = [bar for events in dataset.sequences for bar in event_bars(events) if bar.any()]
    return [bars[k] for k in rng.choice(len(bars), size=min(count, len(bars)), replace=False)]


def _data_spread(dataset: DrumDataset) -> tuple[float, float]:
    velocities = np.concatenate([v[v > 0] for v in dataset.velocities]).astype(np.float64)
    offsets = np.concatenate([o[v > 0] for v, o in zip(dataset.velocities, dataset.offsets)]).astype(np.float64)
    return float(velocities.std()), float(offsets.std())


def onset_probabilities(continuations: np.ndarray) -> np.ndarray:
    """``(16, 9)``: how often each drum sounds at each position in bar, over bar-aligned ``(n, steps)`` events."""
    bits = (continuations[..., None] >> np.arange(NUM_DRUMS)) & 1  # (n, steps, 9)
    by_position = bits.reshape(len(continuations), -1, STEPS_PER_BAR, NUM_DRUMS)
    return by_position.mean(axis=(0, 1))


def _pad(arrays: list[np.ndarray], length: int) -> np.ndarray:
    out = np.zeros((len(arrays), length, *arrays[0].shape[1:]), arrays[0].dtype)
    for row, array in enumerate(arrays):
        out[row, :len(array)] = array
    return out


def _ratio(value: float, reference: float) -> float | None:
    """``value / reference`` to 3 places, or None where the data has no spread to compare with (machine-made
    files at one velocity, on the grid): no number is better than a division by zero."""
    return round(value / reference, 3) if reference > 0 else None


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return round(float(np.abs(a - b).mean()), 5)


def _density(continuations: np.ndarray) -> float:
    """Mean hits per bar: the onset probabilities summed over positions and drums."""
    return round(float(onset_probabilities(continuations).sum()), 3)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

