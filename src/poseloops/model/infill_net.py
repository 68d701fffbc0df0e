"""The infilling transformer's forward pass in NumPy: the arithmetic of ``infill_torch.InfillNet``, in float32.

Four rewrites on load make each step cheaper than PyTorch eager on the
model's small matrices, with the same results to float32 rounding:
- every weight is transposed once, so each product is ``x @ W`` on contiguous arrays;
- each layer norm's gain and bias are folded into the product that reads it
  (all three norms are followed by one: pre-norm blocks), so a norm only
  standardises;
- attention's ``1 / sqrt(head size)`` is folded into the query weights;
- each product's bias is one more row of its weights, read by a column of ones
  that the product's input carries in its work array: adding a bias was a pass
  over the whole product, and such passes, not the products, took a third of the time.
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
    """Each row of ``x`` to mean 0 and variance 1 (a layer norm without its gain and bias), into ``out``.

    The mean is a product with a vector of ``1 / width`` (one BLAS call): NumPy's sum along
    short rows costs five times as much.
    """
    scale = np.float32(1.0 / x.shape[1])
    np.subtract(x, (x @ np.full(x.shape[1], scale, dtype=np.float32))[:, None], out=out)
    variance = np.einsum("ij,ij->i", out, out) * scale
    variance += np.float32(_LAYER_NORM_EPSILON)
    out *= (1.0 / np.sqrt(variance))[:, None]
    return out


def _folded(norm_weight: np.ndarray, norm_bias: np.ndarray, weight: np.ndarray, bias: np.ndarray):
    """``(norm(x) * g + b) @ W.T + c`` as ``norm(x) @ W' + c'``: the gain scales W's inputs, the bias moves c."""
    transposed = weight.T.astype(np.float64)
    folded_weight = (norm_weight.astype(np.float64)[:, None] * transposed).astype(np.float32)
    folded_bias = (norm_bias.astype(np.float64) @ transposed + bias).astype(np.float32)
    return np.ascontiguousarray(folded_weight), folded_bias


