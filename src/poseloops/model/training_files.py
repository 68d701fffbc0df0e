"""One split's files as the model reads them: arrays trimmed, labels as indices, teacher-forced inputs.

Shared by training (``train``) and evaluation (``evaluate``); NumPy only. Reading the
files is ``dataset`` (a MIDI folder) and ``corpus`` (a prepared corpus file).
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR
from .dataset import DrumDataset
from .features import FAR_BARS, PART_ANY, PART_BEAT, PART_FILL, STYLE_ANY, history_steps, teacher_inputs


def sounding_length(events: np.ndarray) -> int:
    """Steps up to the end of the bar that holds the last hit.

    Groove files end in up to several bars of silence (6% of the train split's bars; only one
    silent bar lies between hits). Trained on them, the model learns that a quiet bar ends the
    piece, and a sparse seed's continuation falls silent; trimmed, it never sees a silent bar.
    """
    hits = np.flatnonzero(events)
    if not len(hits):
        return len(events)
    return min(len(events), (int(hits[-1]) // STEPS_PER_BAR + 1) * STEPS_PER_BAR)


class TrainingFiles:
    """One split's files as the model reads them: arrays, label indices, teacher-forced inputs."""

    def __init__(self, dataset: DrumDataset, styles: tuple[str, ...], max_files: int | None = None,
                 far_bars: tuple[int, ...] = FAR_BARS, *, trim_silence: bool = False):
        self.far_bars = far_bars
        n = len(dataset.sequences) if max_files is None else min(max_files, len(dataset.sequences))
        index = {name: i + 1 for i, name in enumerate(styles)}
        ends = [sounding_length(dataset.sequences[i]) if trim_silence else len(dataset.sequences[i])
                for i in range(n)]
        self.events = [dataset.sequences[i][:end].astype(np.int64) for i, end in zip(range(n), ends)]
        self.velocities = [dataset.velocities[i][:end] for i, end in zip(range(n), ends)]
        self.offsets = [dataset.offsets[i][:end] for i, end in zip(range(n), ends)]
        self.styles = np.array([index.get(s, STYLE_ANY) for s in dataset.styles[:n]], np.int64)
        self.parts = np.array([{True: PART_FILL, False: PART_BEAT}.get(f, PART_ANY) for f in dataset.fills[:n]],
                              np.int64)
        self.bpms = np.array(dataset.bpms[:n], np.float64)
        self.lengths = np.array([len(e) for e in self.events], np.float64)

    def __len__(self) -> int:
        return len(self.events)

    def num_steps(self) -> int:
        return int(self.lengths.sum())

    def file_inputs(self, f: int, *, start: int = 0, stop: int | None = None, style: int | None = None,
                    part: int | None = None, history: bool = True) -> dict[str, np.ndarray]:
        """Teacher-forced inputs of file ``f``'s steps ``start..stop`` (the history before ``start`` is read
        unless ``history`` is False: then the window is seen as a piece that starts there)."""
        origin = max(0, start - history_steps(self.far_bars)) if history else start
        stop = len(self.events[f]) if stop is None else min(stop, len(self.events[f]))
        parts = np.full(stop - origin, self.parts[f] if part is None else part, np.int64)
        window = slice(origin, stop)
        inputs = teacher_inputs(self.events[f][window], self.velocities[f][window], self.offsets[f][window], parts,
                                origin=origin, start=start - origin, far_bars=self.far_bars)
        inputs["styles"] = np.full(stop - start, self.styles[f] if style is None else style, np.int64)
        return inputs
