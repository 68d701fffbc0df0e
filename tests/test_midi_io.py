"""MIDI export and import: round trips, pitch mapping, quantisation, real Groove files."""

from __future__ import annotations

import io

import mido
import numpy as np
import pytest
from hypothesis import given, settings

from poseloops.errors import InputError, ParameterError
from poseloops.midi_io import (
    DRUM_CHANNEL,
    DRUM_TO_PITCH,
    MAGENTA_PITCH_GROUPS,
    midi_to_pattern,
    pattern_to_midi,
    pattern_to_midi_bytes,
    pitch_to_drum,
    read_midi,
    read_midi_pattern,
    write_midi,
)
from poseloops.pattern import NUM_DRUMS, Pattern

from .test_pattern import patterns

# General MIDI Level 1 percussion runs from 35 (acoustic bass drum) to 81 (open triangle).
GM_PERCUSSION = range(35, 82)


@settings(max_examples=60, deadline=None)
@given(patterns(max_steps=40))
def test_midi_round_trip_keeps_hits_velocities_seed_and_tempo(pattern):
    if pattern.num_hits == 0:
        return  # a file without notes is refused on import, tested below
    data = pattern_to_midi_bytes(pattern, bpm=pattern.bpm)
    back = read_midi_pattern(data)
    assert back.steps == pattern.steps
    assert back.velocities == pattern.velocities
    assert back.seed_length == pattern.seed_length
    # offsets come back to the tick (120 ticks a 16th); an early first hit starts at tick 0
    expected = pattern.offset_matrix()
    if len(expected):
        expected[0] = np.maximum(expected[0], 0.0)
    assert np.abs(back.offset_matrix() - expected).max() <= 1 / 120 + 1e-4
    expected_bpm = pattern.bpm if pattern.bpm is not None else 120.0
    assert back.bpm == pytest.approx(expected_bpm, abs=0.01)


def test_export_uses_general_midi_drums_on_channel_ten():
    pattern = Pattern.from_steps([[d] for d in range(NUM_DRUMS)])
    midi = pattern_to_midi(pattern, bpm=100)
    ons = [m for m in midi.tracks[0] if m.type == "note_on"]
    assert [m.note for m in ons] == [36, 38, 42, 46, 41, 43, 45, 49, 51]
    assert {m.channel for m in ons} == {DRUM_CHANNEL}
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(100)
    # one 16th apart, and the file lasts exactly the pattern
    ticks = [t for t in _absolute_ticks(midi.tracks[0], "note_on")]
    assert ticks == [i * midi.ticks_per_beat // 4 for i in range(NUM_DRUMS)]
    assert midi.length == pytest.approx(NUM_DRUMS * 60 / 100 / 4)


def _absolute_ticks(track, kind):
    now = 0
    for message in track:
        now += message.time
        if message.type == kind:
            yield now


def test_every_general_midi_drum_pitch_has_a_class():
    for pitch in GM_PERCUSSION:
        assert pitch_to_drum(pitch) is not None, pitch
        assert pitch_to_drum(pitch, training_groups=True) is not None, pitch


def test_training_groups_are_magentas_exactly():
    for drum, group in enumerate(MAGENTA_PITCH_GROUPS):
        for pitch in group:
            assert pitch_to_drum(pitch, training_groups=True) == drum
    # Groove's Roland kit: floor tom 43 is Magenta's low tom, rack tom 48 its mid tom
    assert pitch_to_drum(43, training_groups=True) == 4
    assert pitch_to_drum(48, training_groups=True) == 5


def test_seed_mapping_reads_our_export_pitches_back_as_themselves():
    assert [pitch_to_drum(p) for p in DRUM_TO_PITCH] == list(range(NUM_DRUMS))
    assert pitch_to_drum(60) == 5  # high bongo, in Magenta's mid-tom group
    assert pitch_to_drum(20) is None


def _midi_with(notes, *, channel=DRUM_CHANNEL, track_name=None, ticks_per_beat=96, bpm=90):
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    track = mido.MidiTrack()
    if track_name:
        track.append(mido.MetaMessage("track_name", name=track_name))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    now = 0
    for tick, pitch, velocity in sorted(notes):
        track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity, time=tick - now))
        track.append(mido.Message("note_off", channel=channel, note=pitch, time=0))
        now = tick
    midi.tracks.append(track)
    return midi


