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
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + _LAYER_NORM_EPSILON) * weight + bias


def _softmax(x: np.ndarray) -> np.ndarray:
    x = np.exp(x - x.max(axis=-1, keepdims=True))
    return x / x.sum(axis=-1, keepdims=True)


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
        """``(n, 64, NUM_INPUTS)``, ``(n,)``, ``(n, 64)`` -> ``(n, 64, 9, CELL_OUTPUTS)`` float32."""
        n, steps, _ = inputs.shape
        x = inputs.astype(np.float32) @ self.input_weight + self.input_bias
        x += self.position[:steps] + self.style[styles][:, None, :] + self.part[parts]
        for block in self.blocks:
            x = x + self._attention(_layer_norm(x, *block["norm1"]), block)
            hidden = np.maximum(_layer_norm(x, *block["norm2"]) @ block["ff1"][0] + block["ff1"][1], 0.0)
            x = x + hidden @ block["ff2"][0] + block["ff2"][1]
        out = _layer_norm(x, *self.norm) @ self.out_weight + self.out_bias
        return out.reshape(n, steps, NUM_DRUMS, CELL_OUTPUTS)

    def _attention(self, x: np.ndarray, block: dict) -> np.ndarray:
        n, steps, width = x.shape
        heads = self.spec.heads
        size = width // heads
        qkv = (x @ block["qkv"][0] + block["qkv"][1]).reshape(n, steps, 3, heads, size).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        weights = _softmax(q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(size)))
        attended = (weights @ v).transpose(0, 2, 1, 3).reshape(n, steps, width)
        return attended @ block["proj"][0] + block["proj"][1]
