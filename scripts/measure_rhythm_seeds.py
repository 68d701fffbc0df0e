"""Figures for docs/seeds.md: recorded-rhythm seeds on real-sample renders of Groove validation beats.

    .venv/bin/python scripts/measure_rhythm_seeds.py [--clips 40] [--kit GMRockKit]

Each clip (2 bars of a validation-split beat, poseloops.midi_io) is rendered
with poseloops.audio.render_oneshot through the kit, then turned back into a
seed by poseloops.seeds.audio_to_pattern, with the clip's BPM given and with
the tempo estimated. The seed starts at the first hit, so it is compared with
the clip from its first hit (a clip whose bar starts with a rest is shifted).
Figures:
- onset F1 on the 16th grid: steps with a hit, found vs. true;
- class scores over matched steps (found and true), drums reduced to
  families kick / snare / hats+cymbals (toms are not classified and left out):
  hit F1 = micro F1 of (step, family) pairs, exact = the step's family set is
  exactly right, and F1 per family;
- tempo: estimates within 2% of the clip's BPM.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from poseloops.audio import render_oneshot
from poseloops.seeds import audio_to_pattern
from groove_clips import FAMILY_OF_DRUM, groove_clips

FAMILIES = ("kick", "snare", "hat")
SAMPLE_RATE = 44100


def from_first_hit(pattern):
    """``pattern`` from its first hit on: what a recording of it seeds."""
    first = next(i for i, step in enumerate(pattern.steps) if step)
    return pattern.slice(first, len(pattern))


def families(row: np.ndarray) -> set[str]:
    return {FAMILY_OF_DRUM[d] for d in np.flatnonzero(row)} & set(FAMILIES)


def score(pairs) -> dict:
    """Scores over (true pattern, found pattern) pairs on the same grid."""
    found_steps = true_steps = hit_steps = exact = matched = 0
    counts = {name: np.zeros(3) for name in FAMILIES}  # tp, fp, fn
    for true, found in pairs:
        t, f = true.to_matrix(), found.to_matrix()
        n = min(len(t), len(f))
        t_steps = set(np.flatnonzero(t.any(axis=1)))
        f_steps = {s for s in np.flatnonzero(f.any(axis=1)) if s < n}
        true_steps += len(t_steps)
        found_steps += len(f_steps)
        hit_steps += len(t_steps & f_steps)
        for step in t_steps & f_steps:
            want, got = families(t[step]), families(f[step])
            if not want:
                continue  # only toms there
            matched += 1
            exact += want == got
            for name in FAMILIES:
                counts[name] += [name in got and name in want, name in got and name not in want, name not in got and name in want]
    f1 = lambda tp, fp, fn: 2 * tp / max(2 * tp + fp + fn, 1)
    return {
        "onset_f1": 2 * hit_steps / max(found_steps + true_steps, 1),
        "hit_f1": f1(*sum(counts.values())),
        "exact": exact / max(matched, 1),
        "per_family": {name: round(f1(*c), 3) for name, c in counts.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--kit", default="GMRockKit")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--bars-skipped", type=int, default=1, help="clips start this many bars after the first hit")
    args = parser.parse_args()
    given, estimated, tempo_ok, times = [], [], [], []
    for clip in groove_clips(args.split, args.clips, bars_skipped=args.bars_skipped):
        audio = render_oneshot(clip.pattern, bpm=clip.bpm, kit=args.kit)
        start = time.perf_counter()
        found = audio_to_pattern(audio, SAMPLE_RATE, bpm=clip.bpm)
        times.append(time.perf_counter() - start)
        truth = from_first_hit(clip.pattern)
        given.append((truth, found))
        guess = audio_to_pattern(audio, SAMPLE_RATE)
        tempo_ok.append(abs(guess.bpm / clip.bpm - 1) <= 0.02)
        estimated.append((truth, guess))
    for label, pairs in (("BPM given", given), ("BPM estimated", estimated)):
        s = score(pairs)
        print(f"{label:14s} clips {len(pairs)}: onset F1 {s['onset_f1']:.3f}; class hit F1 {s['hit_f1']:.3f}, "
              f"exact sets {s['exact']:.3f}, per family {s['per_family']}")
    print(f"tempo within 2%: {np.mean(tempo_ok):.0%} of {len(tempo_ok)} clips; "
          f"analysis time median {np.median(times[1:]) * 1000:.0f} ms per clip (first call {times[0] * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
