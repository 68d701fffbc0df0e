"""A recorded rhythm as a seed: find the hits, the tempo and which drum each hit was.

1. Decoding is ``audio.files.decode_audio``: WAV, FLAC, OGG (and MP3 where
   libsndfile reads it), mixed to mono; longer than ``max_seconds`` is refused
   from the header, before decoding.
2. Onsets: librosa's spectral-flux onset detector on a 22.05 kHz copy.
3. Tempo (``rhythm_tempo``): every tempo whose 16th grid the onsets fit is a
   candidate (step 0 = the first onset, give or take ``MAX_LATENCY_S``: the
   silence before it is however long the player took to start); each is
   scored as a whole explanation of the hits (timing on the grid, where the
   kicks, snares and hats fall in the bar, how often drummers play at that
   tempo, both learnt from the Groove train split), and the likeliest wins.
   ``bpm=`` skips this; halving or doubling the tempo read is asking for it.
4. Each hit is classified by how much each of six frequency bands rose at the
   onset and how loud each band is then, with one logistic regression per
   family (kick, snare, hats and cymbals); a hit can be several at once (kick
   and hat together). The weights live in ``rhythm_classifier.json``, fitted by
   ``scripts/fit_rhythm_classifier.py`` on renders of Groove training-split
   patterns through the synth and TR-808 kits, never the kit used to test it.
   A hat that still rings ``OPEN_HAT_RING_S`` later (or just before the next
   hit, if that comes sooner) plays as an open hat.
5. Quantise to 16ths. Velocity: each drum's level at the hit in the bands
   where that drum is loud (``VELOCITY_BANDS``), against the loudest hit of
   that drum in the recording, as amplitude (velocity 127 x amplitude ratio,
   the way samplers and our renderer scale a hit by velocity / 127), floored at
   ``MIN_VELOCITY``. The seed is the first ``SEED_BARS`` whole bars played
   (``bars=`` asks for 1 or 2; see ``seed_steps``), or exactly ``steps=``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelError, ParameterError
from ..pattern import MAX_BPM, MAX_VELOCITY, MIN_BPM, STEPS_PER_BAR, STEPS_PER_BEAT, Pattern, check_bpm, check_num_steps
from . import rhythm_tempo
from .rhythm_tempo import MAX_LATENCY_S

ANALYSIS_SAMPLE_RATE = 22050  # hats live up to 11 kHz; kicks and snares far below
HOP_LENGTH = 256  # 11.6 ms between analysis frames: a 16th at 200 BPM is 75 ms
N_FFT = 1024
ONSET_DELTA = 0.03  # librosa's peak threshold on the 0-1 onset envelope; tuned on the training renders
# The onset envelope is the mean rise (dB) over mel bands of the peak-normalised
# recording; the softest ghost notes in the renders rise 1.5, a swelling tone 0.3.
MIN_ONSET_STRENGTH = 0.5
# A room's hiss flickers by as much as a ghost note rises (a mean rise of 1-2 dB), but a hit,
# however soft, is louder than the background: the recording's quietest frames (2nd percentile).
MIN_ABOVE_BACKGROUND_DB = 6.0
BACKGROUND_PERCENTILE = 2
SEAM_FADE_SAMPLES = 256  # the lead-in fades out so its seam with the recording does not click
LEAD_IN_FRAMES = 8  # 93 ms of the recording's own background put in front before analysis
SILENCE_DBFS = -60.0  # a recording whose loudest sample is quieter than this is silence

# Bands (Hz) whose rise at an onset tells the drums apart: kick fundamental,
# kick/tom body, snare body, low mids, snare wires, hats and cymbals.
BANDS_HZ = ((30, 90), (90, 180), (180, 400), (400, 1500), (1500, 5000), (5000, 11025))
BAND_FLOOR_DB = 60.0  # each band's level is floored this far below its loudest frame
PRE_FRAMES = (3, 1)  # the band level before a hit: mean of frames onset-3 .. onset-2
POST_FRAMES = 3  # the level after: max of frames onset .. onset+2

FAMILY_DRUMS = {"kick": 0, "snare": 1, "hat": 2}
OPEN_HAT = 3
FAMILY_OF_DRUM = {0: "kick", 1: "snare", 2: "hat", OPEN_HAT: "hat"}
# Indices into BANDS_HZ whose level sets each family's velocity: where that drum is loud and the
# others are quiet, so a hat on a kick gets its own velocity, not the kick's.
VELOCITY_BANDS = {"kick": (0, 1), "snare": (2, 3, 4), "hat": (5,)}
OPEN_HAT_RING_S = 0.15  # a hat whose top band is still within OPEN_HAT_DROP_DB of its peak after this
OPEN_HAT_DROP_DB = 10.0
# The ring is read before the next hit's attack reaches the analysis window (half of N_FFT
# early, and a frame more: the detector reports an attack up to a frame late), and not at
# all when the next hit comes too soon to tell a ring from a tick.
RING_GUARD_FRAMES = N_FFT // 2 // HOP_LENGTH + 1
MIN_RING_S = 0.07
MIN_VELOCITY = 30  # the softest hit found still plays audibly
SEED_BARS = 2  # the default seed: the first two bars played (docs/seeds.md says why)
MAX_SEED_BARS = 2  # a recording seeds one or two whole bars: the model looks back one and two bars

CLASSIFIER_FILE = "rhythm_classifier.json"
CLASSIFIER_TYPE = "poseloops-rhythm-classifier"
CLASSIFIER_VERSION = 1

# numba compiles librosa's peak picker on first use and writes it to a cache shared by every
# process of the install. Two processes writing it at once can leave it corrupt, and from then on
# every process that loads it crashes (a segfault, seen when two test workers and their servers
# started together on a fresh install). So librosa runs under a lock across processes too: a
# recording waits at most for one other recording's analysis. The lock lives in the user's cache
# folder, not TMPDIR: nothing of ours appears in the temporary folder (tests watch it for uploads).
LIBROSA_LOCK_NAME = "poseloops/librosa.lock"
LIBROSA_LOCK_TIMEOUT_S = 300  # a first compile takes up to a minute on a slow machine

_librosa_lock = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RhythmRead:
    """A recording read as a seed: the seed, the tempo it is at, whether that was estimated,
    and the halved and doubled tempo (where a seed can take them), for a person to pick instead."""

    seed: Pattern
    bpm: float
    estimated: bool
    alternatives: list[float]


def audio_to_pattern(
    samples: np.ndarray, sample_rate: int, *, bpm: float | None = None, steps: int | None = None,
    bars: int | None = None,
) -> Pattern:
    """The seed a recording plays: its hits on the 16th grid, step 0 at the first hit.

    ``samples``: float array, ``(frames,)`` or ``(frames, channels)``.
    ``bpm``: the tempo if known; else it is estimated. ``steps``: the seed's
    exact length; ``bars`` (1 or 2): the first that many whole bars played
    (fewer if fewer were played); by default the first ``SEED_BARS`` (one if
    only one was, the recording's length if it is shorter than a bar). The
    pattern's ``bpm`` is the tempo used. Raises ``ParameterError`` for bad
    arguments (``steps`` and ``bars`` together, too) and ``InputError`` for
    silence, a recording with no hits, or one too long.
    """
    return read_rhythm(samples, sample_rate, bpm=bpm, steps=steps, bars=bars).seed


def read_rhythm(
    samples: np.ndarray, sample_rate: int, *, bpm: float | None = None, steps: int | None = None,
    bars: int | None = None,
) -> RhythmRead:
    """``audio_to_pattern``, with the tempo read and its alternatives (``RhythmRead``)."""
    mono = check_audio(samples, sample_rate)
    if bpm is not None:
        bpm = check_bpm(bpm)
    if steps is not None:
        steps = check_num_steps(steps, minimum=1)
    if bars is not None:
        bars = check_seed_bars(bars)
        if steps is not None:
            raise ParameterError(f"give steps ({steps}) or bars ({bars}), not both", argument="bars")
    peak = float(np.abs(mono).max())
    if peak < 10 ** (SILENCE_DBFS / 20):
        raise InputError(f"the recording is silent (its loudest sample is below {SILENCE_DBFS:g} dBFS)")
    analysis = analyse(mono / peak, sample_rate)
    if len(analysis.onset_times) == 0:
        raise InputError("no hits found in the recording: tap, clap or beatbox with clear attacks")
    analysis = from_first_hit(analysis)
    estimated = bpm is None
    if estimated:
        bpm, latency = estimate_tempo(analysis)
    else:
        latency = fit_latency(analysis.onset_times, analysis.strengths, bpm)
    seed = _quantise(analysis, bpm, latency, steps, bars or SEED_BARS)
    return RhythmRead(seed, bpm, estimated, rhythm_tempo.tempo_alternatives(bpm, min_bpm=MIN_BPM, max_bpm=MAX_BPM))


def check_seed_bars(bars: int) -> int:
    """``bars`` if it is a whole number of bars a recording may seed (1-``MAX_SEED_BARS``), else ``ParameterError``."""
    if isinstance(bars, bool) or not isinstance(bars, (int, np.integer)) or not 1 <= bars <= MAX_SEED_BARS:
        raise ParameterError(f"bars {bars!r} must be a whole number of bars, 1-{MAX_SEED_BARS}", argument="bars")
    return int(bars)


def check_audio(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float64 samples, or ``ParameterError``/``InputError`` naming what is wrong.

    The limits are the sound engine's (``audio.drumkit.SAMPLE_RATE_RANGE``, ``audio.files.MAX_RECORDING_SECONDS``),
    imported here, not at the top: ``import poseloops.seeds`` stays NumPy only.
    """
    from ..audio.drumkit import SAMPLE_RATE_RANGE
    from ..audio.files import MAX_RECORDING_SECONDS

    low_rate, high_rate = SAMPLE_RATE_RANGE
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)):
        raise ParameterError(f"sample rate {sample_rate!r} is not a whole number")
    if not low_rate <= sample_rate <= high_rate:
        raise ParameterError(f"sample rate {sample_rate} is outside {low_rate}-{high_rate} Hz")
    array = np.asarray(samples)
    if array.dtype.kind not in "fiu" or array.ndim not in (1, 2) or array.size == 0:
        raise ParameterError(f"samples must be a non-empty (frames,) or (frames, channels) number array, got {array.shape}")
    mono = array.astype(np.float64)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    if not np.isfinite(mono).all():
        raise ParameterError("samples hold NaN or infinite values")
    if len(mono) / sample_rate > MAX_RECORDING_SECONDS:
        raise InputError(f"the recording is {len(mono) / sample_rate:.1f} s long; "
                         f"the limit is {MAX_RECORDING_SECONDS:g} s")
    return mono


