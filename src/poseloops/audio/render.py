"""Patterns to stereo audio: the seamless loop and the one-shot with its tail.

Timing (all in frames at ``sample_rate``):
- one step (a 16th note) lasts ``sample_rate * 60 / (bpm * 4)`` frames, usually
  not a whole number;
- a hit sounds at ``timing.hit_times`` (its step, the swing of the off-beat
  16ths and its own offset) times ``step``, rounded half up to a frame, each
  position rounded on its own from the exact time, so rounding never
  accumulates; a pattern without offsets plays exactly on the (swung) grid;
- in a loop, a hit pushed before the start (an early downbeat) sounds at the
  end of the cycle, which is where a repeating loop hears it; a one-shot
  plays it at frame 0 the first time round;
- the loop is ``steps * step`` frames rounded half up, so a loop is never more
  than half a frame away from its exact length, and a player repeating the
  buffer drifts by under half a frame per cycle.

Mixing: every (voice, velocity layer) is turned once into a stereo "hit
response" (panned, dry part plus its reverb already convolved in, master gain
applied) and cached per kit and mixer; a render only adds scaled responses at
their start frames. Whatever rings past the loop's end is folded back onto its
start, which is exactly what a repeated loop hears there, so the loop is
seamless. The master stage then limits peaks only when they pass -0.3 dBFS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..pattern import MAX_VELOCITY, STEPS_PER_BEAT, Pattern, check_bpm
from ..timing import STRAIGHT_SWING, check_swing, hit_times, swing_shift
from .drumkit import SAMPLE_RATE, SAMPLE_RATE_RANGE, Kit, trim_silence
from .kits import load_kit
from .limiter import frame_levels, limit_peaks
from .mixer import MixerSettings, pan_gains
from .reverb import convolve_with_room, room_impulse_response

MAX_LOOPS = 64
MAX_RENDER_SECONDS = 600.0  # ten minutes of stereo float32 is ~200 MB: enough for any export, safe for a server
RESPONSE_FLOOR_DB = -90.0  # hit responses end where they fall below this, relative to their own peak
TAIL_FLOOR = 1e-6  # one-shots end where everything is below -120 dBFS
TAIL_LEAD_S = 0.01  # a loop's tail starts this long before its switch: room for the player's cross-fade
LONGEST_TAIL_S = 10.0  # no hit rings longer (with the room): a loop this long needs one pass for its tail

KitLike = Kit | str | Path | None


@dataclass(frozen=True, eq=False)
class VoiceResponses:
    """One drum class ready to mix: a stereo response per velocity layer, and which layer each velocity plays."""

    layers: tuple[np.ndarray, ...]  # float32 (frames, 2) each
    layer_for_velocity: tuple[int, ...]  # indexed by MIDI velocity 0-127


def samples_per_step(bpm: float, sample_rate: int) -> float:
    """Length of one 16th note in frames (usually fractional)."""
    return sample_rate * 60.0 / (bpm * STEPS_PER_BEAT)


def loop_frames(num_steps: int, *, bpm: float, sample_rate: int = SAMPLE_RATE) -> int:
    """Length of a loop of ``num_steps`` 16ths in frames: the exact length rounded half up."""
    return _round_half_up(num_steps * samples_per_step(bpm, sample_rate))


def step_frames(num_steps: int, *, bpm: float, swing: float = STRAIGHT_SWING, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Start frame of every step (int64), swing applied to the odd (off-beat) 16ths."""
    index = np.arange(num_steps)
    return _frames_at(index + swing_shift(index, swing), samples_per_step(bpm, sample_rate))


def _frames_at(times_in_steps: np.ndarray, step: float) -> np.ndarray:
    return np.floor(np.asarray(times_in_steps) * step + 0.5).astype(np.int64)


