"""The groove LSTM in pure NumPy: the inference path (no torch).

Built from the same arrays PyTorch trained (``weights.load_weights``), with the
maths rearranged once at load time so each step is a few row gathers and one
matrix product per layer:

- the one-hot previous event times the embedding times the first layer's input
  weights is a row of a precomputed ``(512, 4H)`` table (biases folded in);
  likewise the position in bar ``(16, 4H)``, the style and the part;
- the lookback features are one small ``(F, 4H)`` product;
- deeper layers multiply ``[x, h]`` by one stacked ``(2H, 4H)`` matrix;
- gates are reordered to input, forget, output, cell so the three sigmoids are
  one contiguous slice;
- the big matrices are kept as (out, in) and multiplied as ``(W @ x.T).T``: for
  the few rows generation runs, OpenBLAS is about twice as fast that way round
  as ``x @ W`` (measured: 186 against 401 us for 8 rows of the 512 x 1024 layer);
- the groove head's input layer splits into the LSTM output's part and a
  ``(512, G)`` table for the step's drums.
Everything is float32 and batched over rows (variations or files).
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR
from .events import NUM_EVENTS, POSITION_BITS, position_features
from .features import EVENT_BITS
from .weights import GROOVE_PARAMS, LOG_SCALE_RANGE, ModelSpec


def _reorder_gates(matrix: np.ndarray, hidden: int) -> np.ndarray:
    """PyTorch's (i, f, g, o) blocks along axis 0 -> (i, f, o, g)."""
    i, f, g, o = (matrix[k * hidden:(k + 1) * hidden] for k in range(4))
    return np.concatenate([i, f, o, g], axis=0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: one ufunc, and no overflow warnings for large |x|
    return 0.5 * np.tanh(0.5 * x) + 0.5


def _times(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``x @ weight.T`` for ``weight`` kept as (out, in), as a C-ordered array."""
    return np.ascontiguousarray((weight @ x.T).T)


def _f32(array) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)


class NumpyDrumLSTM:
    """Stacked LSTM over drum events with a groove head; ``step`` advances a batch of sequences by one step."""

    def __init__(self, spec: ModelSpec, arrays: dict[str, np.ndarray]):
        self.spec = spec
        h, e = spec.hidden, spec.embedding
        self.hidden, self.layers = h, spec.layers
        w_ih0 = _reorder_gates(arrays["lstm.weight_ih_l0"], h).astype(np.float64)
        bias0 = _reorder_gates(arrays["lstm.bias_ih_l0"] + arrays["lstm.bias_hh_l0"], h).astype(np.float64)
        columns = np.cumsum([0, e, POSITION_BITS, spec.lookback_features, spec.style_embedding, spec.part_embedding])
        event_w, position_w, lookback_w, style_w, part_w = (
            w_ih0[:, columns[k]:columns[k + 1]].T for k in range(5))
        # float64 for the folding, so the tables carry no extra rounding
        self.event_table = _f32(arrays["embed.weight"].astype(np.float64) @ event_w + bias0)
        self.position_table = _f32(position_features(np.arange(STEPS_PER_BAR)).astype(np.float64) @ position_w)
        self.lookback_weight = _f32(lookback_w)
        self.style_table = _f32(arrays["style.weight"].astype(np.float64) @ style_w)
        self.part_table = _f32(arrays["part.weight"].astype(np.float64) @ part_w)
        self.recurrent0 = _f32(_reorder_gates(arrays["lstm.weight_hh_l0"], h))
        self.stacked = []  # layers 1.. : ([x, h] @ W + b)
        for layer in range(1, spec.layers):
            w = np.concatenate([arrays[f"lstm.weight_ih_l{layer}"], arrays[f"lstm.weight_hh_l{layer}"]], axis=1)
            b = arrays[f"lstm.bias_ih_l{layer}"] + arrays[f"lstm.bias_hh_l{layer}"]
            self.stacked.append((_f32(_reorder_gates(w, h)), _f32(_reorder_gates(b, h))))
        self.out_weight = _f32(arrays["out.weight"])
        self.out_bias = _f32(arrays["out.bias"])
        groove_in = arrays["groove_in.weight"].astype(np.float64)
        self.groove_hidden_weight = _f32(groove_in[:, :h].T)
        self.groove_event_table = _f32(EVENT_BITS.astype(np.float64) @ groove_in[:, h:].T + arrays["groove_in.bias"])
        self.groove_out_weight = _f32(arrays["groove_out.weight"].T)
        self.groove_out_bias = _f32(arrays["groove_out.bias"])

    def initial_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """Zero (h, c), each ``(layers, batch, hidden)`` float32: the state before a piece starts."""
        shape = (self.layers, batch, self.hidden)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def step(self, previous: np.ndarray, positions: np.ndarray | int, lookback: np.ndarray,
             styles: np.ndarray | int, parts: np.ndarray | int, state: tuple[np.ndarray, np.ndarray]):
        """Logits ``(batch, 512)`` for the next step, the top layer's output ``(batch, H)`` and the new state.

        ``previous``: ``(batch,)`` events 0-511 just played (a rest before the
        start); ``positions``: position in bar (0-15) of the step predicted;
        ``lookback``: ``(batch, spec.lookback_features)`` ``features.lookback_features``;
        ``styles``, ``parts``: label indices. The old state is not changed.
        """
        h_all, c_all = state
        h_new, c_new = np.empty_like(h_all), np.empty_like(c_all)
        gates = self.event_table[previous] + self.position_table[positions]
        gates += self.style_table[styles] + self.part_table[parts]
        gates += lookback @ self.lookback_weight
        gates += _times(h_all[0], self.recurrent0)
        x = self._cell(gates, c_all[0], h_new, c_new, 0)
        for layer, (weight, bias) in enumerate(self.stacked, start=1):
            gates = _times(np.concatenate([x, h_all[layer]], axis=1), weight)
            gates += bias
            x = self._cell(gates, c_all[layer], h_new, c_new, layer)
        logits = _times(x, self.out_weight)
        logits += self.out_bias
        return logits, x, (h_new, c_new)

    def groove(self, top: np.ndarray, events: np.ndarray) -> np.ndarray:
        """``(batch, 9, 4)``: per drum the Laplace location and log scale of velocity/127 and of offset.

        ``top`` is ``step``'s second result, ``events`` ``(batch,)`` the drums
        chosen for that step. Log scales are clipped as training clipped them.
        """
        hidden = top @ self.groove_hidden_weight
        hidden += self.groove_event_table[events]
        np.maximum(hidden, 0.0, out=hidden)
        params = (hidden @ self.groove_out_weight + self.groove_out_bias).reshape(len(events), -1, GROOVE_PARAMS)
        params[..., 1::2] = np.clip(params[..., 1::2], *LOG_SCALE_RANGE)
        return params

    def _cell(self, gates, c_old, h_new, c_new, layer) -> np.ndarray:
        h = self.hidden
        sig = _sigmoid(gates[:, : 3 * h])
        np.multiply(sig[:, h:2 * h], c_old, out=c_new[layer])
        c_new[layer] += sig[:, :h] * np.tanh(gates[:, 3 * h:])
        np.multiply(sig[:, 2 * h:], np.tanh(c_new[layer]), out=h_new[layer])
        return h_new[layer]


assert NUM_EVENTS == len(EVENT_BITS)
