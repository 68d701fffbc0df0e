"""The tempo of a recorded rhythm: which 16th grid, of all the tempi that fit, a drummer played.

Onsets fit many grids: a grid twice as fast always fits (every other step is
empty), and an eighth-note beat at 130 sounds like a sixteenth-note one at 65.
So each candidate tempo is scored as a whole explanation of the hits, in
log-likelihood (nats), and the best wins:

- *timing*: each hit's distance to its 16th, a Laplace distribution of
  ``TIMING_SCALE_S`` (a drummer's spread), with a share ``OFF_GRID_SHARE`` of hits
  anywhere in the step (flams, swing, a false onset), so one stray hit cannot veto a tempo;
- *metre*: each family's hits and rests (kick; snare; hats and cymbals) at each
  16th of the bar, against how often the Groove drummers played there at
  that tempo (a backbeat snare on 2 and 4, kicks on the beat): a slow beat in
  16ths read at twice its tempo puts its snares on beat 3 of every bar, which
  drummers rarely play;
- *prior*: how often the Groove drummers played at that tempo.

Both tables come from the Groove MIDI Dataset's train split
(``rhythm_tempo_prior.json``, written by ``scripts/fit_tempo_prior.py``).
Candidates are the peaks of the timing score over ``MIN_BPM_ESTIMATE``-
``MAX_BPM_ESTIMATE``; the winner is then fitted finely on every onset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import ModelError
from ..pattern import STEPS_PER_BAR

TEMPO_PRIOR_FILE = "rhythm_tempo_prior.json"
TEMPO_PRIOR_TYPE = "poseloops-tempo-prior"
TEMPO_PRIOR_VERSION = 1

MIN_BPM_ESTIMATE, MAX_BPM_ESTIMATE = 50.0, 220.0  # the 60-180, with room for a rushed or dragged take
SEARCH_SPACING = 0.001  # candidate tempi 0.1% apart: over 12 s at 120 BPM the grid drifts by at most 6 ms
SEARCH_SECONDS = 12.0  # candidates are found on the first 12 s of hits (3 bars at 60 BPM)
MAX_CANDIDATES = 24  # the best timing peaks scored in full
DISTINCT_TEMPI = 0.02  # candidates at least 2% apart
MAX_LATENCY_S = 0.04  # the onset detector reports hits up to this late (or early)
TIMING_SCALE_S = 0.015  # a drummer's spread around the grid (Laplace scale)
OFF_GRID_SHARE = 0.1
# Swing: the odd 16ths played late by this share of a step (0 straight, 1/3 a triplet feel); a
# swung beat fits its own grid, not only one twice as fast.
SWINGS = (0.0, 0.2, 0.33)
# How much each part counts, chosen on renders and SoX mixes of Groove *train* beats (never the
# validation split the figures are measured on): rests at half the weight of the timing, hits at
# a quarter (the table treats each 16th alone, and a beat's 16ths are far from independent),
# the prior at 3 (2-bar takes hold few hits; it decides between tempi the hits fit equally).
# The prior's weight is a trade. On 212 train beats mixed by SoX at random tempi 58-182 BPM and
# rendered at their own: all takes 84.4% right at 4, 85.6% at 3 (3.5: 85.8%, a tie); the takes
# at 150-180 BPM 73% at 4, 76% at 3, 82% at 1, but 1 loses the drummers' own tempi (68% -> 63%)
# and the takes at 90-120 (95% -> 87%). For some takes the hits cannot settle it: an 8th-note
# beat at 170 *is* a 16th-note beat at 85, onset for onset (docs/studio.md, "Recorded rhythms").
METRE_HIT_WEIGHT, METRE_REST_WEIGHT = 0.25, 0.5
PRIOR_WEIGHT = 3.0
ALTERNATIVE_RATIOS = (0.5, 2.0)  # what the page offers beside the tempo read: halve and double
DRUM_FAMILY = {0: 0, 1: 1, 2: 2, 3: 2}  # the rhythm classifier's drums -> the tables' families


@dataclass(frozen=True)
class TempoPrior:
    log2_bpm: np.ndarray  # the grid of the tempo table
    log_prior: np.ndarray  # 0 at the drummers' favourite tempo
    band_edges_bpm: np.ndarray
    log_hit: np.ndarray  # (bands, families, 16): log share of bars with a hit there
    log_rest: np.ndarray  # the same for no hit


@dataclass(frozen=True)
class Hits:
    """A recording's onsets from its first (seconds) and the table family of each drum they hold."""

    times: np.ndarray
    families: list[tuple[int, ...]]


def hits_of(onset_times: np.ndarray, drums: list[set[int]]) -> Hits:
    return Hits(np.asarray(onset_times, dtype=np.float64),
                [tuple(sorted({DRUM_FAMILY[d] for d in found if d in DRUM_FAMILY})) for found in drums])


def estimate_tempo(hits: Hits) -> tuple[float, float]:
    """``(bpm, latency_s)``: the likeliest tempo of the hits and the grid's lag behind them."""
    candidates = timing_peaks(hits)
    if len(candidates) == 0:
        return fine_fit(hits.times, 120.0)
    scores = [tempo_score(hits, bpm, latency) for bpm, latency in candidates]
    return fine_fit(hits.times, candidates[int(np.argmax(scores))][0])


