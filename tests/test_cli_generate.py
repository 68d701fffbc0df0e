"""``poseloops generate`` as a user runs it: grids, files, reproducibility, one-line errors, no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile

from poseloops.midi_io import read_midi_pattern
from poseloops.pattern import DRUM_LABELS, Pattern, json_to_pattern, pattern_to_json, pattern_to_text, text_to_pattern

from .conftest import assert_one_line_error, run_cli
from .model_data import write_drum_midi


def test_default_generate_prints_a_seed_and_a_four_bar_loop():
    result = run_cli("generate", "--rng-seed", "11")
    assert result.returncode == 0, result.stderr
    pattern = text_to_pattern(result.stdout)
    assert len(pattern) == 64 and pattern.seed_length == 10  # the seed opens bar 1 of 4
    assert pattern.seed.num_hits > 0 and all(pattern.slice(b * 16, b * 16 + 16).num_hits > 0 for b in range(4))
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(DRUM_LABELS)


def test_json_and_midi_outputs_hold_the_printed_loop(tmp_path):
    out_json, out_midi = tmp_path / "loop.json", tmp_path / "loop.mid"
    result = run_cli("generate", "--steps", "20", "--rng-seed", "4", "--json", str(out_json), "--midi", str(out_midi))
    assert result.returncode == 0, result.stderr
    printed = text_to_pattern(result.stdout)
    from_json = json_to_pattern(out_json.read_text())
    from_midi = read_midi_pattern(out_midi)
    assert from_json.steps == printed.steps and from_json.seed_length == 10 and len(from_json) == 30
    assert from_midi.steps[: len(from_midi)] == printed.steps[: len(from_midi)]
    assert from_midi.seed_length == 10


def test_seed_files_of_each_kind_are_continued(tmp_path):
    seed_json = tmp_path / "seed.json"
    seed_json.write_text(json.dumps({"pattern": [[0], [], [1], []]}))
    result = run_cli("generate", "--seed-pattern", str(seed_json), "--steps", "8", "--temperature", "0")
    assert result.returncode == 0, result.stderr
    grid = text_to_pattern(result.stdout)
    assert len(grid) == 12 and grid.steps[:4] == ((0,), (), (1,), ())

    seed_txt = tmp_path / "seed.txt"
    seed_txt.write_text(pattern_to_text(grid.seed))
    again = run_cli("generate", "--seed-pattern", str(seed_txt), "--steps", "8", "--temperature", "0")
    assert again.stdout == result.stdout  # greedy decoding of the same seed

    seed_mid = write_drum_midi(tmp_path / "seed.mid", [(0, 36), (2, 42), (4, 38), (6, 42)], steps=8)
    from_midi = run_cli("generate", "--seed-pattern", str(seed_mid), "--steps", "4")
    assert from_midi.returncode == 0, from_midi.stderr
    assert text_to_pattern(from_midi.stdout).seed.steps == ((0,), (), (2,), (), (1,), (), (2,), ())


def test_same_rng_seed_gives_the_same_variations_across_runs():
    first = run_cli("generate", "--rng-seed", "99", "--variations", "3")
    second = run_cli("generate", "--rng-seed", "99", "--variations", "3")
    assert first.returncode == 0 and first.stdout == second.stdout
    assert first.stdout.count("variation ") == 3
    assert len(set(printed_variations(first.stdout))) == 3  # temperature 1: three different draws


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--steps", "-1"], "steps -1"),
        (["--steps", "1025"], "steps 1025"),
        (["--steps", "ten"], "steps 'ten'"),
        (["--temperature", "2.5"], "temperature 2.5"),
        (["--temperature", "-1"], "temperature -1"),
        (["--variations", "0"], "variations 0"),
        (["--seed-pattern", "/no/such/seed.json"], "does not exist"),
        (["--density", "1.5"], "density 1.5"),
        (["--density", "0.2", "--steps", "20"], "whole bars"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment):
    assert_one_line_error(run_cli("generate", *args), fragment)


def test_density_makes_the_loop_sparser_or_busier(tmp_path):
    """--density has one meaning on every command that draws; generate's loops follow it (0.9: at least twice
    the hits of 0.1 after the seed bar), keep the seed and leave no bar silent."""
    hits = {}
    for density in ("0.1", "0.9"):
        out = tmp_path / f"{density}.json"
        result = run_cli("generate", "--density", density, "--bars", "4", "--variations", "4", "--rng-seed", "9",
                         "--json", str(out))
        assert result.returncode == 0, result.stderr
        loops = [json_to_pattern(out.with_name(f"{out.stem}_{n}.json").read_text()) for n in range(1, 5)]
        bars = np.array([(p.to_matrix() > 0).reshape(4, -1).sum(axis=1) for p in loops])
        assert (bars > 0).all(), bars
        assert all(p.seed_length == 10 for p in loops)
        hits[density] = bars[:, 1:].mean()
    assert hits["0.9"] >= 2 * hits["0.1"], hits


def test_bad_seed_files_exit_2_with_one_line(tmp_path):
    bad_drum = tmp_path / "bad.json"
    bad_drum.write_text('{"pattern": [[0], [9]]}')
    assert_one_line_error(run_cli("generate", "--seed-pattern", str(bad_drum)), "drum 9")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    assert_one_line_error(run_cli("generate", "--seed-pattern", str(garbage)), "not valid json")
    piano = write_drum_midi(tmp_path / "piano.mid", [(0, 60), (4, 64)], channel=0)
    assert_one_line_error(run_cli("generate", "--seed-pattern", str(piano)), "no drum notes")
    corrupt = tmp_path / "corrupt.mid"
    corrupt.write_bytes(b"MThd\x00\x00")
    assert_one_line_error(run_cli("generate", "--seed-pattern", str(corrupt)), "not a readable MIDI")
    long_seed = tmp_path / "long.json"
    long_seed.write_text(json.dumps({"pattern": [[0]] * 1000}))
    assert_one_line_error(run_cli("generate", "--seed-pattern", str(long_seed), "--steps", "100"), "1024")


def test_generating_never_imports_torch():
    code = (
        "import sys, poseloops\n"
        "from poseloops.model import generate\n"
        "from poseloops.cli import build_parser\n"
        "build_parser()\n"
        "loops = generate(poseloops.Pattern.from_steps([[0, 2], [2]]), steps=16, rng_seed=1)\n"
        "assert len(loops[0]) == 18\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def printed_variations(stdout: str) -> list[str]:
    """The grids ``generate --variations N`` prints, one per "variation k" heading."""
    return [block.split("\n", 1)[1] for block in stdout.split("variation ")[1:]]


def loops_printed(*args: str) -> list[Pattern]:
    result = run_cli("generate", *args)
    assert result.returncode == 0, result.stderr
    grids = printed_variations(result.stdout) if "variation " in result.stdout else [result.stdout]
    return [text_to_pattern(grid) for grid in grids]


@pytest.mark.parametrize("seed_steps, bars, loop_steps", [(10, ["--bars", "1"], 16), (20, ["--bars", "3"], 48),
                                                          (33, [], 96), (5, ["--steps", "7"], 12)])
def test_the_loop_printed_and_written_is_the_bars_asked_for(tmp_path, seed_steps, bars, loop_steps):
    """--bars N: N x 16 steps with the seed opening bar 1; no --bars: 4 bars, or twice a seed over 2 bars."""
    seed = Pattern.from_steps([[0, 2] if i % 4 == 0 else [2] if i % 2 == 0 else [] for i in range(seed_steps)])
    seed_file, out = tmp_path / "seed.json", tmp_path / "loop.json"
    seed_file.write_text(pattern_to_json(seed))
    result = run_cli("generate", "--seed-pattern", str(seed_file), *bars, "--rng-seed", "3", "--json", str(out))
    assert result.returncode == 0, result.stderr
    printed, written = text_to_pattern(result.stdout), json_to_pattern(out.read_text())
    for loop in (printed, written):
        assert len(loop) == loop_steps and loop.seed_length == seed_steps
        assert loop.steps[:seed_steps] == seed.steps
    assert written.steps == printed.steps


@pytest.fixture(scope="module")
def kick_seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "kick.json"
    path.write_text(pattern_to_json(Pattern.from_steps([[0]])))
    return path


def test_style_changes_what_is_played(kick_seed):
    """A kick seed in funk and in jazz, same RNG seed: funk drives the closed hats, jazz keeps time elsewhere."""
    args = ["--steps", "31", "--rng-seed", "2", "--variations", "12"]
    with_seed = lambda style: loops_printed("--seed-pattern", str(kick_seed), "--style", style, *args)  # noqa: E731
    funk, jazz = with_seed("funk"), with_seed("jazz")
    hats = lambda loops: sum(2 in step for loop in loops for step in loop.steps)  # noqa: E731
    assert hats(funk) > 1.5 * hats(jazz), (hats(funk), hats(jazz))


def test_fills_change_only_the_fill_bar():
    """--fill-every 4 against 0 on the same RNG seed: bars 1-3 the same draws, bar 4 brings toms and crashes."""
    args = ["--bars", "4", "--rng-seed", "11", "--variations", "8"]
    fills, plain = loops_printed("--fill-every", "4", *args), loops_printed(*args)
    toms_and_crashes = lambda loops: sum(d in (4, 5, 6, 7) for loop in loops  # noqa: E731
                                         for step in loop.steps[48:] for d in step)
    assert [loop.steps[:48] for loop in fills] == [loop.steps[:48] for loop in plain]
    assert toms_and_crashes(fills) > 3 * toms_and_crashes(plain) + 4


def test_temperature_zero_makes_every_variation_the_likeliest_loop():
    greedy = loops_printed("--temperature", "0", "--rng-seed", "1", "--steps", "22", "--variations", "2")
    assert len(greedy) == 2 and greedy[0] == greedy[1]


def note_ticks(path: Path) -> tuple[list[tuple[int, int, int]], mido.MidiFile]:
    """``(tick, pitch, velocity)`` of every note-on in a MIDI file, read with mido."""
    midi = mido.MidiFile(path)
    notes, now = [], 0
    for message in mido.merge_tracks(midi.tracks):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            notes.append((now, message.note, message.velocity))
    return notes, midi


def test_midi_plays_the_swing_bpm_and_groove_asked_for(tmp_path):
    """--groove 0 --swing 0.6: every note on its 16th at velocity 100, the off-beat 16ths 0.2 of a 16th late;
    the default groove keeps the model's offsets (JSON) on top of the swing."""
    straight, played = tmp_path / "straight", tmp_path / "played"
    args = ["--steps", "22", "--rng-seed", "5"]
    for out, extra in ((straight, ["--groove", "0", "--swing", "0.6", "--bpm", "90"]), (played, ["--swing", "0.6"])):
        result = run_cli("generate", *args, *extra, "--midi", f"{out}.mid", "--json", f"{out}.json")
        assert result.returncode == 0, result.stderr
    notes, midi = note_ticks(Path(f"{straight}.mid"))
    sixteenth = midi.ticks_per_beat / 4
    tempos = [m.tempo for m in mido.merge_tracks(midi.tracks) if m.type == "set_tempo"]
    assert round(mido.tempo2bpm(tempos[0]), 3) == 90
    loop = json_to_pattern(Path(f"{straight}.json").read_text())
    assert len(notes) == loop.num_hits and {v for _, _, v in notes} == {100} and loop.on_grid
    steps = np.array([tick / sixteenth for tick, _, _ in notes])
    late = steps - np.floor(steps + 1e-9)
    on_odd = np.floor(steps + 1e-9) % 2 == 1
    assert on_odd.any() and (~on_odd).any()
    np.testing.assert_allclose(late[on_odd], 0.2, atol=1 / sixteenth)
    np.testing.assert_allclose(late[~on_odd], 0.0, atol=1 / sixteenth)

    notes, _ = note_ticks(Path(f"{played}.mid"))
    loop = json_to_pattern(Path(f"{played}.json").read_text())
    expected = sorted(round((step + 0.2 * (step % 2) + offset) * sixteenth)
                      for step, offsets in enumerate(loop.offsets) for offset in offsets)
    assert not loop.on_grid and sorted(t for t, _, _ in notes) == pytest.approx(expected, abs=1)
    assert len({v for _, _, v in notes}) > 5


def test_audio_out_plays_the_kit_bpm_and_groove_asked_for(tmp_path, kick_seed):
    """--out renders the generated loop: its length follows --bpm, its sound --kit and --groove (--loops and
    --bit-depth: test_cli_render, through the same options and writer)."""
    def render(name: str, *extra: str) -> np.ndarray:
        out = tmp_path / f"{name}.wav"
        result = run_cli("generate", "--seed-pattern", str(kick_seed), "--steps", "15", "--rng-seed", "4",
                         "--bpm", "150", *extra, "--out", str(out))
        assert result.returncode == 0, result.stderr
        return soundfile.read(out, dtype="float32")[0]

    synth, rock, straight = render("synth"), render("rock", "--kit", "GMRockKit"), render("straight", "--groove", "0")
    frames = round(16 * 44100 * 60 / (150 * 4))
    assert len(synth) == len(rock) == len(straight) == frames
    assert np.abs(synth - rock).mean() > 0.1 * np.abs(synth).mean()
    assert np.abs(synth - straight).max() > 0.05  # the model's velocities and offsets, or a straight grid
