"""``poseloops render``, ``poseloops kits`` and ``generate --out``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from poseloops import Pattern
from poseloops.audio import render_loop
from poseloops.midi_io import write_midi
from poseloops.pattern import pattern_to_json, pattern_to_text

from .conftest import assert_one_line_error, run_cli

BEAT = Pattern.from_steps([[0, 2], [2], [1, 2], [2, 8], [0, 2], [2], [1, 2], [3]] * 2)


@pytest.fixture(scope="module")
def pattern_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("patterns")
    paths = {"json": folder / "beat.json", "txt": folder / "beat.txt", "mid": folder / "beat.mid"}
    paths["json"].write_text(pattern_to_json(BEAT))
    paths["txt"].write_text(pattern_to_text(BEAT))
    write_midi(BEAT, paths["mid"])
    return paths


def test_render_writes_one_seamless_cycle_equal_to_the_library_render(pattern_files, tmp_path):
    out = tmp_path / "loop.wav"
    result = run_cli("render", str(pattern_files["json"]), "--bpm", "97", "--swing", "0.6", "--loudness", "raw",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    audio, rate = soundfile.read(out, dtype="float32")
    expected = render_loop(BEAT, bpm=97, swing=0.6)
    assert rate == 44100 and audio.shape == expected.shape
    assert soundfile.info(str(out)).subtype == "PCM_16"
    np.testing.assert_allclose(audio, expected, atol=1.01 / 32768)


def test_render_loops_kit_and_bit_depth(pattern_files, tmp_path):
    out = tmp_path / "take.flac"
    result = run_cli("render", str(pattern_files["txt"]), "--loops", "2", "--kit", "TR808EmulationKit",
                     "--bit-depth", "24", "--out", str(out))
    assert result.returncode == 0, result.stderr
    info = soundfile.info(str(out))
    cycle = len(render_loop(BEAT))
    assert info.subtype == "PCM_24" and info.channels == 2
    assert info.frames > 2 * cycle  # two cycles and the tail


def test_render_reads_midi_patterns(pattern_files, tmp_path):
    out = tmp_path / "from_midi.wav"
    result = run_cli("render", str(pattern_files["mid"]), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert soundfile.info(str(out)).frames == len(render_loop(BEAT))


def test_kits_lists_the_built_in_and_hydrogen_kits():
    table = run_cli("kits")
    assert table.returncode == 0, table.stderr
    names = [line.split()[0] for line in table.stdout.splitlines()]
    assert names[0] == "synth" and {"GMRockKit", "TR808EmulationKit"} <= set(names)
    listed = json.loads(run_cli("kits", "--json").stdout)
    assert {"name": "synth", "source": "built-in", "path": None} in listed


def broken_kit(tmp_path: Path, kind: str) -> Path:
    kit = tmp_path / kind
    kit.mkdir()
    if kind == "malformed":
        (kit / "drumkit.xml").write_text("<drumkit_info><instrumentList><instrument>")
    elif kind == "corrupt":
        (kit / "snare.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage")
    return kit


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        (["--out", "{tmp}/no/such/dir/x.wav"], ["cannot write", "No such file or directory"]),
        (["--out", "{tmp}/x.wav", "--kit", "NoSuchKit"], ["unknown kit 'NoSuchKit'"]),
        (["--out", "{tmp}/x.wav", "--kit", "{tmp}/empty"], ["no usable samples"]),
        (["--out", "{tmp}/x.wav", "--kit", "{tmp}/malformed"], ["drumkit.xml", "malformed"]),
        (["--out", "{tmp}/x.wav", "--kit", "{tmp}/corrupt"], ["cannot read sample", "snare.wav"]),
        (["--out", "{tmp}/x.mp3"], ["audio files end in"]),
        (["--out", "{tmp}/x.wav", "--swing", "0.8"], ["swing"]),
        (["--out", "{tmp}/x.wav", "--bpm", "400"], ["bpm"]),
        (["--out", "{tmp}/x.wav", "--loudness", "-40"], ["--loudness", "outside -30..-6 LUFS"]),
        (["--out", "{tmp}/x.wav", "--loudness", "loud"], ["--loudness", "not a number of LUFS or 'raw'"]),
        (["--stems", "{tmp}/malformed/drumkit.xml"], ["--stems", "is a file, not a folder"]),
        (["--bpm", "100"], ["render needs --out FILE, --stems DIR or both"]),
    ],
)
def test_render_errors_are_one_line_and_exit_2(pattern_files, tmp_path, arguments, fragments):
    for kind in ("empty", "malformed", "corrupt"):
        broken_kit(tmp_path, kind)
    args = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = run_cli("render", str(pattern_files["json"]), *args)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "x.wav").exists()


def test_render_of_a_missing_pattern_file_is_one_line(tmp_path):
    assert_one_line_error(run_cli("render", str(tmp_path / "nope.json"), "--out", str(tmp_path / "x.wav")),
                          "does not exist")


def test_generate_renders_what_it_generated(tmp_path):
    out = tmp_path / "generated.wav"
    result = run_cli("generate", "--rng-seed", "7", "--steps", "22", "--bpm", "90", "--kit", "GMRockKit",
                     "--json", str(tmp_path / "generated.json"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    pattern_length = len(json.loads((tmp_path / "generated.json").read_text())["pattern"])
    assert pattern_length == 32  # the 10-step default seed and 22 generated steps
    # One seamless cycle of the generated pattern: 32 sixteenths at 90 BPM.
    assert soundfile.info(str(out)).frames == round(32 * 44100 * 60 / (90 * 4))


@pytest.mark.parametrize("groove", [0.0, 1.0])
def test_render_plays_the_groove_asked_for(tmp_path, groove):
    """Rims off their 16ths by known offsets: --groove 1 plays them there, --groove 0 on the grid."""
    from .audio_measure import detect_onsets

    offsets = {0: 0.3, 4: -0.25, 8: 0.4, 12: 0.2}
    played = Pattern.from_steps([[8] if i in offsets else [] for i in range(16)],
                                offsets=[[offsets[i]] if i in offsets else [] for i in range(16)])
    source, out = tmp_path / "played.json", tmp_path / "played.wav"
    source.write_text(pattern_to_json(played))
    # at the engine's level: the export's true-peak limiter (rims want 6 dB of it) would lift the rims' bodies
    # over this onset threshold
    result = run_cli("render", str(source), "--bpm", "100", "--groove", str(groove), "--loudness", "raw", "--out", str(out))
    assert result.returncode == 0, result.stderr
    audio, _ = soundfile.read(out, dtype="float32")
    sixteenths = detect_onsets(audio, threshold=0.02) * 100 * 4 / 60
    np.testing.assert_allclose(sixteenths, np.array(list(offsets)) + groove * np.array(list(offsets.values())),
                               atol=0.01)


def test_render_stems_writes_one_wav_per_sounding_drum_summing_to_the_mix(pattern_files, tmp_path):
    """BEAT sounds kick, snare, both hats and the rim: five stems, none for the toms or the crash."""
    out, stems = tmp_path / "mix.wav", tmp_path / "stems"
    result = run_cli("render", str(pattern_files["json"]), "--kit", "GMRockKit", "--loops", "2", "--bit-depth", "24",
                     "--out", str(out), "--stems", str(stems))
    assert result.returncode == 0, result.stderr
    assert "wrote 5 stems" in result.stdout
    names = sorted(path.name for path in stems.iterdir())
    assert names == sorted(["kick.wav", "snare.wav", "hh-closed.wav", "hh-open.wav", "ride.wav"])
    mix, rate = soundfile.read(out, dtype="float64")
    parts = [soundfile.read(stems / name, dtype="float64") for name in names]
    assert all(rate_ == rate == 44100 and audio.shape == mix.shape for audio, rate_ in parts)
    error = np.abs(np.sum([audio for audio, _ in parts], axis=0) - mix).max()
    error_db = 20 * np.log10(error / np.abs(mix).max())
    print(f"CLI stems (24-bit files) sum to the mix within {error_db:.1f} dB")
    assert error_db <= -60.0


def test_render_stems_alone_without_out(pattern_files, tmp_path):
    stems = tmp_path / "only"
    result = run_cli("render", str(pattern_files["txt"]), "--stems", str(stems))
    assert result.returncode == 0, result.stderr
    assert {path.name for path in stems.iterdir()} == {"kick.wav", "snare.wav", "hh-closed.wav", "hh-open.wav", "ride.wav"}


@pytest.mark.parametrize("loudness, expected_lufs", [(None, -16.0), ("-12", -12.0)])
def test_render_normalises_to_the_loudness_asked_for(pattern_files, tmp_path, loudness, expected_lufs):
    """Measured with pyloudnorm over the loop repeated eight times, and a 4x oversampled true peak."""
    import pyloudnorm
    from scipy.signal import resample_poly

    out = tmp_path / "loud.wav"
    args = [] if loudness is None else ["--loudness", loudness]
    result = run_cli("render", str(pattern_files["json"]), "--bit-depth", "24", "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    audio, rate = soundfile.read(out, dtype="float64")
    lufs = pyloudnorm.Meter(rate).integrated_loudness(np.tile(audio, (8, 1)))
    true_peak = 20 * np.log10(np.abs(resample_poly(np.tile(audio, (3, 1)), 4, 1, axis=0)).max())
    assert abs(lufs - expected_lufs) <= 0.1
    assert true_peak <= -1.0 + 0.02
    assert f"{expected_lufs:.1f} LUFS" in result.stdout


def test_render_loudness_raw_keeps_the_engine_level(pattern_files, tmp_path):
    raw, normalised = tmp_path / "raw.wav", tmp_path / "normalised.wav"
    assert run_cli("render", str(pattern_files["json"]), "--loudness", "raw", "--out", str(raw)).returncode == 0
    assert run_cli("render", str(pattern_files["json"]), "--out", str(normalised)).returncode == 0
    raw_audio = soundfile.read(raw, dtype="float32")[0]
    np.testing.assert_allclose(raw_audio, render_loop(BEAT), atol=1.01 / 32768)
    gain_db = 20 * np.log10(np.abs(soundfile.read(normalised)[0]).max() / np.abs(raw_audio).max())
    assert gain_db > 3.0  # the raw level is quieter than the export's
