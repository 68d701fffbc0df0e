"""The infilling transformer's forward pass in NumPy: the arithmetic of ``infill_torch.InfillNet``, in float32.

Three rewrites on load make each step cheaper than PyTorch eager on the
model's small matrices, with the same results to float32 rounding:
- every weight is transposed once, so each product is ``x @ W`` on contiguous arrays;
- each layer norm's gain and bias are folded into the product that reads it
  (all three norms are followed by one: pre-norm blocks), so a norm only
  standardises;
- attention's ``1 / sqrt(head size)`` is folded into the query weights.
The 64-step windows of all variations and all windows of a pass go through as
one batch, and each thread reuses its own work arrays between calls of one
batch size: fresh arrays of a megabyte each are mapped and zeroed by the kernel
on every call, which cost a third of a blend's time.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from ..pattern import NUM_DRUMS
from .infill_spec import CELL_OUTPUTS, InfillSpec

_LAYER_NORM_EPSILON = 1e-5  # torch.nn.LayerNorm's default


def _standardise(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Each row of ``x`` to mean 0 and variance 1 (a layer norm without its gain and bias), into ``out``."""
    scale = np.float32(1.0 / x.shape[1])
    np.subtract(x, np.add.reduce(x, axis=1, keepdims=True) * scale, out=out)
    variance = np.einsum("ij,ij->i", out, out)[:, None] * scale
    out *= 1.0 / np.sqrt(variance + np.float32(_LAYER_NORM_EPSILON))
    return out


def _folded(norm_weight: np.ndarray, norm_bias: np.ndarray, weight: np.ndarray, bias: np.ndarray):
    """``(norm(x) * g + b) @ W.T + c`` as ``norm(x) @ W' + c'``: the gain scales W's inputs, the bias moves c."""
    transposed = weight.T.astype(np.float64)
    folded_weight = (norm_weight.astype(np.float64)[:, None] * transposed).astype(np.float32)
    folded_bias = (norm_bias.astype(np.float64) @ transposed + bias).astype(np.float32)
    return np.ascontiguousarray(folded_weight), folded_bias


class NumpyInfillNet:
    """``forward(inputs, styles, parts)`` as ``InfillNet`` computes it (eval mode)."""

    def __init__(self, spec: InfillSpec, arrays: dict[str, np.ndarray]):
        self.spec = spec
        a = {name: np.asarray(value, dtype=np.float32) for name, value in arrays.items()}
        self.width = spec.width
        self.input_weight, self.input_bias = np.ascontiguousarray(a["input.weight"].T), a["input.bias"]
        self.position = np.ascontiguousarray(a["position"])
        self.style, self.part = a["style.weight"], a["part.weight"]
        query_scale = np.ones(3 * spec.width, dtype=np.float32)
        query_scale[:spec.width] = 1.0 / math.sqrt(spec.width // spec.heads)
        self.blocks = []
        for i in range(spec.layers):
            p = f"blocks.{i}."
            qkv_weight, qkv_bias = _folded(a[p + "norm1.weight"], a[p + "norm1.bias"],
                                           a[p + "qkv.weight"], a[p + "qkv.bias"])
            self.blocks.append({
                "qkv": (qkv_weight * query_scale, qkv_bias * query_scale),
                "proj": (np.ascontiguousarray(a[p + "proj.weight"].T), a[p + "proj.bias"]),
                "ff1": _folded(a[p + "norm2.weight"], a[p + "norm2.bias"], a[p + "ff1.weight"], a[p + "ff1.bias"]),
                "ff2": (np.ascontiguousarray(a[p + "ff2.weight"].T), a[p + "ff2.bias"]),
            })
        self.out_weight, self.out_bias = _folded(a["norm.weight"], a["norm.bias"], a["out.weight"], a["out.bias"])
        self._work = threading.local()

    def forward(self, inputs: np.ndarray, styles: np.ndarray, parts: np.ndarray) -> np.ndarray:
        """``(n, 64, NUM_INPUTS)``, ``(n,)``, ``(n, 64)`` -> ``(n, 64, 9, CELL_OUTPUTS)`` float32 (a new array).

        Every step of every window is one row of a ``(n * 64, width)`` matrix, so each product is one BLAS
        call; only attention is computed per window and head.
        """
        n, steps, _ = inputs.shape
        w = self._arrays(n, steps)
        x = w["x"]
        np.matmul(inputs.reshape(n * steps, -1).astype(np.float32, copy=False), self.input_weight, out=x)
        x += self.input_bias
        x3 = x.reshape(n, steps, self.width)
        x3 += self.position[:steps]
        x3 += self.style[styles][:, None, :]
        x3 += self.part[parts]
        for block in self.blocks:
            self._attend(_standardise(x, w["norm"]), block, n, steps, w)
            hidden = np.matmul(_standardise(x, w["norm"]), block["ff1"][0], out=w["hidden"])
            hidden += block["ff1"][1]
            np.maximum(hidden, 0.0, out=hidden)
            x += np.matmul(hidden, block["ff2"][0], out=w["norm"])
            x += block["ff2"][1]
        out = _standardise(x, w["norm"]) @ self.out_weight
        out += self.out_bias
        return out.reshape(n, steps, NUM_DRUMS, CELL_OUTPUTS)

    def _attend(self, normed: np.ndarray, block: dict, n: int, steps: int, w: dict) -> None:
        """Add one attention sublayer's output to ``w["x"]``."""
        heads = self.spec.heads
        size = self.width // heads
        qkv = np.matmul(normed, block["qkv"][0], out=w["qkv"])
        qkv += block["qkv"][1]
        q, k, v = qkv.reshape(n, steps, 3, heads, size).transpose(2, 0, 3, 1, 4)
        weights = np.matmul(q, k.transpose(0, 1, 3, 2), out=w["weights"])
        weights -= weights.max(axis=-1, keepdims=True)
        np.exp(weights, out=weights)
        weights /= np.add.reduce(weights, axis=-1, keepdims=True)
        attended = np.matmul(weights, v, out=w["attended"])
        attended = np.ascontiguousarray(attended.transpose(0, 2, 1, 3)).reshape(n * steps, self.width)
        x = w["x"]
        x += np.matmul(attended, block["proj"][0], out=w["norm"])
        x += block["proj"][1]

    def _arrays(self, n: int, steps: int) -> dict:
        """This thread's work arrays for batches of ``n`` windows, made on its first batch of that size."""
        held = getattr(self._work, "arrays", None)
        if held is None or held["shape"] != (n, steps):
            rows, heads = n * steps, self.spec.heads
            held = {"shape": (n, steps),
                    "x": np.empty((rows, self.width), np.float32),
                    "norm": np.empty((rows, self.width), np.float32),
                    "qkv": np.empty((rows, 3 * self.width), np.float32),
                    "hidden": np.empty((rows, self.spec.feedforward), np.float32),
                    "weights": np.empty((n, heads, steps, steps), np.float32),
                    "attended": np.empty((n, heads, steps, self.width // heads), np.float32)}
            self._work.arrays = held
        return held
