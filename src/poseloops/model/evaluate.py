"""Scoring the drum model against the n-gram baseline on a split of a drum dataset.

``evaluate_split`` is what ``poseloops eval`` prints. Both models score every
step of every file of the split, each file from its start (the first step's
previous event is a rest), so figures compare across models and runs:
mean negative log-likelihood per step in nats, next-event accuracy (argmax),
and the number of steps. The baseline is fitted on the folder's train split.

``compare_onsets`` reports how generated loops compare with real ones: 1-bar
seeds cut from real files, continued by each model, and the per-(position in
bar, drum) onset probabilities of the continuations against those of the real
steps that followed the same seeds, as a mean absolute difference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR
from .dataset import load_split
from .drum_model import DrumModel, load_default_model, load_model
from .events import model_inputs
from .lstm import NumpyDrumLSTM
from .ngram import DEFAULT_ORDER, NgramModel
from .sampling import continue_events

SCORE_BATCH = 32  # files the NumPy LSTM steps through together (sorted by length)
ONSET_SEEDS = 200  # the count of real 1-bar seeds
ONSET_CONTINUATION = 2 * STEPS_PER_BAR  # generated steps per seed, as a loop of two bars
ONSET_RNG_SEED = 2019
ONSET_TEMPERATURE = 1.0  # sampling as the product does by default


def evaluate_split(data_dir: str | Path, *, split: str = "validation", weights_path: str | Path | None = None,
                   ngram_order: int = DEFAULT_ORDER, onsets: bool = False) -> dict:
    """``{"model": {"nll", "accuracy", "steps"}, "ngram": {...}}`` (plus ``"onsets"`` if asked).

    Raises ``InputError`` when the split, or the train split the baseline is
    fitted on, yields no usable drum notes.
    """
    model = load_default_model() if weights_path is None else load_model(weights_path)
    scored = load_split(data_dir, split)
    train = scored if split == "train" else load_split(data_dir, "train")
    ngram = NgramModel.fit(train.sequences, order=ngram_order)
    report = {
        "model": score_lstm(model.lstm, scored.sequences),
        "ngram": score_ngram(ngram, scored.sequences),
        "split": split,
        "files": len(scored.sequences),
        "skipped": {reason: len(names) for reason, names in scored.skipped.items()},
    }
    if onsets:
        report["onsets"] = compare_onsets(model, ngram, scored.sequences)
    return report


def score_lstm(lstm: NumpyDrumLSTM, sequences: list[np.ndarray]) -> dict:
    """NLL (nats/step), accuracy and steps of the LSTM over every step of ``sequences``."""
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    nll, correct, count = 0.0, 0, 0
    for begin in range(0, len(order), SCORE_BATCH):
        chunk = [np.asarray(sequences[i], dtype=np.int64) for i in order[begin:begin + SCORE_BATCH]]
        longest = max(len(s) for s in chunk)
        previous = np.zeros((len(chunk), longest), np.int64)
        targets = np.zeros_like(previous)
        mask = np.zeros(previous.shape, bool)
        for row, events in enumerate(chunk):
            previous[row, :len(events)] = model_inputs(events)[0]
            targets[row, :len(events)] = events
            mask[row, :len(events)] = True
        state = lstm.initial_state(len(chunk))
        rows = np.arange(len(chunk))
        for t in range(longest):
            logits, state = lstm.step(previous[:, t], t % STEPS_PER_BAR, state)
            log_probs = _log_softmax(logits)
            live = mask[:, t]
            nll -= float(log_probs[rows[live], targets[live, t]].sum())
            correct += int((logits[live].argmax(axis=1) == targets[live, t]).sum())
            count += int(live.sum())
    return _figures(nll, correct, count)


def score_ngram(ngram: NgramModel, sequences: list[np.ndarray]) -> dict:
    """NLL (nats/step), accuracy and steps of the n-gram over every step of ``sequences``."""
    nll, correct, count = 0.0, 0, 0
    for events in sequences:
        for (history, position), event in zip(ngram.histories(events), events):
            probs = ngram.distribution(history, position)
            nll -= float(np.log(probs[event]))
            correct += int(probs.argmax() == event)
            count += 1
    return _figures(nll, correct, count)


def compare_onsets(model: DrumModel, ngram: NgramModel, sequences: list[np.ndarray], *,
                   num_seeds: int = ONSET_SEEDS, rng_seed: int = ONSET_RNG_SEED) -> dict:
    """Onset probabilities per (position in bar, drum) of generated vs real continuations of real 1-bar seeds.

    Seeds are bars (bar-aligned, so the position counter is right) of files long
    enough to have ``ONSET_CONTINUATION`` real steps after them. A second,
    independent draw of real bars gives the difference two real samples of this
    size already have (the noise floor).
    """
    rng = np.random.default_rng(rng_seed)
    seeds, real = _real_bars(sequences, rng, num_seeds)
    _, other_real = _real_bars(sequences, rng, num_seeds)
    model_cont = np.stack([continue_events(model.lstm, seed, steps=ONSET_CONTINUATION,
                                           temperature=ONSET_TEMPERATURE, rng=rng, variations=1)[0]
                           for seed in seeds])
    ngram_cont = np.stack([ngram.continue_events(seed, steps=ONSET_CONTINUATION, temperature=ONSET_TEMPERATURE,
                                                 rng=rng) for seed in seeds])
    reference = onset_probabilities(real)
    return {
        "seeds": len(seeds),
        "steps_per_continuation": ONSET_CONTINUATION,
        "temperature": ONSET_TEMPERATURE,
        "model_mad": _mad(onset_probabilities(model_cont), reference),
        "ngram_mad": _mad(onset_probabilities(ngram_cont), reference),
        "real_vs_real_mad": _mad(onset_probabilities(other_real), reference),
        "hits_per_bar": {"real": _density(real), "model": _density(model_cont), "ngram": _density(ngram_cont)},
    }


def onset_probabilities(continuations: np.ndarray) -> np.ndarray:
    """``(16, 9)``: how often each drum sounds at each position in bar, over bar-aligned ``(n, steps)`` events."""
    bits = (continuations[..., None] >> np.arange(NUM_DRUMS)) & 1  # (n, steps, 9)
    by_position = bits.reshape(len(continuations), -1, STEPS_PER_BAR, NUM_DRUMS)
    return by_position.mean(axis=(0, 1))


def _real_bars(sequences, rng, count):
    bar = STEPS_PER_BAR
    starts = [(i, s) for i, events in enumerate(sequences)
              for s in range(0, len(events) - bar - ONSET_CONTINUATION + 1, bar)]
    if not starts:
        raise InputError(f"no file has the {bar + ONSET_CONTINUATION} steps an onset comparison needs")
    picks = rng.choice(len(starts), size=count, replace=len(starts) < count)
    seeds, real = [], []
    for k in picks:
        i, s = starts[k]
        events = np.asarray(sequences[i], dtype=np.int64)
        seeds.append(events[s:s + bar])
        real.append(events[s + bar:s + bar + ONSET_CONTINUATION])
    return seeds, np.stack(real)


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return round(float(np.abs(a - b).mean()), 5)


def _density(continuations: np.ndarray) -> float:
    """Mean hits per bar: the onset probabilities summed over positions and drums."""
    return round(float(onset_probabilities(continuations).sum()), 3)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _figures(nll: float, correct: int, count: int) -> dict:
    return {"nll": round(nll / count, 4), "accuracy": round(correct / count, 4), "steps": count}
