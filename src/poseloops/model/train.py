"""Training the drum LSTM in PyTorch on the CPU, and exporting it for NumPy inference.

The only module that imports torch. ``train_model`` reads a folder of drum
MIDI (``dataset.load_split``), trains on random windows of the train split
(truncated back-propagation through time; with ``stateful`` each batch row
streams whole files in consecutive windows, carrying the LSTM state), scores the validation split the way
``poseloops eval`` does (every file from its start) after each epoch, keeps the
best epoch and writes it as ``.npz`` weights plus a JSON spec (``weights.py``).

Architecture (same maths as ``lstm.NumpyDrumLSTM``):
previous event -> embedding (a one-hot times a matrix, i.e. a row lookup),
concatenated with the -1/+1 binary counter of the predicted step's position in
the bar -> stacked LSTM -> linear -> softmax over the 512 events.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ParameterError
from .dataset import load_split
from .train_config import TrainConfig
from .events import NUM_EVENTS, POSITION_BITS, model_inputs, position_features
from .weights import VELOCITY_ARRAY, ModelSpec, save_weights

VALIDATION_BATCH = 16  # files scored together; sorted by length so padding stays small


class DrumLSTM(nn.Module):
    """The training-time model; ``forward`` gives logits ``(batch, steps, 512)``."""

    def __init__(self, *, hidden: int, layers: int, embedding: int, dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(NUM_EVENTS, embedding)
        self.lstm = nn.LSTM(embedding + POSITION_BITS, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, NUM_EVENTS)
        self.register_buffer("position_table", torch.from_numpy(position_features(np.arange(16))))

    def forward(self, previous: torch.Tensor, positions: torch.Tensor, state=None):
        x = torch.cat([self.drop(self.embed(previous)), self.position_table[positions]], dim=-1)
        y, state = self.lstm(x, state)
        return self.out(self.drop(y)), state

    def spec(self) -> ModelSpec:
        return ModelSpec(hidden=self.lstm.hidden_size, layers=self.lstm.num_layers,
                         embedding=self.embed.embedding_dim)


def model_to_arrays(model: DrumLSTM) -> dict[str, np.ndarray]:
    """The parameters under PyTorch's own names, as float32 arrays."""
    return {name: p.detach().cpu().numpy().astype(np.float32) for name, p in model.state_dict().items()
            if name != "position_table"}


TORCH_ONLY_SKIP = (VELOCITY_ARRAY,)  # arrays of the weights file that are not network parameters


def model_from_arrays(spec: ModelSpec, arrays: dict[str, np.ndarray]) -> DrumLSTM:
    """Inverse of ``model_to_arrays`` (used by the parity test and benchmarks)."""
    model = DrumLSTM(hidden=spec.hidden, layers=spec.layers, embedding=spec.embedding)
    state = {name: torch.from_numpy(np.asarray(a)) for name, a in arrays.items() if name not in TORCH_ONLY_SKIP}
    state["position_table"] = model.position_table
    model.load_state_dict(state)
    return model.eval()


def sample_windows(sequences: list[np.ndarray], rng: np.random.Generator, *, batch: int, window: int):
    """A batch of random windows: (previous, positions, targets, mask), each ``(batch, window)``.

    Files are picked in proportion to their length, so every step is equally
    likely to be seen; windows near a file's end are padded and masked.
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.float64)
    files = rng.choice(len(sequences), size=batch, p=lengths / lengths.sum())
    arrays = _empty_batch(batch, window)
    for row, f in enumerate(files):
        events = sequences[f].astype(np.int64)
        start = int(rng.integers(0, len(events)))
        _fill_row(arrays, row, (*model_inputs(events), events), start)
    return tuple(torch.from_numpy(a) for a in arrays)


def _empty_batch(batch: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zeroed (previous, positions, targets, mask) arrays of shape ``(batch, window)``."""
    shape = (batch, window)
    return np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape, np.float32)


def _fill_row(arrays, row: int, file_inputs, start: int) -> int:
    """Copy one window of a file (previous, positions, events) from ``start`` into ``row``; the rest stays padding.

    Returns where the window stopped in the file.
    """
    previous, positions, targets, mask = arrays
    prev_all, pos_all, events = file_inputs
    stop = min(len(events), start + previous.shape[1])
    n = stop - start
    previous[row, :n] = prev_all[start:stop]
    positions[row, :n] = pos_all[start:stop]
    targets[row, :n] = events[start:stop]
    mask[row, :n] = 1.0
    return stop


