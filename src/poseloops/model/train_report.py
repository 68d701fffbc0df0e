"""The report each training run writes beside its weights: ``OUT.report.json`` and ``OUT.report.png``.

Written after every epoch (a crashed run still has one) and at the end. The
JSON holds the arguments, world size, per-epoch train loss and validation
figures, wall time and the versions that made it; the PNG plots the curves.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from .train_config import TrainConfig

PLOT_SIZE_INCHES = (9.0, 3.6)
PLOT_DPI = 100


def report_paths(out_path: str | Path) -> tuple[Path, Path]:
    """``model.report.json`` and ``model.report.png`` beside ``model.npz``."""
    out_path = Path(out_path)
    return out_path.with_suffix(".report.json"), out_path.with_suffix(".report.png")


def versions() -> dict[str, str]:
    import numpy
    import torch

    try:
        poseloops = metadata.version("poseloops")
    except metadata.PackageNotFoundError:
        poseloops = "unknown"
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
            "poseloops": poseloops}


class RunReport:
    """What one run writes as its report; ``write`` after each epoch and at the end."""

    def __init__(self, out_path, data_dir, config: TrainConfig, world_size: int, arguments: dict | None,
                 train_files: int, validation_files: int):
        self.json_path, self.png_path = report_paths(out_path)
        self.head = {
            "arguments": arguments if arguments is not None else {"data": str(data_dir), "out": str(out_path)},
            "command": sys.argv, "config": asdict(config), "world_size": world_size,
            "data": str(data_dir), "train_files": train_files, "validation_files": validation_files,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "versions": versions(),
            "torchrun": {k: os.environ[k] for k in ("WORLD_SIZE", "RANK", "LOCAL_WORLD_SIZE") if k in os.environ},
        }

    def write(self, history: list[dict], best: dict | None, seconds: float, *, finished: bool = False) -> None:
        document = {**self.head, "epochs": history, "best": best, "wall_seconds": round(seconds, 2),
                    "finished": finished}
        tmp = self.json_path.with_name(self.json_path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.json_path)
        plot_curves(history, self.png_path)


def plot_curves(history: list[dict], path: Path) -> None:
    """Train loss and validation NLL per epoch (left), validation accuracy (right), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: runs on servers and under torchrun
    from matplotlib.figure import Figure

    epochs = [r["epoch"] for r in history]
    figure = Figure(figsize=PLOT_SIZE_INCHES, dpi=PLOT_DPI, layout="constrained")
    loss, accuracy = figure.subplots(1, 2)
    loss.plot(epochs, [r["train_loss"] for r in history], "o-", label="train loss")
    loss.plot(epochs, [r["validation_nll"] for r in history], "s-", label="validation NLL (nats/step)")
    loss.set_xlabel("epoch")
    loss.legend()
    loss.grid(alpha=0.3)
    accuracy.plot(epochs, [r["validation_accuracy"] for r in history], "o-", color="tab:green")
    accuracy.set_xlabel("epoch")
    accuracy.set_ylabel("validation next-event accuracy")
    accuracy.grid(alpha=0.3)
    tmp = path.with_name(path.name + ".tmp.png")
    figure.savefig(tmp)
    os.replace(tmp, path)
