"""What a drum kit is: nine voices, each a set of velocity layers of mono samples.

Every kit source (the built-in synthesiser, Hydrogen kits, plain sample
folders) builds the same ``Kit``; the renderer only ever sees this type.
Samples are mono: the mixer places each voice in the stereo field, so a kit's
own panning is not used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import KitError
from ..pattern import MAX_VELOCITY, NUM_DRUMS

SAMPLE_RATE = 44100  # CD rate: kits load at it, loops render at it, files are written at it
SAMPLE_RATE_RANGE = (8000, 192000)  # telephone to studio: the rates rendering and analysis take
SAMPLE_SUFFIXES = (".wav", ".flac", ".ogg", ".aif", ".aiff")
MAX_SAMPLE_SECONDS = 30.0  # a one-shot longer than this is not a drum hit; refuse rather than eat memory
SILENCE_FLOOR_DB = -90.0  # trailing audio below this (relative to the sample's peak) is cut: inaudible, costs mixing time
RESAMPLE_MAX_DENOMINATOR = 1000
DC_BLOCK_HZ = 5.0  # first order, far below kick fundamentals (~40 Hz): removes offsets, barely turns the phase
DC_SETTLE_S = 0.05  # room for the DC-blocking filter's own tail
FADE_OUT_S = 0.003  # rational approximation for unusual sample-rate ratios


@dataclass(frozen=True, eq=False)
class Layer:
    """One recording of a voice, played for hits whose velocity falls in its range.

    ``min_velocity``/``max_velocity`` are on Hydrogen's 0-1 scale (MIDI velocity / 127).
    """

    samples: np.ndarray  # float32, shape (frames,)
    min_velocity: float = 0.0
    max_velocity: float = 1.0
    gain: float = 1.0
    source: str = ""  # file name or synth voice name, for listings and errors

    def __post_init__(self) -> None:
        self.samples.setflags(write=False)  # kits are cached and shared: nobody may change a sample


@dataclass(frozen=True, eq=False)
class Voice:
    """One of the nine drum classes as this kit plays it."""

    name: str
    layers: tuple[Layer, ...]
    gain: float = 1.0

    def layer_index(self, velocity: int) -> int:
        """Index of the layer a hit of MIDI ``velocity`` plays, as Hydrogen picks it.

        The first layer whose range holds ``velocity / 127``; if the ranges leave a
        gap there, the layer whose range is nearest.
        """
        level = velocity / MAX_VELOCITY
        for index, layer in enumerate(self.layers):
            if layer.min_velocity <= level <= layer.max_velocity:
                return index
        distances = [
            max(layer.min_velocity - level, level - layer.max_velocity, 0.0) for layer in self.layers
        ]
        return int(np.argmin(distances))


@dataclass(frozen=True, eq=False)
class Kit:
    """Nine voices (``None`` where the kit has nothing for a class) at one sample rate.

    Kits are compared and hashed by identity: ``load_kit`` caches them, and the
    renderer caches per-kit work keyed on the object.
    """

    name: str
    source: str  # "built-in", "hydrogen" or "folder"
    path: Path | None
    sample_rate: int
    voices: tuple[Voice | None, ...]
    _resampled: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if len(self.voices) != NUM_DRUMS:
            raise KitError(f"kit {self.name!r} has {len(self.voices)} voices; a kit has {NUM_DRUMS}")
        if all(voice is None for voice in self.voices):
            raise KitError(f"kit {self.name!r} has no usable samples")

    @property
    def missing(self) -> tuple[int, ...]:
        """Drum classes this kit cannot play (rendered silent)."""
        return tuple(drum for drum, voice in enumerate(self.voices) if voice is None)

    def at_sample_rate(self, sample_rate: int) -> "Kit":
        """This kit with every sample resampled to ``sample_rate`` (cached)."""
        if sample_rate == self.sample_rate:
            return self
        with self._lock:
            kit = self._resampled.get(sample_rate)
            if kit is None:
                voices = tuple(None if v is None else _resample_voice(v, self.sample_rate, sample_rate) for v in self.voices)
                kit = Kit(self.name, self.source, self.path, sample_rate, voices)
                self._resampled[sample_rate] = kit
            return kit


def read_sample(path: Path, *, sample_rate: int) -> np.ndarray:
    """A sample file as mono float32 at ``sample_rate``, trailing silence cut.

    Raises ``KitError`` naming the file if it is missing, unreadable or empty.
    """
    import soundfile

    if not path.is_file():
        raise KitError(f"sample {path} does not exist")
    try:
        info = soundfile.info(str(path))
        if info.frames > MAX_SAMPLE_SECONDS * info.samplerate:
            raise KitError(f"sample {path} is {info.frames / info.samplerate:.0f} s long; "
                           f"drum samples are at most {MAX_SAMPLE_SECONDS:g} s")
        data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except FileNotFoundError:
        raise KitError(f"sample {path} does not exist") from None
    except (RuntimeError, soundfile.LibsndfileError, OSError) as err:
        reason = str(err).split(":")[-1].strip() or type(err).__name__
        raise KitError(f"cannot read sample {path}: {reason}") from None
    mono = data.mean(axis=1)
    if mono.size == 0 or not np.isfinite(mono).all():
        raise KitError(f"sample {path} is empty or holds non-finite values")
    if file_rate != sample_rate:
        mono = resample(mono, file_rate, sample_rate)
    return fade_end(trim_silence(remove_dc(mono, sample_rate)), sample_rate)


def remove_dc(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``samples`` through a gentle high-pass far below any drum's pitch.

    Some kits' samples sit off centre (TR808EmulationKit's by ~0.004, a tenth of
    its cymbal's peak); summed over many hits that offset eats headroom. The
    filter's own tail past the sample's end is kept (it is trimmed with the rest).
    """
    from scipy.signal import butter, sosfilt

    sos = butter(1, DC_BLOCK_HZ, btype="highpass", fs=sample_rate, output="sos")
    padded = np.concatenate([samples, np.zeros(int(DC_SETTLE_S * sample_rate), dtype=samples.dtype)])
    return sosfilt(sos, padded).astype(np.float32)


def fade_end(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """A short cosine fade on the last few ms, so a cut-off tail never clicks."""
    fade = min(int(FADE_OUT_S * sample_rate), samples.size)
    faded = samples.copy()
    faded[samples.size - fade :] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade))).astype(np.float32)
    return faded


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) from ``from_rate`` to ``to_rate``, float32."""
    from scipy.signal import resample_poly

    ratio = Fraction(to_rate, from_rate).limit_denominator(RESAMPLE_MAX_DENOMINATOR)
    return resample_poly(samples, ratio.numerator, ratio.denominator).astype(np.float32)


def trim_silence(samples: np.ndarray, *, floor_db: float = SILENCE_FLOOR_DB) -> np.ndarray:
    """``samples`` without the trailing part that stays below ``floor_db`` of the peak."""
    magnitude = np.abs(samples)
    peak = float(magnitude.max(initial=0.0))
    if peak == 0.0:
        return samples[:1].astype(np.float32)
    loud = np.flatnonzero(magnitude > peak * 10 ** (floor_db / 20))
    return np.ascontiguousarray(samples[: loud[-1] + 1], dtype=np.float32)


def _resample_voice(voice: Voice, from_rate: int, to_rate: int) -> Voice:
    layers = tuple(
        Layer(resample(layer.samples, from_rate, to_rate), layer.min_velocity, layer.max_velocity, layer.gain, layer.source)
        for layer in voice.layers
    )
    return Voice(voice.name, layers, voice.gain)