def test_import_quantises_to_the_nearest_sixteenth_and_keeps_loudest():
    # 96 ticks per beat = 24 per 16th; hits slightly early and late
    notes = [(2, 36, 90), (22, 42, 50), (50, 38, 70), (47, 40, 120), (95, 36, 80)]
    pattern = midi_to_pattern(_midi_with(notes))
    assert pattern.steps[:5] == ((0,), (2,), (1,), (), (0,))
    assert pattern.velocities[2] == (120,)  # snare 38 and rim 40 on one step: the louder wins
    assert pattern.bpm == pytest.approx(90)


def test_import_reads_drum_tracks_on_other_channels_and_skips_melodies():
    drums = _midi_with([(0, 36, 100)], channel=3, track_name="Drums")
    assert midi_to_pattern(drums).steps[0] == (0,)
    melody = _midi_with([(0, 36, 100)], channel=0, track_name="Piano")
    with pytest.raises(InputError, match="no drum notes"):
        midi_to_pattern(melody)


def test_unknown_pitches_are_an_explicit_choice():
    midi = _midi_with([(0, 36, 100), (24, 20, 100)])
    assert midi_to_pattern(midi).num_hits == 1
    with pytest.raises(ParameterError, match="pitch 20"):
        midi_to_pattern(midi, ignore_unknown_drums=False)


def test_over_long_clips_are_refused_not_cut():
    midi = _midi_with([(0, 36, 100), (24 * 2000, 36, 100)])
    with pytest.raises(ParameterError, match="2001 16th steps"):
        midi_to_pattern(midi)


def test_corrupt_and_missing_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="not a readable MIDI file"):
        read_midi(b"MThd this is not midi")
    with pytest.raises(InputError, match="does not exist"):
        read_midi(tmp_path / "missing.mid")
    with pytest.raises(InputError, match="cannot write"):
        write_midi(Pattern.from_steps([[0]]), tmp_path / "no-such-dir" / "out.mid")


def test_real_groove_file_reads_as_a_plausible_groove(groove_dir):
    path = next(groove_dir.glob("drummer1/session1/*beat_4-4.mid"))
    pattern = read_midi_pattern(path, training_groups=True)
    bpm_in_name = float(path.stem.split("_")[2])
    assert pattern.bpm == pytest.approx(bpm_in_name, abs=0.5)
    matrix = pattern.to_matrix() > 0
    # a drummer's beat: kicks and snares or hats throughout, many more hits on beats than off them
    assert matrix[:, 0].sum() > len(pattern) / 16
    on_beat = matrix[::4].sum() / max(1, len(matrix[::4]))
    off_beat = matrix[1::2].sum() / max(1, len(matrix[1::2]))
    assert on_beat > off_beat


def test_written_file_is_read_back_by_mido(tmp_path):
    path = tmp_path / "loop.mid"
    write_midi(Pattern.from_steps([[0, 2], [2], [1, 2], [2]], bpm=128), path)
    midi = mido.MidiFile(path)
    assert midi.type == 1 and len(midi.tracks) == 1
    assert sum(1 for m in midi.tracks[0] if m.type == "note_on") == 6
    assert io.BytesIO(path.read_bytes()).read(4) == b"MThd"


def test_swing_and_offsets_move_the_exported_ticks():
    pattern = Pattern.from_steps([[0], [2], [1], [2]], offsets=[[0.0], [0.0], [-0.25], [0.1]])
    midi = mido.MidiFile(file=io.BytesIO(pattern_to_midi_bytes(pattern, bpm=120, swing=0.6)))
    ticks, now = [], 0
    for message in midi.tracks[0]:
        now += message.time
        if message.type == "note_on":
            ticks.append(now)
    # 120 ticks a 16th; swing 0.6 moves odd steps 0.2 of a step (24 ticks) late; offsets on top
    assert ticks == [0, 120 + 24, 240 - 30, 360 + 24 + 12]
