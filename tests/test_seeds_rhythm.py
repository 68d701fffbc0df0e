"""A recorded rhythm as a seed, tested on real samples.

Audio: two-bar clips of Groove MIDI Dataset *validation*-split beats (CC BY 4.0,
../shared/data/groove; the hit classifier was fitted on the train split with
other kits) rendered by the sound engine through Hydrogen's GMRockKit (Debian
hydrogen-data). The clips' patterns are the known answer.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from poseloops.errors import InputError, ParameterError
from poseloops.pattern import Pattern
from poseloops.seeds import audio_to_pattern, decode_audio
from poseloops.seeds.rhythm import load_classifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from groove_clips import groove_clips  # noqa: E402  (reads clips the same way the measuring script does)
from measure_rhythm_seeds import score  # noqa: E402

SAMPLE_RATE = 44100
CLIPS = 5


@pytest.fixture(scope="module")
def renders(groove_dir):
    from poseloops.audio import render_oneshot

    clips = groove_clips("validation", CLIPS, groove_dir=groove_dir)
    assert len(clips) == CLIPS
    return [(clip, render_oneshot(clip.pattern, bpm=clip.bpm, kit="GMRockKit")) for clip in clips]


def test_onsets_and_classes_on_real_sample_renders(renders):
    pairs = [(clip.pattern, audio_to_pattern(audio, SAMPLE_RATE, bpm=clip.bpm)) for clip, audio in renders]
    figures = score(pairs)
    assert figures["onset_f1"] >= 0.9, figures
    assert figures["hit_f1"] >= 0.8, figures
    assert min(figures["per_family"].values()) >= 0.7, figures


def test_tempo_is_estimated_from_the_recording(renders):
    estimates = [audio_to_pattern(audio, SAMPLE_RATE).bpm / clip.bpm for clip, audio in renders]
    assert sum(abs(r - 1) <= 0.02 for r in estimates) >= CLIPS - 1, estimates


def test_seed_starts_with_the_recording_and_spans_it(renders):
    clip, audio = renders[0]
    seed = audio_to_pattern(audio, SAMPLE_RATE, bpm=clip.bpm)
    recording_steps = len(audio) / SAMPLE_RATE / (15 / clip.bpm)
    assert abs(len(seed) - recording_steps) <= 1 and seed.bpm == clip.bpm
    first_true = next(i for i, step in enumerate(clip.pattern.steps) if step)
    assert next(i for i, step in enumerate(seed.steps) if step) == first_true
    assert len(audio_to_pattern(audio, SAMPLE_RATE, bpm=clip.bpm, steps=12)) == 12


def test_click_track_at_a_known_tempo():
    bpm, sr = 100.0, 22050
    audio = np.zeros(int(sr * 6))
    click = np.random.default_rng(0).normal(0, 0.5, 200) * np.exp(-np.arange(200) / 40)
    for k in range(0, 40, 2):  # 8th notes
        start = int(k * 15 / bpm * sr)
        audio[start : start + 200] += click
    seed = audio_to_pattern(audio, sr)
    assert abs(seed.bpm - bpm) / bpm < 0.02 or abs(seed.bpm - 2 * bpm) / bpm < 0.04
    hits = [i for i, step in enumerate(seed.steps) if step]
    step_ratio = round(seed.bpm / bpm)
    assert hits == list(range(0, 40 * step_ratio, 2 * step_ratio))[: len(hits)] and len(hits) >= 19


@pytest.mark.parametrize("fmt", ["WAV", "FLAC", "OGG"])
def test_decode_common_formats(renders, fmt):
    _, audio = renders[0]
    data = io.BytesIO()
    soundfile.write(data, audio, SAMPLE_RATE, format=fmt)
    samples, sr = decode_audio(data.getvalue())
    assert sr == SAMPLE_RATE and samples.ndim == 1 and abs(len(samples) - len(audio)) < 2000
    assert np.corrcoef(samples[: len(audio)][:20000], audio.mean(axis=1)[:20000])[0, 1] > 0.9


def test_too_long_is_refused_before_decoding():
    data = io.BytesIO()
    soundfile.write(data, np.zeros(8000 * 61, np.float32), 8000, format="WAV")
    with pytest.raises(InputError, match="61.0 s long; the limit is 60 s"):
        decode_audio(data.getvalue())
    with pytest.raises(InputError, match="limit is 60 s"):
        audio_to_pattern(np.zeros(8000 * 61), 8000)


@pytest.mark.parametrize("data", [b"", b"RIFF1234WAVEfmt nonsense", b"just text, not a sound", bytes(range(256)) * 4])
def test_not_audio_is_refused(data):
    with pytest.raises(InputError):
        decode_audio(data)


def test_silence_and_no_hits_are_refused():
    with pytest.raises(InputError, match="silent"):
        audio_to_pattern(np.zeros(44100), 44100)
    with pytest.raises(InputError, match="no hits"):
        t = np.arange(44100 * 3) / 44100
        swell = np.minimum(1.0, np.minimum(t, 3 - t))  # fades in and out over a second: no attack
        audio_to_pattern(0.3 * np.sin(2 * np.pi * 220 * t) * swell, 44100)


@pytest.mark.parametrize(
    "samples, sample_rate, options, fragment",
    [
        (np.zeros(100), 4000, {}, "sample rate"),
        (np.array([np.nan] * 100), 44100, {}, "NaN"),
        (np.zeros((10, 2, 2)), 44100, {}, "samples must be"),
        (np.ones(44100), 44100, {"bpm": 5}, "bpm"),
        (np.ones(44100), 44100, {"steps": 0}, "steps"),
    ],
)
def test_bad_arguments_are_named(samples, sample_rate, options, fragment):
    with pytest.raises(ParameterError, match=fragment):
        audio_to_pattern(samples, sample_rate, **options)


def test_classifier_spec_is_checked_on_load():
    spec = load_classifier()
    assert spec["weights"].shape == (3, 12) and spec["families"] == ["kick", "snare", "hat"]
    assert isinstance(Pattern.empty(1), Pattern)