@dataclass(frozen=True)
class Analysis:
    """What a recording holds, per onset: time (s), strength (0-1), features, drums and levels."""

    duration_s: float
    onset_times: np.ndarray
    strengths: np.ndarray
    features: np.ndarray
    drums: list[set[int]]
    envelope: np.ndarray  # librosa's onset strength per frame, for the tempo estimate
    family_levels_db: dict[str, np.ndarray]  # per family, its bands' level at each onset


def analyse(mono: np.ndarray, sample_rate: int) -> Analysis:
    """Onsets, their features and their drums, from peak-normalised mono samples."""
    power, envelope, frames = detect_onsets(mono, sample_rate)
    levels = band_levels_db(power)
    features = np.array([onset_features(levels, int(f)) for f in frames]).reshape(len(frames), 2 * len(BANDS_HZ))
    drums = classify_hits(features, levels, frames)
    strengths = envelope[frames] / max(float(envelope.max()), 1e-9) if len(frames) else np.zeros(0)
    times = frames * HOP_LENGTH / ANALYSIS_SAMPLE_RATE
    return Analysis(len(mono) / sample_rate, times, strengths, features, drums, envelope,
                    family_levels(levels, frames))


def detect_onsets(mono: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(power spectrogram, onset envelope, onset frames)`` at ``ANALYSIS_SAMPLE_RATE``."""
    import librosa  # heavy (about a second), and its peak picker compiles once per process

    with _librosa_lock, _librosa_process_lock():
        y = librosa.resample(mono, orig_sr=sample_rate, target_sr=ANALYSIS_SAMPLE_RATE)
        y = np.concatenate([quietest_stretch(y, LEAD_IN_FRAMES * HOP_LENGTH), y])
        power = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)) ** 2
        mel = librosa.feature.melspectrogram(S=power, sr=ANALYSIS_SAMPLE_RATE)
        envelope = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=ANALYSIS_SAMPLE_RATE)
        frames = librosa.onset.onset_detect(
            onset_envelope=envelope, sr=ANALYSIS_SAMPLE_RATE, hop_length=HOP_LENGTH, delta=ONSET_DELTA
        )
    frames = frames[(envelope[frames] >= MIN_ONSET_STRENGTH) & (frames >= LEAD_IN_FRAMES)]
    frames = frames[above_background(power, frames)]
    return power[:, LEAD_IN_FRAMES:], envelope[LEAD_IN_FRAMES:], frames - LEAD_IN_FRAMES


def warm_up() -> float:
    """Read a two-bar beat of the synth kit once; the seconds it took.

    On a fresh install numba compiles librosa's onset code at the first recording (about 20 s on
    a 2-core machine) and caches it for every later process: ``scripts/setup.sh`` and ``poseloops
    serve`` call this so that no person waits for it.
    """
    import time

    from ..audio import load_kit, render_loop
    from ..audio.drumkit import SAMPLE_RATE

    start = time.perf_counter()
    audio_to_pattern(render_loop(Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8), kit=load_kit(None)), SAMPLE_RATE)
    return time.perf_counter() - start


def librosa_lock_path() -> Path:
    """``LIBROSA_LOCK_NAME`` in ``$XDG_CACHE_HOME`` (by default ``~/.cache``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / LIBROSA_LOCK_NAME


@contextmanager
def _librosa_process_lock():
    """``librosa_lock_path()`` held, or (if it cannot be had) a warning and no lock."""
    from filelock import FileLock, Timeout  # here, as librosa is: `import poseloops.seeds` stays NumPy only

    try:
        path = librosa_lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=LIBROSA_LOCK_TIMEOUT_S)
        lock.acquire()
    except (Timeout, OSError, RuntimeError) as err:  # RuntimeError: no home folder
        log.warning("analysing without the cross-process librosa lock: %s", err)
        yield
        return
    try:
        yield
    finally:
        lock.release()


