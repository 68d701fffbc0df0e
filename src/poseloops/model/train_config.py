"""Training settings, kept apart from ``train.py`` so the CLI can show defaults without importing torch."""

from __future__ import annotations

from dataclasses import dataclass

DEVICES = ("cpu", "cuda")
# Whole-number settings and the ranges training takes (``train.check_config`` and the CLI's options).
SETTING_RANGES = {"hidden": (1, 2048), "layers": (1, 4), "embedding": (1, 1024), "window": (2, 4096),
                  "batch": (1, 4096)}


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    minutes: float | None = None  # wall-clock cap; the best epoch so far is kept
    seed: int = 1
    hidden: int = 256
    layers: int = 2
    embedding: int = 128
    dropout: float = 0.3  # on the embedding, between layers and before the output
    window: int = 128  # steps per training window (truncated BPTT length)
    batch: int = 64
    learning_rate: float = 3e-3
    final_learning_rate: float = 1e-4  # cosine decay to this over ``epochs``
    weight_decay: float = 0.01  # AdamW's decoupled decay
    clip_norm: float = 1.0
    windows_per_epoch: int | None = None  # default: enough to cover the train split once
    max_files: int | None = None  # use only the first N files of each split (smoke tests)
    groove_weight: float = 1.0  # the velocity and offset NLL per hit, next to the event NLL per step
    device: str = "cpu"  # or "cuda"
    sparse_openings: float = 0.0  # share of rows opening like a sparse seed (see ``plan_batch``)
    far_bars: tuple[int, ...] = (2,)  # bars back whose drums the model reads, besides the last bar
