"""A training run's checkpoint: everything it needs to go on after a stop as if it never stopped.

Written after every epoch beside the weights (``model.checkpoint.pt`` beside ``model.npz``): the model,
the optimiser, every RNG (NumPy's, Python's, each process's torch state), the history and the best epoch
so far. ``poseloops train --resume`` reads it and refuses one made with other model or data settings.
"""

from __future__ import annotations

import os
import random
from dataclasses import asdict
from pathlib import Path

import torch

from ..errors import InputError, ParameterError
from .train_config import TrainConfig
from .train_distributed import Distributed

# settings a resumed run may change: how long it runs, and where
RESUMABLE_CHANGES = ("epochs", "minutes", "device")


def checkpoint_path(out_path: str | Path) -> Path:
    """``model.checkpoint.pt`` beside ``model.npz``."""
    return Path(out_path).with_suffix(".checkpoint.pt")


def save_checkpoint(path: Path, *, model, optimiser, rng, torch_states, config, epoch, history, best, best_state,
                    seconds) -> None:
    """Everything a run needs to go on as if never stopped, written atomically (a kill mid-write keeps the last)."""
    state = {"model": model.state_dict(), "optimiser": optimiser.state_dict(), "numpy_rng": rng.bit_generator.state,
             "python_rng": random.getstate(), "torch_rng": torch_states, "config": asdict(config), "epoch": epoch,
             "history": history, "best": best, "best_state": best_state, "seconds": seconds}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, config: TrainConfig, world: Distributed) -> dict:
    """The checkpoint at ``path`` on this run's device; refuses one made with other model or data settings."""
    if not path.is_file():
        raise InputError(f"there is no checkpoint {path} to resume from")
    try:
        state = torch.load(path, map_location=world.device, weights_only=False)
    except Exception as err:  # torch raises many kinds for a truncated or foreign file
        raise InputError(f"cannot read the checkpoint {path}: {err}") from None
    saved, asked = state["config"], asdict(config)
    changed = [f"{k}={saved[k]!r} (now {asked[k]!r})" for k in asked
               if k not in RESUMABLE_CHANGES and _plain(saved.get(k)) != _plain(asked[k])]
    if changed:
        raise ParameterError(f"the checkpoint {path} was made with {', '.join(changed)}: resume with the same settings")
    if state["epoch"] >= config.epochs:
        raise ParameterError(f"the checkpoint {path} has already run {state['epoch']} epochs; ask for more with --epochs")
    state["python_rng"] = tuple(tuple(x) if isinstance(x, list) else x for x in state["python_rng"])
    return state


def _plain(value):
    return list(value) if isinstance(value, tuple) else value
