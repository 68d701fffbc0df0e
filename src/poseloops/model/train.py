"""Training the groove LSTM in PyTorch, and exporting it for NumPy inference.

The only module that imports torch. ``train_model`` reads a folder of drum
MIDI (``corpus.load_split``), trains on random windows of the train split
(truncated back-propagation through time), scores the validation split the
way ``poseloops eval`` does (every file from its start, no labels given)
after each epoch, keeps the best epoch and writes it as ``.npz`` weights plus
a JSON spec (``weights.py``).

Architecture (same maths as ``lstm.NumpyDrumLSTM``): the previous event's
embedding, the -1/+1 bits of the predicted step's position in the bar, the
lookback features (``features.lookback_features``: the bars before and the
feel of the last step) and embeddings of the style and the part (beat or
fill) -> stacked LSTM -> a softmax over the 512 events; and, given the LSTM's
output and the drums of the step, a small network that gives each drum's
velocity and offset as a Laplace distribution (location and scale), so
sampling plays with a drummer's spread and the location is the best guess
under absolute error (what ``eval`` reports).

Labels are dropped at random while training (style 30%, part 30%), so one
model serves "any style" and each named one. A fifth of the rows join a few
bars of a beat to a fill of the same style, so the model learns what a fill
after a groove sounds like (Groove records fills as separate short files).

Runs on one process or many: under ``torchrun`` each process builds only its
rows of the same global batch and DistributedDataParallel averages the
gradients (gloo on CPUs, NCCL on GPUs), so N processes follow one process
with the same global batch.

Beside this loop: ``train_batches`` (what each batch holds; NumPy only),
``train_checkpoint`` (stop and resume), ``train_distributed`` (one process or
torchrun's), ``train_config`` (the settings) and ``train_report`` (the run's
report and figure).
"""

from __future__ import annotations

import copy
import json
import math
import random
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ParameterError
from ..pattern import MAX_VELOCITY, NUM_DRUMS, STEPS_PER_BAR
from .corpus import load_split
from .events import NUM_EVENTS, POSITION_BITS, position_features
from .features import EVENT_BITS, PART_ANY, PART_NAMES, STYLE_ANY
from .train_batches import batch_arrays, pad_arrays, plan_batch, rows_of_rank
from .train_checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from .train_config import DEVICES, SETTING_RANGES, TrainConfig
from .train_distributed import Distributed
from .train_report import RunReport
from .training_files import TrainingFiles
from .weights import GROOVE_PARAMS, LOG_SCALE_RANGE, ModelSpec, save_weights

VALIDATION_BATCH = 16  # files scored together; sorted by length so padding stays small


