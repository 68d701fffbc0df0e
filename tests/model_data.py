"""Helpers shared by the model tests: MIDI files made with mido, small Groove-like folders."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import mido

GROOVE_COLUMNS = ("midi_filename", "split", "time_signature")


def write_drum_midi(path: Path, hits: list[tuple[int, int]], *, channel: int = 9, numerator: int = 4,
                    ticks_per_beat: int = 480, track_name: str = "", steps: int | None = None) -> Path:
    """A one-track MIDI file with a note at each (16th step, pitch), ending after ``steps`` (default: whole bars)."""
    track = mido.MidiTrack()
    if track_name:
        track.append(mido.MetaMessage("track_name", name=track_name, time=0))
    track.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=4, time=0))
    per_step = ticks_per_beat // 4
    events = []
    for step, pitch in hits:
        events.append((step * per_step, mido.Message("note_on", channel=channel, note=pitch, velocity=90)))
        events.append((step * per_step + per_step // 2, mido.Message("note_off", channel=channel, note=pitch)))
    events.sort(key=lambda e: e[0])
    now = 0
    for tick, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    if steps is None:
        steps = (max(step for step, _ in hits) // 16 + 1) * 16 if hits else 16
    track.append(mido.MetaMessage("end_of_track", time=max(0, steps * per_step - now)))
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    midi.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))
    return path


def rock_beat_hits(bars: int, *, offset: int = 0) -> list[tuple[int, int]]:
    """Kick on 1 and 3, snare on 2 and 4, eighth hats, as (step, GM pitch)."""
    hits = []
    for bar in range(bars):
        base = bar * 16 + offset
        hits += [(base + s, 36) for s in (0, 8)] + [(base + s, 38) for s in (4, 12)]
        hits += [(base + s, 42) for s in range(0, 16, 2)]
    return hits


def groove_like_folder(groove: Path, target: Path, *, train: int, validation: int, max_seconds: float = 30.0) -> Path:
    """Copy the first short 4/4 files of each Groove split into ``target`` with its own info.csv."""
    with (groove / "info.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    wanted = {"train": train, "validation": validation}
    chosen = []
    for row in rows:
        split = row["split"]
        if wanted.get(split, 0) > 0 and row["time_signature"] == "4-4" and float(row["duration"]) < max_seconds:
            wanted[split] -= 1
            chosen.append(row)
    for row in chosen:
        destination = target / row["midi_filename"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(groove / row["midi_filename"], destination)
    with (target / "info.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)
    return target
