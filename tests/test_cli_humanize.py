"""``poseloops humanize`` as a user runs it: the hits kept, the touch following --style, --temperature and
--rng-seed, and every output (JSON, MIDI read back with mido, audio) playing the options asked for."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile

from poseloops.pattern import Pattern, json_to_pattern, pattern_to_text

from .conftest import assert_one_line_error, run_cli

STRAIGHT = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8)  # two bars on the grid at velocity 100


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("grid") / "grid.txt"
    path.write_text(pattern_to_text(STRAIGHT))
    return path


def humanized(grid_file: Path, out: Path, *args: str) -> Pattern:
    result = run_cli("humanize", str(grid_file), "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    written = json_to_pattern(out.read_text())
    assert json_to_pattern(result.stdout) == written  # printed as written
    return written


def test_style_temperature_and_rng_seed_each_change_the_touch(grid_file, tmp_path):
    def play(name: str, *args: str) -> Pattern:
        return humanized(grid_file, tmp_path / f"{name}.json", *args)

    funk = play("funk", "--style", "funk", "--temperature", "0", "--rng-seed", "1")
    jazz = play("jazz", "--style", "jazz", "--temperature", "0", "--rng-seed", "1")
    likeliest = play("likeliest", "--temperature", "0", "--rng-seed", "1")
    likeliest_again = play("likeliest_again", "--temperature", "0", "--rng-seed", "2")
    drawn = play("drawn", "--rng-seed", "2")  # temperature 1 by default
    for played in (funk, jazz, likeliest, drawn):
        assert played.steps == STRAIGHT.steps  # humanize never changes which drums sound
    loudness = lambda p: p.to_matrix()[p.to_matrix() > 0].mean()  # noqa: E731
    assert loudness(funk) > loudness(jazz) + 5  # funk's touch is harder than jazz's
    assert likeliest == likeliest_again  # temperature 0: no draw, so the rng seed changes nothing
    assert drawn.velocities != likeliest_again.velocities and drawn.offsets != likeliest_again.offsets
    assert likeliest.velocities not in (funk.velocities, jazz.velocities)  # "any" is a style of its own


def note_ticks(path: Path) -> tuple[list[tuple[int, int]], mido.MidiFile]:
    """``(tick, velocity)`` of every note-on in a MIDI file, read with mido."""
    midi = mido.MidiFile(path)
    notes, now = [], 0
    for message in mido.merge_tracks(midi.tracks):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            notes.append((now, message.velocity))
    return notes, midi


def test_midi_out_plays_the_swing_bpm_and_groove_asked_for(grid_file, tmp_path):
    """--groove 0.5 --swing 0.6: velocities halfway to 100, off-beat 16ths 0.2 late plus half of each offset."""
    full = humanized(grid_file, tmp_path / "full.json", "--rng-seed", "4")
    out = tmp_path / "half.mid"
    result = run_cli("humanize", str(grid_file), "--out", str(out), "--rng-seed", "4", "--groove", "0.5",
                     "--swing", "0.6", "--bpm", "90")
    assert result.returncode == 0, result.stderr
    notes, midi = note_ticks(out)
    sixteenth = midi.ticks_per_beat / 4
    tempos = [m.tempo for m in mido.merge_tracks(midi.tracks) if m.type == "set_tempo"]
    assert round(mido.tempo2bpm(tempos[0]), 3) == 90
    expected = sorted(
        (round((step + 0.2 * (step % 2) + 0.5 * offset) * sixteenth), 100 + 0.5 * (velocity - 100))
        for step, (offsets, velocities) in enumerate(zip(full.offsets, full.velocities))
        for offset, velocity in zip(offsets, velocities))
    assert len(notes) == STRAIGHT.num_hits
    played = sorted(notes)
    assert [t for t, _ in played] == pytest.approx([t for t, _ in expected], abs=1)
    assert sorted(v for _, v in played) == pytest.approx(sorted(v for _, v in expected), abs=0.51)


def test_audio_out_follows_the_bpm_loops_and_bit_depth(grid_file, tmp_path):
    out = tmp_path / "played.flac"
    result = run_cli("humanize", str(grid_file), "--out", str(out), "--bpm", "150", "--loops", "2",
                     "--bit-depth", "24", "--rng-seed", "1")
    assert result.returncode == 0, result.stderr
    info = soundfile.info(str(out))
    cycle = round(32 * 44100 * 60 / (150 * 4))
    assert info.subtype == "PCM_24" and info.channels == 2
    assert 2 * cycle < info.frames < 2 * cycle + 5 * 44100  # two cycles and the ringing tail
    audio, _ = soundfile.read(out, dtype="float32")
    assert np.abs(audio[: 2 * cycle]).max() > 0.05


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--temperature", "2.5"], "temperature 2.5"),
        (["--style", "polka"], "polka"),
        (["--groove", "1.5"], "groove 1.5"),
        (["--swing", "0.8"], "swing 0.8"),
    ],
)
def test_bad_options_exit_2_with_one_line(grid_file, tmp_path, args, fragment):
    assert_one_line_error(run_cli("humanize", str(grid_file), "--out", str(tmp_path / "x.json"), *args), fragment)
