"""``poseloops regenerate``, ``drumify`` and ``blend`` as a user runs them: what is kept stays, outputs are
written, and every bad input is one line with exit 2."""

from __future__ import annotations

import json

import mido
import numpy as np
import pytest

from poseloops.pattern import STEPS_PER_BAR, Pattern, json_to_pattern, pattern_to_json

from .conftest import assert_one_line_error, run_cli

ROCK = [[0, 2], [2], [1, 2], [2], [0, 2], [0, 2], [1, 2], [2]] * 8  # 4 bars
FUNK = [[0, 8], [], [8], [0], [1, 8], [], [8, 0], [], [8], [0], [1, 8], [], [8], [], [1, 8], [1]] * 2


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("direct")
    rock = Pattern.from_steps(ROCK, velocities=[[100 + 10 * (i % 2)] * len(s) for i, s in enumerate(ROCK)])
    (folder / "rock.json").write_text(pattern_to_json(rock))
    (folder / "funk.json").write_text(pattern_to_json(Pattern.from_steps(FUNK)))
    (folder / "taps.json").write_text(json.dumps({"pattern": [[1], [], [], [1], [], [], [1], []] * 4,
                                                  "velocities": [[120], [], [], [60], [], [], [90], []] * 4}))
    (folder / "silence.json").write_text(json.dumps({"pattern": [[] for _ in range(16)]}))
    track = mido.MidiTrack([mido.Message("note_on", channel=0, note=60, velocity=90, time=0)])
    midi = mido.MidiFile()
    midi.tracks.append(track)
    midi.save(str(folder / "piano.mid"))
    (folder / "hiss.wav").write_bytes(_quiet_wav())
    return folder


def _quiet_wav() -> bytes:
    import io

    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(44100, np.float32), 44100, format="WAV")
    return buffer.getvalue()


def test_regenerate_keeps_what_is_not_asked_and_writes_json_and_midi(files, tmp_path):
    result = run_cli("regenerate", str(files / "rock.json"), "--drums", "2,3", "--bars", "2,4", "--rng-seed", "5",
                     "--json", str(tmp_path / "out.json"), "--midi", str(tmp_path / "out.mid"))
    assert result.returncode == 0, result.stderr
    before = json_to_pattern((files / "rock.json").read_text()).to_matrix()
    after = json_to_pattern((tmp_path / "out.json").read_text()).to_matrix()
    asked = np.zeros_like(before, bool)
    for bar in (2, 4):
        asked[(bar - 1) * STEPS_PER_BAR:bar * STEPS_PER_BAR, 2:4] = True
    np.testing.assert_array_equal(after[~asked], before[~asked])
    assert (after[asked] != before[asked]).any()
    notes = [m for m in mido.MidiFile(str(tmp_path / "out.mid")) if m.type == "note_on" and m.velocity]
    assert len(notes) == int((after > 0).sum())
    assert "hh-closed" in result.stdout


def test_regenerate_steps_range_and_density_change_only_their_cells(files, tmp_path):
    runs = {}
    for density in ("0.1", "0.9"):
        out = tmp_path / f"d{density}.json"
        result = run_cli("regenerate", str(files / "rock.json"), "--steps", "17-64", "--density", density,
                         "--rng-seed", "3", "--variations", "4", "--json", str(out))
        assert result.returncode == 0, result.stderr
        loops = [json_to_pattern((tmp_path / f"d{density}_{k}.json").read_text()) for k in range(1, 5)]
        for loop in loops:
            assert loop.slice(0, 16).steps == Pattern.from_steps(ROCK).slice(0, 16).steps
        runs[density] = np.mean([loop.slice(16, 64).num_hits for loop in loops])
    assert runs["0.9"] > runs["0.1"], runs


def test_drumify_plays_a_full_kit_on_the_taps(files, tmp_path):
    result = run_cli("drumify", str(files / "taps.json"), "--rng-seed", "1", "--json", str(tmp_path / "kit.json"))
    assert result.returncode == 0, result.stderr
    loop = json_to_pattern((tmp_path / "kit.json").read_text())
    assert len(loop) == 2 * STEPS_PER_BAR
    drums = {d for step in loop.steps for d in step}
    assert len(drums) >= 2, drums  # more than one drum: a kit, not the taps on one drum
    taps = {i for i, step in enumerate(json.loads((files / "taps.json").read_text())["pattern"]) if step}
    played = {i for i, step in enumerate(loop.steps) if step}
    assert len(played & taps) >= 0.8 * len(taps), (sorted(played), sorted(taps))


def test_blend_moves_from_a_to_b(files, tmp_path):
    result = run_cli("blend", str(files / "rock.json"), str(files / "funk.json"), "--bars", "8", "--rng-seed", "2",
                     "--json", str(tmp_path / "blend.json"))
    assert result.returncode == 0, result.stderr
    phrase = json_to_pattern((tmp_path / "blend.json").read_text()).to_matrix() > 0
    assert phrase.shape[0] == 8 * STEPS_PER_BAR
    rock = Pattern.from_steps(ROCK).to_matrix()[:16] > 0
    funk = Pattern.from_steps(FUNK).to_matrix()[:16] > 0
    bars = phrase.reshape(8, 16, 9)
    assert (bars[0] != rock).sum() <= 4 and (bars[-1] != funk).sum() <= 4
    assert all(bar.any() for bar in bars)


@pytest.mark.parametrize("args, fragments", [
    (("regenerate", "{rock}", "--drums", "9"), ("drum index 0-8",)),
    (("regenerate", "{rock}", "--bars", "5"), ("bar 5", "past the loop's end")),
    (("regenerate", "{rock}"), ("nothing is kept",)),
    (("regenerate", "{rock}", "--drums", "0", "--bars", "1", "--steps", "17-32"), ("nothing to regenerate",)),
    (("regenerate", "{rock}", "--steps", "70-80"), ("step 80", "past the loop's end")),
    (("regenerate", "{rock}", "--density", "1.5"), ("density",)),
    (("regenerate", "{piano}", "--drums", "1"), ("drum",)),
    (("drumify", "{silence}"), ("no hits",)),
    (("drumify", "{piano}"), ("drum",)),
    (("drumify", "{hiss}"), ("silent",)),
    (("blend", "{rock}", "{silence}"), ("first bar has no hits",)),
    (("blend", "{rock}", "{funk}", "--bars", "3"), ("invalid choice",)),
    (("regenerate", "{rock}", "--drums", "2", "--style", "polka"), ("style 'polka'",)),
])
def test_bad_input_is_one_line_and_exit_2(files, args, fragments):
    names = {k: str(files / f"{k}.{ext}") for k, ext in (("rock", "json"), ("funk", "json"), ("silence", "json"),
                                                          ("piano", "mid"), ("hiss", "wav"))}
    assert_one_line_error(run_cli(*(a.format(**names) for a in args)), *fragments)
