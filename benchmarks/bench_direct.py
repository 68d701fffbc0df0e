"""Directing a loop: NumPy against the same weights and sampler in PyTorch eager, in one process.

Keys: ``drumify_ms`` (a 2-bar tapped rhythm to a full kit), ``regenerate_ms``
(the hats of a 4-bar loop drawn again), ``blend_ms`` (an 8-bar phrase from one
loop to another), each with ``torch_<key>``: the same calls with the
transformer's forward pass in PyTorch eager (null when torch is not installed).
"""

from __future__ import annotations

import copy

import numpy as np

from bench import median_ms, paired_median_ms
from poseloops.model.cell_selection import select_cells
from poseloops.model.infill_model import load_default_infill_model
from poseloops.model.infill_sampling import InfillSampler
from poseloops.pattern import Pattern

ROCK = Pattern.from_steps([[0, 2], [2], [1, 2], [2], [0, 2], [0, 2], [1, 2], [2]] * 8)  # 4 bars
FUNK = Pattern.from_steps([[0, 8], [], [8], [0], [1, 8], [], [8, 0], [], [8], [0], [1, 8], [], [8], [], [1, 8], [1]])
TAPS = Pattern.from_steps([[0], [], [0], [], [0], [], [], [0], [0], [], [0], [], [0], [], [0], []] * 2,
                          velocities=[[110], [], [60], [], [100], [], [], [70], [110], [], [60], [], [100], [], [70], []] * 2)


def jobs(model) -> dict:
    hats = select_cells(len(ROCK), drums=[2, 3])
    return {"drumify_ms": lambda: model.drumify(TAPS, rng_seed=1),
            "regenerate_ms": lambda: model.regenerate(ROCK, hats, rng_seed=1),
            "blend_ms": lambda: model.blend(ROCK, FUNK, bars=8, rng_seed=1)}


def run(results: dict) -> None:
    model = load_default_infill_model()
    reference = torch_model(model)
    if reference is None:
        for key, job in jobs(model).items():
            results[key] = median_ms(job, repeats=20)
        return
    for (key, job), torch_job in zip(jobs(model).items(), jobs(reference).values()):
        results[key], results[f"torch_{key}"] = paired_median_ms(job, torch_job, repeats=20)


class _TorchForward:
    """The transformer's forward pass in PyTorch eager, behind the NumPy net's interface."""

    def __init__(self, model):
        import torch

        from poseloops.model.infill_spec import load_infill
        from poseloops.model.infill_torch import net_from_arrays

        torch.set_num_threads(2)
        self.torch = torch
        self.spec, arrays, _ = load_infill(model.path)
        self.net = net_from_arrays(self.spec, arrays)

    def forward(self, inputs, styles, parts, piece_bars) -> np.ndarray:
        with self.torch.no_grad():
            return self.net(*(self.torch.from_numpy(a) for a in (inputs, styles, parts, piece_bars))).numpy()


def torch_model(model):
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        return None
    reference = copy.copy(model)
    reference.sampler = InfillSampler(_TorchForward(model))
    return reference


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
