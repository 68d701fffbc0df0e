"""Reading drum datasets: the real Groove splits, folders without info.csv, and folders with nothing usable."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from poseloops.errors import InputError, ParameterError
from poseloops.model.corpus import load_split
from poseloops.model.events import drums_to_event

from .model_data import rock_beat_hits, write_drum_midi


def test_groove_validation_split_keeps_4_4_files_and_counts_the_rest(groove_dir):
    with (groove_dir / "info.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == "validation"]
    four_four = [r for r in rows if r["time_signature"] == "4-4"]
    dataset = load_split(groove_dir, "validation")
    assert len(dataset.sequences) == len(four_four)
    assert len(dataset.skipped["not in 4/4"]) == len(rows) - len(four_four) > 0
    assert all(seq.min() >= 0 and seq.max() < 512 for seq in dataset.sequences)
    # The sequences are whole files: none shorter than its duration in 16ths at its tempo (info.csv).
    in_16ths = {r["midi_filename"]: float(r["duration"]) * float(r["bpm"]) / 15 for r in four_four}
    assert all(len(seq) >= in_16ths[name] - 1 for name, seq in zip(dataset.names, dataset.sequences))
    assert sum(in_16ths.values()) < dataset.num_steps < 1.5 * sum(in_16ths.values())


def test_known_beat_becomes_known_events(tmp_path):
    write_drum_midi(tmp_path / "a.mid", rock_beat_hits(2))
    write_drum_midi(tmp_path / "b.mid", rock_beat_hits(1))
    train = load_split(tmp_path, "train")
    validation = load_split(tmp_path, "validation")
    assert len(train.sequences) + len(validation.sequences) == 2
    longest = max(train.sequences + validation.sequences, key=len)
    kick_hat, hat, snare_hat = drums_to_event([0, 2]), drums_to_event([2]), drums_to_event([1, 2])
    assert longest[:5].tolist() == [kick_hat, 0, hat, 0, snare_hat]
    assert len(longest) == 32


def test_folder_without_info_csv_is_split_90_10_by_a_fixed_shuffle(tmp_path):
    for i in range(20):
        write_drum_midi(tmp_path / f"sub{i % 3}" / f"clip{i}.mid", rock_beat_hits(1 + i % 4))
    train, validation = load_split(tmp_path, "train"), load_split(tmp_path, "validation")
    assert len(train.sequences) == 18 and len(validation.sequences) == 2
    assert not set(train.names) & set(validation.names)
    assert load_split(tmp_path, "validation").names == validation.names  # same split every time
    with pytest.raises(InputError, match="test split is empty"):
        load_split(tmp_path, "test")


def test_drum_named_track_on_another_channel_counts_as_drums(tmp_path):
    write_drum_midi(tmp_path / "a.mid", rock_beat_hits(1), channel=0, track_name="Drums")
    write_drum_midi(tmp_path / "b.mid", rock_beat_hits(1), channel=0, track_name="Drums")
    assert sum(len(s) for s in load_split(tmp_path, "train").sequences) == 16


def test_folder_with_no_usable_drums_names_what_was_skipped_and_why(tmp_path):
    write_drum_midi(tmp_path / "piano.mid", [(0, 60), (4, 64)], channel=0)  # not drums
    write_drum_midi(tmp_path / "waltz.mid", rock_beat_hits(1), numerator=3)  # drums, but 3/4
    (tmp_path / "broken.mid").write_bytes(b"MThd not really")
    for split in ("train", "validation"):
        try:
            load_split(tmp_path, split)
        except InputError as err:
            message = str(err)
            assert f"no usable drum notes in the {split} split" in message
            break
    else:
        pytest.fail("a folder without usable drums loaded")
    # every file lands in one of the two splits; together the reasons name all three
    reasons = []
    for split in ("train", "validation"):
        with pytest.raises(InputError) as info:
            load_split(tmp_path, split)
        reasons.append(str(info.value))
    joined = " ".join(reasons)
    assert "no drum notes (piano.mid)" in joined
    assert "not in 4/4 (waltz.mid)" in joined
    assert "unreadable or missing MIDI (broken.mid)" in joined


def test_info_csv_rows_are_filtered_by_split_and_time_signature(tmp_path):
    write_drum_midi(tmp_path / "x.mid", rock_beat_hits(1))
    write_drum_midi(tmp_path / "y.mid", rock_beat_hits(2))
    (tmp_path / "info.csv").write_text(
        "midi_filename,split,time_signature\nx.mid,test,4-4\ny.mid,test,6-8\nmissing.mid,train,4-4\n"
    )
    test = load_split(tmp_path, "test")
    assert test.names == ["x.mid"] and test.skipped["not in 4/4"] == ["y.mid"]
    with pytest.raises(InputError, match=r"1 unreadable or missing MIDI \(missing.mid\)"):
        load_split(tmp_path, "train")
    with pytest.raises(InputError, match="no rows of the validation split"):
        load_split(tmp_path, "validation")
    with pytest.raises(ParameterError, match="split 'dev'"):
        load_split(tmp_path, "dev")
    with pytest.raises(InputError, match="does not exist"):
        load_split(tmp_path / "nowhere", "train")
    assert isinstance(test.sequences[0], np.ndarray)


def test_training_files_end_with_the_last_sounding_bar_and_validation_stays_whole(groove_train):
    """Trailing silence would teach that a quiet bar ends the piece: train rows never see a silent bar."""
    from poseloops.model.training_files import TrainingFiles

    dataset = groove_train
    trimmed = TrainingFiles(dataset, (), trim_silence=True)
    whole = TrainingFiles(dataset, ())
    silent_before = silent_after = 0
    for events_whole, events, velocities in zip(whole.events, trimmed.events, trimmed.velocities):
        assert len(events) % 16 == 0 or len(events) == len(events_whole)
        np.testing.assert_array_equal(events, events_whole[:len(events)])
        assert velocities.shape == (len(events), 9)
        bars = len(events_whole) // 16
        silent_before += sum(not events_whole[b * 16:(b + 1) * 16].any() for b in range(bars))
        silent_after += sum(not events[b * 16:(b + 1) * 16].any() for b in range(len(events) // 16))
        assert events_whole[len(events):].sum() == 0  # only silence was cut
        if events_whole.any():
            last_bar_start = (len(events) - 1) // 16 * 16
            assert events[last_bar_start:].any()  # the last bar, whole or partial, sounds
    assert silent_before > 0  # Groove files do end in silence
    # What stays silent is a count-in or a pause inside a piece: a handful among thousands.
    assert silent_after * 50 <= silent_before
    assert [len(e) for e in whole.events] == [len(s) for s in dataset.sequences]
