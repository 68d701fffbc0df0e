"""How loud an export is, and the gain that brings it to the export target.

Measured as ITU-R BS.1770-4 says, with ``pyloudnorm``: integrated loudness in LUFS
(K-weighted, 400 ms blocks, gated) and true peak in dBTP (the signal oversampled
4x, ``scipy.signal.resample_poly``, its largest absolute value).

Exports are normalised to ``TARGET_LUFS`` with the true peak at or below
``TRUE_PEAK_CEILING_DBTP``. Drum loops have a high peak-to-loudness ratio
(13-22 dB on the three kits: a plain gain to -16 LUFS would put the peaks of most
loops 1-6 dB over full scale), so the gain is followed by a true-peak limiter
(the master stage's look-ahead limiter, fed the oversampled level). It may take at
most ``MAX_LIMITING_DB`` off a peak: a loop that needs more to reach the target
(hi-hats alone, say) stops short of it, and the peak limit wins. The result is
one gain per frame, so stems multiplied by their mix's curve still sum to it.

A seamless loop is measured as it is heard, repeated end to end (at least
``MIN_LOOP_MEASURE_S``, with its end again before its start so that the blocks
across the seam count too); a one-shot shorter than one 400 ms block is measured
with silence after it (the gate leaves the silence out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .limiter import frame_levels, limiter_gain

TARGET_LUFS = -16.0  # Apple Music's and the AES streaming recommendation's level; -14 would squash drums harder
LOUDNESS_RANGE_LUFS = (-30.0, -6.0)  # targets a caller may ask for
TRUE_PEAK_CEILING_DBTP = -1.0  # headroom for lossy encoders' overshoot (EBU R128, streaming services)
MAX_LIMITING_DB = 6.0  # more than this off a drum's attack is heard as a duller hit
OVERSAMPLING = 4  # BS.1770-4 Annex 2: 4x at 44.1/48 kHz under-reads a true peak by at most ~0.7 dB
BLOCK_S = 0.4  # BS.1770's gating block
MIN_LOOP_MEASURE_S = 3.0  # a loop repeated to at least this long: edge blocks weigh little
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: below this there is nothing to normalise
MAX_ROUNDS = 6  # limiting lowers the loudness a little; each round corrects the gain (3 usually suffice)
TOLERANCE_LU = 0.02
_RESAMPLE_PAD = 64  # frames around the signal so the oversampling filter sees the loop's wrap (or silence)
_BLOCK_FRAMES = 2048  # 46 ms: a drum hit's attack fits a block or two; the quiet between is left out
OVERSHOOT_MARGIN_DB = 6.0  # a band-limited signal's true peak passes its sample peak by ~3 dB at most in practice


@dataclass(frozen=True)
class Loudness:
    """What a normalised export measures: before (``raw_*``: the engine's level) and after."""

    lufs: float
    true_peak_dbtp: float
    raw_lufs: float
    raw_true_peak_dbtp: float
    target_lufs: float
    limited_db: float  # the most the true-peak limiter took off a peak
    peak_bound: bool  # the target was not reached: the peak limit won

    def summary(self) -> str:
        if not math.isfinite(self.lufs) or self.lufs <= SILENCE_LUFS:
            return "silent: nothing to normalise"
        text = (f"{self.lufs:.1f} LUFS (target {self.target_lufs:g}), true peak {self.true_peak_dbtp:.1f} dBTP "
                f"(ceiling {TRUE_PEAK_CEILING_DBTP:g})")
        return text + (f"; the peak limit won: {MAX_LIMITING_DB:g} dB of limiting is the most we take" if self.peak_bound else "")


def check_loudness_target(value: float | str | None) -> float | None:
    """A target in LUFS within ``LOUDNESS_RANGE_LUFS``, or ``None`` (also for ``"raw"``): leave the level alone."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "raw"):
        return None
    try:
        target = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"loudness {value!r} is not a number of LUFS or 'raw'") from None
    low, high = LOUDNESS_RANGE_LUFS
    if isinstance(value, bool) or not math.isfinite(target) or not low <= target <= high:
        raise ParameterError(f"loudness {value!r} is outside {low:g}..{high:g} LUFS (or 'raw')")
    return target


def integrated_loudness(audio: np.ndarray, *, sample_rate: int, circular: bool = False) -> float:
    """BS.1770 integrated loudness of ``audio`` (frames, channels) in LUFS; ``-inf`` for silence."""
    import pyloudnorm

    samples = np.asarray(audio, dtype=np.float32)  # pyloudnorm copies it; its filters compute in float64
    block = int(math.ceil(BLOCK_S * sample_rate))
    if circular:
        samples = np.tile(samples, (max(1, math.ceil(MIN_LOOP_MEASURE_S * sample_rate / len(samples))), 1))
        # the last 300 ms again before the start: blocks across the seam are measured as a repeat hears them
        samples = np.concatenate([samples[len(samples) - (block - block // 4) :], samples])
    if len(samples) < block:
        samples = np.concatenate([samples, np.zeros((block - len(samples), samples.shape[1]), dtype=np.float32)])
    return float(pyloudnorm.Meter(sample_rate, block_size=BLOCK_S).integrated_loudness(samples))


def true_peak_levels(audio: np.ndarray, *, circular: bool = False, below_db: float = OVERSHOOT_MARGIN_DB) -> np.ndarray:
    """Per frame, the largest absolute value of the 4x oversampled signal at and after it (float32).

    Only where it can matter: blocks of ``_BLOCK_FRAMES`` holding a sample within ``below_db``
    of the loudest are oversampled (each with ``_RESAMPLE_PAD`` frames of its neighbours);
    elsewhere a frame's level is its sample peak, which its true peak passes by less than
    ``OVERSHOOT_MARGIN_DB``. A long export is done in small pieces, never as a 4x copy.
    """
    samples = np.asarray(audio, dtype=np.float32)  # a meter needs no more; half the memory traffic of float64
    levels = frame_levels(samples).copy()
    if not len(samples) or not levels.max() > 0:
        return levels
    pad = _RESAMPLE_PAD
    if circular:
        around = np.take(samples, np.arange(-pad, len(samples) + pad) % len(samples), axis=0)
    else:
        silence = np.zeros((pad, samples.shape[1]), dtype=np.float32)
        around = np.concatenate([silence, samples, silence])
    floor = levels.max() * 10.0 ** (-below_db / 20.0)
    blocks = -(-len(samples) // _BLOCK_FRAMES)
    padded = np.zeros(blocks * _BLOCK_FRAMES, dtype=np.float32)
    padded[: len(levels)] = levels
    loud = np.flatnonzero(padded.reshape(blocks, _BLOCK_FRAMES).max(axis=1) >= floor)
    for run in np.split(loud, np.flatnonzero(np.diff(loud) > 1) + 1):  # neighbouring blocks in one call
        start, stop = int(run[0]) * _BLOCK_FRAMES, min((int(run[-1]) + 1) * _BLOCK_FRAMES, len(samples))
        levels[start:stop] = _oversampled_levels(around[start : stop + 2 * pad], pad)
    return levels


def _oversampled_levels(chunk: np.ndarray, pad: int) -> np.ndarray:
    """Per frame of ``chunk`` less ``pad`` frames at either end, its 4x oversampled peak."""
    from scipy.signal import resample_poly

    # channels first and contiguous: resample_poly along a strided axis is several times slower
    upsampled = resample_poly(np.ascontiguousarray(chunk.T), OVERSAMPLING, 1, axis=1)
    inside = upsampled[:, pad * OVERSAMPLING : (len(chunk) - pad) * OVERSAMPLING]
    # maxima by np.maximum over slices: numpy's max along a short axis is many times slower
    level = np.abs(inside[0])
    for channel in inside[1:]:
        np.maximum(level, np.abs(channel), out=level)
    frames = level[0::OVERSAMPLING].copy()
    for phase in range(1, OVERSAMPLING):
        np.maximum(frames, level[phase::OVERSAMPLING], out=frames)
    return frames


def true_peak_dbtp(audio: np.ndarray, *, circular: bool = False) -> float:
    """The true peak of ``audio`` in dBTP (4x oversampled); ``-inf`` for silence."""
    peak = float(true_peak_levels(audio, circular=circular).max(initial=0.0))
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def normalising_gain(
    mix: np.ndarray, *, sample_rate: int, target_lufs: float = TARGET_LUFS, circular: bool = False
) -> tuple[np.ndarray, Loudness]:
    """The gain per frame (float64, shape (frames,)) that brings ``mix`` (a render before its master
    limiter) to ``target_lufs`` with its true peak at or below ``TRUE_PEAK_CEILING_DBTP``, and what
    the result measures. Silence (below -70 LUFS) keeps a gain of 1.
    """
    target_lufs = check_loudness_target(target_lufs)
    if target_lufs is None:
        raise ParameterError("normalising_gain needs a target in LUFS")
    raw_lufs = integrated_loudness(mix, sample_rate=sample_rate, circular=circular)
    # the limiter may act on what is within MAX_LIMITING_DB of the peak: that much more is oversampled
    levels = true_peak_levels(mix, circular=circular, below_db=MAX_LIMITING_DB + OVERSHOOT_MARGIN_DB)
    raw_peak = float(levels.max(initial=0.0))
    raw_peak_db = 20.0 * math.log10(raw_peak) if raw_peak > 0 else -math.inf
    if not raw_lufs > SILENCE_LUFS:
        curve = np.ones(len(mix))
        return curve, Loudness(raw_lufs, raw_peak_db, raw_lufs, raw_peak_db, target_lufs, 0.0, False)
    ceiling = 10.0 ** (TRUE_PEAK_CEILING_DBTP / 20.0)
    most_db = TRUE_PEAK_CEILING_DBTP + MAX_LIMITING_DB - raw_peak_db  # more gain would need more limiting
    gain_db = min(target_lufs - raw_lufs, most_db)
    for _ in range(MAX_ROUNDS):
        curve = _limited_curve(levels, gain_db, ceiling, sample_rate, circular)
        lufs = integrated_loudness(apply_gain(mix, curve), sample_rate=sample_rate, circular=circular)
        step = target_lufs - lufs
        if abs(step) <= TOLERANCE_LU or (step > 0 and gain_db >= most_db):
            break
        gain_db = min(gain_db + step, most_db)
    # the limiter works on the oversampled level, so what is left over is rounding: trim it with a plain gain
    peak_db = true_peak_dbtp(apply_gain(mix, curve), circular=circular)
    if peak_db > TRUE_PEAK_CEILING_DBTP:
        curve = curve * 10.0 ** ((TRUE_PEAK_CEILING_DBTP - peak_db - 0.001) / 20.0)
        peak_db = true_peak_dbtp(apply_gain(mix, curve), circular=circular)
        lufs = integrated_loudness(apply_gain(mix, curve), sample_rate=sample_rate, circular=circular)
    limited_db = max(0.0, raw_peak_db + gain_db - TRUE_PEAK_CEILING_DBTP)
    bound = gain_db >= most_db - 1e-9 and lufs < target_lufs - TOLERANCE_LU  # stopped by the cap, short of the target
    return curve, Loudness(lufs, peak_db, raw_lufs, raw_peak_db, target_lufs, limited_db, bound)


def apply_gain(audio: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """``audio`` (frames, channels) times a gain per frame, in float32 (no float64 copy of a long export)."""
    return audio * curve.astype(np.float32)[:, None]


def _limited_curve(levels: np.ndarray, gain_db: float, ceiling: float, sample_rate: int, circular: bool) -> np.ndarray:
    gain = 10.0 ** (gain_db / 20.0)
    return gain * limiter_gain(levels * gain, sample_rate=sample_rate, ceiling=ceiling, circular=circular)
