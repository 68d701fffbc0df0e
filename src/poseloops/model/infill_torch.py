"""The infilling transformer in PyTorch (training only; ``infill_net.py`` runs the same weights in NumPy).

A small pre-norm transformer encoder over the 64 steps of a 4-bar window, every
step attending to every other (so what is kept after an asked cell shapes it,
as a bar regenerated between two kept bars must lead into the next). Each step
reads ``infill_data.model_inputs`` plus learned embeddings of its position in
the window, its bar of the piece, the style and the part (beat or fill); per drum it predicts a hit
logit and Laplace location and log scale of the velocity (0-1) and the offset
(16ths), as the LSTM's groove head does.

The layers are written out rather than taken from ``nn.TransformerEncoderLayer``
so that the NumPy forward pass is the same arithmetic, step for step.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..pattern import NUM_DRUMS
from .infill_data import NUM_INPUTS, PIECE_BAR_INDICES, WINDOW_STEPS
from .infill_spec import CELL_OUTPUTS, InfillSpec


class Block(nn.Module):
    def __init__(self, width: int, heads: int, feedforward: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, feedforward)
        self.ff2 = nn.Linear(feedforward, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, steps, width = x.shape
        head = width // self.heads
        q, k, v = self.qkv(self.norm1(x)).view(n, steps, 3, self.heads, head).permute(2, 0, 3, 1, 4)
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head), dim=-1)
        attended = (self.drop(weights) @ v).transpose(1, 2).reshape(n, steps, width)
        x = x + self.drop(self.proj(attended))
        return x + self.drop(self.ff2(torch.relu(self.ff1(self.norm2(x)))))


class InfillNet(nn.Module):
    def __init__(self, spec: InfillSpec, dropout: float = 0.1):
        super().__init__()
        self.spec = spec
        self.input = nn.Linear(NUM_INPUTS, spec.width)
        self.position = nn.Parameter(torch.randn(WINDOW_STEPS, spec.width) * 0.02)
        self.style = nn.Embedding(len(spec.styles) + 1, spec.width)
        self.part = nn.Embedding(len(spec.parts), spec.width)
        self.bar = nn.Embedding(PIECE_BAR_INDICES, spec.width)
        self.blocks = nn.ModuleList(Block(spec.width, spec.heads, spec.feedforward, dropout)
                                    for _ in range(spec.layers))
        self.norm = nn.LayerNorm(spec.width)
        self.out = nn.Linear(spec.width, NUM_DRUMS * CELL_OUTPUTS)
        nn.init.normal_(self.style.weight, std=0.02)
        nn.init.normal_(self.part.weight, std=0.02)
        nn.init.normal_(self.bar.weight, std=0.02)

    def forward(self, inputs: torch.Tensor, styles: torch.Tensor, parts: torch.Tensor,
                piece_bars: torch.Tensor) -> torch.Tensor:
        """``(n, 64, NUM_INPUTS)``, ``(n,)``, ``(n, 64)``, ``(n, 64)`` -> ``(n, 64, 9, CELL_OUTPUTS)``."""
        x = (self.input(inputs) + self.position + self.style(styles)[:, None, :] + self.part(parts)
             + self.bar(piece_bars))
        for block in self.blocks:
            x = block(x)
        return self.out(self.norm(x)).view(*inputs.shape[:2], NUM_DRUMS, CELL_OUTPUTS)


def net_to_arrays(net: InfillNet) -> dict:
    return {name: value.detach().cpu().numpy() for name, value in net.state_dict().items()}


def net_from_arrays(spec: InfillSpec, arrays: dict) -> InfillNet:
    net = InfillNet(spec)
    net.load_state_dict({name: torch.from_numpy(value) for name, value in arrays.items()})
    return net.eval()
