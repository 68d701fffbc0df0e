"""``poseloops generate`` as a user runs it: grids, files, reproducibility, one-line errors, no torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from poseloops.midi_io import read_midi_pattern
from poseloops.pattern import DRUM_LABELS, json_to_pattern, pattern_to_text, text_to_pattern

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
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment):
    assert_one_line_error(run_cli("generate", *args), fragment)


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
