"""The built-in kit: nine drum voices synthesised in code, 808/909 in character.

No sample files: each voice is a few lines of classic analogue-drum recipes
(pitch-swept sines, band-limited metallic squares, filtered noise), computed
once per sample rate. Noise comes from fixed seeds, so the kit is the same on
every run. Voiced as the origin voiced the nine classes: class 7 (crash) is a
clap and class 8 (ride) a rim shot.

Every voice starts on its first sample (no pre-roll, so hits land exactly on
their step), ends with a short fade (no click when a tail stops), has no DC
(every voice goes through a 20 Hz high-pass) and is band-limited (oscillators
are sums of sines below Nyquist, so nothing aliases).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np

from .drumkit import SAMPLE_RATE, Kit, Layer, Voice, trim_silence

SYNTH_KIT_NAME = "synth"
NOISE_SEED = 808  # fixed: the kit must sound the same on every run
LN_1000 = np.log(1000.0)  # a decay time is the time to fall by 60 dB, a factor 1000
FADE_OUT_S = 0.004  # cosine fade at every voice's end: long enough to be click-free
DC_BLOCK_HZ = 20.0

# The TR-808's six cymbal/hat square-wave oscillators (Hz), the source of its metallic hats.
HAT_OSCILLATORS_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)
HAT_HIGHPASS_HZ = 7000.0  # the 808's hat band-pass sits high; this keeps hats above 5 kHz
TOM_PITCHES_HZ = (98.0, 147.0, 220.0)  # low, mid, high: a fifth apart, as 909 toms are tuned

# Peak level of each voice at full velocity: balances the kit by ear (hats and rim
# are sharper, so quieter peaks sound as loud as the kick).
VOICE_LEVELS = (1.0, 0.8, 0.42, 0.42, 0.85, 0.85, 0.85, 0.75, 0.6)


def decay_envelope(num_frames: int, sample_rate: int, decay_s: float) -> np.ndarray:
    """Exponential decay that falls by 60 dB after ``decay_s`` seconds."""
    t = np.arange(num_frames) / sample_rate
    return np.exp(-t * LN_1000 / decay_s)


def swept_sine(num_frames: int, sample_rate: int, *, start_hz: float, end_hz: float, sweep_s: float) -> np.ndarray:
    """A sine starting at phase 0 whose pitch glides exponentially from ``start_hz`` to ``end_hz``."""
    t = np.arange(num_frames) / sample_rate
    frequency = end_hz + (start_hz - end_hz) * np.exp(-t / sweep_s)
    phase = 2 * np.pi * np.cumsum(frequency) / sample_rate
    return np.sin(phase - phase[0])


def band_limited_square(num_frames: int, sample_rate: int, frequency_hz: float) -> np.ndarray:
    """A square wave as the sum of its odd harmonics below Nyquist (no aliasing)."""
    t = np.arange(num_frames) / sample_rate
    harmonics = np.arange(1, int(sample_rate / 2 / frequency_hz) + 1, 2)
    wave = np.zeros(num_frames)
    for k in harmonics:
        wave += np.sin(2 * np.pi * k * frequency_hz * t) / k
    return wave * 4 / np.pi


def noise(num_frames: int, salt: int) -> np.ndarray:
    """Deterministic white noise; ``salt`` gives each voice its own stream."""
    return np.random.default_rng([NOISE_SEED, salt]).standard_normal(num_frames)


def filtered(signal: np.ndarray, sample_rate: int, kind: str, cutoff_hz, order: int = 2) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    sos = butter(order, cutoff_hz, btype=kind, fs=sample_rate, output="sos")
    return sosfilt(sos, signal)


def kick(sample_rate: int) -> np.ndarray:
    """909-style: a sine swept from 190 Hz down to 48 Hz, a long 808 boom, a short beater click."""
    n = int(0.7 * sample_rate)
    body = swept_sine(n, sample_rate, start_hz=190.0, end_hz=48.0, sweep_s=0.035)
    body *= decay_envelope(n, sample_rate, 0.65)
    click = filtered(noise(n, 0), sample_rate, "lowpass", 3500.0) * decay_envelope(n, sample_rate, 0.008)
    return np.tanh(1.6 * (body + 0.3 * click))  # gentle drive: rounder attack, a touch of harmonics


def snare(sample_rate: int) -> np.ndarray:
    """909-style: two tuned shell modes plus a band of bright noise for the wires."""
    n = int(0.35 * sample_rate)
    shell = (
        swept_sine(n, sample_rate, start_hz=215.0, end_hz=185.0, sweep_s=0.02)
        + 0.6 * swept_sine(n, sample_rate, start_hz=360.0, end_hz=330.0, sweep_s=0.02)
    ) * decay_envelope(n, sample_rate, 0.16)
    wires = filtered(filtered(noise(n, 1), sample_rate, "highpass", 1800.0), sample_rate, "lowpass", 10000.0)
    wires *= decay_envelope(n, sample_rate, 0.26)
    return 0.55 * shell + 0.8 * wires / np.abs(wires).max()


def metallic_hat(sample_rate: int, decay_s: float, salt: int) -> np.ndarray:
    """808 hat: six detuned squares and a little noise, high-passed, with an exponential decay."""
    n = int((decay_s + 0.02) * sample_rate)
    metal = sum(band_limited_square(n, sample_rate, f) for f in HAT_OSCILLATORS_HZ)
    source = metal / np.abs(metal).max() + 0.5 * noise(n, salt) / 3.0
    bright = filtered(source, sample_rate, "highpass", HAT_HIGHPASS_HZ, order=6)
    return bright * decay_envelope(n, sample_rate, decay_s)


def closed_hat(sample_rate: int) -> np.ndarray:
    return metallic_hat(sample_rate, 0.07, salt=2)


def open_hat(sample_rate: int) -> np.ndarray:
    return metallic_hat(sample_rate, 0.55, salt=3)


def tom(sample_rate: int, pitch_hz: float, decay_s: float, salt: int) -> np.ndarray:
    """A sine that drops a little in pitch as it rings, with a soft stick transient."""
    n = int(decay_s * sample_rate)
    body = swept_sine(n, sample_rate, start_hz=pitch_hz * 1.35, end_hz=pitch_hz, sweep_s=0.04)
    body *= decay_envelope(n, sample_rate, decay_s)
    stick = filtered(noise(n, salt), sample_rate, "bandpass", (800.0, 4000.0)) * decay_envelope(n, sample_rate, 0.012)
    return body + 0.15 * stick


def clap(sample_rate: int) -> np.ndarray:
    """808 clap: four quick bursts of noise, then a short diffuse tail, all through a band-pass.

    The envelope shapes the noise before the filter (as in the 808's circuit), so
    each burst's sharp attack stays in the clap's band instead of clicking broadband.
    """
    n = int(0.35 * sample_rate)
    tail_start = int(0.03 * sample_rate)
    envelope = np.zeros(n)
    envelope[tail_start:] = 0.8 * decay_envelope(n - tail_start, sample_rate, 0.25)
    for burst_s in (0.0, 0.01, 0.02, 0.03):
        start = int(burst_s * sample_rate)
        envelope[start:] = np.maximum(envelope[start:], decay_envelope(n - start, sample_rate, 0.03))
    return filtered(noise(n, 7) * envelope, sample_rate, "bandpass", (900.0, 2600.0))


def rim(sample_rate: int) -> np.ndarray:
    """808 rim shot: two short, hard-struck resonances at 1.7 kHz and 480 Hz."""
    n = int(0.08 * sample_rate)
    ring = np.sin(2 * np.pi * 1700.0 * np.arange(n) / sample_rate) + 0.6 * np.sin(
        2 * np.pi * 480.0 * np.arange(n) / sample_rate
    )
    voice = ring * decay_envelope(n, sample_rate, 0.06)
    return filtered(voice, sample_rate, "highpass", 250.0)


VOICE_RECIPES: tuple[tuple[str, Callable[[int], np.ndarray]], ...] = (
    ("synth kick", kick),
    ("synth snare", snare),
    ("synth closed hat", closed_hat),
    ("synth open hat", open_hat),
    ("synth low tom", lambda sr: tom(sr, TOM_PITCHES_HZ[0], 0.55, salt=4)),
    ("synth mid tom", lambda sr: tom(sr, TOM_PITCHES_HZ[1], 0.45, salt=5)),
    ("synth high tom", lambda sr: tom(sr, TOM_PITCHES_HZ[2], 0.38, salt=6)),
    ("synth clap", clap),
    ("synth rim", rim),
)


def finish(voice: np.ndarray, sample_rate: int, level: float) -> np.ndarray:
    """Remove DC, scale to ``level`` peak, fade the end, cut inaudible tail; float32."""
    voice = filtered(voice, sample_rate, "highpass", DC_BLOCK_HZ)
    voice = voice * (level / np.abs(voice).max())
    fade = min(int(FADE_OUT_S * sample_rate), voice.size)
    voice[voice.size - fade :] *= 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade))
    return trim_silence(voice)


@lru_cache(maxsize=4)
def build_synth_kit(sample_rate: int = SAMPLE_RATE) -> Kit:
    """The built-in kit at ``sample_rate`` (built once per rate, cached)."""
    voices = tuple(
        Voice(name, (Layer(finish(recipe(sample_rate), sample_rate, level), source=name),))
        for (name, recipe), level in zip(VOICE_RECIPES, VOICE_LEVELS)
    )
    return Kit(SYNTH_KIT_NAME, "built-in", None, sample_rate, voices)
