"""Short clips of Groove MIDI Dataset beats, for fitting and measuring the rhythm seed.

Groove MIDI Dataset v1.0.0 (Gillick, Roberts, Engel, Eck, Bamman, ICML 2019),
CC BY 4.0, read from ../shared/data/groove through poseloops.midi_io.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import mido

from poseloops.midi_io import midi_to_pattern, read_midi
from poseloops.pattern import Pattern

GROOVE = Path(__file__).resolve().parents[2] / "shared" / "data" / "groove"
CLIP_STEPS = 32  # two bars of 16ths
MIN_HITS = 8
READ_BARS = 16  # only the start of each file is read (whole files can exceed MAX_STEPS)
# The nine classes reduced to what the classifier tells apart: kick, snare, hats and cymbals; toms apart.
FAMILY_OF_DRUM = {0: "kick", 1: "snare", 2: "hat", 3: "hat", 7: "hat", 8: "hat", 4: "tom", 5: "tom", 6: "tom"}


@dataclass(frozen=True)
class GrooveClip:
    name: str
    bpm: float
    pattern: Pattern


def groove_clips(split: str, count: int, *, bars_skipped: int = 1, groove_dir: Path = GROOVE,
                 steps: int = CLIP_STEPS) -> list[GrooveClip]:
    """``count`` clips of ``steps`` 16ths (two bars) of ``split`` beats, from ``bars_skipped`` bars after each file's first hit."""
    clips = []
    with open(groove_dir / "info.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == split and r["beat_type"] == "beat"]
    for row in rows:
        pattern = midi_to_pattern(_first_bars(read_midi(groove_dir / row["midi_filename"])), training_groups=True)
        first = next(i for i, step in enumerate(pattern.steps) if step)
        start = first + 16 * bars_skipped
        clip = pattern.slice(start, start + steps).with_seed_length(steps) if len(pattern) >= start + steps else None
        if clip is None or clip.num_hits < MIN_HITS:
            continue
        clips.append(GrooveClip(row["midi_filename"], float(row["bpm"]), clip.with_bpm(None)))
        if len(clips) == count:
            break
    return clips


def _first_bars(midi: mido.MidiFile) -> mido.MidiFile:
    limit = midi.ticks_per_beat * 4 * READ_BARS
    out = mido.MidiFile(ticks_per_beat=midi.ticks_per_beat)
    for track in midi.tracks:
        kept, tick = mido.MidiTrack(), 0
        for message in track:
            tick += message.time
            if tick > limit:
                break
            kept.append(message)
        out.tracks.append(kept)
    return out
