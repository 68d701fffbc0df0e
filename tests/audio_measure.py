"""Measurements the audio tests make on rendered sound, as an ear or a meter would.

Nothing here looks at the renderer's schedule or internals: these functions get
audio samples and a sample rate, and nothing else.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 44100


def mono(audio: np.ndarray) -> np.ndarray:
    return audio.mean(axis=1).astype(np.float64) if audio.ndim == 2 else audio.astype(np.float64)


def detect_onsets(audio: np.ndarray, *, threshold: float = 0.05, quiet_s: float = 0.012,
                  sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Onset times (s): the first sample whose level passes ``threshold`` x the peak
    after at least ``quiet_s`` of staying under it. For isolated, fast-decaying voices.
    """
    level = np.abs(audio).max(axis=1) if audio.ndim == 2 else np.abs(audio)
    loud = np.flatnonzero(level > threshold * level.max())
    if loud.size == 0:
        return np.array([])
    gaps = np.diff(loud) > quiet_s * sample_rate
    starts = np.concatenate([[loud[0]], loud[1:][gaps]])
    return starts / sample_rate


def band_energy_fraction(audio: np.ndarray, low_hz: float, high_hz: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Share of the signal's energy between ``low_hz`` and ``high_hz``."""
    power = np.abs(np.fft.rfft(mono(audio))) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / sample_rate)
    return float(power[(freqs >= low_hz) & (freqs < high_hz)].sum() / power.sum())


def dominant_frequency(audio: np.ndarray, low_hz: float = 30.0, high_hz: float = 1000.0,
                       sample_rate: int = SAMPLE_RATE) -> float:
    """Frequency of the strongest spectral peak in a band (the pitch of a tom)."""
    power = np.abs(np.fft.rfft(mono(audio))) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / sample_rate)
    band = (freqs >= low_hz) & (freqs < high_hz)
    return float(freqs[band][np.argmax(power[band])])


def ring_time(audio: np.ndarray, floor_db: float = -40.0, sample_rate: int = SAMPLE_RATE) -> float:
    """Seconds from the start until the level stays below ``floor_db`` of the peak for good."""
    level = np.abs(mono(audio))
    above = np.flatnonzero(level > level.max() * 10 ** (floor_db / 20))
    return float(above[-1] / sample_rate)


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def normalised_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Peak of the normalised cross-correlation of two mono signals (1.0: same shape)."""
    from scipy.signal import correlate

    n = min(len(a), len(b))
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    return float(np.max(np.abs(correlate(a, b, mode="full", method="fft"))) / np.sqrt(np.sum(a**2) * np.sum(b**2)))
