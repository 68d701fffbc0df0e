"""Drum recordings our sound engine did not make: SoX mixes Hydrogen GMRockKit samples.

The recorded-rhythm tests need recordings made another way than the code they
test, so that a shared assumption (where a step starts, how loud a velocity
is, a mixer quirk) cannot hide a fault. Here SoX (Debian's ``sox``, installed
by ``scripts/setup.sh test``) places each sample file of the kit's folder at
its hit's time, scaled by its velocity, and mixes them: no drumkit.xml, no
poseloops code. The velocity picks one of the five recorded layers by fixed
thresholds of our own (not the kit's table), and a human's timing is imitated
by a few milliseconds of seeded jitter and silence before the first hit.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

KIT = Path("/usr/share/hydrogen/data/drumkits/GMRockKit")
SOX = shutil.which("sox") or "/usr/bin/sox"
SAMPLE_RATE = 44100
# Our nine drums -> the kit's sample names (a ride bell would do for 8, the ride is the plain one).
SAMPLE_NAMES = ("Kick", "Snare", "HatClosed", "HatOpen", "TomFloor", "Tom2", "Tom1", "Crash", "Ride")
LAYERS = ((26, "Softest"), (52, "Soft"), (90, "Med"), (110, "Hard"), (128, "Hardest"))  # velocity below -> layer


HATS = (2, 3)
CHOKE_FADE_S = 0.01  # closing the hi-hat stops an open hat's ring within a few milliseconds


@dataclass(frozen=True)
class Hit:
    time_s: float
    drum: int
    velocity: int
    length_s: float | None = None  # None: the whole sample


def sample_file(drum: int, velocity: int) -> Path:
    layer = next(name for limit, name in LAYERS if velocity < limit)
    return KIT / f"{SAMPLE_NAMES[drum]}-{layer}.wav"


def pattern_hits(matrix: np.ndarray, bpm: float, *, lead_in_s: float = 0.0, jitter_ms: float = 0.0,
                 seed: int = 0) -> list[Hit]:
    """The hits of a ``(steps, 9)`` velocity matrix at ``bpm``, ``lead_in_s`` after the recording starts."""
    rng = np.random.default_rng(seed)
    step_s = 15.0 / bpm
    hits = []
    for step, drum in zip(*np.nonzero(matrix)):
        late = rng.uniform(-jitter_ms, jitter_ms) / 1000 if jitter_ms else 0.0
        hits.append(Hit(max(0.0, lead_in_s + step * step_s + late), int(drum), int(matrix[step, drum])))
    return choke_open_hats(hits)


def choke_open_hats(hits: list[Hit]) -> list[Hit]:
    """An open hat rings until the next hi-hat hit closes it, as on a real hi-hat stand."""
    hat_times = sorted(h.time_s for h in hits if h.drum in HATS)
    choked = []
    for hit in hits:
        later = [t for t in hat_times if t > hit.time_s]
        if hit.drum == 3 and later:
            hit = Hit(hit.time_s, hit.drum, hit.velocity, later[0] - hit.time_s)
        choked.append(hit)
    return choked


def sox_render(hits: list[Hit], path: Path, *, tail_s: float = 0.0) -> np.ndarray:
    """Mix ``hits`` with SoX into the mono WAV ``path``; returns its samples (float, peak -1 dBFS)."""
    inputs = []
    for hit in hits:
        # each hit: the sample (cut short if choked), delayed by its time, at its velocity's gain
        # (SoX scales each -m input by its -v)
        cut = f"trim 0 {hit.length_s:.5f} fade t 0 {hit.length_s:.5f} {CHOKE_FADE_S}" if hit.length_s else ""
        effects = f"{cut} pad {hit.time_s:.5f}".strip()
        inputs += ["-v", f"{hit.velocity / 127:.4f}", f"|{SOX} {sample_file(hit.drum, hit.velocity)} -p {effects}"]
    if len(inputs) == 3:  # one input: -m needs two
        inputs += ["-v", "0", inputs[2]]
    command = [SOX, "-m", *inputs, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(path), "pad", "0", f"{tail_s}", "gain", "-n", "-1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    samples, sample_rate = soundfile.read(path, dtype="float64")
    assert sample_rate == SAMPLE_RATE
    return samples
