"""MIDI files to and from patterns, through ``mido``.

Drums are General MIDI percussion: channel 10 (``mido`` channel 9). Export
writes one note per hit where it sounds (the grid, swing and the hit's offset,
``timing.hit_times``); import assigns every drum note to the nearest 16th in
ticks (tempo changes move seconds, not beats, so ticks are the grid the file
itself means), keeps how far off that 16th it was played as the hit's offset,
and maps pitches to the nine classes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import mido
import numpy as np

from .errors import InputError, ParameterError
from .pattern import (
    DEFAULT_VELOCITY,
    MAX_BPM,
    MAX_STEPS,
    MAX_VELOCITY,
    MIN_BPM,
    NUM_DRUMS,
    STEPS_PER_BEAT,
    Pattern,
    check_bpm,
    round_offset,
)
from .timing import STRAIGHT_SWING, hit_times

DRUM_CHANNEL = 9  # General MIDI channel 10, counted from 0 as mido does
TICKS_PER_BEAT = 480  # a common DAW resolution; 120 ticks per 16th
DEFAULT_BPM = 120.0
SEED_END_MARKER = "seed end"  # a marker DAWs show, so the seed survives a round trip

# What each class is written as (the origin's export pitches).
DRUM_TO_PITCH = (36, 38, 42, 46, 41, 43, 45, 49, 51)

# Magenta's DEFAULT_DRUM_TYPE_PITCHES: every General MIDI drum pitch (and the
# Roland kit's extras) grouped into the nine classes. Used as-is for training
# data, so the Groove dataset is mapped exactly as Magenta's drum models saw it.
MAGENTA_PITCH_GROUPS = (
    (36, 35),  # kick
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),  # snare
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),  # closed hi-hat
    (46, 67, 72, 74, 79, 81, 26),  # open hi-hat
    (45, 29, 41, 43, 61, 64, 84),  # low tom
    (48, 47, 60, 63, 77, 86, 87),  # mid tom
    (50, 30, 62, 76, 83),  # high tom
    (49, 52, 55, 57, 58),  # crash
    (51, 53, 59, 82),  # ride
)
MAGENTA_PITCH_TO_DRUM = {pitch: drum for drum, group in enumerate(MAGENTA_PITCH_GROUPS) for pitch in group}

# For seeds read from users' files: Magenta's groups, except that our own export
# pitches read back as the class they were written for. Magenta files 43 and 45
# under the low tom, so without this a mid or high tom we export would come back
# as a low tom.
SEED_PITCH_TO_DRUM = {**MAGENTA_PITCH_TO_DRUM, **{pitch: drum for drum, pitch in enumerate(DRUM_TO_PITCH)}}


def pitch_to_drum(pitch: int, *, training_groups: bool = False) -> int | None:
    """The drum class of a MIDI pitch, or None for a pitch no group contains.

    ``training_groups`` picks Magenta's groups exactly (for datasets); the default
    also maps this package's own export pitches back to their classes.
    """
    table = MAGENTA_PITCH_TO_DRUM if training_groups else SEED_PITCH_TO_DRUM
    return table.get(pitch)


def pattern_to_midi(pattern: Pattern, *, bpm: float | None = None, swing: float = STRAIGHT_SWING) -> mido.MidiFile:
    """A one-track General MIDI drum file of ``pattern`` at ``bpm``, played with ``swing``.

    ``bpm`` defaults to the pattern's own, then to 120. Each hit is a note one
    32nd long (drums have no meaningful length), at the tick where it sounds:
    swing and offsets make off-grid ticks (an early first hit starts at tick 0).
    A marker records the seed's end.
    """
    bpm = check_bpm(bpm if bpm is not None else pattern.bpm if pattern.bpm is not None else DEFAULT_BPM)
    ticks_per_step = TICKS_PER_BEAT // STEPS_PER_BEAT
    note_ticks = ticks_per_step // 2
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for hit in hit_times(pattern, swing=swing):
        start = max(0, int(math.floor(hit.time * ticks_per_step + 0.5)))
        pitch = DRUM_TO_PITCH[hit.drum]
        events.append((start, 1, mido.Message("note_on", channel=DRUM_CHANNEL, note=pitch, velocity=hit.velocity)))
        events.append((start + note_ticks, 0, mido.Message("note_off", channel=DRUM_CHANNEL, note=pitch)))
    if pattern.seed_length < len(pattern):
        events.append((pattern.seed_length * ticks_per_step, 0, mido.MetaMessage("marker", text=SEED_END_MARKER)))
    # note-offs before note-ons at the same tick, so repeated hits are not cut short
    events.sort(key=lambda event: (event[0], event[1]))

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="PoseLoops drums", time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    end = len(pattern) * ticks_per_step
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks.append(track)
    return midi


def pattern_to_midi_bytes(pattern: Pattern, *, bpm: float | None = None, swing: float = STRAIGHT_SWING) -> bytes:
    buffer = io.BytesIO()
    pattern_to_midi(pattern, bpm=bpm, swing=swing).save(file=buffer)
    return buffer.getvalue()


def write_midi(pattern: Pattern, path: str | Path, *, bpm: float | None = None, swing: float = STRAIGHT_SWING) -> None:
    """Write ``pattern`` as a Standard MIDI File. Raises ``InputError`` if the path can't be written."""
    data = pattern_to_midi_bytes(pattern, bpm=bpm, swing=swing)
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        raise InputError(f"cannot write MIDI file {path}: {err.strerror}") from None


