"""The master stage's safety net: a look-ahead peak limiter that acts only when needed.

Loops are never normalised: a quiet loop stays as quiet as its velocities and
gains make it. Only when a peak would pass the ceiling does the limiter lower
the gain, smoothly, just around that peak:

- attenuation needed per sample = how far above the ceiling it is (dB);
- look-ahead: each sample takes the largest need of the next ``LOOKAHEAD_S``;
- release: attenuation falls back at most ``RELEASE_DB_PER_S`` (a linear-in-dB
  ramp, computed without a Python loop as a running maximum of need + rate x time);
- attack: a moving average over the look-ahead window turns the step into a
  ramp. Every sample in the averaging window already holds at least the need
  of the current sample, so the average still does: no peak escapes.

Loops are limited circularly (the gain curve wraps around like the audio), so
limiting does not break the seam.
"""

from __future__ import annotations

import math

import numpy as np

CEILING_DBFS = -0.3
CEILING = 10 ** (CEILING_DBFS / 20)  # 0.9661
LOOKAHEAD_S = 0.0015  # long enough for a smooth attack (~66 samples), short enough not to dull transients
RELEASE_DB_PER_S = 60.0  # 6 dB of gain reduction recovers in 100 ms: no audible pumping at drum tempos


def peak_level(audio: np.ndarray) -> float:
    """Largest absolute sample value (max and min instead of abs: no temporary array)."""
    if audio.size == 0:
        return 0.0
    return float(max(audio.max(), -audio.min()))


def frame_levels(audio: np.ndarray) -> np.ndarray:
    """Per frame, the largest absolute value over the channels (float32, shape (frames,))."""
    if audio.ndim == 1:
        return np.abs(audio)
    # Channel by channel: numpy's max(axis=1) over 2 columns is ~100x slower than this.
    level = np.abs(audio[:, 0])
    for channel in range(1, audio.shape[1]):
        np.maximum(level, np.abs(audio[:, channel]), out=level)
    return level


def limit_peaks(
    audio: np.ndarray, *, sample_rate: int, ceiling: float = CEILING, circular: bool = False
) -> np.ndarray:
    """``audio`` (frames, channels) with every peak at or below ``ceiling``.

    Returns ``audio`` itself when nothing passes the ceiling, else a new array.
    ``circular`` treats the buffer as one cycle of a loop.
    """
    gain = master_gain_curve(audio, sample_rate=sample_rate, ceiling=ceiling, circular=circular)
    if gain is None:
        return audio
    limited = (audio * gain[:, None]).astype(audio.dtype)
    return np.clip(limited, -ceiling, ceiling, out=limited)  # float rounding only


def master_gain_curve(
    audio: np.ndarray, *, sample_rate: int, ceiling: float = CEILING, circular: bool = False
) -> np.ndarray | None:
    """The gain per frame (float64, shape (frames,)) ``limit_peaks`` applies, or ``None`` when it leaves
    ``audio`` as it is. Stems multiplied by the curve of their mix still sum to the limited mix."""
    if peak_level(audio) <= ceiling:
        return None
    return limiter_gain(frame_levels(audio).astype(np.float64), sample_rate=sample_rate, ceiling=ceiling,
                        circular=circular)


def limiter_gain(level: np.ndarray, *, sample_rate: int, ceiling: float, circular: bool = False) -> np.ndarray:
    """Gain per frame (float64) that brings a signal whose per-frame level is ``level`` to ``ceiling``.

    ``level`` may be any envelope: the frames' sample peaks (the master stage) or their
    oversampled true peaks (loudness normalisation, ``loudness.py``).
    """
    need_db = 20.0 * np.log10(np.maximum(level, ceiling) / ceiling)
    window = 2 * int(LOOKAHEAD_S * sample_rate / 2) + 1  # odd, for a centred filter
    held = _forward_max(need_db, window, circular)
    released = _release(held, RELEASE_DB_PER_S / sample_rate, circular)
    attenuation_db = _backward_mean(released, window, circular)
    return 10.0 ** (-attenuation_db / 20.0)


def _forward_max(values: np.ndarray, window: int, circular: bool) -> np.ndarray:
    """``out[n] = max(values[n : n + window])``, wrapping or zero-padded past the end."""
    from scipy.ndimage import maximum_filter1d

    pad = np.take(values, np.arange(window - 1) % values.size) if circular else np.zeros(window - 1)
    extended = np.concatenate([values, pad])
    half = window // 2
    return maximum_filter1d(extended, window, mode="nearest")[half : half + values.size]


def _release(held_db: np.ndarray, rate_db_per_sample: float, circular: bool) -> np.ndarray:
    """``out[n] = max over k <= n of held[k] - rate * (n - k)``: attenuation decays linearly in dB."""
    copies = 1
    if circular:
        recovery = held_db.max() / rate_db_per_sample  # samples to recover from the deepest dip
        copies = 1 + math.ceil(recovery / held_db.size)
    ramp = rate_db_per_sample * np.arange(held_db.size * copies)
    running = np.maximum.accumulate(np.tile(held_db, copies) + ramp) - ramp
    return running[-held_db.size :]


def _backward_mean(values: np.ndarray, window: int, circular: bool) -> np.ndarray:
    """``out[n] = mean(values[n - window + 1 : n + 1])``, wrapping or edge-extended before the start."""
    if circular:
        pad = np.take(values, np.arange(1 - window, 0) % values.size)
    else:
        pad = np.full(window - 1, values[0])
    extended = np.concatenate([pad, values])
    sums = np.cumsum(np.concatenate([[0.0], extended]))
    return (sums[window:] - sums[:-window]) / window
