"""The infilling transformer's forward pass in NumPy: the arithmetic of ``infill_torch.InfillNet``, in float32.

Weights are transposed once on load so every product is ``x @ W`` on
contiguous arrays; the 64-step windows of all variations and all windows of a
pass go through as one batch.
"""

from __future__ import annotations

import math

import numpy as np

from ..pattern import NUM_DRUMS
from .infill_spec import CELL_OUTPUTS, InfillSpec

_LAYER_NORM_EPSILON = 1e-5  # torch.nn.LayerNorm's default


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Over the last axis of a ``(rows, width)`` array, into a new array."""
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", centred, centred)[:, None] * np.float32(1.0 / x.shape[1])
    centred *= 1.0 / np.sqrt(variance + _LAYER_NORM_EPSILON)
    centred *= weight
    centred += bias
    return centred


class NumpyInfillNet:
    """``forward(inputs, styles, parts)`` as ``InfillNet`` computes it (eval mode)."""

    def __init__(self, spec: InfillSpec, arrays: dict[str, np.ndarray]):
        self.spec = spec
        a = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in arrays.items()}
        self.input_weight, self.input_bias = a["input.weight"].T.copy(), a["input.bias"]
        self.position = a["position"]
        self.style, self.part = a["style.weight"], a["part.weight"]
        self.blocks = []
        for i in range(spec.layers):
            p = f"blocks.{i}."
            self.blocks.append({
                "norm1": (a[p + "norm1.weight"], a[p + "norm1.bias"]),
                "qkv": (a[p + "qkv.weight"].T.copy(), a[p + "qkv.bias"]),
                "proj": (a[p + "proj.weight"].T.copy(), a[p + "proj.bias"]),
                "norm2": (a[p + "norm2.weight"], a[p + "norm2.bias"]),
                "ff1": (a[p + "ff1.weight"].T.copy(), a[p + "ff1.bias"]),
                "ff2": (a[p + "ff2.weight"].T.copy(), a[p + "ff2.bias"]),
            })
        self.norm = (a["norm.weight"], a["norm.bias"])
        self.out_weight, self.out_bias = a["out.weight"].T.copy(), a["out.bias"]

    def forward(self, inputs: np.ndarray, styles: np.ndarray, parts: np.ndarray) -> np.ndarray:
        """``(n, 64, NUM_INPUTS)``, ``(n,)``, ``(n, 64)`` -> ``(n, 64, 9, CELL_OUTPUTS)`` float32.

        Every step of every window is one row of a ``(n * 64, width)`` matrix, so each layer is one BLAS
        call; only attention is computed per window and head.
        """
        n, steps, _ = inputs.shape
        width = self.position.shape[1]
        x = inputs.reshape(n * steps, -1).astype(np.float32, copy=False) @ self.input_weight
        x += self.input_bias
        x = x.reshape(n, steps, width)
        x += self.position[:steps]
        x += self.style[styles][:, None, :]
        x += self.part[parts]
        x = x.reshape(n * steps, width)
        for block in self.blocks:
            x += self._attention(_layer_norm(x, *block["norm1"]), block, n, steps)
            hidden = _layer_norm(x, *block["norm2"]) @ block["ff1"][0]
            hidden += block["ff1"][1]
            np.maximum(hidden, 0.0, out=hidden)
            x += hidden @ block["ff2"][0] + block["ff2"][1]
        out = _layer_norm(x, *self.norm) @ self.out_weight + self.out_bias
        return out.reshape(n, steps, NUM_DRUMS, CELL_OUTPUTS)

    def _attention(self, x: np.ndarray, block: dict, n: int, steps: int) -> np.ndarray:
        width = x.shape[1]
        heads = self.spec.heads
        size = width // heads
        qkv = x @ block["qkv"][0]
        qkv += block["qkv"][1]
        qkv = qkv.reshape(n, steps, 3, heads, size).transpose(2, 0, 3, 1, 4)
        weights = (qkv[0] * np.float32(1.0 / math.sqrt(size))) @ qkv[1].transpose(0, 1, 3, 2)
        weights -= weights.max(axis=-1, keepdims=True)
        np.exp(weights, out=weights)
        weights /= weights.sum(axis=-1, keepdims=True)
        attended = (weights @ qkv[2]).transpose(0, 2, 1, 3).reshape(n * steps, width)
        return attended @ block["proj"][0] + block["proj"][1]