def read_midi(source: str | Path | bytes | BinaryIO) -> mido.MidiFile:
    """Parse a MIDI file from a path, bytes or a binary file. Raises ``InputError``."""
    name = str(source) if isinstance(source, (str, Path)) else "upload"
    try:
        if isinstance(source, (str, Path)):
            return mido.MidiFile(str(source), clip=True)
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        return mido.MidiFile(file=source, clip=True)
    except FileNotFoundError:
        raise InputError(f"MIDI file {name} does not exist") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError) as err:
        raise InputError(f"{name} is not a readable MIDI file ({err})") from None


@dataclass(frozen=True)
class DrumHits:
    """A MIDI file's drum onsets on the 16th grid, before any length limit."""

    # (step, drum, velocity, offset): the loudest note per step and drum, sorted; the offset is
    # how far off its 16th the note was played, in 16ths, [-0.5, 0.5)
    hits: tuple[tuple[int, int, int, float], ...]
    num_steps: int  # to the last onset or the file's end, whichever is later
    num_notes: int  # drum notes found, whether a class takes their pitch or not
    bpm: float | None  # the file's first tempo, if it is one a pattern may have
    seed_end_step: int | None  # where our own export marked the seed's end


def midi_to_drum_hits(
    midi: mido.MidiFile, *, training_groups: bool = False, ignore_unknown_drums: bool = True
) -> DrumHits:
    """Every drum onset of ``midi`` on the nearest 16th (in ticks) with its offset, mapped to a class.

    Drum notes are those on channel 10 and all notes of tracks named as drums.
    Several notes of one class on one step are one hit: the loudest, with its
    timing. Raises ``ParameterError`` for a pitch no class takes unless
    ``ignore_unknown_drums``.
    """
    notes, end_tick, tempo, seed_end_tick = _drum_notes(midi)
    ticks_per_step = midi.ticks_per_beat / STEPS_PER_BEAT
    loudest: dict[tuple[int, int], tuple[int, float]] = {}
    for tick, pitch, velocity in notes:
        drum = pitch_to_drum(pitch, training_groups=training_groups)
        if drum is None:
            if ignore_unknown_drums:
                continue
            raise ParameterError(f"MIDI pitch {pitch} is not a drum any class takes")
        step = _nearest_step(tick, ticks_per_step)
        played = (min(velocity, MAX_VELOCITY), round_offset(tick / ticks_per_step - step))
        loudest[(step, drum)] = max(loudest.get((step, drum), played), played)
    last_step = max((_nearest_step(tick, ticks_per_step) for tick, _, _ in notes), default=-1)
    bpm = round(mido.tempo2bpm(tempo), 3) if tempo else None
    if bpm is not None and not MIN_BPM <= bpm <= MAX_BPM:
        bpm = None  # a file's odd tempo shouldn't make its drums unreadable
    return DrumHits(
        hits=tuple(sorted((step, drum, velocity, offset) for (step, drum), (velocity, offset) in loudest.items())),
        num_steps=max(last_step + 1, _nearest_step(end_tick, ticks_per_step)) if notes else 0,
        num_notes=len(notes),
        bpm=bpm,
        seed_end_step=None if seed_end_tick is None else _nearest_step(seed_end_tick, ticks_per_step),
    )


