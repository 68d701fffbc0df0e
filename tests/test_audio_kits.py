"""Kits: the synth kit's voices by measured traits, Hydrogen kits with velocity layers, sample folders, errors.

Real samples: Debian's hydrogen-data kits (GMRockKit: a sampled Pearl kit with
five velocity layers per drum; TR808EmulationKit: one synthesised sample per
instrument), read from /usr/share/hydrogen/data/drumkits. Each voice is
rendered on its own, dry, and measured.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from poseloops import Pattern
from poseloops.audio import MixerSettings, list_kits, load_kit, render_oneshot
from poseloops.audio.synth_kit import HAT_OSCILLATORS_HZ, band_limited_square
from poseloops.errors import KitError

from .audio_measure import (
    SAMPLE_RATE,
    band_energy_fraction,
    dominant_frequency,
    mono,
    normalised_correlation,
    ring_time,
    rms,
)
from .conftest import HYDROGEN_KITS

KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM, MID_TOM, HIGH_TOM, CLAP, RIM = range(9)
GM_ROCK = HYDROGEN_KITS / "GMRockKit"
TR808 = HYDROGEN_KITS / "TR808EmulationKit"
DRY = MixerSettings.from_dict({"reverb_wet": 0.0})


def single_hit(drum: int, kit=None, velocity: int = 127) -> np.ndarray:
    """One dry hit, let ring for two seconds."""
    pattern = Pattern.from_steps([[drum]] + [[]] * 15, velocities=[[velocity]] + [[]] * 15)
    return render_oneshot(pattern, bpm=120, kit=kit, mixer=DRY)


@pytest.fixture(scope="module")
def synth_hits() -> list[np.ndarray]:
    return [single_hit(drum) for drum in range(9)]


def test_synth_kick_energy_is_mostly_below_200_hz(synth_hits):
    assert band_energy_fraction(synth_hits[KICK], 0, 200) > 0.9


@pytest.mark.parametrize("hat", [CLOSED_HAT, OPEN_HAT])
def test_synth_hats_energy_is_mostly_above_5_khz(synth_hits, hat):
    assert band_energy_fraction(synth_hits[hat], 5000, SAMPLE_RATE / 2 + 1) > 0.9


def test_synth_snare_has_body_and_wires(synth_hits):
    assert band_energy_fraction(synth_hits[SNARE], 150, 400) > 0.1  # the shell
    assert band_energy_fraction(synth_hits[SNARE], 2000, 12000) > 0.3  # the wires


def test_synth_clap_and_rim_sit_in_the_mids(synth_hits):
    for drum in (CLAP, RIM):
        assert band_energy_fraction(synth_hits[drum], 300, 5000) > 0.8


@pytest.mark.parametrize("kit", [None, "GMRockKit", "TR808EmulationKit"])
def test_toms_rise_in_pitch_low_mid_high(kit, synth_hits):
    toms = synth_hits[LOW_TOM : HIGH_TOM + 1] if kit is None else [single_hit(d, kit) for d in (LOW_TOM, MID_TOM, HIGH_TOM)]
    low, mid, high = (dominant_frequency(hit) for hit in toms)
    assert low < mid < high, (low, mid, high)


def test_open_hat_rings_longer_than_closed_hat(synth_hits):
    assert ring_time(synth_hits[OPEN_HAT]) > 3 * ring_time(synth_hits[CLOSED_HAT])
    assert ring_time(synth_hits[CLOSED_HAT]) < 0.1


def test_synth_voices_have_no_dc_and_end_in_silence(synth_hits):
    for hit in synth_hits:
        signal = mono(hit)
        assert abs(signal.mean()) < 1e-4 * np.abs(signal).max(), signal.mean()
        assert np.max(np.abs(hit[-100:])) < 1e-5


@pytest.mark.parametrize("frequency_hz", HAT_OSCILLATORS_HZ)
def test_hat_oscillators_are_band_limited(frequency_hz):
    """The 808 hat's square waves are built from harmonics below Nyquist, so no partial
    folds back as an alias: all energy sits on odd harmonics of the oscillator. A naive
    square (np.sign of a sine) fails the same check."""
    def energy_off_harmonics(wave):
        spectrum = np.abs(np.fft.rfft(wave * np.blackman(len(wave)))) ** 2
        freqs = np.fft.rfftfreq(len(wave), 1 / SAMPLE_RATE)
        harmonic = np.abs(freqs / frequency_hz - np.round(freqs / frequency_hz)) * frequency_hz < 8.0
        return spectrum[~harmonic].sum() / spectrum.sum()

    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    assert energy_off_harmonics(band_limited_square(SAMPLE_RATE, SAMPLE_RATE, frequency_hz)) < 1e-6
    assert energy_off_harmonics(np.sign(np.sin(2 * np.pi * frequency_hz * t))) > 1e-3


def test_synth_kit_is_deterministic():
    from poseloops.audio.synth_kit import build_synth_kit

    first = build_synth_kit(22050)
    build_synth_kit.cache_clear()
    second = build_synth_kit(22050)
    for a, b in zip(first.voices, second.voices):
        np.testing.assert_array_equal(a.layers[0].samples, b.layers[0].samples)


def test_list_kits_finds_the_built_in_and_the_installed_hydrogen_kits():
    kits = {kit.name: kit for kit in list_kits()}
    assert kits["synth"].source == "built-in" and kits["synth"].path is None
    for name in ("GMRockKit", "TR808EmulationKit"):
        assert kits[name].path == HYDROGEN_KITS / name
        assert (kits[name].path / "drumkit.xml").is_file()


def test_load_kit_caches_by_name_and_path():
    kit = load_kit("GMRockKit")
    assert load_kit("gmrockkit") is kit
    assert load_kit(str(GM_ROCK)) is kit
    assert load_kit(None) is load_kit("synth")


@pytest.mark.parametrize("kit", ["GMRockKit", "TR808EmulationKit"])
def test_hydrogen_kit_plays_every_class(kit):
    for drum in range(9):
        assert rms(single_hit(drum, kit)) > 1e-4, drum


def test_hydrogen_kits_map_instruments_by_general_midi_note():
    rock = load_kit("GMRockKit")
    assert [v.name for v in rock.voices] == [
        "Kick", "Snare", "Hat Closed", "Hat Open", "Floor Tom", "Tom 2", "Tom 1", "Crash", "Ride"]
    tr808 = load_kit("TR808EmulationKit")
    # Two kicks (35, 36): our own export note 36 wins. No ride: the claves stand in, as a rim would.
    assert tr808.voices[KICK].name == "Kick Short"
    assert [v.name for v in tr808.voices[LOW_TOM : HIGH_TOM + 1]] == ["Tom Low", "Tom Mid", "Tom Hi"]
    assert tr808.voices[RIM].name.startswith("Clave")


def test_soft_and_hard_hits_play_different_velocity_layers():
    """GMRockKit's snare has five recordings; a soft and a hard hit must sound like
    different ones, and each like the recording for its velocity range."""
    soft = mono(single_hit(SNARE, "GMRockKit", velocity=15))
    hard = mono(single_hit(SNARE, "GMRockKit", velocity=120))
    assert normalised_correlation(soft, hard) < 0.9  # not one sample scaled
    same_layer = [mono(single_hit(SNARE, "GMRockKit", velocity=v)) for v in (60, 62)]
    assert normalised_correlation(*same_layer) > 0.999
    recordings = {name: soundfile.read(GM_ROCK / f"Snare-{name}.wav")[0] for name in
                  ("Softest", "Soft", "Med", "Hard", "Hardest")}
    def best_match(render):
        return max(recordings, key=lambda name: normalised_correlation(render, recordings[name]))
    assert best_match(soft) == "Softest"  # 15/127 = 0.12, in Softest's 0-0.20
    assert best_match(hard) == "Hardest"  # 120/127 = 0.94, in Hardest's 0.78-1


def copy_samples(folder: Path, names: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for target, source in names.items():
        shutil.copy(GM_ROCK / source, folder / target)


def test_sample_folder_kit_plays_its_files(tmp_path):
    copy_samples(tmp_path / "mine", {"kick.wav": "Kick-Hard.wav", "Closed_Hat.wav": "HatClosed-Med.wav"})
    data, rate = soundfile.read(GM_ROCK / "HatOpen-Med.wav")
    soundfile.write(tmp_path / "mine" / "open-hat.flac", data, rate)
    kit = load_kit(tmp_path / "mine")
    assert kit.source == "folder" and set(kit.missing) == {SNARE, LOW_TOM, MID_TOM, HIGH_TOM, CLAP, RIM}
    kick = mono(single_hit(KICK, kit))
    assert normalised_correlation(kick, soundfile.read(GM_ROCK / "Kick-Hard.wav")[0]) > 0.99
    assert rms(single_hit(OPEN_HAT, kit)) > 1e-3
    assert rms(single_hit(SNARE, kit)) == 0.0  # a class without a file is silent


HYDROGEN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
 <name>Mini</name>
 <instrumentList>
{instruments}
 </instrumentList>
</drumkit_info>
"""
INSTRUMENT_XML = """  <instrument><id>{id}</id><name>{name}</name><volume>1</volume><gain>1</gain>
   <instrumentComponent><component_id>0</component_id><gain>1</gain>{layers}</instrumentComponent>
  </instrument>"""
