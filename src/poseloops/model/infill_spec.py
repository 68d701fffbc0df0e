"""The infilling model's files: an ``.npz`` of weights and a JSON spec beside it, checked on load.

As with the LSTM (``weights.py``), the spec says what the weights are so a
file of another shape or version fails with a ``ModelError`` naming the
mismatch; arrays keep PyTorch's parameter names.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..pattern import NUM_DRUMS
from .features import PART_NAMES
from .infill_data import NUM_INPUTS, PIECE_BAR_INDICES, WINDOW_STEPS

INFILL_TYPE = "poseloops.groove_infill"
INFILL_VERSION = 2  # 2: each step told its bar of the piece
CELL_OUTPUTS = 5  # per drum: hit logit, velocity location and log scale, offset location and log scale
INFILL_WEIGHTS = Path(__file__).resolve().parent / "weights" / "drum_infill.npz"


@dataclass(frozen=True)
class InfillSpec:
    width: int = 128
    heads: int = 4
    layers: int = 4
    feedforward: int = 256
    styles: tuple[str, ...] = ()  # style index 0 is "any", then these
    parts: tuple[str, ...] = PART_NAMES
    density_quantiles: tuple[float, ...] = ()  # hits per bar of the train windows at ranks 0, 0.01 .. 1
    window_steps: int = WINDOW_STEPS
    num_inputs: int = NUM_INPUTS
    num_drums: int = NUM_DRUMS
    type: str = INFILL_TYPE
    version: int = INFILL_VERSION
    input_encoding: str = field(default="infill_data.model_inputs; + position, style, part and piece-bar embeddings")

    def __post_init__(self) -> None:
        for name in ("styles", "parts", "density_quantiles"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        w, f = self.width, self.feedforward
        shapes = {"input.weight": (w, NUM_INPUTS), "input.bias": (w,), "position": (WINDOW_STEPS, w),
                  "style.weight": (len(self.styles) + 1, w), "part.weight": (len(self.parts), w),
                  "bar.weight": (PIECE_BAR_INDICES, w),
                  "norm.weight": (w,), "norm.bias": (w,),
                  "out.weight": (NUM_DRUMS * CELL_OUTPUTS, w), "out.bias": (NUM_DRUMS * CELL_OUTPUTS,)}
        for i in range(self.layers):
            p = f"blocks.{i}."
            shapes.update({p + "norm1.weight": (w,), p + "norm1.bias": (w,), p + "qkv.weight": (3 * w, w),
                           p + "qkv.bias": (3 * w,), p + "proj.weight": (w, w), p + "proj.bias": (w,),
                           p + "norm2.weight": (w,), p + "norm2.bias": (w,), p + "ff1.weight": (f, w),
                           p + "ff1.bias": (f,), p + "ff2.weight": (w, f), p + "ff2.bias": (w,)})
        return shapes


def save_infill(path: str | Path, spec: InfillSpec, arrays: dict[str, np.ndarray], training: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # as ``train`` does: an hour's run is never lost to a folder
    np.savez_compressed(path, **{k: v.astype(np.float32) for k, v in arrays.items()})
    path.with_suffix(".json").write_text(json.dumps({"spec": asdict(spec), "training": training}, indent=1))


def load_infill(path: str | Path = INFILL_WEIGHTS) -> tuple[InfillSpec, dict[str, np.ndarray], dict]:
    """``(spec, arrays, training)``; raises ``ModelError`` naming what is wrong with the files."""
    path = Path(path)
    try:
        meta = json.loads(path.with_suffix(".json").read_text())
        spec = InfillSpec(**meta["spec"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelError(f"cannot read the infilling model's spec {path.with_suffix('.json')}: {err}") from None
    if spec.type != INFILL_TYPE or spec.version != INFILL_VERSION:
        raise ModelError(f"{path.with_suffix('.json')} is a {spec.type} v{spec.version}, "
                         f"not a {INFILL_TYPE} v{INFILL_VERSION}")
    try:
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise ModelError(f"cannot read the infilling weights {path}: {err}") from None
    expected = spec.expected_shapes()
    for name, shape in expected.items():
        if name not in arrays or arrays[name].shape != shape:
            got = arrays[name].shape if name in arrays else "missing"
            raise ModelError(f"{path}: {name} should be {shape}, is {got}")
    if set(arrays) - set(expected):
        raise ModelError(f"{path}: unexpected arrays {sorted(set(arrays) - set(expected))}")
    return spec, arrays, meta.get("training", {})
