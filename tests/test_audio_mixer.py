"""Mixer settings (validation, round trip) and what the mixer does to rendered sound; the room reverb."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poseloops import Pattern
from poseloops.audio import MixerSettings, VoiceMix, render_oneshot
from poseloops.audio.mixer import DEFAULT_PANS, pan_gains
from poseloops.audio.reverb import room_impulse_response
from poseloops.errors import ParameterError
from poseloops.pattern import DRUM_LABELS, DRUM_VOICES

from .audio_measure import SAMPLE_RATE, band_energy_fraction, rms

KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM, MID_TOM, HIGH_TOM, CLAP, RIM = range(9)

# --- validation -------------------------------------------------------------------

unit = st.floats(0.0, 1.0)
voice_overrides = st.fixed_dictionaries(
    {}, optional={"gain": st.floats(0.0, 4.0), "pan": st.floats(-1.0, 1.0), "reverb_send": unit}
)
voice_keys = st.sampled_from(DRUM_LABELS + DRUM_VOICES + tuple(str(i) for i in range(9)))
mixer_dicts = st.fixed_dictionaries(
    {},
    optional={
        "voices": st.dictionaries(voice_keys, voice_overrides, max_size=4),
        "reverb_wet": unit,
        "reverb_decay_s": st.floats(0.1, 3.0),
        "master_gain": st.floats(0.0, 2.0),
    },
)


@given(mixer_dicts)
def test_valid_settings_are_accepted_and_round_trip(data):
    mixer = MixerSettings.from_dict(data)
    for name in ("reverb_wet", "reverb_decay_s", "master_gain"):
        if name in data:
            assert getattr(mixer, name) == data[name]
    assert MixerSettings.from_dict(mixer.to_dict()) == mixer


@given(
    field=st.sampled_from(["gain", "pan", "reverb_send"]),
    voice=st.sampled_from(DRUM_LABELS),
    value=st.one_of(st.floats(4.0001, 1e9), st.floats(-1e9, -1.0001)),
)
def test_out_of_range_voice_values_name_the_field(field, voice, value):
    with pytest.raises(ParameterError, match=rf"mixer\.voices\.{voice}\.{field}"):
        MixerSettings.from_dict({"voices": {voice: {field: value}}})


@given(
    field=st.sampled_from(["reverb_wet", "reverb_decay_s", "master_gain"]),
    value=st.one_of(
        st.floats(3.0001, 1e9), st.floats(-1e9, -0.0001), st.just(float("nan")), st.just(float("inf")),
        st.text(max_size=5), st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
    ),
)
def test_bad_top_level_values_name_the_field(field, value):
    with pytest.raises(ParameterError, match=rf"mixer\.{field}"):
        MixerSettings.from_dict({field: value})


@given(st.text(min_size=1, max_size=12).filter(
    lambda k: k not in ("voices", "reverb_wet", "reverb_decay_s", "master_gain")))
@settings(max_examples=50)
def test_unknown_fields_are_named(key):
    with pytest.raises(ParameterError, match="unknown field"):
        MixerSettings.from_dict({key: 1})


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"voices": {"cowbell": {}}}, "'cowbell' is not a drum"),
        ({"voices": {"kick": {"volume": 1}}}, r"mixer\.voices\.kick: unknown field 'volume'"),
        ({"voices": {"kick": 0.5}}, r"mixer\.voices\.kick must be an object"),
        ({"voices": [1, 2]}, r"mixer\.voices must be an object"),
        ({"voices": {"snare": {"pan": "left"}}}, r"mixer\.voices\.snare\.pan: 'left' is not a number"),
        ("loud", "must be an object"),
    ],
)
def test_malformed_settings_say_what_is_wrong(data, fragment):
    with pytest.raises(ParameterError, match=fragment):
        MixerSettings.from_dict(data)


def test_defaults_are_the_origins_mix():
    mixer = MixerSettings()
    assert [v.pan for v in mixer.voices] == [0.0, 0.0, -0.5, -0.5, -0.4, 0.0, 0.4, 0.5, 0.5]
    assert [v.reverb_send > 0 for v in mixer.voices] == [False, False] + [True] * 7
    assert mixer.reverb_wet == 0.3
    assert MixerSettings.from_dict(None) == MixerSettings.from_dict({}) == mixer
    assert MixerSettings.from_dict({"voices": {"hh-closed": {"pan": 0.2}}}).voices[CLOSED_HAT] == VoiceMix(
        pan=0.2, reverb_send=1.0)


@given(st.floats(-1.0, 1.0))
def test_pan_law_keeps_power_constant(pan):
    left, right = pan_gains(pan)
    assert left**2 + right**2 == pytest.approx(1.0)
    assert left >= 0 and right >= 0
    if abs(pan) > 1e-9:
        assert (pan < 0) == (left > right)


# --- what the mixer does to sound -------------------------------------------------------


def hit(drum: int, mixer: MixerSettings | None = None) -> np.ndarray:
    return render_oneshot(Pattern.from_steps([[drum]] + [[]] * 7), mixer=mixer)


def test_default_pans_place_each_voice():
    for drum, pan in enumerate(DEFAULT_PANS):
        dry = hit(drum, MixerSettings.from_dict({"reverb_wet": 0.0}))
        left, right = rms(dry[:, 0]), rms(dry[:, 1])
        expected_left, expected_right = pan_gains(pan)
        assert left / right == pytest.approx(expected_left / expected_right, rel=1e-4), drum


def test_reverb_adds_a_room_tail_only_to_the_voices_sent_to_it():
    dry, wet = MixerSettings.from_dict({"reverb_wet": 0.0}), MixerSettings()
    for drum in (KICK, SNARE):  # dry in the origin's mix: the reverb changes nothing
        np.testing.assert_array_equal(hit(drum, dry), hit(drum, wet))
    closed_dry, closed_wet = hit(CLOSED_HAT, dry), hit(CLOSED_HAT, wet)
    after = slice(int(0.15 * SAMPLE_RATE), int(0.3 * SAMPLE_RATE))  # the closed hat itself is gone by then
    assert rms(closed_dry[after]) < 1e-5
    assert rms(closed_wet[after]) > 100 * max(rms(closed_dry[after]), 1e-9)
    assert rms(closed_wet[after]) < 0.1 * rms(closed_wet[: int(0.02 * SAMPLE_RATE)])  # a room, not a hall


def test_gain_zero_mutes_and_gain_scales():
    muted = MixerSettings.from_dict({"voices": {"kick": {"gain": 0}}})
    assert not hit(KICK, muted).any()
    half = MixerSettings.from_dict({"voices": {"kick": {"gain": 0.5}}})
    assert np.max(np.abs(hit(KICK, half))) / np.max(np.abs(hit(KICK))) == pytest.approx(0.5, rel=1e-4)


# --- the room ---------------------------------------------------------------------------


def test_room_ir_is_deterministic_stereo_and_unit_energy():
    ir = room_impulse_response(SAMPLE_RATE, 0.45)
    room_impulse_response.cache_clear()
    again = room_impulse_response(SAMPLE_RATE, 0.45)
    np.testing.assert_array_equal(ir, again)
    assert ir.shape[1] == 2 and ir.dtype == np.float32
    np.testing.assert_allclose(np.sum(ir.astype(np.float64) ** 2, axis=0), 1.0, rtol=1e-4)
    assert abs(np.corrcoef(ir[:, 0], ir[:, 1])[0, 1]) < 0.2  # decorrelated: a wide room


def test_room_decays_like_a_small_room_without_boom():
    ir = room_impulse_response(SAMPLE_RATE, 0.45).astype(np.float64)
    energy = np.sum(ir**2, axis=1)
    remaining = np.cumsum(energy[::-1])[::-1] / energy.sum()  # Schroeder's backward integral
    t_minus_20 = np.argmax(remaining < 1e-2) / SAMPLE_RATE
    rt60 = 3 * t_minus_20  # extrapolated from the first 20 dB of decay
    assert 0.2 < rt60 < 0.7
    assert band_energy_fraction(ir, 0, 150) < 0.02  # no low boom
    # Per hertz, the top octaves hold far less than the mids: a damped room, not a hiss.
    top_density = band_energy_fraction(ir, 8000, 20000) / 12000
    mid_density = band_energy_fraction(ir, 500, 4000) / 3500
    assert top_density < 0.25 * mid_density
    assert len(ir) / SAMPLE_RATE < 0.6 and math.isclose(float(np.abs(ir[-1]).max()), 0.0, abs_tol=1e-6)
