"""Beatbox-like recordings synthesised from noise and tones, unlike any drum kit.

The classifier was fitted on drum kits; people beatbox, tap and click. These
voices imitate a beatboxer's sounds with SciPy filters (no sample, nothing of
poseloops): "b" a lip burst on a falling chest thump (kick), "k"/"psh" a noise
burst through a mouth formant with a little voice (snare), "ts" a short hiss
(closed hat), "tsss" a long one (open hat). A performance adds a room's hiss
from the first sample, silence before the first hit and a few ms of jitter.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

SAMPLE_RATE = 48000  # a phone or laptop microphone's rate, unlike the kits' 44.1 kHz
ROOM_NOISE = 0.002  # -54 dBFS of hiss, there from the first sample


def _decay(length_s: float, tau_s: float) -> np.ndarray:
    """An exponential decay that fades to zero at its end (a cut-off tail would click)."""
    n = int(length_s * SAMPLE_RATE)
    return np.exp(-np.arange(n) / (tau_s * SAMPLE_RATE)) * np.cos(np.linspace(0, np.pi / 2, n)) ** 2


def _filtered(noise: np.ndarray, band_hz, kind: str) -> np.ndarray:
    sos = signal.butter(4, band_hz, btype=kind, fs=SAMPLE_RATE, output="sos")
    return signal.sosfilt(sos, noise)


def kick(rng: np.random.Generator) -> np.ndarray:
    decay = _decay(0.18, 0.05)
    t = np.arange(len(decay)) / SAMPLE_RATE
    pitch_hz = 50 + 90 * np.exp(-t / 0.03)
    thump = np.sin(2 * np.pi * np.cumsum(pitch_hz) / SAMPLE_RATE) * decay
    burst = _filtered(rng.normal(size=len(decay)), 800, "lowpass") * _decay(0.18, 0.005)
    return 0.9 * thump + 0.3 * burst


def snare(rng: np.random.Generator) -> np.ndarray:
    decay = _decay(0.16, 0.04)
    t = np.arange(len(decay)) / SAMPLE_RATE
    hiss = _filtered(rng.normal(size=len(decay)), (1200, 6000), "bandpass") * decay
    return 0.6 * hiss + 0.3 * np.sin(2 * np.pi * 220 * t) * _decay(0.16, 0.02)


def closed_hat(rng: np.random.Generator) -> np.ndarray:
    decay = _decay(0.06, 0.012)
    return 0.35 * _filtered(rng.normal(size=len(decay)), 6000, "highpass") * decay


def open_hat(rng: np.random.Generator) -> np.ndarray:
    decay = _decay(0.5, 0.3)
    return 0.3 * _filtered(rng.normal(size=len(decay)), 6000, "highpass") * decay


VOICES = {0: kick, 1: snare, 2: closed_hat, 3: open_hat}


def perform(steps: list[list[int]], bpm: float, *, lead_in_s: float = 0.3, jitter_s: float = 0.01,
            seed: int = 5) -> np.ndarray:
    """Mono samples at SAMPLE_RATE of ``steps`` (drums 0-3 per 16th) at ``bpm``."""
    rng = np.random.default_rng(seed)
    step_s = 15.0 / bpm
    total = int((lead_in_s + len(steps) * step_s + 0.6) * SAMPLE_RATE)
    out = np.zeros(total)
    for step, drums in enumerate(steps):
        for drum in drums:
            sound = VOICES[drum](rng)
            start = int((lead_in_s + step * step_s + rng.uniform(-jitter_s, jitter_s)) * SAMPLE_RATE)
            out[start : start + len(sound)] += sound[: total - start]
    return out + rng.normal(0, ROOM_NOISE, total)