def above_background(power: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Which onset ``frames`` are louder than the background by ``MIN_ABOVE_BACKGROUND_DB``."""
    level_db = 10 * np.log10(power.sum(axis=0) + 1e-20)
    inner = level_db[LEAD_IN_FRAMES : len(level_db) - 2] if len(level_db) > LEAD_IN_FRAMES + 2 else level_db
    background_db = np.percentile(inner, BACKGROUND_PERCENTILE)  # (the STFT's zero-padded edges left out)
    peaks = np.array([level_db[f : f + POST_FRAMES].max() for f in frames]).reshape(len(frames))
    return peaks >= background_db + MIN_ABOVE_BACKGROUND_DB


def quietest_stretch(y: np.ndarray, length: int) -> np.ndarray:
    """The ``length`` samples of ``y`` with the least energy (zeros where ``y`` is shorter).

    Put in front of the recording, so a hit at its very first sample still rises out of
    something, while a room's hiss or hum that starts with the recording does not: digital
    silence there would make the background's start an onset, and then the seed's step 0.
    """
    if len(y) <= length:
        return np.zeros(length)
    energy = np.concatenate([[0.0], np.cumsum(y**2)])
    start = int(np.argmin(energy[length:] - energy[:-length]))
    stretch = y[start : start + length].copy()
    stretch[-SEAM_FADE_SAMPLES:] *= np.linspace(1.0, 0.0, SEAM_FADE_SAMPLES)
    return stretch


def band_levels_db(power: np.ndarray) -> np.ndarray:
    """Level (dB) of each of ``BANDS_HZ`` per frame, ``(bands, frames)``, floored per band."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / ANALYSIS_SAMPLE_RATE)
    energy = np.array([power[(freqs >= low) & (freqs < high)].sum(axis=0) for low, high in BANDS_HZ])
    floor = energy.max(axis=1, keepdims=True) * 10 ** (-BAND_FLOOR_DB / 10)
    return 10 * np.log10(np.maximum(energy, np.maximum(floor, 1e-20)))


def onset_features(levels: np.ndarray, frame: int) -> np.ndarray:
    """Per band: how much it rose at the onset, then its level below the loudest band (dB)."""
    start, stop = max(frame - PRE_FRAMES[0], 0), max(frame - PRE_FRAMES[1], 1)
    before = levels[:, start:stop].mean(axis=1)
    after = levels[:, frame : frame + POST_FRAMES].max(axis=1)
    return np.concatenate([after - before, after - after.max()])


def family_levels(levels: np.ndarray, frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per family, the power sum (dB) of its ``VELOCITY_BANDS`` at each onset's loudest frame."""
    peaks = np.array([levels[:, int(f) : int(f) + POST_FRAMES].max(axis=1) for f in frames]).reshape(len(frames), len(levels))
    return {family: 10 * np.log10((10 ** (peaks[:, list(bands)] / 10)).sum(axis=1))
            for family, bands in VELOCITY_BANDS.items()}


def hit_velocities(analysis: Analysis) -> list[dict[int, int]]:
    """Per onset, the velocity of each of its drums: amplitude against that drum's loudest hit."""
    loudest = {}
    for family, level in analysis.family_levels_db.items():
        heard = [i for i, drums in enumerate(analysis.drums) if any(FAMILY_OF_DRUM[d] == family for d in drums)]
        loudest[family] = level[heard].max() if heard else 0.0
    velocities = []
    for i, drums in enumerate(analysis.drums):
        velocities.append({})
        for drum in drums:
            family = FAMILY_OF_DRUM[drum]
            amplitude = 10 ** ((analysis.family_levels_db[family][i] - loudest[family]) / 20)
            velocities[-1][drum] = int(np.clip(round(MAX_VELOCITY * amplitude), MIN_VELOCITY, MAX_VELOCITY))
    return velocities


def classify_hits(features: np.ndarray, levels: np.ndarray, frames: np.ndarray) -> list[set[int]]:
    """The drums each onset holds: every family the classifier finds likely, else the likeliest."""
    classifier = load_classifier()
    logits = features @ classifier["weights"].T + classifier["bias"]
    likely = logits >= 0.0  # probability 0.5
    drums = []
    next_frames = np.append(frames[1:], np.iinfo(np.int64).max)
    for row, frame, next_frame in zip(range(len(features)), frames, next_frames):
        chosen = np.flatnonzero(likely[row]) if likely[row].any() else [int(logits[row].argmax())]
        found = {FAMILY_DRUMS[classifier["families"][k]] for k in chosen}
        if FAMILY_DRUMS["hat"] in found and _rings(levels[-1], int(frame), int(next_frame)):
            found = (found - {FAMILY_DRUMS["hat"]}) | {OPEN_HAT}
        drums.append(found)
    return drums


def _rings(top_band_db: np.ndarray, frame: int, next_frame: int) -> bool:
    later = min(frame + round(OPEN_HAT_RING_S * ANALYSIS_SAMPLE_RATE / HOP_LENGTH), next_frame - RING_GUARD_FRAMES)
    if later >= len(top_band_db) or later - frame < MIN_RING_S * ANALYSIS_SAMPLE_RATE / HOP_LENGTH:
        return False
    peak = top_band_db[frame : frame + POST_FRAMES].max()
    return bool(top_band_db[later] >= peak - OPEN_HAT_DROP_DB)


@lru_cache(maxsize=1)
def load_classifier() -> dict:
    """The shipped hit classifier, read once and checked against this module's features."""
    try:
        text = resources.files(__package__).joinpath(CLASSIFIER_FILE).read_text(encoding="utf-8")
        spec = json.loads(text)
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"the rhythm classifier {CLASSIFIER_FILE} cannot be read: {err}") from None
    if spec.get("type") != CLASSIFIER_TYPE or spec.get("version") != CLASSIFIER_VERSION:
        raise ModelError(f"{CLASSIFIER_FILE} is not a version {CLASSIFIER_VERSION} {CLASSIFIER_TYPE}")
    if [tuple(b) for b in spec["bands_hz"]] != list(BANDS_HZ) or spec["sample_rate"] != ANALYSIS_SAMPLE_RATE:
        raise ModelError(f"{CLASSIFIER_FILE} was fitted on other features than this version computes")
    weights = np.array(spec["weights"], dtype=np.float64)
    if weights.shape != (len(spec["families"]), 2 * len(BANDS_HZ)) or set(spec["families"]) != set(FAMILY_DRUMS):
        raise ModelError(f"{CLASSIFIER_FILE} has weights of shape {weights.shape}")
    return {"families": spec["families"], "weights": weights, "bias": np.array(spec["bias"], dtype=np.float64)}


def grid_fit(times: np.ndarray, weights: np.ndarray, bpm: np.ndarray, latency: np.ndarray) -> np.ndarray:
    """How well onsets sit on a 16th grid: weighted mean cosine of their phase, 1 = all on the grid.

    Broadcasts over ``bpm`` and ``latency`` (seconds the grid is moved by).
    """
    step_s = 60.0 / np.asarray(bpm, dtype=np.float64)[..., None] / STEPS_PER_BEAT
    phase = 2 * np.pi * (times - np.asarray(latency)[..., None]) / step_s
    return (np.cos(phase) * weights).sum(axis=-1) / weights.sum()


def from_first_hit(analysis: Analysis) -> Analysis:
    """``analysis`` with time 0 at its first onset: the silence before the player started is dropped."""
    start_s = float(analysis.onset_times[0])
    return replace(analysis, duration_s=analysis.duration_s - start_s, onset_times=analysis.onset_times - start_s)


def fit_latency(times: np.ndarray, weights: np.ndarray, bpm: float) -> float:
    """The detector lag (within ``MAX_LATENCY_S``) that puts the onsets best on the grid."""
    latencies = np.linspace(-MAX_LATENCY_S, MAX_LATENCY_S, 17)
    return float(latencies[int(np.argmax(grid_fit(times, weights, np.full(len(latencies), bpm), latencies)))])


def estimate_tempo(analysis: Analysis) -> tuple[float, float]:
    """``(bpm, latency_s)`` for the recording (``rhythm_tempo``: the module docstring, step 3)."""
    return rhythm_tempo.estimate_tempo(rhythm_tempo.hits_of(analysis.onset_times, analysis.drums))


def seed_steps(hit_steps: np.ndarray, recording_steps: int, bars: int = SEED_BARS) -> int:
    """The seed length: the first ``bars`` whole bars played, else the recording's length.

    ``hit_steps``: the 16th step of each hit from the first (0); ``recording_steps``:
    the recording's length in 16ths from the first hit.
    """
    # A bar counts as played once a hit falls in its last beat: players stop right after their
    # last hit, and a bar often ends with a rest or two; a lone closing hit on the next one is not a bar.
    bars_played = (int(hit_steps.max()) + STEPS_PER_BEAT) // STEPS_PER_BAR
    if bars_played == 0:
        return max(1, min(STEPS_PER_BAR, recording_steps))
    return STEPS_PER_BAR * min(bars, bars_played)


def _quantise(analysis: Analysis, bpm: float, latency: float, steps: int | None, bars: int) -> Pattern:
    step_s = 60.0 / bpm / STEPS_PER_BEAT
    # the first hit is step 0 even where the fitted latency would round it to -1 (above 200 BPM)
    hit_steps = np.maximum(np.round((analysis.onset_times - latency) / step_s).astype(int), 0)
    if steps is None:
        steps = seed_steps(hit_steps, math.ceil((analysis.duration_s - latency) / step_s - 0.5), bars)
    matrix = np.zeros((steps, 9), dtype=np.uint8)
    for step, velocities in zip(hit_steps, hit_velocities(analysis)):
        if 0 <= step < steps:
            for drum, velocity in velocities.items():
                matrix[step, drum] = max(matrix[step, drum], velocity)
    return Pattern.from_matrix(matrix, seed_length=steps, bpm=bpm)
