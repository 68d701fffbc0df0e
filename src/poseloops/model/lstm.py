"""The drum LSTM in pure NumPy: the inference path (no torch).

Built from the same arrays PyTorch trained (``weights.load_weights``), with the
maths rearranged once at load time so each step is a few row gathers and one
matrix product per layer:

- the one-hot previous event times the embedding times the first layer's input
  weights is a row of a precomputed ``(512, 4H)`` table (biases folded in);
- the position-in-bar counter's contribution is a row of a ``(16, 4H)`` table;
- deeper layers multiply ``[x, h]`` by one stacked ``(2H, 4H)`` matrix;
- gates are reordered to input, forget, output, cell so the three sigmoids are
  one contiguous slice.
Everything is float32 and batched over rows (variations or files).
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR
from .events import position_features
from .weights import ModelSpec


def _reorder_gates(matrix: np.ndarray, hidden: int) -> np.ndarray:
    """PyTorch's (i, f, g, o) blocks along axis 0 -> (i, f, o, g)."""
    i, f, g, o = (matrix[k * hidden:(k + 1) * hidden] for k in range(4))
    return np.concatenate([i, f, o, g], axis=0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: one ufunc, and no overflow warnings for large |x|
    return 0.5 * np.tanh(0.5 * x) + 0.5


class NumpyDrumLSTM:
    """Stacked LSTM over drum events; ``step`` advances a batch of sequences by one step."""

    def __init__(self, spec: ModelSpec, arrays: dict[str, np.ndarray]):
        self.spec = spec
        h, e = spec.hidden, spec.embedding
        self.hidden, self.layers = h, spec.layers
        f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
        w_ih0 = _reorder_gates(arrays["lstm.weight_ih_l0"], h)
        bias0 = _reorder_gates(arrays["lstm.bias_ih_l0"] + arrays["lstm.bias_hh_l0"], h)
        # float64 for the folding, so the tables carry no extra rounding
        self.event_table = f32(arrays["embed.weight"].astype(np.float64) @ w_ih0[:, :e].T.astype(np.float64) + bias0)
        positions = position_features(np.arange(STEPS_PER_BAR)).astype(np.float64)
        self.position_table = f32(positions @ w_ih0[:, e:].T.astype(np.float64))
        self.recurrent0 = f32(_reorder_gates(arrays["lstm.weight_hh_l0"], h).T)
        self.stacked = []  # layers 1.. : ([x, h] @ W + b)
        for layer in range(1, spec.layers):
            w = np.concatenate([arrays[f"lstm.weight_ih_l{layer}"], arrays[f"lstm.weight_hh_l{layer}"]], axis=1)
            b = arrays[f"lstm.bias_ih_l{layer}"] + arrays[f"lstm.bias_hh_l{layer}"]
            self.stacked.append((f32(_reorder_gates(w, h).T), f32(_reorder_gates(b, h))))
        self.out_weight = f32(arrays["out.weight"].T)
        self.out_bias = f32(arrays["out.bias"])

    def initial_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """Zero (h, c), each ``(layers, batch, hidden)`` float32: the state before a piece starts."""
        shape = (self.layers, batch, self.hidden)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def step(self, previous: np.ndarray, positions: np.ndarray | int, state: tuple[np.ndarray, np.ndarray]):
        """Logits ``(batch, 512)`` for the next step, and the new state (the old one is not changed).

        ``previous``: ``(batch,)`` events 0-511 just played (``REST_EVENT`` before
        the start); ``positions``: position in bar (0-15) of the step predicted.
        """
        h_all, c_all = state
        h_new, c_new = np.empty_like(h_all), np.empty_like(c_all)
        gates = self.event_table[previous] + self.position_table[positions]
        gates += h_all[0] @ self.recurrent0
        x = self._cell(gates, c_all[0], h_new, c_new, 0)
        for layer, (weight, bias) in enumerate(self.stacked, start=1):
            gates = np.concatenate([x, h_all[layer]], axis=1) @ weight
            gates += bias
            x = self._cell(gates, c_all[layer], h_new, c_new, layer)
        logits = x @ self.out_weight
        logits += self.out_bias
        return logits, (h_new, c_new)

    def _cell(self, gates, c_old, h_new, c_new, layer) -> np.ndarray:
        h = self.hidden
        sig = _sigmoid(gates[:, : 3 * h])
        np.multiply(sig[:, h:2 * h], c_old, out=c_new[layer])
        c_new[layer] += sig[:, :h] * np.tanh(gates[:, 3 * h:])
        np.multiply(sig[:, 2 * h:], np.tanh(c_new[layer]), out=h_new[layer])
        return h_new[layer]
