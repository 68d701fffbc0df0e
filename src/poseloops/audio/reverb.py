"""A small drum room, generated: its stereo impulse response and FFT convolution with it.

The impulse response (IR) is built the way rooms behave: a few discrete early
reflections in the first 25 ms, then a diffuse tail of decaying noise whose
highs die faster than its mids and are rolled off above 8 kHz (air and soft
surfaces absorb treble), with the lows cut and shortened so toms do not boom. Left and right
use different noise, so the reverb is wide. Fixed seeds make it deterministic.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .drumkit import SAMPLE_RATE

SEED = 2024  # fixed: the room must be the same on every run
LN_1000 = np.log(1000.0)  # decay times are to -60 dB
PRE_DELAY_S = 0.004  # direct sound to first reflection in a room a few metres across
EARLY_REFLECTIONS = 10
EARLY_WINDOW_S = 0.025
DIFFUSE_ONSET_S = 0.012  # the tail builds up over this time
# (band edges in Hz, decay time relative to the nominal RT60): lows short (no boom),
# highs short (damped room), mids carry the room.
BANDS = (((None, 250.0), 0.5), ((250.0, 2500.0), 1.0), ((2500.0, 6000.0), 0.75), ((6000.0, None), 0.45))
HIGHPASS_HZ = 180.0
AIR_LOWPASS_HZ = 8000.0  # walls and air soak up the top: a darker tail, no hiss wash on the hats
IR_FLOOR_DB = -60.0  # the IR stops where the slowest band has fallen this far


def _band(noise: np.ndarray, sample_rate: int, edges: tuple[float | None, float | None]) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    low, high = edges
    if low is None:
        sos = butter(4, high, btype="lowpass", fs=sample_rate, output="sos")
    elif high is None:
        sos = butter(4, low, btype="highpass", fs=sample_rate, output="sos")
    else:
        sos = butter(2, (low, high), btype="bandpass", fs=sample_rate, output="sos")
    return sosfilt(sos, noise)


def _channel(num_frames: int, sample_rate: int, decay_s: float, rng: np.random.Generator) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    t = np.arange(num_frames) / sample_rate
    noise = rng.standard_normal(num_frames)
    tail = np.zeros(num_frames)
    for edges, relative_decay in BANDS:
        tail += _band(noise, sample_rate, edges) * np.exp(-t * LN_1000 / (decay_s * relative_decay))
    tail *= np.clip(t / DIFFUSE_ONSET_S, 0.0, 1.0) ** 2
    early = np.zeros(num_frames)
    times = np.sort(rng.uniform(PRE_DELAY_S, EARLY_WINDOW_S, EARLY_REFLECTIONS))
    for time_s in times:
        early[int(time_s * sample_rate)] += rng.choice((-1.0, 1.0)) * np.exp(-time_s * LN_1000 / decay_s)
    early = sosfilt(butter(1, 5000.0, btype="lowpass", fs=sample_rate, output="sos"), early)
    # Early reflections carry about as much energy as the first 25 ms of the tail.
    window = t < EARLY_WINDOW_S
    early *= np.sqrt(np.sum(tail[window] ** 2) / max(np.sum(early**2), 1e-12))
    room = np.zeros(num_frames)
    start = int(PRE_DELAY_S * sample_rate)
    room[start:] = (early + tail)[: num_frames - start]
    room = sosfilt(butter(2, HIGHPASS_HZ, btype="highpass", fs=sample_rate, output="sos"), room)
    return sosfilt(butter(2, AIR_LOWPASS_HZ, btype="lowpass", fs=sample_rate, output="sos"), room)


@lru_cache(maxsize=8)
def room_impulse_response(sample_rate: int = SAMPLE_RATE, decay_s: float = 0.45) -> np.ndarray:
    """The room's stereo IR, float32 shape (frames, 2), each channel of unit energy (cached).

    Unit energy means a steady sound comes out of the reverb as loud as it went
    in, so ``reverb_wet`` is a true wet/dry balance. ``decay_s`` is the RT60.
    """
    num_frames = int((PRE_DELAY_S + decay_s * max(r for _, r in BANDS) * -IR_FLOOR_DB / 60.0) * sample_rate)
    rng = np.random.default_rng(SEED)
    channels = [_channel(num_frames, sample_rate, decay_s, rng) for _ in range(2)]
    ir = np.stack(channels, axis=1)
    ir /= np.sqrt(np.sum(ir**2, axis=0, keepdims=True))
    fade = int(0.01 * sample_rate)  # the last 10 ms are far below audibility; fade so the IR ends at zero
    ir[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    ir = ir.astype(np.float32)
    ir.setflags(write=False)  # shared through the cache: nobody may change it
    return ir


def convolve_with_room(samples: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Mono ``samples`` through the stereo room ``ir``: float32 (len(samples) + len(ir) - 1, 2).

    FFT convolution (``scipy.signal.oaconvolve``), done once per voice layer and cached
    by the renderer, so a render itself never convolves.
    """
    from scipy.signal import oaconvolve

    wet = oaconvolve(samples[:, None].astype(np.float64), ir.astype(np.float64), axes=0)
    return wet.astype(np.float32)
