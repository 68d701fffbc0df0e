"""Fit the recorded-rhythm tempo prior and write src/poseloops/seeds/rhythm_tempo_prior.json.

    .venv/bin/python scripts/fit_tempo_prior.py

Two tables from the Groove MIDI Dataset's **train** split (4/4 beats; the
validation split and GMRockKit are kept for measuring, scripts/measure_rhythm_tempo.py):

- *tempo*: how often drummers play at each tempo: a histogram of the files'
  BPM (info.csv) over log-tempo, smoothed by a Gaussian of ``SMOOTH_OCTAVES``,
  mixed with a flat share ``FLAT_SHARE`` over 55-200 BPM, so a tempo the
  drummers rarely chose (65, 170) is unlikely but not ruled out;
- *metre*: per tempo band, per family (kick; snare; hats and cymbals) and per
  16th of the bar, the share of bars with a hit there, over the first
  ``READ_BARS`` bars of every file from the bar of its first hit (the files'
  own bar lines: the drummers played to a click).

Needs ../shared/data/groove (mido through poseloops.midi_io).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from poseloops.midi_io import midi_to_pattern, read_midi
from poseloops.pattern import STEPS_PER_BAR
from poseloops.seeds import rhythm_tempo
from groove_clips import FAMILY_OF_DRUM, GROOVE, _first_bars

OUT = Path(__file__).resolve().parents[1] / "src" / "poseloops" / "seeds" / rhythm_tempo.TEMPO_PRIOR_FILE
FAMILIES = ("kick", "snare", "hat")
GRID_BPM = (40.0, 240.0)
GRID_POINTS = 91  # 2% apart
SMOOTH_OCTAVES = 0.1
FLAT_SHARE = 0.3
FLAT_BPM = (55.0, 200.0)
BAND_EDGES_BPM = (95.0, 125.0)  # slow / middle / fast: a third of the files each, roughly
PSEUDO_BARS = 1.0  # add-one smoothing of each hit share (no position is impossible)


def tempo_table(bpms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    grid = np.geomspace(*GRID_BPM, GRID_POINTS)
    octaves = np.log2(grid)[:, None] - np.log2(bpms)[None, :]
    density = np.exp(-0.5 * (octaves / SMOOTH_OCTAVES) ** 2).sum(axis=1)
    density /= density.sum()
    flat = ((grid >= FLAT_BPM[0]) & (grid <= FLAT_BPM[1])).astype(float)
    prior = (1 - FLAT_SHARE) * density + FLAT_SHARE * flat / flat.sum()
    return grid, np.log(np.maximum(prior / prior.max(), 1e-6))


def metre_table(rows: list[dict]) -> tuple[np.ndarray, list[int]]:
    hits = np.zeros((len(BAND_EDGES_BPM) + 1, len(FAMILIES), STEPS_PER_BAR))
    bars = np.zeros(len(BAND_EDGES_BPM) + 1)
    for row in rows:
        pattern = midi_to_pattern(_first_bars(read_midi(GROOVE / row["midi_filename"])), training_groups=True)
        matrix = pattern.to_matrix()
        played = np.flatnonzero(matrix.any(axis=1))
        if len(played) == 0:
            continue
        matrix = matrix[played[0] // STEPS_PER_BAR * STEPS_PER_BAR:]  # from the bar of the first hit
        whole = len(matrix) // STEPS_PER_BAR
        band = int(np.searchsorted(BAND_EDGES_BPM, float(row["bpm"])))
        for family_index, family in enumerate(FAMILIES):
            drums = [d for d, f in FAMILY_OF_DRUM.items() if f == family]
            present = matrix[: whole * STEPS_PER_BAR, drums].any(axis=1).reshape(whole, STEPS_PER_BAR)
            hits[band, family_index] += present.sum(axis=0)
        bars[band] += whole
    share = (hits + PSEUDO_BARS) / (bars[:, None, None] + 2 * PSEUDO_BARS)
    return share, bars.astype(int).tolist()


def main() -> int:
    with open(GROOVE / "info.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["split"] == "train" and r["beat_type"] == "beat" and r["time_signature"] == "4-4"]
    grid, log_prior = tempo_table(np.array([float(r["bpm"]) for r in rows]))
    share, bars = metre_table(rows)
    spec = {
        "type": rhythm_tempo.TEMPO_PRIOR_TYPE,
        "version": rhythm_tempo.TEMPO_PRIOR_VERSION,
        "source": f"Groove MIDI Dataset v1.0.0 train split, {len(rows)} 4/4 beats (CC BY 4.0); scripts/fit_tempo_prior.py",
        "bpm": [round(float(b), 2) for b in grid],
        "log_prior": [round(float(p), 4) for p in log_prior],
        "band_edges_bpm": list(BAND_EDGES_BPM),
        "bars_per_band": bars,
        "families": list(FAMILIES),
        "hit_share": np.round(share, 4).tolist(),
    }
    OUT.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}: {len(rows)} files, bars per band {bars}")
    for band, table in enumerate(share):
        print(f"band {band}: " + "; ".join(f"{f} " + " ".join(f"{p:.2f}" for p in table[i]) for i, f in enumerate(FAMILIES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