def timing_log_likelihood(times: np.ndarray, bpm: np.ndarray, latency: np.ndarray) -> np.ndarray:
    """Sum over hits of the log density of their distance to the 16th grid, the best of ``SWINGS``.

    Broadcasts over ``bpm`` and ``latency``.
    """
    step_s = 15.0 / np.asarray(bpm, dtype=np.float64)[..., None]
    steps = (times - np.asarray(latency, dtype=np.float64)[..., None]) / step_s
    pair = 2 * np.floor(steps / 2)  # the even step at or before each hit
    best = None
    for swing in SWINGS:
        # distance (in steps) to the nearest of: the even step, the swung odd step after it, the next even step
        off = np.minimum(np.minimum(steps - pair, np.abs(steps - pair - 1 - swing)), pair + 2 - steps)
        on_grid = (1 - OFF_GRID_SHARE) * np.exp(-off * step_s / TIMING_SCALE_S) / (2 * TIMING_SCALE_S)
        score = np.log(on_grid + OFF_GRID_SHARE / step_s).sum(axis=-1)
        best = score if best is None else np.maximum(best, score)
    return best


def timing_peaks(hits: Hits) -> list[tuple[float, float]]:
    """``(bpm, latency_s)`` at the best local maxima of the timing score, best first."""
    times = hits.times[hits.times <= SEARCH_SECONDS]
    bpms = np.exp(np.arange(np.log(MIN_BPM_ESTIMATE), np.log(MAX_BPM_ESTIMATE), SEARCH_SPACING))
    latencies = np.linspace(-MAX_LATENCY_S, MAX_LATENCY_S, 9)
    scores = np.stack([timing_log_likelihood(times, bpms, np.full(len(bpms), lat)) for lat in latencies])
    best = scores.max(axis=0)
    peaks = np.flatnonzero((best[1:-1] >= best[:-2]) & (best[1:-1] >= best[2:])) + 1
    kept: list[int] = []
    for peak in peaks[np.argsort(-best[peaks])]:  # best first; a peak near a better one is its ripple
        if all(abs(np.log(bpms[peak] / bpms[k])) > DISTINCT_TEMPI for k in kept):
            kept.append(int(peak))
        if len(kept) == MAX_CANDIDATES:
            break
    return [(float(bpms[p]), float(latencies[int(np.argmax(scores[:, p]))])) for p in kept]


def tempo_score(hits: Hits, bpm: float, latency: float) -> float:
    """Log-likelihood of the hits at ``bpm``: timing + metre + prior (the module docstring)."""
    prior = load_tempo_prior()
    times = hits.times[hits.times <= SEARCH_SECONDS]
    step_s = 15.0 / bpm
    steps = np.maximum(np.round((times - latency) / step_s).astype(int), 0)
    occupied = np.zeros((prior.log_hit.shape[1], int(steps.max()) + 1), dtype=bool)
    for step, families in zip(steps, hits.families):
        occupied[list(families), step] = True
    band = int(np.searchsorted(prior.band_edges_bpm, bpm))
    positions = np.arange(occupied.shape[1]) % STEPS_PER_BAR
    hits = np.where(occupied, prior.log_hit[band][:, positions], 0.0).sum()
    rests = np.where(occupied, 0.0, prior.log_rest[band][:, positions]).sum()
    log_prior = float(np.interp(np.log2(bpm), prior.log2_bpm, prior.log_prior))
    timing = float(timing_log_likelihood(times, np.array(bpm), np.array(latency)))
    return timing + METRE_HIT_WEIGHT * float(hits) + METRE_REST_WEIGHT * float(rests) + PRIOR_WEIGHT * log_prior


def fine_fit(times: np.ndarray, bpm: float) -> tuple[float, float]:
    """``bpm`` within +-0.5% and the latency that put all the hits best on the grid."""
    fine = bpm * np.linspace(0.995, 1.005, 41)
    latencies = np.linspace(-MAX_LATENCY_S, MAX_LATENCY_S, 17)
    scores = timing_log_likelihood(times, fine[:, None], latencies[None, :])
    row, col = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return round(float(np.clip(fine[row], MIN_BPM_ESTIMATE, MAX_BPM_ESTIMATE)), 2), float(latencies[col])


def tempo_alternatives(bpm: float, *, min_bpm: float, max_bpm: float) -> list[float]:
    """Halve and double ``bpm`` where they are tempi the seed can take."""
    return [round(bpm * r, 2) for r in ALTERNATIVE_RATIOS if min_bpm <= bpm * r <= max_bpm]


@lru_cache(maxsize=1)
def load_tempo_prior() -> TempoPrior:
    """The shipped tempo and metre tables, read once and checked."""
    try:
        spec = json.loads(resources.files(__package__).joinpath(TEMPO_PRIOR_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"the tempo prior {TEMPO_PRIOR_FILE} cannot be read: {err}") from None
    if spec.get("type") != TEMPO_PRIOR_TYPE or spec.get("version") != TEMPO_PRIOR_VERSION:
        raise ModelError(f"{TEMPO_PRIOR_FILE} is not a version {TEMPO_PRIOR_VERSION} {TEMPO_PRIOR_TYPE}")
    share = np.array(spec["hit_share"], dtype=np.float64)
    edges = np.array(spec["band_edges_bpm"], dtype=np.float64)
    if share.shape != (len(edges) + 1, len(set(DRUM_FAMILY.values())), STEPS_PER_BAR) or not (
            (share > 0) & (share < 1)).all():
        raise ModelError(f"{TEMPO_PRIOR_FILE} has a metre table of shape {share.shape} or shares outside 0-1")
    bpm = np.array(spec["bpm"], dtype=np.float64)
    if len(bpm) != len(spec["log_prior"]) or not (np.diff(bpm) > 0).all():
        raise ModelError(f"{TEMPO_PRIOR_FILE} has a tempo table that is not increasing or not one value per tempo")
    return TempoPrior(np.log2(bpm), np.array(spec["log_prior"], dtype=np.float64), edges, np.log(share), np.log1p(-share))