def render_loop(
    pattern: Pattern,
    *,
    bpm: float = 120.0,
    swing: float = STRAIGHT_SWING,
    kit: KitLike = None,
    mixer: MixerSettings | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """One seamless cycle of ``pattern``: float32 (frames, 2), exactly ``loop_frames`` long.

    Tails that ring past the end are folded onto the start, so the buffer can be
    repeated end to end without gap or click. ``kit`` is a ``Kit``, a kit name or
    folder (``load_kit``), or ``None`` for the built-in synth kit. Raises
    ``ParameterError`` for out-of-range bpm (10-300), swing (0.5-0.75) or sample
    rate, and ``KitError`` for a kit that cannot be loaded.
    """
    return _render(pattern, bpm, swing, kit, mixer, sample_rate, repeats=1, circular=True)


def render_oneshot(
    pattern: Pattern,
    *,
    loops: int = 1,
    bpm: float = 120.0,
    swing: float = STRAIGHT_SWING,
    kit: KitLike = None,
    mixer: MixerSettings | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """``pattern`` played ``loops`` times (1-64), then its tails ringing out: float32 (frames, 2).

    Cycle ``k`` starts at ``k * loop_frames``; the result is at least
    ``loops * loop_frames`` long. Raises as ``render_loop`` does.
    """
    if isinstance(loops, bool) or not isinstance(loops, (int, np.integer)) or not 1 <= loops <= MAX_LOOPS:
        raise ParameterError(f"loops {loops!r} is outside 1-{MAX_LOOPS}")
    return _render(pattern, bpm, swing, kit, mixer, sample_rate, repeats=int(loops), circular=False)


def render_tail(
    pattern: Pattern,
    *,
    step: int,
    lead_s: float = TAIL_LEAD_S,
    bpm: float = 120.0,
    swing: float = STRAIGHT_SWING,
    kit: KitLike = None,
    mixer: MixerSettings | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """What still rings at ``step`` of ``pattern`` looping, once the hits from there on are taken away.

    A player switching loops at that step fades this in as it fades the old loop out, so
    the cymbals and the room of the bars before the switch ring across it instead of
    being cut. The buffer starts ``lead_s`` before the step (a cross-fade's room; there it
    equals the loop's own cycle) and ends where the tails fall silent: float32 (frames, 2).
    """
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step < len(pattern):
        raise ParameterError(f"step {step!r} is outside the pattern's 0-{len(pattern) - 1}")
    if step % 2:
        raise ParameterError(f"step {step} is an off-beat 16th: a loop switches on an even step (swing moves the odd ones)")
    bpm, swing, sample_rate = _check_timing(pattern, bpm, swing, sample_rate)
    # The loop turned to end at the step, played twice when it is short, so even a loop shorter
    # than its longest tail rings into the step as it does when looping; the step is not played.
    turned = pattern.slice(int(step), len(pattern)).concat(pattern.slice(0, int(step)))
    period = loop_frames(len(pattern), bpm=bpm, sample_rate=sample_rate)
    passes = 1 if period >= LONGEST_TAIL_S * sample_rate else 2
    audio = _render(turned, bpm, swing, kit, mixer, sample_rate, repeats=passes, circular=False)
    boundary = passes * period
    start = max(0, boundary - int(round(lead_s * sample_rate)))
    tail = audio[start:]
    return tail if len(tail) else np.zeros((1, 2), np.float32)


def _render(pattern, bpm, swing, kit, mixer, sample_rate, *, repeats: int, circular: bool) -> np.ndarray:
    buses = _mix_buses(pattern, bpm, swing, kit, mixer, sample_rate, repeats=repeats, circular=circular, by_drum=False)
    return limit_peaks(buses.mix, sample_rate=buses.sample_rate, circular=circular)


@dataclass(frozen=True, eq=False)
class Buses:
    """A render before its master stage (the limiter): the mix and, asked for, each sounding drum's own bus.

    Every bus is as long as the mix and starts where it starts; each holds its drum's dry
    sound and its share of the room, so the buses sum to the mix (float rounding only).
    """

    mix: np.ndarray  # float32 (frames, 2)
    drums: dict[int, np.ndarray]  # drum class -> float32 (frames, 2); empty unless by_drum
    circular: bool  # one seamless cycle (True) or played out with its tail
    sample_rate: int


def render_buses(
    pattern: Pattern,
    *,
    loops: int | None = None,
    by_drum: bool = False,
    bpm: float = 120.0,
    swing: float = STRAIGHT_SWING,
    kit: KitLike = None,
    mixer: MixerSettings | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Buses:
    """What ``render_loop`` (``loops=None``) or ``render_oneshot`` mixes, before the master limiter.

    ``by_drum`` also keeps one bus per drum that sounds (a drum without hits, muted by the
    mixer or missing from the kit has none). Raises as ``render_oneshot`` does, and
    ``ParameterError`` when the buses together would pass ``MAX_RENDER_SECONDS``.
    """
    if loops is not None and (isinstance(loops, bool) or not isinstance(loops, (int, np.integer))
                              or not 1 <= loops <= MAX_LOOPS):
        raise ParameterError(f"loops {loops!r} is outside 1-{MAX_LOOPS}")
    repeats, circular = (1, True) if loops is None else (int(loops), False)
    return _mix_buses(pattern, bpm, swing, kit, mixer, sample_rate, repeats=repeats, circular=circular, by_drum=by_drum)


def _mix_buses(pattern, bpm, swing, kit, mixer, sample_rate, *, repeats: int, circular: bool, by_drum: bool) -> Buses:
    bpm, swing, sample_rate = _check_timing(pattern, bpm, swing, sample_rate)
    mixer = MixerSettings() if mixer is None else mixer
    if not isinstance(mixer, MixerSettings):
        raise ParameterError(f"mixer must be MixerSettings, got {type(mixer).__name__}")
    period = loop_frames(len(pattern), bpm=bpm, sample_rate=sample_rate)
    _check_length(repeats * period, sample_rate)  # before loading anything
    kit = resolve_kit(kit).at_sample_rate(sample_rate)
    responses = hit_responses(kit, mixer)
    timed = [hit for hit in hit_times(pattern, swing=swing) if responses[hit.drum] is not None]
    starts = _frames_at([hit.time for hit in timed], samples_per_step(bpm, sample_rate))
    # an early first hit sounds at the end of the previous cycle: in a loop that is this cycle's end;
    # a one-shot has no cycle before its first, so there it sounds at frame 0 (later cycles: early)
    starts = starts % period if circular else starts
    hits = [(int(start), responses[hit.drum], hit.velocity, hit.drum) for start, hit in zip(starts, timed)]
    tail = max((len(r.layers[r.layer_for_velocity[v]]) for _, r, v, _ in hits), default=0)
    total = repeats * period + tail + _late_overhang(starts, period)
    _check_length(total, sample_rate)
    drums = sorted({drum for *_, drum in hits}) if by_drum else []
    if len(drums) > 1:
        _check_length(total * len(drums), sample_rate, what="the stems together")
    buses = {drum: np.zeros((total, 2), dtype=np.float32) for drum in drums}
    mix = np.zeros((total, 2), dtype=np.float32)
    scratch = np.empty((tail, 2), dtype=np.float32)  # one buffer for every scaled response: no allocation per hit
    for start, voice, velocity, drum in hits:
        response = voice.layers[voice.layer_for_velocity[velocity]]
        scaled = np.multiply(response, np.float32(velocity / MAX_VELOCITY), out=scratch[: len(response)])
        bus = buses[drum] if by_drum else mix
        for cycle in range(repeats):
            begin = max(cycle * period + start, 0)
            end = min(begin + len(response), total)  # a late last hit's tail may reach past the buffer
            bus[begin:end] += scaled[: end - begin]
    for bus in buses.values():
        mix += bus
    if circular:
        mix = _fold(mix, period)
        buses = {drum: _fold(bus, period) for drum, bus in buses.items()}
    else:
        end = _audible_end(mix, repeats * period)
        mix = mix[:end]
        buses = {drum: bus[:end] for drum, bus in buses.items()}
    return Buses(mix, buses, circular, sample_rate)


def resolve_kit(kit: KitLike) -> Kit:
    """A ``Kit`` as given, or loaded by name/path (``None``: the built-in synth kit)."""
    return kit if isinstance(kit, Kit) else load_kit(kit)


@lru_cache(maxsize=4)  # a sampled kit's responses under one mix take ~25 MB
def hit_responses(kit: Kit, mixer: MixerSettings) -> tuple[VoiceResponses | None, ...]:
    """Per drum class, the stereo response of each velocity layer under ``mixer`` (cached).

    ``None`` where the kit has no voice for the class or the mixer mutes it.
    """
    result = []
    for drum, (voice, mix) in enumerate(zip(kit.voices, mixer.voices)):
        if voice is None or mix.gain == 0.0:
            result.append(None)
            continue
        left, right = pan_gains(mix.pan)
        wet_level = mix.reverb_send * mixer.reverb_wet
        layers = []
        for index, layer in enumerate(voice.layers):
            level = mixer.master_gain * mix.gain * voice.gain * layer.gain
            dry = layer.samples * np.float32(level * (1.0 - wet_level))
            response = np.zeros((len(dry), 2), dtype=np.float32)
            if wet_level > 0.0:
                wet = wet_layer(kit, drum, index, mixer.reverb_decay_s) * np.float32(level * wet_level)
                response = np.zeros((max(len(dry), len(wet)), 2), dtype=np.float32)
                response[: len(wet)] += wet
            response[: len(dry)] += dry[:, None]
            response *= np.array([left, right], dtype=np.float32)
            layers.append(_trim_response(response))
        table = tuple(voice.layer_index(v) if v else 0 for v in range(MAX_VELOCITY + 1))
        result.append(VoiceResponses(tuple(layers), table))
    return tuple(result)


@lru_cache(maxsize=256)
def wet_layer(kit: Kit, drum: int, layer_index: int, decay_s: float) -> np.ndarray:
    """One layer of one voice through the room: float32 (frames, 2), cached per kit, layer and room."""
    samples = kit.voices[drum].layers[layer_index].samples
    return convolve_with_room(samples, room_impulse_response(kit.sample_rate, decay_s))


def _check_timing(pattern: Pattern, bpm: float, swing: float, sample_rate: int) -> tuple[float, float, int]:
    if not isinstance(pattern, Pattern):
        raise ParameterError(f"pattern must be a Pattern, got {type(pattern).__name__}")
    if len(pattern) == 0:
        raise ParameterError("pattern has no steps; a loop needs at least one")
    bpm = check_bpm(bpm)
    swing = check_swing(swing)
    low, high = SAMPLE_RATE_RANGE
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or not low <= sample_rate <= high:
        raise ParameterError(f"sample_rate {sample_rate!r} is not a whole number in {low}-{high}")
    return bpm, float(swing), int(sample_rate)


def _check_length(frames: int, sample_rate: int, *, what: str = "render") -> None:
    if frames > MAX_RENDER_SECONDS * sample_rate:
        raise ParameterError(
            f"{what} would be {frames / sample_rate:.0f} s long; the limit is {MAX_RENDER_SECONDS:g} s "
            "(use fewer steps or loops, or a faster bpm)"
        )


def _late_overhang(starts: np.ndarray, period: int) -> int:
    """Frames by which the latest hit starts past the loop's end (a late last 16th), 0 if none."""
    return int(max(0, starts.max(initial=0) - period + 1))


def _fold(mix: np.ndarray, period: int) -> np.ndarray:
    """Wrap everything past ``period`` back onto the start (as often as it reaches), in place."""
    loop = mix[:period]
    for start in range(period, len(mix), period):
        chunk = mix[start : start + period]
        loop[: len(chunk)] += chunk
    return loop


def _audible_end(mix: np.ndarray, minimum: int) -> int:
    """Where a one-shot ends: past ``minimum``, after the last frame above ``TAIL_FLOOR``."""
    audible = np.flatnonzero(frame_levels(mix[minimum:]) > TAIL_FLOOR)
    return minimum + (int(audible[-1]) + 1 if audible.size else 0)


def _trim_response(response: np.ndarray) -> np.ndarray:
    level = frame_levels(response)
    trimmed = response[: len(trim_silence(level, floor_db=RESPONSE_FLOOR_DB))].copy()
    trimmed.setflags(write=False)  # shared through the cache
    return trimmed


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))
