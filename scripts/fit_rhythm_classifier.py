"""Fit the recorded-rhythm hit classifier and write src/poseloops/seeds/rhythm_classifier.json.

    .venv/bin/python scripts/fit_rhythm_classifier.py [--clips 60]

Training audio: 2-bar clips of Groove *train*-split beats, rendered through the
built-in synth kit and Hydrogen's TR808EmulationKit, once with the default mix
and once with a random mix (each voice -9..+6 dB, random reverb), so the
classifier does not learn one kit's balance. GMRockKit and the validation
split are kept for testing (tests/test_seeds_rhythm.py, scripts/measure_rhythm_seeds.py).
Each detected onset on a step with hits is one example; its labels are the
families (kick; snare; hats and cymbals) playing on that step. One logistic
regression per family (scikit-learn, balanced classes) on the onset features
of poseloops.seeds.rhythm. Needs ../shared/data/groove and scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from poseloops.audio import MixerSettings, VoiceMix, render_oneshot
from poseloops.seeds import rhythm
from groove_clips import FAMILY_OF_DRUM, groove_clips

OUT = Path(__file__).resolve().parents[1] / "src" / "poseloops" / "seeds" / rhythm.CLASSIFIER_FILE
TRAIN_KITS = (None, "TR808EmulationKit")  # None = the built-in synth kit
FAMILIES = ("kick", "snare", "hat")
SAMPLE_RATE = 44100


def examples(clip, audio: np.ndarray) -> tuple[list[np.ndarray], list[list[bool]]]:
    mono = audio.mean(axis=1)
    power, _, frames = rhythm.detect_onsets(mono / np.abs(mono).max(), SAMPLE_RATE)
    levels = rhythm.band_levels_db(power)
    step_s = 60.0 / clip.bpm / 4
    features, labels = [], []
    matrix = clip.pattern.to_matrix()
    for frame in frames:
        step = int(round(frame * rhythm.HOP_LENGTH / rhythm.ANALYSIS_SAMPLE_RATE / step_s))
        if 0 <= step < len(matrix) and matrix[step].any():
            families = {FAMILY_OF_DRUM[d] for d in np.flatnonzero(matrix[step])}
            features.append(rhythm.onset_features(levels, int(frame)))
            labels.append([name in families for name in FAMILIES])
    return features, labels


def random_mix(rng: np.random.Generator) -> MixerSettings:
    voices = tuple(
        VoiceMix(gain=float(10 ** (rng.uniform(-9, 6) / 20)), reverb_send=float(rng.uniform(0, 1))) for _ in range(9)
    )
    return MixerSettings(voices=voices, reverb_wet=float(rng.uniform(0, 0.5)))


def main() -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=60, help="training clips per kit and mix")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X, Y = [], []
    for kit in TRAIN_KITS:
        for mixed in (False, True):
            for clip in groove_clips("train", args.clips, bars_skipped=1 + 2 * mixed):
                audio = render_oneshot(clip.pattern, bpm=clip.bpm, kit=kit, mixer=random_mix(rng) if mixed else None)
                features, labels = examples(clip, audio)
                X += features
                Y += labels
    X, Y = np.array(X), np.array(Y)
    models = [LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced").fit(X, Y[:, k]) for k in range(3)]
    spec = {
        "type": rhythm.CLASSIFIER_TYPE,
        "version": rhythm.CLASSIFIER_VERSION,
        "families": list(FAMILIES),
        "features": [f"rise_db_{lo}_{hi}" for lo, hi in rhythm.BANDS_HZ]
        + [f"level_db_{lo}_{hi}" for lo, hi in rhythm.BANDS_HZ],
        "bands_hz": [list(b) for b in rhythm.BANDS_HZ],
        "sample_rate": rhythm.ANALYSIS_SAMPLE_RATE,
        "weights": [[round(float(w), 5) for w in m.coef_[0]] for m in models],
        "bias": [round(float(m.intercept_[0]), 5) for m in models],
        "fitted_on": f"{len(X)} onsets of Groove train-split beats rendered with the synth kit and "
        f"TR808EmulationKit (default and random mixes); scripts/fit_rhythm_classifier.py",
        "training_accuracy": [round(float(m.score(X, Y[:, k])), 3) for k, m in enumerate(models)],
    }
    OUT.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(X)} onsets, training accuracy {spec['training_accuracy']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