class FileStreams:
    """Stateful truncated BPTT: each batch row reads whole files in consecutive windows.

    Row r's window k+1 continues where its window k stopped, so the LSTM state
    can be carried between batches (``state``, detached); a row starts its next
    file (drawn from a fresh random order of all files per pass) from a zero
    state, as ``poseloops eval`` runs every file from its start. A file's last
    window is padded and masked rather than joined to the next file, because
    the state must be reset exactly where a file begins.
    """

    def __init__(self, sequences: list[np.ndarray], rng: np.random.Generator, *, batch: int, window: int):
        self._files = [(*model_inputs(s.astype(np.int64)), s.astype(np.int64)) for s in sequences]
        self._rng, self._window = rng, window
        self._order: list[int] = []
        self._rows = [self._next_file() for _ in range(batch)]
        self._offsets = [0] * batch
        self.state: tuple[torch.Tensor, torch.Tensor] | None = None  # (h, c) after the last batch

    def _next_file(self) -> int:
        if not self._order:
            self._order = [int(i) for i in self._rng.permutation(len(self._files))]
        return self._order.pop()

    def next_batch(self):
        """(previous, positions, targets, mask, reset), each ``(batch, window)`` but ``reset`` ``(batch,)``.

        ``reset[row]`` is True where the row starts a file: its carried state must be zero.
        """
        batch = len(self._rows)
        arrays = _empty_batch(batch, self._window)
        reset = np.zeros(batch, bool)
        for row in range(batch):
            if self._offsets[row] >= len(self._files[self._rows[row]][2]):
                self._rows[row], self._offsets[row] = self._next_file(), 0
            start = self._offsets[row]
            reset[row] = start == 0
            self._offsets[row] = _fill_row(arrays, row, self._files[self._rows[row]], start)
        return tuple(torch.from_numpy(a) for a in (*arrays, reset))

    def initial_state(self, reset: torch.Tensor):
        """The carried state with the rows that start a file zeroed (None before the first batch)."""
        if self.state is None:
            return None
        keep = (~reset).to(self.state[0].dtype)[None, :, None]
        return tuple(s * keep for s in self.state)


@torch.no_grad()
def score_sequences(model: DrumLSTM, sequences: list[np.ndarray]) -> tuple[float, float, int]:
    """(mean NLL in nats, next-event accuracy, steps) over every step of every sequence, each from its start."""
    model.eval()
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    total_nll, correct, count = 0.0, 0, 0
    for begin in range(0, len(order), VALIDATION_BATCH):
        chunk = [sequences[i].astype(np.int64) for i in order[begin:begin + VALIDATION_BATCH]]
        longest = max(len(s) for s in chunk)
        previous = np.zeros((len(chunk), longest), np.int64)
        positions = np.zeros_like(previous)
        targets = np.zeros_like(previous)
        mask = np.zeros(previous.shape, bool)
        for row, events in enumerate(chunk):
            prev, pos = model_inputs(events)
            previous[row, :len(events)], positions[row, :len(events)] = prev, pos
            targets[row, :len(events)], mask[row, :len(events)] = events, True
        logits, _ = model(torch.from_numpy(previous), torch.from_numpy(positions))
        logp = torch.log_softmax(logits, dim=-1)
        t = torch.from_numpy(targets)
        m = torch.from_numpy(mask)
        nll = -logp.gather(-1, t[..., None])[..., 0]
        total_nll += float(nll[m].sum())
        correct += int((logits.argmax(-1) == t)[m].sum())
        count += int(m.sum())
    return total_nll / count, correct / count, count