LAYER_XML = "<layer><filename>{file}</filename><min>{min}</min><max>{max}</max><gain>1</gain></layer>"


def write_hydrogen_kit(folder: Path, instruments: list[tuple[str, list[tuple[str, float, float]]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for number, (name, layers) in enumerate(instruments):
        layer_xml = "".join(LAYER_XML.format(file=f, min=lo, max=hi) for f, lo, hi in layers)
        parts.append(INSTRUMENT_XML.format(id=number, name=name, layers=layer_xml))
        for file, _, _ in layers:
            if (GM_ROCK / file).exists():
                shutil.copy(GM_ROCK / file, folder / file)
    (folder / "drumkit.xml").write_text(HYDROGEN_XML.format(instruments="\n".join(parts)))
    return folder


def test_hydrogen_kit_without_midi_notes_maps_by_name(tmp_path):
    kit_dir = write_hydrogen_kit(tmp_path / "Mini", [
        ("Bass Drum", [("Kick-Med.wav", 0, 1)]),
        ("Snare Drum", [("Snare-Med.wav", 0, 1)]),
        ("Closed HiHat", [("HatClosed-Med.wav", 0, 1)]),
        ("High Tom", [("Tom1-Med.wav", 0, 1)]),
        ("Low Tom", [("TomFloor-Med.wav", 0, 1)]),
        ("Mid Tom", [("Tom2-Med.wav", 0, 1)]),
    ])
    kit = load_kit(kit_dir)
    assert [v and v.name for v in kit.voices[:3]] == ["Bass Drum", "Snare Drum", "Closed HiHat"]
    assert [v.name for v in kit.voices[LOW_TOM : HIGH_TOM + 1]] == ["Low Tom", "Mid Tom", "High Tom"]
    assert kit.voices[OPEN_HAT].name.startswith("Closed HiHat")  # stands in for the missing open hat


def test_user_hydrogen_folder_is_discovered(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_hydrogen_kit(tmp_path / ".hydrogen" / "data" / "drumkits" / "MyKit", [("Kick", [("Kick-Soft.wav", 0, 1)])])
    kits = {kit.name: kit for kit in list_kits()}
    assert kits["MyKit"].source == "hydrogen (user)"
    assert load_kit("MyKit").voices[KICK].name == "Kick"


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: d.mkdir(), "no usable samples"),
        (lambda d: (d.mkdir(), (d / "notes.txt").write_text("hi")), "no usable samples"),
        (lambda d: (d.mkdir(), (d / "drumkit.xml").write_text("<drumkit_info><name>x</name")), "malformed"),
        (lambda d: (d.mkdir(), (d / "drumkit.xml").write_text("<song/>")), "not a Hydrogen drum kit"),
        (lambda d: (d.mkdir(), (d / "kick.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")), "cannot read sample"),
        (lambda d: write_hydrogen_kit(d, [("Kick", [("missing.wav", 0, 1)])]), "does not exist"),
        (lambda d: (write_hydrogen_kit(d, [("Kick", [("broken.flac", 0, 1)])]),
                    (d / "broken.flac").write_bytes(b"fLaC" + bytes(100))), "cannot read sample"),
        (lambda d: write_hydrogen_kit(d, [("Tambourine", [("Cowbell-Med.wav", 0, 1)])]), "no instrument maps"),
    ],
)
def test_broken_kits_raise_kit_error_naming_the_problem(tmp_path, make, fragment):
    make(tmp_path / "kit")
    with pytest.raises(KitError, match=fragment):
        load_kit(tmp_path / "kit")


def test_unknown_kit_name_lists_what_exists():
    with pytest.raises(KitError, match="unknown kit 'NoSuchKit'.*GMRockKit"):
        load_kit("NoSuchKit")
