"""Export loudness: -16 LUFS integrated (ITU-R BS.1770) with the true peak at or below -1 dBTP.

Measured here the way a loudness meter measures a file, independently of the
library's own meter: ``pyloudnorm`` for the integrated loudness (a seamless loop
repeated eight times, as it is heard; a one-shot as it is, silence added after it
up to one 400 ms block when it is shorter) and the true peak as the largest
sample of the signal oversampled 4x with ``scipy.signal.resample_poly`` (a
seamless loop with a copy of itself on either side, so its wrap is measured too).
Three kits (synth, GMRockKit, TR808EmulationKit), a sparse and a dense loop.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from poseloops import Pattern
from poseloops.audio import MixerSettings, load_kit, render_loop, render_oneshot
from poseloops.audio.export import render_export
from poseloops.errors import ParameterError

from .test_audio_stems import DENSE, KIT_IDS, KITS, LOOPS, SPARSE

SAMPLE_RATE = 44100
TARGET_LUFS = -16.0
CEILING_DBTP = -1.0
LOUDNESS_TOLERANCE_LU = 0.1
PEAK_TOLERANCE_DB = 0.02
HATS_ONLY = Pattern.from_steps([[2] if i % 2 == 0 else [] for i in range(16)])


def loudness_lufs(audio: np.ndarray, *, seamless: bool) -> float:
    samples = np.tile(audio, (8, 1)) if seamless else audio
    block = int(0.4 * SAMPLE_RATE)
    if len(samples) < block:
        samples = np.concatenate([samples, np.zeros((block - len(samples), 2))])
    return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(samples.astype(np.float64)))


def true_peak_dbtp(audio: np.ndarray, *, seamless: bool) -> float:
    samples = np.concatenate([audio, audio, audio]) if seamless else audio
    upsampled = resample_poly(samples.astype(np.float64), 4, 1, axis=0)
    if seamless:
        upsampled = upsampled[4 * len(audio) : 8 * len(audio)]
    return float(20 * np.log10(np.abs(upsampled).max()))


@pytest.fixture(scope="module", params=list(zip(KITS, KIT_IDS)), ids=KIT_IDS)
def kit(request):
    return load_kit(request.param[0])


@pytest.mark.parametrize("name", LOOPS)
@pytest.mark.parametrize("loops", [None, 2], ids=["seamless", "two loops"])
def test_exports_meet_minus_16_lufs_and_minus_1_dbtp(kit, name, loops):
    export = render_export(LOOPS[name], loops=loops, kit=kit, bpm=120)
    seamless = loops is None
    lufs, peak = loudness_lufs(export.mix, seamless=seamless), true_peak_dbtp(export.mix, seamless=seamless)
    raw = render_loop(LOOPS[name], kit=kit) if seamless else render_oneshot(LOOPS[name], loops=loops, kit=kit)
    print(f"{kit.name} {name} loops={loops}: {lufs:.2f} LUFS, true peak {peak:.2f} dBTP "
          f"(raw: {loudness_lufs(raw, seamless=seamless):.1f} LUFS, {true_peak_dbtp(raw, seamless=seamless):.1f} dBTP)")
    assert abs(lufs - TARGET_LUFS) <= LOUDNESS_TOLERANCE_LU
    assert peak <= CEILING_DBTP + PEAK_TOLERANCE_DB
    assert abs(export.loudness.lufs - lufs) <= 0.05 and not export.loudness.peak_bound


def test_other_targets_are_met_too():
    export = render_export(DENSE, loudness_lufs=-20.0)
    assert abs(loudness_lufs(export.mix, seamless=True) - -20.0) <= LOUDNESS_TOLERANCE_LU
    assert true_peak_dbtp(export.mix, seamless=True) <= CEILING_DBTP + PEAK_TOLERANCE_DB


def test_raw_leaves_the_level_as_the_engine_makes_it(kit):
    for loops in (None, 2):
        raw = render_export(SPARSE, loops=loops, kit=kit, loudness_lufs="raw")
        plain = render_loop(SPARSE, kit=kit) if loops is None else render_oneshot(SPARSE, loops=loops, kit=kit)
        np.testing.assert_array_equal(raw.mix, plain)
        assert raw.loudness is None  # not measured
        assert loudness_lufs(raw.mix, seamless=loops is None) < -20.0  # as quiet as the issue found it


def test_where_the_target_needs_more_than_6_db_of_limiting_the_peak_limit_wins():
    """Closed hats alone on the synth kit: 22 dB from true peak to loudness. The export stops at the
    peak limit with 6 dB of limiting, quieter than the target, and says so."""
    export = render_export(HATS_ONLY)
    lufs, peak = loudness_lufs(export.mix, seamless=True), true_peak_dbtp(export.mix, seamless=True)
    assert abs(peak - CEILING_DBTP) <= PEAK_TOLERANCE_DB
    assert lufs < TARGET_LUFS - 1.0
    assert export.loudness.peak_bound and "peak limit won" in export.loudness.summary()
    # the export over the raw loop, frame by frame: the full gain where the limiter rests, 6 dB less at the peak
    raw = render_loop(HATS_ONLY)
    level = np.abs(raw).max(axis=1)
    heard = level > 1e-3 * level.max()
    gain_db = 20 * np.log10(np.abs(export.mix).max(axis=1)[heard] / level[heard])
    at_peak = 20 * np.log10(np.abs(export.mix[np.argmax(level)]).max() / level.max())
    assert abs(gain_db.max() - at_peak - 6.0) <= 0.3


@pytest.mark.parametrize("loops", [None, 1], ids=["seamless", "one-shot"])
def test_loops_shorter_than_a_400_ms_block_are_normalised(loops):
    """One 16th at 300 BPM (50 ms), a dry rim: a seamless loop is measured repeated, a one-shot with
    silence after it."""
    rim = Pattern.from_steps([[8]])
    dry = MixerSettings.from_dict({"reverb_wet": 0.0})
    export = render_export(rim, loops=loops, bpm=300, mixer=dry)
    assert len(export.mix) < 0.4 * SAMPLE_RATE
    lufs = loudness_lufs(export.mix, seamless=loops is None)
    assert abs(lufs - TARGET_LUFS) <= LOUDNESS_TOLERANCE_LU or export.loudness.peak_bound
    assert true_peak_dbtp(export.mix, seamless=loops is None) <= CEILING_DBTP + PEAK_TOLERANCE_DB


def test_silence_is_left_silent():
    export = render_export(Pattern.from_steps([[]] * 16))
    assert not np.any(export.mix) and "silent" in export.loudness.summary()


@pytest.mark.parametrize("bad", [-31, -5.9, float("nan"), "loud", True])
def test_loudness_targets_outside_minus_30_to_minus_6_are_refused(bad):
    with pytest.raises(ParameterError, match="loudness"):
        render_export(SPARSE, loudness_lufs=bad)