class NumpyInfillNet:
    """``forward(inputs, styles, parts, piece_bars)`` as ``InfillNet`` computes it (eval mode)."""

    def __init__(self, spec: InfillSpec, arrays: dict[str, np.ndarray]):
        self.spec = spec
        a = {name: np.asarray(value, dtype=np.float32) for name, value in arrays.items()}
        self.width = spec.width
        self.input_weight, self.input_bias = np.ascontiguousarray(a["input.weight"].T), a["input.bias"]
        self.position = np.ascontiguousarray(a["position"])
        self.style, self.part, self.piece_bar = a["style.weight"], a["part.weight"], a["bar.weight"]
        query_scale = np.ones(3 * spec.width, dtype=np.float32)
        query_scale[:spec.width] = 1.0 / math.sqrt(spec.width // spec.heads)
        self.blocks = []
        for i in range(spec.layers):
            p = f"blocks.{i}."
            qkv_weight, qkv_bias = _folded(a[p + "norm1.weight"], a[p + "norm1.bias"],
                                           a[p + "qkv.weight"], a[p + "qkv.bias"])
            self.blocks.append({
                "qkv": _with_bias(qkv_weight * query_scale, qkv_bias * query_scale),
                "proj": _with_bias(a[p + "proj.weight"].T, a[p + "proj.bias"]),
                "ff1": _with_bias(*_folded(a[p + "norm2.weight"], a[p + "norm2.bias"], a[p + "ff1.weight"],
                                           a[p + "ff1.bias"])),
                "ff2": _with_bias(a[p + "ff2.weight"].T, a[p + "ff2.bias"]),
            })
        self.out_weight = _with_bias(*_folded(a["norm.weight"], a["norm.bias"], a["out.weight"], a["out.bias"]))
        self._work = threading.local()

    def forward(self, inputs: np.ndarray, styles: np.ndarray, parts: np.ndarray, piece_bars: np.ndarray) -> np.ndarray:
        """``(n, 64, NUM_INPUTS)``, ``(n,)``, ``(n, 64)``, ``(n, 64)`` -> ``(n, 64, 9, CELL_OUTPUTS)`` float32
        (a new array).

        Every step of every window is one row of a ``(n * 64, width)`` matrix, so each product is one BLAS
        call; only attention is computed per window and head.
        """
        n, steps, _ = inputs.shape
        w = self._arrays(n, steps)
        x, width = w["x"], self.width
        np.matmul(inputs.reshape(n * steps, -1).astype(np.float32, copy=False), self.input_weight, out=x)
        x += self.input_bias
        x3 = x.reshape(n, steps, width)
        x3 += self.position[:steps]
        x3 += self.style[styles][:, None, :]
        x3 += self.part[parts]
        x3 += self.piece_bar[piece_bars]
        normed = w["normed"]  # (rows, width + 1): the last column is ones, for the biases
        for block in self.blocks:
            _standardise(x, normed[:, :width])
            self._attend(normed, block, n, steps, w)
            _standardise(x, normed[:, :width])
            hidden = w["hidden"]  # (rows, feedforward + 1), ones last; max(1, 0) keeps them
            np.matmul(normed, block["ff1"], out=hidden[:, :-1])
            np.maximum(hidden, 0.0, out=hidden)
            x += np.matmul(hidden, block["ff2"], out=w["product"])
        _standardise(x, normed[:, :width])
        out = np.matmul(normed, self.out_weight)
        return out.reshape(n, steps, NUM_DRUMS, CELL_OUTPUTS)

    def _attend(self, normed: np.ndarray, block: dict, n: int, steps: int, w: dict) -> None:
        """Add one attention sublayer's output to ``w["x"]``."""
        heads = self.spec.heads
        size = self.width // heads
        qkv = np.matmul(normed, block["qkv"], out=w["qkv"])
        q, k, v = qkv.reshape(n, steps, 3, heads, size).transpose(2, 0, 3, 1, 4)
        # The scores are held transposed, (key, query), so the softmax's max and sum run down the
        # columns: NumPy reduces across rows as whole-vector operations, but along each short
        # row of 64 one element at a time (the max took half the attention's time that way).
        weights = np.matmul(k, q.transpose(0, 1, 3, 2), out=w["weights"])
        weights -= np.maximum.reduce(weights, axis=2)[:, :, None, :]
        np.exp(weights, out=weights)
        weights *= (1.0 / np.matmul(w["ones"], weights))[:, :, None, :]
        # each head's answer goes straight to its columns of the (rows, width + 1) input of the projection
        attended = w["attended"]
        np.matmul(weights.transpose(0, 1, 3, 2), v,
                  out=attended[:, :-1].reshape(n, steps, heads, size).transpose(0, 2, 1, 3))
        w["x"] += np.matmul(attended, block["proj"], out=w["product"])

    def _arrays(self, n: int, steps: int) -> dict:
        """This thread's work arrays for batches of ``n`` windows, made on its first batch of that size."""
        held = getattr(self._work, "arrays", None)
        if held is None or held["shape"] != (n, steps):
            rows, heads = n * steps, self.spec.heads
            held = {"shape": (n, steps),
                    "x": np.empty((rows, self.width), np.float32),
                    "normed": _ones_last((rows, self.width + 1)),
                    "product": np.empty((rows, self.width), np.float32),
                    "qkv": np.empty((rows, 3 * self.width), np.float32),
                    "hidden": _ones_last((rows, self.spec.feedforward + 1)),
                    "weights": np.empty((n, heads, steps, steps), np.float32),  # (key, query)
                    "ones": np.ones(steps, np.float32),
                    "attended": _ones_last((rows, self.width + 1))}
            self._work.arrays = held
        return held


def _with_bias(weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``(inputs + 1, outputs)``: ``weight`` with ``bias`` as its last row, for inputs whose last column is ones."""
    return np.ascontiguousarray(np.vstack([weight, bias[None, :]]).astype(np.float32))


def _ones_last(shape: tuple[int, int]) -> np.ndarray:
    """A work array whose last column is ones (the rest is written before it is read)."""
    array = np.empty(shape, np.float32)
    array[:, -1] = 1.0
    return array