class DrumLSTM(nn.Module):
    """The training-time model; ``forward`` gives event logits ``(B, T, 512)`` and groove ``(B, T, 9, 4)``."""

    def __init__(self, spec: ModelSpec, *, dropout: float = 0.0):
        super().__init__()
        self.spec_ = spec
        inputs = spec.embedding + POSITION_BITS + spec.lookback_features + spec.style_embedding + spec.part_embedding
        self.embed = nn.Embedding(NUM_EVENTS, spec.embedding)
        self.style = nn.Embedding(len(spec.styles) + 1, spec.style_embedding)
        self.part = nn.Embedding(len(PART_NAMES), spec.part_embedding)
        self.lstm = nn.LSTM(inputs, spec.hidden, num_layers=spec.layers, batch_first=True,
                            dropout=dropout if spec.layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(spec.hidden, NUM_EVENTS)
        self.groove_in = nn.Linear(spec.hidden + NUM_DRUMS, spec.groove_hidden)
        self.groove_out = nn.Linear(spec.groove_hidden, NUM_DRUMS * GROOVE_PARAMS)
        self.register_buffer("position_table", torch.from_numpy(position_features(np.arange(STEPS_PER_BAR))))
        self.register_buffer("event_bits", torch.from_numpy(EVENT_BITS))

    def forward(self, batch: dict[str, torch.Tensor], state=None):
        x = torch.cat([self.drop(self.embed(batch["previous"])), self.position_table[batch["positions"]],
                       batch["lookback"], self.style(batch["styles"]), self.part(batch["parts"])], dim=-1)
        y, state = self.lstm(x, state)
        y = self.drop(y)
        return self.out(y), self.groove(y, batch["events"]), state

    def groove(self, hidden: torch.Tensor, events: torch.Tensor) -> torch.Tensor:
        """Per drum (location, log scale) of velocity/127 and of offset: ``(..., 9, 4)``."""
        h = torch.relu(self.groove_in(torch.cat([hidden, self.event_bits[events]], dim=-1)))
        return self.groove_out(h).unflatten(-1, (NUM_DRUMS, GROOVE_PARAMS))


def model_to_arrays(model: DrumLSTM) -> dict[str, np.ndarray]:
    """The parameters under PyTorch's own names, as float32 arrays."""
    return {name: p.detach().cpu().numpy().astype(np.float32) for name, p in model.state_dict().items()
            if name not in ("position_table", "event_bits")}


def model_from_arrays(spec: ModelSpec, arrays: dict[str, np.ndarray]) -> DrumLSTM:
    """Inverse of ``model_to_arrays`` (used by the parity test and benchmarks)."""
    model = DrumLSTM(spec)
    state = {name: torch.from_numpy(np.asarray(a)) for name, a in arrays.items()}
    state["position_table"], state["event_bits"] = model.position_table, model.event_bits
    model.load_state_dict(state)
    return model.eval()


# --- batches (planned and built in train_batches.py) -------------------------------------------------------------------------


def build_rows(files: TrainingFiles, plans: list[dict], window: int) -> dict[str, torch.Tensor]:
    """The planned rows (``train_batches``) as padded tensors ``(rows, window, ...)`` with a ``mask`` of real steps."""
    return _tensors(batch_arrays(files, plans, window))


def pad_rows(rows: list[dict[str, np.ndarray]], length: int) -> dict[str, torch.Tensor]:
    """Rows of teacher-forced inputs as zero-padded tensors ``(rows, length, ...)``, with a ``mask`` of real steps."""
    return _tensors(pad_arrays(rows, length))


def _tensors(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {key: torch.from_numpy(array) for key, array in arrays.items()}




# --- loss and scoring -------------------------------------------------------------


def groove_targets(batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Velocity as a fraction of 127 and offset in 16ths, each ``(B, T, 9)``."""
    return batch["velocities"].float() / MAX_VELOCITY, batch["offsets"].float()


def laplace_nll(target: torch.Tensor, location: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    log_scale = log_scale.clamp(*LOG_SCALE_RANGE)
    return (target - location).abs() * torch.exp(-log_scale) + log_scale + math.log(2.0)


def losses(logits, groove, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Summed event NLL and groove NLL, with the counts of steps and of hits they are summed over."""
    mask = batch["mask"]
    event_nll = nn.functional.cross_entropy(logits.reshape(-1, NUM_EVENTS), batch["events"].reshape(-1),
                                            reduction="none").reshape(mask.shape)
    hits = (batch["velocities"] > 0) & mask[..., None]
    velocity, offset = groove_targets(batch)
    groove_nll = (laplace_nll(velocity, groove[..., 0], groove[..., 1])
                  + laplace_nll(offset, groove[..., 2], groove[..., 3]))
    return (event_nll * mask).sum(), (groove_nll * hits).sum(), mask.sum(), hits.sum()


@torch.no_grad()
def score_files(model: DrumLSTM, files: TrainingFiles, *, with_labels: bool = False) -> dict:
    """Validation figures over every step of every file, each from its start.

    Without labels the model is told neither style nor part (the headline
    figure); with them it is told the file's style. Velocity and offset errors
    are teacher-forced on the real hits, from the distributions' locations.
    """
    model.eval()
    order = sorted(range(len(files)), key=lambda i: files.lengths[i])
    totals = dict(nll=0.0, correct=0, steps=0, velocity_error=0.0, offset_error_ms=0.0, hits=0)
    for begin in range(0, len(order), VALIDATION_BATCH):
        chunk = order[begin:begin + VALIDATION_BATCH]
        rows = [files.file_inputs(f, style=None if with_labels else STYLE_ANY, part=PART_ANY) for f in chunk]
        longest = max(len(r["events"]) for r in rows)
        batch = pad_rows(rows, longest)
        logits, groove, _ = model(batch)
        event_nll, _, steps, _ = losses(logits, groove, batch)
        totals["nll"] += float(event_nll)
        totals["correct"] += int(((logits.argmax(-1) == batch["events"]) & batch["mask"]).sum())
        totals["steps"] += int(steps)
        step_ms = torch.tensor([60000.0 / (4.0 * files.bpms[f]) for f in chunk])[:, None, None]
        _add_groove_errors(totals, groove, batch, step_ms)
    return {
        "nll": totals["nll"] / totals["steps"],
        "accuracy": totals["correct"] / totals["steps"],
        "steps": totals["steps"],
        "velocity_mae": totals["velocity_error"] / max(totals["hits"], 1),
        "offset_mae_ms": totals["offset_error_ms"] / max(totals["hits"], 1),
    }


def _add_groove_errors(totals: dict, groove, batch, step_ms) -> None:
    hits = (batch["velocities"] > 0) & batch["mask"][..., None]
    velocity, offset = groove_targets(batch)
    predicted_velocity = (groove[..., 0] * MAX_VELOCITY).clamp(1, MAX_VELOCITY)
    predicted_offset = groove[..., 2].clamp(-0.5, 0.5)
    totals["velocity_error"] += float(((predicted_velocity - velocity * MAX_VELOCITY).abs() * hits).sum())
    totals["offset_error_ms"] += float(((predicted_offset - offset).abs() * step_ms * hits).sum())
    totals["hits"] += int(hits.sum())


# --- the loop ---------------------------------------------------------------------


def train_model(data_dir: str | Path, out_path: str | Path, config: TrainConfig, *, progress: bool = True,
                log=print, resume: bool = False, arguments: dict | None = None) -> dict:
    """Train on ``data_dir``'s train split, validate on its validation split, write the best epoch.

    ``data_dir`` is a folder of MIDI or a corpus from ``poseloops prepare``. After each epoch the whole
    state (model, optimiser, every RNG, history) goes to ``checkpoint_path(out_path)`` and a report to
    ``OUT.report.json`` / ``.png``; ``resume`` continues from the checkpoint, ending with the weights an
    uninterrupted run would have. Returns a summary (config, per-epoch history, best validation figures,
    wall time). Raises ``InputError`` when a split yields no usable drum notes or there is no checkpoint
    to resume, ``ParameterError`` when the checkpoint was made with other settings.
    """
    check_config(config)
    world = Distributed.start(config)
    started = time.monotonic()
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_set, valid_set = load_split(data_dir, "train"), load_split(data_dir, "validation")
    styles = tuple(sorted({s for s in train_set.styles if s}))
    # validation stays whole, so its NLL is the same measure as every earlier run's
    train_files = TrainingFiles(train_set, styles, config.max_files, config.far_bars, trim_silence=True)
    valid_files = TrainingFiles(valid_set, styles, config.max_files, config.far_bars)
    if world.is_main:
        log(f"train: {len(train_files)} files, {train_files.num_steps()} steps; skipped {train_set.skipped_summary()}")
        log(f"validation: {len(valid_files)} files, {valid_files.num_steps()} steps; "
            f"skipped {valid_set.skipped_summary()}")
        log(f"styles: {', '.join(styles) or 'none labelled'}; world size {world.size}")

    spec = ModelSpec(hidden=config.hidden, layers=config.layers, embedding=config.embedding, styles=styles,
                     far_bars=config.far_bars)
    model = DrumLSTM(spec, dropout=config.dropout).to(world.device)
    trained = world.wrap(model)
    optimiser = torch.optim.AdamW(trained.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    windows = config.windows_per_epoch or math.ceil(train_files.num_steps() / config.window)
    batches_per_epoch = max(1, math.ceil(windows / config.batch))
    total_batches = batches_per_epoch * config.epochs

    history, best, best_state, first_epoch = [], None, None, 1
    if resume:
        state = load_checkpoint(checkpoint_path(out_path), config, world)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        rng.bit_generator.state = state["numpy_rng"]
        random.setstate(state["python_rng"])
        torch.set_rng_state(state["torch_rng"][world.rank if len(state["torch_rng"]) == world.size else 0])
        history, best, best_state, first_epoch = state["history"], state["best"], state["best_state"], state["epoch"] + 1
        started -= state["seconds"]
        if world.is_main:
            log(f"resuming after epoch {state['epoch']} of {checkpoint_path(out_path)}")
    deadline = started + config.minutes * 60 if config.minutes else None
    report = RunReport(out_path, data_dir, config, world.size, arguments, len(train_files), len(valid_files))

    from tqdm import tqdm

    bar = tqdm(total=total_batches, initial=(first_epoch - 1) * batches_per_epoch, unit="batch",
               disable=not (progress and world.is_main), dynamic_ncols=True)
    for epoch in range(first_epoch, config.epochs + 1):
        bar.set_description(f"epoch {epoch}/{config.epochs}")
        trained.train()
        train_loss = _train_epoch(trained, optimiser, train_files, rng, config, world, batches_per_epoch,
                                  (epoch - 1) * batches_per_epoch, total_batches, deadline, epoch, bar)
        figures = score_files(model, valid_files) if world.is_main else {}
        elapsed = time.monotonic() - started
        torch_states = world.gather_objects(torch.get_rng_state())
        if world.is_main:
            record = {"epoch": epoch, "train_loss": round(train_loss, 4),
                      **{f"validation_{k}": round(v, 4) for k, v in figures.items() if k != "steps"},
                      "minutes": round(elapsed / 60, 2)}
            history.append(record)
            bar.set_postfix(loss=f"{train_loss:.3f}", val_nll=f"{figures['nll']:.3f}")
            improved = best is None or record["validation_nll"] < best["validation_nll"]
            line = (f"epoch {epoch}: train loss {train_loss:.4f}, validation NLL {figures['nll']:.4f} nats/step, "
                    f"accuracy {figures['accuracy']:.3f}, velocity MAE {figures['velocity_mae']:.1f}, "
                    f"offset MAE {figures['offset_mae_ms']:.1f} ms, {elapsed / 60:.1f} min"
                    + (" (best)" if improved else ""))
            with bar.external_write_mode():  # the line above the bar, not through it
                log(line)
            if improved:
                best, best_state = record, copy.deepcopy(model.state_dict())
                _export(model, out_path, config, history, best, elapsed, figures["steps"], world)
            save_checkpoint(checkpoint_path(out_path), model=model, optimiser=optimiser, rng=rng, torch_states=torch_states,
                            config=config, epoch=epoch, history=history, best=best, best_state=best_state,
                            seconds=elapsed)
            report.write(history, best, elapsed)
        if world.stop_all(bool(deadline and time.monotonic() > deadline)):
            if world.is_main:
                log(f"stopping: the {config.minutes:g}-minute cap is reached")
            break
    bar.close()
    summary = {}
    if world.is_main:
        model.load_state_dict(best_state)
        summary = _summary(config, history, best, time.monotonic() - started, valid_files.num_steps(), world)
        _export(model, out_path, config, history, best, time.monotonic() - started, valid_files.num_steps(), world)
        report.write(history, best, time.monotonic() - started, finished=True)
    world.finish()
    return summary


def _train_epoch(model, optimiser, files, rng, config, world, batches, first_batch, total_batches, deadline,
                 epoch, bar) -> float:
    losses_seen = []
    for b in range(batches):
        _set_learning_rate(optimiser, config, (first_batch + b) / total_batches)
        plans = plan_batch(files, rng, batch=config.batch, window=config.window,
                           sparse_openings=config.sparse_openings)
        batch = {k: v.to(world.device) for k, v in build_rows(files, rows_of_rank(plans, world.rank, world.size),
                                                                config.window).items()}
        logits, groove, _ = model(batch)
        event_nll, groove_nll, steps, hits = losses(logits, groove, batch)
        steps, hits = world.total(steps.float()), world.total(hits.float())
        # sums over this process's rows divided by the global counts: DDP's gradient mean times the world
        # size is then exactly the gradient of the global batch's mean loss
        loss = (event_nll / steps + config.groove_weight * groove_nll / hits.clamp(min=1)) * world.size
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimiser.step()
        losses_seen.append(float(world.total(loss.detach())) / world.size)
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(losses_seen[-20:]):.3f}", refresh=False)
        if world.stop_all(bool(deadline and time.monotonic() > deadline)):
            break
    return float(np.mean(losses_seen))


# --- helpers of the loop ----------------------------------------------------------


def _set_learning_rate(optimiser, config: TrainConfig, progress: float) -> None:
    """Cosine decay from ``learning_rate`` to ``final_learning_rate`` over the planned epochs."""
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    lr = config.final_learning_rate + (config.learning_rate - config.final_learning_rate) * cosine
    for group in optimiser.param_groups:
        group["lr"] = lr


def _summary(config, history, best, seconds, validation_steps, world) -> dict:
    return {"config": asdict(config), "best": best, "epochs_run": len(history), "history": history,
            "wall_minutes": round(seconds / 60, 2), "validation_steps": validation_steps,
            "world_size": world.size, "torch_version": torch.__version__}


def _export(model, out_path, config, history, best, seconds, validation_steps, world) -> None:
    training = _summary(config, history, best, seconds, validation_steps, world)
    save_weights(out_path, model.spec_, model_to_arrays(model), training=json.loads(json.dumps(training)))


def check_config(config: TrainConfig) -> None:
    """Raise ``ParameterError`` for settings training can't use."""
    checks = {
        "epochs": config.epochs >= 1, "dropout": 0.0 <= config.dropout < 1.0,
        **{name: low <= getattr(config, name) <= high for name, (low, high) in SETTING_RANGES.items()},
        "learning_rate": config.learning_rate > 0, "minutes": config.minutes is None or config.minutes > 0,
        "groove_weight": config.groove_weight >= 0, "sparse_openings": 0 <= config.sparse_openings <= 1,
        "device": config.device in DEVICES,
    }
    for name, ok in checks.items():
        if not ok:
            raise ParameterError(f"training setting {name}={getattr(config, name)!r} is out of range")
