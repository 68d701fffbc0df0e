"""One training process, or one of ``torchrun``'s: its rank, the world size, its device, and the collective
calls training needs (gradients averaged by DistributedDataParallel, sums and stops agreed by all).

On one process every call is a no-op, so the loop reads the same either way. gloo on CPUs, NCCL on GPUs.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from ..errors import ParameterError
from .train_config import TrainConfig


class Distributed:
    """One process, or one of torchrun's: rank, world size, device, and the collective calls training needs."""

    def __init__(self, rank: int, size: int, device: torch.device):
        self.rank, self.size, self.device = rank, size, device
        self.is_main = rank == 0

    @classmethod
    def start(cls, config: TrainConfig) -> "Distributed":
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if config.device == "cuda" and not torch.cuda.is_available():
            raise ParameterError("--device cuda was asked for, but PyTorch sees no CUDA device")
        if size == 1:
            return cls(0, 1, torch.device(config.device))
        import torch.distributed as dist

        dist.init_process_group(backend="nccl" if config.device == "cuda" else "gloo")
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local) if config.device == "cuda" else torch.device("cpu")
        if config.device == "cuda":
            torch.cuda.set_device(device)
        return cls(dist.get_rank(), size, device)

    def wrap(self, model: nn.Module) -> nn.Module:
        if self.size == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def total(self, value: torch.Tensor) -> torch.Tensor:
        """``value`` summed over every process (unchanged on one)."""
        if self.size == 1:
            return value
        import torch.distributed as dist

        value = value.detach().clone()
        dist.all_reduce(value)
        return value

    def gather_objects(self, value) -> list:
        """``value`` of every process, in rank order (a one-item list on one process)."""
        if self.size == 1:
            return [value]
        import torch.distributed as dist

        values = [None] * self.size
        dist.all_gather_object(values, value)
        return values

    def stop_all(self, stop: bool) -> bool:
        """True on every process when any of them wants to stop (so none waits forever on the others)."""
        return bool(self.total(torch.tensor(float(stop), device=self.device)) > 0)

    def finish(self) -> None:
        if self.size > 1:
            import torch.distributed as dist

            dist.destroy_process_group()
