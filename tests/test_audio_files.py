"""Audio files: encode_audio / write_audio, read back with soundfile."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from poseloops.audio import encode_audio, write_audio
from poseloops.errors import InputError, ParameterError

STEP = {"PCM_16": 1 / 32768, "PCM_24": 1 / 8388608}


@settings(max_examples=40, deadline=None)
@given(
    audio=arrays(np.float32, st.tuples(st.integers(1, 400), st.just(2)), elements=st.floats(-1, 1, width=32)),
    format=st.sampled_from(["wav", "flac"]),
    subtype=st.sampled_from(["PCM_16", "PCM_24"]),
)
def test_encoded_audio_reads_back_within_one_quantisation_step(audio, format, subtype):
    data = encode_audio(audio, format=format, subtype=subtype)
    decoded, rate = soundfile.read(io.BytesIO(data), dtype="float64", always_2d=True)
    assert rate == 44100 and decoded.shape == audio.shape
    assert np.max(np.abs(decoded - audio)) <= STEP[subtype] * 1.01


@pytest.mark.parametrize("suffix, format, subtype", [(".wav", "WAV", "PCM_16"), (".flac", "FLAC", "PCM_24"),
                                                     (".ogg", "OGG", None)])
def test_write_audio_picks_the_format_from_the_suffix(tmp_path, suffix, format, subtype):
    t = np.arange(4410) / 44100
    audio = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1).astype(np.float32) * 0.5
    path = tmp_path / f"out{suffix}"
    write_audio(path, audio, subtype=subtype)
    info = soundfile.info(str(path))
    assert (info.format, info.channels, info.frames, info.samplerate) == (format, 2, 4410, 44100)
    if subtype:
        assert info.subtype == subtype


def test_samples_beyond_full_scale_are_clipped_not_wrapped():
    data = encode_audio(np.array([[1.5, -3.0], [0.5, 0.25]], dtype=np.float32))
    decoded, _ = soundfile.read(io.BytesIO(data))
    np.testing.assert_allclose(decoded, [[1.0, -1.0], [0.5, 0.25]], atol=1e-4)


@pytest.mark.parametrize(
    "call, error, fragment",
    [
        (lambda tmp: write_audio(tmp / "missing" / "x.wav", np.zeros((10, 2), np.float32)), InputError, "cannot write"),
        (lambda tmp: write_audio(tmp, np.zeros((10, 2), np.float32)), ParameterError, "audio files end in"),
        (lambda tmp: write_audio(tmp / "x.mp3", np.zeros((10, 2), np.float32)), ParameterError, "audio files end in"),
        (lambda tmp: encode_audio(np.zeros((10, 2), np.float32), format="mp3"), ParameterError, "format"),
        (lambda tmp: encode_audio(np.zeros((10, 2), np.float32), subtype="PCM_8"), ParameterError, "subtype"),
        (lambda tmp: encode_audio(np.full((10, 2), np.nan, np.float32)), ParameterError, "NaN"),
        (lambda tmp: encode_audio(np.zeros((10, 2), np.int16)), ParameterError, "float"),
        (lambda tmp: encode_audio(np.zeros((0, 2), np.float32)), ParameterError, "shape"),
    ],
)
def test_bad_output_raises_a_clear_error(tmp_path, call, error, fragment):
    with pytest.raises(error, match=fragment):
        call(tmp_path)


def test_directory_in_place_of_a_file_cannot_be_written(tmp_path):
    (tmp_path / "taken.wav").mkdir()
    with pytest.raises(InputError, match="cannot write"):
        write_audio(tmp_path / "taken.wav", np.zeros((10, 2), np.float32))
