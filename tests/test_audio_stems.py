"""Stems: one buffer per drum that sounds, each with its own share of the room, summing to the mix.

Three kits (the built-in synth kit and Debian's hydrogen-data GMRockKit and
TR808EmulationKit), a sparse loop (kick and snare only) and a dense one (all nine
drums). What is checked is measured on the audio: the sum of the stems against the
mix (the largest difference relative to the mix's peak, in dB), which drums have a
stem, and that each stem is its drum alone, where it sounds when that drum is
rendered by itself (the plain renderer, tested on its own in test_audio_render.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from poseloops import Pattern
from poseloops.audio import MixerSettings, load_kit, render_loop, render_oneshot
from poseloops.audio.export import render_export
from poseloops.errors import ParameterError
from poseloops.pattern import DRUM_LABELS

from .audio_measure import detect_onsets
from .conftest import HYDROGEN_KITS

KITS = [None, str(HYDROGEN_KITS / "GMRockKit"), str(HYDROGEN_KITS / "TR808EmulationKit")]
KIT_IDS = ["synth", "GMRockKit", "TR808EmulationKit"]
KICK, SNARE = 0, 1
# two bars: kick on 1 and 3, snare on 2 and 4
SPARSE = Pattern.from_steps([[KICK] if i % 8 == 0 else [SNARE] if i % 8 == 4 else [] for i in range(32)])
# two bars with every drum: 16th hats, kick and snare, an open hat, a tom run, a crash and a ride
DENSE = Pattern.from_steps(
    [[0, 2, 7], [2], [2, 8], [0, 2], [1, 2], [2], [2, 3], [0], [0, 2], [2, 8], [2], [0, 2], [1, 2], [4], [5], [6]] * 2
)
LOOPS = {"sparse": SPARSE, "dense": DENSE}
MAX_SUM_ERROR_DB = -60.0


def sum_error_db(stems: dict[str, np.ndarray], mix: np.ndarray) -> float:
    """Largest |sum of stems - mix| relative to the mix's peak, in dB."""
    total = np.sum([stem.astype(np.float64) for stem in stems.values()], axis=0)
    error = np.abs(total - mix).max()
    return float(20 * np.log10(max(error, 1e-12) / np.abs(mix).max()))


@pytest.fixture(scope="module", params=KITS, ids=KIT_IDS)
def kit(request):
    return load_kit(request.param)


@pytest.mark.parametrize("name", LOOPS)
@pytest.mark.parametrize("loops", [None, 1], ids=["seamless", "one-shot"])
def test_stems_sum_to_the_normalised_mix_within_60_db(kit, name, loops):
    export = render_export(LOOPS[name], loops=loops, stems=True, kit=kit, bpm=120)
    error_db = sum_error_db(export.stems, export.mix)
    print(f"{kit.name} {name} loops={loops}: stems sum to the mix within {error_db:.1f} dB")
    assert error_db <= MAX_SUM_ERROR_DB
    assert all(stem.shape == export.mix.shape for stem in export.stems.values())


def test_stems_sum_to_the_raw_mix_where_the_limiter_works(kit):
    """Raw level with the voices turned up: the master limiter catches the peaks, the stems follow its gain."""
    loud = MixerSettings.from_dict({"master_gain": 2.0})
    export = render_export(DENSE, stems=True, kit=kit, loudness_lufs=None, mixer=loud)
    plain = render_loop(DENSE, kit=kit, mixer=loud)
    unlimited = render_loop(DENSE, kit=kit, mixer=MixerSettings.from_dict({"master_gain": 2.0, "reverb_wet": 0.0}))
    assert np.abs(unlimited).max() >= 0.96 and np.abs(plain).max() <= 10 ** (-0.3 / 20) + 1e-6  # it was limited
    np.testing.assert_allclose(export.mix, plain, atol=1e-6)  # the raw export is the plain render (sum order aside)
    assert sum_error_db(export.stems, export.mix) <= MAX_SUM_ERROR_DB


@pytest.mark.parametrize("name", LOOPS)
def test_one_stem_per_drum_that_sounds_and_none_for_silent_drums(kit, name):
    export = render_export(LOOPS[name], stems=True, kit=kit)
    sounding = sorted({drum for step in LOOPS[name].steps for drum in step})
    assert list(export.stems) == [DRUM_LABELS[drum] for drum in sounding]
    for label, stem in export.stems.items():
        assert np.abs(stem).max() > 1e-3, label  # each one is heard


def test_a_drum_muted_in_the_mixer_has_no_stem():
    muted = MixerSettings.from_dict({"voices": {"snare": {"gain": 0.0}}})
    export = render_export(SPARSE, stems=True, mixer=muted)
    assert list(export.stems) == ["kick"]


@pytest.mark.parametrize("loops", [None, 2], ids=["seamless", "two loops"])
def test_each_raw_stem_is_its_drum_alone_sample_for_sample(kit, loops):
    """Where nothing is limited a raw stem equals the drum rendered by itself (its reverb included),
    frame for frame: stems start where the mix starts and line up with it."""
    export = render_export(SPARSE, loops=loops, stems=True, kit=kit, loudness_lufs=None)
    for drum in (KICK, SNARE):
        alone = Pattern.from_steps([[drum] if drum in step else [] for step in SPARSE.steps])
        solo = render_loop(alone, kit=kit) if loops is None else render_oneshot(alone, loops=loops, kit=kit)
        stem = export.stems[DRUM_LABELS[drum]]
        n = min(len(solo), len(stem))  # a one-shot ends where the whole mix falls silent
        assert np.abs(solo[n:]).max(initial=0.0) < 1e-5
        np.testing.assert_allclose(stem[:n], solo[:n], atol=2e-7)


def test_stems_hits_sound_on_their_steps():
    """The dry kick stem's onsets are on beats 1 and 3 of both bars (a 16th is 125 ms at 120 BPM)."""
    dry = MixerSettings.from_dict({"reverb_wet": 0.0})
    export = render_export(SPARSE, loops=1, stems=True, mixer=dry)
    onsets = detect_onsets(export.stems["kick"])
    np.testing.assert_allclose(onsets, np.array([0, 8, 16, 24]) * 0.125, atol=0.001)
    snare = detect_onsets(export.stems["snare"])
    np.testing.assert_allclose(snare, np.array([4, 12, 20, 28]) * 0.125, atol=0.001)


def test_stems_longer_than_the_render_limit_are_refused_before_rendering():
    long_loop = Pattern.from_steps([[d for d in range(9)]] + [[]] * 1023)
    with pytest.raises(ParameterError, match="stems together would be"):
        render_export(long_loop, loops=1, stems=True, bpm=60)