def train_model(data_dir: str | Path, out_path: str | Path, config: TrainConfig, *, progress: bool = True,
                log=print) -> dict:
    """Train on ``data_dir``'s train split, validate on its validation split, write the best epoch.

    Returns a summary (config, per-epoch history, best validation figures, wall
    time). Raises ``InputError`` when a split yields no usable drum notes.
    """
    check_config(config)
    started = time.monotonic()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_set = load_split(data_dir, "train")
    valid_set = load_split(data_dir, "validation")
    velocities = train_set.mean_velocities()
    train_seqs = train_set.sequences[: config.max_files]
    valid_seqs = valid_set.sequences[: config.max_files]
    log(f"train: {len(train_seqs)} files, {sum(map(len, train_seqs))} steps; skipped {train_set.skipped_summary()}")
    log(f"validation: {len(valid_seqs)} files, {sum(map(len, valid_seqs))} steps; "
        f"skipped {valid_set.skipped_summary()}")

    model = DrumLSTM(hidden=config.hidden, layers=config.layers, embedding=config.embedding,
                     dropout=config.dropout)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    windows = config.windows_per_epoch or math.ceil(sum(map(len, train_seqs)) / config.window)
    batches_per_epoch = max(1, math.ceil(windows / config.batch))
    total_batches = batches_per_epoch * config.epochs
    deadline = started + config.minutes * 60 if config.minutes else None

    streams = FileStreams(train_seqs, rng, batch=config.batch, window=config.window) if config.stateful else None
    history, best, best_state = [], None, None
    batch_index = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        train_loss = _train_epoch(model, optimiser, train_seqs, rng, config, batches_per_epoch,
                                  batch_index, total_batches, deadline, epoch, progress, streams)
        batch_index += batches_per_epoch
        nll, accuracy, steps = score_sequences(model, valid_seqs)
        elapsed = time.monotonic() - started
        history.append({"epoch": epoch, "train_loss": round(train_loss, 4), "validation_nll": round(nll, 4),
                        "validation_accuracy": round(accuracy, 4), "minutes": round(elapsed / 60, 2)})
        improved = best is None or nll < best["validation_nll"]
        log(f"epoch {epoch}: train loss {train_loss:.4f}, validation NLL {nll:.4f} nats/step, "
            f"accuracy {accuracy:.3f}, {elapsed / 60:.1f} min" + (" (best)" if improved else ""))
        if improved:
            best = history[-1]
            best_state = copy.deepcopy(model.state_dict())
            _export(model, velocities, out_path, config, history, best, elapsed, steps)
        if deadline and time.monotonic() > deadline:
            log(f"stopping: the {config.minutes:g}-minute cap is reached")
            break
    model.load_state_dict(best_state)
    summary = _summary(config, history, best, time.monotonic() - started, steps)
    _export(model, velocities, out_path, config, history, best, time.monotonic() - started, steps)
    return summary


def _train_epoch(model, optimiser, sequences, rng, config, batches, first_batch, total_batches, deadline,
                 epoch, progress, streams: FileStreams | None = None) -> float:
    from tqdm import tqdm

    losses = []
    bar = tqdm(range(batches), desc=f"epoch {epoch}", unit="batch", disable=not progress, leave=False)
    for b in bar:
        _set_learning_rate(optimiser, config, (first_batch + b) / total_batches)
        if streams is None:
            previous, positions, targets, mask = sample_windows(sequences, rng, batch=config.batch,
                                                                window=config.window)
            state = None
        else:
            previous, positions, targets, mask, reset = streams.next_batch()
            state = streams.initial_state(reset)
        logits, state = model(previous, positions, state)
        if streams is not None:
            streams.state = tuple(s.detach() for s in state)
        nll = nn.functional.cross_entropy(logits.reshape(-1, NUM_EVENTS), targets.reshape(-1), reduction="none")
        loss = (nll * mask.reshape(-1)).sum() / mask.sum()
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimiser.step()
        losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        if deadline and time.monotonic() > deadline:
            break
    bar.close()
    return float(np.mean(losses))


def _set_learning_rate(optimiser, config: TrainConfig, progress: float) -> None:
    """Cosine decay from ``learning_rate`` to ``final_learning_rate`` over the planned epochs."""
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    lr = config.final_learning_rate + (config.learning_rate - config.final_learning_rate) * cosine
    for group in optimiser.param_groups:
        group["lr"] = lr


def _summary(config, history, best, seconds, validation_steps) -> dict:
    return {"config": asdict(config), "best": best, "epochs_run": len(history), "history": history,
            "wall_minutes": round(seconds / 60, 2), "validation_steps": validation_steps,
            "torch_version": torch.__version__}


def _export(model, velocities, out_path, config, history, best, seconds, validation_steps) -> None:
    training = _summary(config, history, best, seconds, validation_steps)
    arrays = {**model_to_arrays(model), VELOCITY_ARRAY: velocities}
    save_weights(out_path, model.spec(), arrays, training=json.loads(json.dumps(training)))


def check_config(config: TrainConfig) -> None:
    """Raise ``ParameterError`` for settings training can't use."""
    checks = {
        "epochs": config.epochs >= 1, "hidden": 1 <= config.hidden <= 2048, "layers": 1 <= config.layers <= 4,
        "embedding": 1 <= config.embedding <= 1024, "dropout": 0.0 <= config.dropout < 1.0,
        "window": 2 <= config.window <= 4096, "batch": 1 <= config.batch <= 4096,
        "learning_rate": config.learning_rate > 0, "minutes": config.minutes is None or config.minutes > 0,
    }
    for name, ok in checks.items():
        if not ok:
            raise ParameterError(f"training setting {name}={getattr(config, name)!r} is out of range")