def midi_to_pattern(
    midi: mido.MidiFile,
    *,
    training_groups: bool = False,
    ignore_unknown_drums: bool = True,
    max_steps: int = MAX_STEPS,
) -> Pattern:
    """The drum notes of ``midi`` as a pattern (all of it seed), with their velocities and timing offsets.

    Reads as ``midi_to_drum_hits``. Raises ``InputError`` when the file has no
    drum notes, ``ParameterError`` when it is longer than ``max_steps`` or
    (without ``ignore_unknown_drums``) holds a pitch no drum class takes.
    """
    drum_hits = midi_to_drum_hits(midi, training_groups=training_groups, ignore_unknown_drums=ignore_unknown_drums)
    if not drum_hits.num_notes:
        raise InputError("the MIDI file has no drum notes (nothing on channel 10 or in a drum track)")
    if not drum_hits.hits:
        raise InputError("the MIDI file's drum notes are all on pitches no drum class takes")
    num_steps = drum_hits.num_steps
    if num_steps > max_steps:
        raise ParameterError(f"the MIDI clip is {num_steps} 16th steps long; at most {max_steps} are allowed")
    matrix = np.zeros((num_steps, NUM_DRUMS), dtype=np.uint8)
    offsets = np.zeros((num_steps, NUM_DRUMS), dtype=np.float64)
    for step, drum, velocity, offset in drum_hits.hits:
        matrix[step, drum] = velocity
        offsets[step, drum] = offset
    seed_length = num_steps if drum_hits.seed_end_step is None else min(num_steps, drum_hits.seed_end_step)
    return Pattern.from_matrix(matrix, offsets=offsets, seed_length=seed_length, bpm=drum_hits.bpm)


def read_midi_pattern(source: str | Path | bytes | BinaryIO, **options) -> Pattern:
    """``read_midi`` then ``midi_to_pattern``."""
    return midi_to_pattern(read_midi(source), **options)


def _drum_notes(midi: mido.MidiFile) -> tuple[list[tuple[int, int, int]], int, int | None, int | None]:
    """(tick, pitch, velocity) of every drum onset, the last tick, the first tempo, the seed marker."""
    notes: list[tuple[int, int, int]] = []
    end_tick = 0
    tempo = None
    seed_end = None
    for track in midi.tracks:
        is_drum_track = _is_drum_track(track)
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "set_tempo" and tempo is None:
                tempo = message.tempo
            elif message.type == "marker" and message.text == SEED_END_MARKER:
                seed_end = tick
            elif message.type == "note_on" and message.velocity > 0:
                if message.channel == DRUM_CHANNEL or is_drum_track:
                    notes.append((tick, message.note, message.velocity))
        end_tick = max(end_tick, tick)
    return notes, end_tick, tempo, seed_end


def _is_drum_track(track: mido.MidiTrack) -> bool:
    name = (track.name or "").lower()
    return any(word in name for word in ("drum", "percussion", "kit"))


def _nearest_step(tick: float, ticks_per_step: float) -> int:
    return int(math.floor(tick / ticks_per_step + 0.5))


__all__ = [
    "DEFAULT_VELOCITY",
    "DRUM_TO_PITCH",
    "MAGENTA_PITCH_GROUPS",
    "DrumHits",
    "midi_to_drum_hits",
    "midi_to_pattern",
    "pattern_to_midi",
    "pattern_to_midi_bytes",
    "pitch_to_drum",
    "read_midi",
    "read_midi_pattern",
    "write_midi",
]
