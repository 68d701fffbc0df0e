"""The infilling model's training settings, apart from the trainer so that ``poseloops --help``
shows their defaults without importing PyTorch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InfillConfig:
    epochs: int = 40
    steps_per_epoch: int = 250
    minutes: float | None = None  # wall-clock cap; the best epoch so far is kept
    seed: int = 1
    width: int = 128
    heads: int = 4
    layers: int = 4
    feedforward: int = 256
    dropout: float = 0.1
    batch: int = 64  # windows per process and step
    learning_rate: float = 1.5e-3
    final_learning_rate: float = 5e-5
    weight_decay: float = 0.01
    clip_norm: float = 1.0
    groove_weight: float = 0.1
    max_files: int | None = None  # the first N files of each split (smoke tests)
    device: str = "cpu"
