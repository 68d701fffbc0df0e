"""Scoring how a loop is directed, against baselines measured in the same run (``poseloops eval --direct``).

Every figure is measured on a split of real drumming (Groove's validation
split: the train split only lends the baselines their examples):

- ``hold``: flat one-bar seeds cut at the 2nd and 6th bar of each beat file
  (hits only, as dice, grids and poses make them) are continued, 4 variations
  each; the loop's second bar differs from the seed bar in ``generated``
  cells of 144, the drummer's own next bar in ``drummer``; ``ratio`` is the one
  over the other.
- ``regenerate``: 4-bar beat windows (one every 4 bars); three asks (the hats,
  drums 2 and 3; the kick; bar 3 between bars 1-2 and 4), each scored by the
  hit F1 of the regenerated cells against the drummer's, beside a
  nearest-neighbour baseline: the train window closest on the kept cells (in
  hits) lends its cells.
- ``drumify``: 2-bar beat windows, the drummer's hits merged into one rhythm
  (per step the loudest hit's velocity and offset); cell accuracy over 32 x 9
  and hit F1 against the drummer's kit, beside the all-silent answer and a rule
  (kick on beats 1 and 3, snare on 2 and 4, closed hat on every other rhythm hit).
- ``density``: flat one-bar seeds continued at densities 0.1-0.9; hits per
  generated bar and silent bars.
- ``continuation_nll``: the infilling model read as a step-by-step
  continuation, comparable with the LSTM's ``model.nll``: on 4-bar windows
  (one every 2 bars), each step from bar 2 on is scored given every step
  before it and nothing after, its drums drawn independently given that
  (an upper bound on what the model's own many-pass draw knows), in nats per step.
- ``blend``: 8-bar phrases between the 2nd bars of two beat files in turn;
  the share of phrases whose first bar is within 4 cells of A's and last of
  B's, whose distance to A never falls from bar to bar, the mean correlation
  of that distance with the bar's number (1: a straight way), silent bars, and the
  share of the middle bars' hits that are in neither groove (0 for a cell-wise
  crossfade: the model plays around what it keeps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..pattern import NUM_DRUMS, STEPS_PER_BAR, Pattern
from .dataset import DrumDataset
from .features import PART_BEAT
from .infill_data import merge_rhythm
from .training_files import sounding_length

HOLD_SEED_BARS = (1, 5)  # the 2nd and 6th bar: mid-phrase, past any intro
HOLD_VARIATIONS = 4
REGENERATE_ASKS = {"hats": ("drums", (2, 3)), "kick": ("drums", (0,)), "bar3": ("bars", (3,))}
DRUMIFY_BARS = 2
DENSITIES = (0.1, 0.3, 0.5, 0.7, 0.9)
DENSITY_SEEDS = 40
BLEND_PHRASE_BARS = 8
BLEND_PAIRS = 40
BLEND_CLOSE_CELLS = 4  # a phrase's first and last bar are "its ends' grooves" within this many cells
FLAT_VELOCITY = 100  # the velocity a flat seed's hits are given (the studio's default)
KICK, SNARE, CLOSED_HAT = 0, 1, 2


@dataclass(frozen=True)
class BeatFile:
    velocities: np.ndarray  # (steps, 9) float32 MIDI
    offsets: np.ndarray  # (steps, 9) float32 16ths
    style: str


def beat_files(dataset: DrumDataset) -> list[BeatFile]:
    """The beat files of ``dataset`` (fills left out), trimmed of their closing silence."""
    files = []
    for vel, off, style, fill, events in zip(dataset.velocities, dataset.offsets, dataset.styles, dataset.fills,
                                             dataset.sequences):
        if fill:
            continue
        end = sounding_length(events)
        files.append(BeatFile(vel[:end].astype(np.float32), off[:end].astype(np.float32), style))
    return files


def windows(files: list[BeatFile], bars: int, stride_bars: int) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Every ``bars``-bar window, one every ``stride_bars``, of each file (velocities, offsets, style)."""
    out, steps = [], bars * STEPS_PER_BAR
    for f in files:
        for bar in range(0, len(f.velocities) // STEPS_PER_BAR - bars + 1, stride_bars):
            span = slice(bar * STEPS_PER_BAR, bar * STEPS_PER_BAR + steps)
            out.append((f.velocities[span], f.offsets[span], f.style))
    return out


def f1_score(predicted: np.ndarray, true: np.ndarray) -> float:
    """Hit F1 of two boolean arrays (1.0 when both are empty)."""
    both = int((predicted & true).sum())
    wrong = int((predicted ^ true).sum())
    return 1.0 if both + wrong == 0 else 2 * both / (2 * both + wrong)


def flat_pattern(hits: np.ndarray) -> Pattern:
    return Pattern.from_matrix((hits > 0).astype(np.uint8) * FLAT_VELOCITY)


def hold_report(continue_loop: Callable[[Pattern, int], list[Pattern]], files: list[BeatFile]) -> dict:
    """How far a continuation's second bar strays from a flat seed bar, against the drummer's next bar."""
    generated, drummer = [], []
    for f in files:
        hits = f.velocities > 0
        for bar in HOLD_SEED_BARS:
            if len(hits) < (bar + 2) * STEPS_PER_BAR:
                continue
            seed, real_next = (hits[bar * STEPS_PER_BAR:(bar + 1) * STEPS_PER_BAR],
                               hits[(bar + 1) * STEPS_PER_BAR:(bar + 2) * STEPS_PER_BAR])
            if not seed.any():
                continue
            for loop in continue_loop(flat_pattern(seed), HOLD_VARIATIONS):
                second = loop.to_matrix()[STEPS_PER_BAR:2 * STEPS_PER_BAR] > 0
                generated.append(int((second != seed).sum()))
            drummer.append(int((real_next != seed).sum()))
    return {"seeds": len(drummer), "generated": float(np.mean(generated)), "drummer": float(np.mean(drummer)),
            "ratio": float(np.mean(generated) / np.mean(drummer)) if np.mean(drummer) > 0 else None}


def _asked(kind: str, which: tuple[int, ...], steps: int) -> np.ndarray:
    asked = np.zeros((steps, NUM_DRUMS), bool)
    if kind == "drums":
        asked[:, list(which)] = True
    else:
        for bar in which:
            asked[(bar - 1) * STEPS_PER_BAR:bar * STEPS_PER_BAR] = True
    return asked


def regenerate_report(regenerate: Callable[[Pattern, np.ndarray], Pattern], scored: list[BeatFile],
                      train: list[BeatFile] | None) -> dict:
    """Hit F1 of regenerated cells against the drummer's, beside the nearest train window's cells (left out
    when ``train`` is None), and against another window's drummer (``other_window_f1``: what the kept cells
    add; a draw that ignored them would score the same against both)."""
    scored_windows = windows(scored, 4, 4)
    train_hits = None if train is None else np.array([v > 0 for v, _, _ in windows(train, 4, 1)])
    report = {}
    for name, (kind, which) in REGENERATE_ASKS.items():
        asked = _asked(kind, which, 4 * STEPS_PER_BAR)
        model_f1, neighbour_f1, other_f1 = [], [], []
        for k, (velocities, offsets, _) in enumerate(scored_windows):
            true = velocities > 0
            other = scored_windows[(k + len(scored_windows) // 2) % len(scored_windows)][0] > 0
            loop = Pattern.from_matrix(velocities.astype(np.uint8), offsets=offsets)
            drawn = regenerate(loop, asked).to_matrix() > 0
            model_f1.append(f1_score(drawn[asked], true[asked]))
            other_f1.append(f1_score(drawn[asked], other[asked]))
            if train_hits is not None:
                distance = (train_hits[:, ~asked] != true[~asked][None]).sum(axis=1)
                neighbour_f1.append(f1_score(train_hits[int(np.argmin(distance))][asked], true[asked]))
        report[name] = {"f1": float(np.mean(model_f1)), "other_window_f1": float(np.mean(other_f1)),
                        "windows": len(scored_windows)}
        if neighbour_f1:
            report[name]["nearest_neighbour_f1"] = float(np.mean(neighbour_f1))
    return report


def rule_drums(rhythm_velocity: np.ndarray) -> np.ndarray:
    """The rule baseline: kick on beats 1 and 3, snare on 2 and 4, a closed hat on every other rhythm hit."""
    hits = np.zeros((len(rhythm_velocity), NUM_DRUMS), bool)
    position = np.arange(len(rhythm_velocity)) % STEPS_PER_BAR
    played = rhythm_velocity > 0
    hits[:, KICK] = played & np.isin(position, (0, 8))
    hits[:, SNARE] = played & np.isin(position, (4, 12))
    hits[:, CLOSED_HAT] = played & ~np.isin(position, (0, 4, 8, 12))
    return hits


def drumify_report(drumify: Callable[[Pattern], Pattern], files: list[BeatFile]) -> dict:
    """Cell accuracy and hit F1 of drumified merged rhythms against the drummer's kit, beside two baselines."""
    scores = {"model": ([], []), "rule": ([], []), "silent": ([], [])}
    for velocities, offsets, _ in windows(files, DRUMIFY_BARS, DRUMIFY_BARS):
        rhythm_velocity, rhythm_offset = merge_rhythm(velocities, offsets)
        if not (rhythm_velocity > 0).any():
            continue
        rhythm = np.zeros_like(velocities)
        rhythm[:, KICK] = rhythm_velocity
        rhythm_offsets = np.zeros_like(offsets)
        rhythm_offsets[:, KICK] = rhythm_offset
        true = velocities > 0
        answers = {"model": drumify(Pattern.from_matrix(rhythm.astype(np.uint8), offsets=rhythm_offsets)
                                    ).to_matrix() > 0,
                   "rule": rule_drums(rhythm_velocity), "silent": np.zeros_like(true)}
        for name, predicted in answers.items():
            scores[name][0].append(float((predicted == true).mean()))
            scores[name][1].append(f1_score(predicted, true))
    return {name: {"accuracy": float(np.mean(a)), "f1": float(np.mean(f)), "windows": len(a)}
            for name, (a, f) in scores.items()}


def density_report(continue_loop: Callable[[Pattern, float], list[Pattern]], files: list[BeatFile]) -> dict:
    """Mean hits per generated bar and silent bars at each density, from flat one-bar seeds."""
    seeds = [f.velocities[STEPS_PER_BAR:2 * STEPS_PER_BAR] > 0 for f in files
             if len(f.velocities) >= 2 * STEPS_PER_BAR][:DENSITY_SEEDS]
    report = {}
    for density in DENSITIES:
        per_bar, silent = [], 0
        for seed in seeds:
            for loop in continue_loop(flat_pattern(seed), density):
                bars = (loop.to_matrix()[STEPS_PER_BAR:] > 0).reshape(-1, STEPS_PER_BAR * NUM_DRUMS).sum(axis=1)
                per_bar.extend(bars.tolist())
                silent += int((bars == 0).sum())
        report[f"{density:g}"] = {"hits_per_bar": float(np.mean(per_bar)), "silent_bars": silent}
    return report


def continuation_nll(infill, files: list[BeatFile], *, batch: int = 256) -> dict:
    """Nats per step of the infilling model continuing real windows step by step (see the module's notes)."""
    from .infill_sampling import Ask

    scored = windows(files, 4, 2)
    steps = 4 * STEPS_PER_BAR
    total, count = 0.0, 0
    for start in range(0, len(scored), batch):
        velocities = np.array([v for v, _, _ in scored[start:start + batch]], np.float32)
        offsets = np.array([o for _, o, _ in scored[start:start + batch]], np.float32)
        ask = Ask(velocities[0], offsets[0], np.ones((steps, NUM_DRUMS), bool), np.full(steps, PART_BEAT, np.int64),
                  touch_given=True)
        for step in range(STEPS_PER_BAR, steps):
            known = np.zeros(velocities.shape, bool)
            known[:, :step] = True
            logits = infill.sampler.predict(ask, velocities, offsets, known, None)[:, step, :, 0].astype(np.float64)
            hit = velocities[:, step] > 0
            # -log sigmoid(+-logit), written to stay finite for large logits
            total += float(np.logaddexp(0.0, np.where(hit, -logits, logits)).sum())
            count += len(velocities)
    return {"nll": total / max(count, 1), "steps": count, "windows": len(scored)}


def blend_report(blend: Callable[[Pattern, Pattern], Pattern], files: list[BeatFile]) -> dict:
    """How phrases from one drummer's bar to another's move between them (see the module's notes)."""
    bars = [f.velocities[STEPS_PER_BAR:2 * STEPS_PER_BAR] > 0 for f in files if len(f.velocities) >= 2 * STEPS_PER_BAR]
    bars = [bar for bar in bars if bar.any()][:BLEND_PAIRS + 1]
    ends, steady, rising, silent, own, hits = 0, 0, [], 0, 0, 0
    for a, b in zip(bars, bars[1:]):
        phrase = blend(flat_pattern(a), flat_pattern(b)).to_matrix().reshape(-1, STEPS_PER_BAR, NUM_DRUMS) > 0
        to_a = (phrase != a).sum(axis=(1, 2))
        ends += int(to_a[0] <= BLEND_CLOSE_CELLS and (phrase[-1] != b).sum() <= BLEND_CLOSE_CELLS)
        steady += int((np.diff(to_a) >= 0).all())
        rising.append(float(np.corrcoef(np.arange(len(to_a)), to_a)[0, 1]) if to_a.std() > 0 else 0.0)
        silent += int((~phrase.any(axis=(1, 2))).sum())
        middle = phrase[1:-1]
        own += int((middle & ~a & ~b).sum())
        hits += int(middle.sum())
    pairs = max(1, len(bars) - 1)
    return {"phrases": len(bars) - 1, "ends_share": ends / pairs, "steady_share": steady / pairs,
            "distance_bar_correlation": float(np.mean(rising)) if rising else None,
            "silent_bars": silent, "own_hits_share": own / max(1, hits)}


def direct_report(scored: DrumDataset, train: DrumDataset, *, infill=None, lstm=None, temperature: float = 1.0,
                  rng_seed: int = 2019, max_files: int | None = None, neighbours: bool = True) -> dict:
    """Every figure above for the shipped models (or those given), each beside its baseline, in one run
    (``max_files``: the first N beat files of ``scored`` only; ``neighbours`` False leaves out the
    nearest-neighbour baseline, which reads every train window: for a quick look)."""
    from .drum_model import load_default_model
    from .infill_model import load_default_infill_model

    infill = infill or load_default_infill_model()
    lstm = lstm or load_default_model()
    rng = np.random.default_rng(rng_seed)
    draw = lambda: int(rng.integers(2**32))  # noqa: E731
    scored_files = beat_files(scored)[:max_files]
    train_files = beat_files(train) if neighbours else None
    bars = 4
    return {
        "temperature": temperature,
        "hold": {
            "infill": hold_report(lambda seed, n: infill.continue_pattern(
                seed, bars=bars, temperature=temperature, rng_seed=draw(), variations=n), scored_files),
            "lstm": hold_report(lambda seed, n: lstm.continue_pattern(
                seed, bars=bars, temperature=temperature, rng_seed=draw(), variations=n), scored_files),
        },
        "regenerate": regenerate_report(lambda loop, asked: infill.regenerate(
            loop, asked, temperature=temperature, rng_seed=draw())[0], scored_files, train_files),
        "drumify": drumify_report(lambda rhythm: infill.drumify(rhythm, temperature=temperature, rng_seed=draw())[0],
                                  scored_files),
        "density": density_report(lambda seed, density: infill.continue_pattern(
            seed, bars=bars, temperature=temperature, rng_seed=draw(), variations=2, density=density), scored_files),
        "continuation_nll": continuation_nll(infill, scored_files),
        "blend": blend_report(lambda a, b: infill.blend(a, b, bars=BLEND_PHRASE_BARS, temperature=temperature,
                                                        rng_seed=draw()), scored_files),
    }
