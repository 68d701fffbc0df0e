"""Training the infilling transformer in PyTorch and exporting it for NumPy (``poseloops train-infill``).

Reads a folder or corpus (``corpus.load_split``), cuts the train split into
4-bar windows (``infill_data``), and trains on random batches of them, each
window with a mask of one of the kinds a person directs with (cells, rows,
bars, a continuation, drumify, nothing given). The loss is the hit
cross-entropy of the asked cells plus ``groove_weight`` times the Laplace
negative log-likelihood of the asked hits' velocities and offsets. After each
epoch the validation windows are scored with masks fixed by a seed (the same
every epoch and run), and the best epoch is kept and written as ``.npz`` + JSON.

Under ``torchrun`` every process draws its own rows (its RNG is seeded by its
rank) and DistributedDataParallel averages the gradients, so N processes
train on N times the batch; the validation sums are added over processes.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..pattern import STEPS_PER_BAR
from .corpus import load_split
from .infill_config import InfillConfig
from .infill_data import WINDOW_STEPS, Batch, Windows, cut_windows, density_quantiles, training_batch
from .infill_spec import InfillSpec, save_infill
from .infill_torch import InfillNet, net_to_arrays
from .train_distributed import Distributed
from .training_files import sounding_length
from .weights import LOG_SCALE_RANGE

VALIDATION_SEED = 2019  # fixed masks for the validation windows: epochs and runs compare
VALIDATION_STRIDE_BARS = 2


def split_windows(data_dir: str | Path, split: str, styles: tuple[str, ...], *, stride_bars: int,
                  max_files: int | None = None) -> Windows:
    """The 4-bar windows (and fill bars) of ``split``, each file trimmed of its closing silence."""
    dataset = load_split(data_dir, split)
    n = len(dataset.sequences) if max_files is None else min(max_files, len(dataset.sequences))
    index = {name: i + 1 for i, name in enumerate(styles)}
    ends = [sounding_length(dataset.sequences[i]) for i in range(n)]
    if max(ends, default=0) < WINDOW_STEPS:
        raise InputError(f"the {split} split of {data_dir} has no file of 4 whole bars to learn from "
                         f"({n} file{'s' if n != 1 else ''} read{'' if max_files is None else ': try a larger --max-files'})")
    return cut_windows([dataset.velocities[i][:e] for i, e in zip(range(n), ends)],
                       [dataset.offsets[i][:e] for i, e in zip(range(n), ends)],
                       [index.get(s, 0) for s in dataset.styles[:n]], dataset.fills[:n], stride_bars=stride_bars)


def losses(net, batch: Batch, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Summed hit cross-entropy over asked cells, summed groove NLL over asked hits, and their counts."""
    tensor = lambda a: torch.from_numpy(a).to(device)  # noqa: E731
    out = net(tensor(batch.inputs), tensor(batch.styles), tensor(batch.parts), tensor(batch.piece_bars))
    asked = tensor(batch.asked).float()
    hits = tensor(batch.hits)
    cross_entropy = torch.nn.functional.binary_cross_entropy_with_logits(out[..., 0], hits, reduction="none")
    scored = asked * hits
    groove = (_laplace_nll(tensor(batch.velocities), out[..., 1], out[..., 2])
              + _laplace_nll(tensor(batch.offsets), out[..., 3], out[..., 4]))
    return (cross_entropy * asked).sum(), (groove * scored).sum(), asked.sum(), scored.sum()


def _laplace_nll(target, location, log_scale):
    log_scale = log_scale.clamp(*LOG_SCALE_RANGE)
    return (target - location).abs() * torch.exp(-log_scale) + log_scale + math.log(2.0)


def train_infill(data_dir: str | Path, out_path: str | Path, config: InfillConfig, *, styles: tuple[str, ...],
                 progress: bool = True) -> dict:
    """Train, keep the best validation epoch, write ``out_path`` (+ ``.json``); returns the run's report
    (empty on the processes other than rank 0 under torchrun)."""
    world = Distributed.start(config)
    torch.manual_seed(config.seed)
    started = time.monotonic()
    train = split_windows(data_dir, "train", styles, stride_bars=1, max_files=config.max_files)
    validation = split_windows(data_dir, "validation", styles, stride_bars=VALIDATION_STRIDE_BARS,
                               max_files=config.max_files)
    quantiles = density_quantiles(train)
    spec = InfillSpec(width=config.width, heads=config.heads, layers=config.layers, feedforward=config.feedforward,
                      styles=styles, density_quantiles=tuple(float(q) for q in quantiles))
    net = InfillNet(spec, dropout=config.dropout).to(world.device)
    model = world.wrap(net)
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    rng = np.random.default_rng([config.seed, world.rank])
    checks = [training_batch(validation, np.arange(i, min(i + 256, len(validation))),
                             np.random.default_rng([VALIDATION_SEED, i]), quantiles)
              for i in range(0, len(validation), 256)]
    deadline = None if config.minutes is None else started + 60 * config.minutes
    history, best, best_state = [], math.inf, None
    total_steps = config.epochs * config.steps_per_epoch
    for epoch in range(config.epochs):
        model.train()
        epoch_loss = 0.0
        for step in range(config.steps_per_epoch):
            done = (epoch * config.steps_per_epoch + step) / total_steps
            for group in optimiser.param_groups:
                group["lr"] = config.final_learning_rate + 0.5 * (config.learning_rate - config.final_learning_rate) * (
                    1 + math.cos(math.pi * done))
            batch = training_batch(train, rng.integers(0, len(train), config.batch), rng, quantiles)
            hit_sum, groove_sum, asked, scored = losses(model, batch, world.device)
            loss = hit_sum / asked + config.groove_weight * groove_sum / scored.clamp(min=1)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), config.clip_norm)
            optimiser.step()
            epoch_loss += float(loss.detach())
        figures = _validate(net, checks, world)
        figures.update(epoch=epoch + 1, train_loss=epoch_loss / config.steps_per_epoch,
                       minutes=(time.monotonic() - started) / 60)
        history.append(figures)
        if figures["hit_nll"] < best:
            best, best_state = figures["hit_nll"], copy.deepcopy(net.state_dict())
        if progress and world.is_main:
            print(f"epoch {epoch + 1}: train {figures['train_loss']:.4f}  validation hit {figures['hit_nll']:.4f} "
                  f"groove {figures['groove_nll']:.3f}  {figures['minutes']:.1f} min", flush=True)
        if world.stop_all(deadline is not None and time.monotonic() > deadline):
            break
    net.load_state_dict(best_state)
    report = {"config": asdict(config), "world_size": world.size, "windows": {"train": len(train),
              "validation": len(validation), "fill_bars": len(train.fill_velocities)},
              "history": history, "best_hit_nll": best, "torch": torch.__version__,
              "minutes": (time.monotonic() - started) / 60, "steps_per_bar": STEPS_PER_BAR}
    if world.is_main:
        save_infill(out_path, spec, net_to_arrays(net.cpu().eval()), report)
    world.finish()
    return report if world.is_main else {}  # under torchrun, rank 0 reports


@torch.no_grad()
def _validate(net, checks: list[Batch], world) -> dict:
    net.eval()
    sums = torch.zeros(4, dtype=torch.float64)
    for batch in checks[world.rank::world.size]:  # each process its share; the sums are added
        sums += torch.stack([value.double().cpu() for value in losses(net, batch, world.device)])
    sums = world.total(sums.to(world.device)).cpu()
    return {"hit_nll": float(sums[0] / sums[2]), "groove_nll": float(sums[1] / sums[3].clamp(min=1))}
