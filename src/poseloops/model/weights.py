"""The shipped model's files: an ``.npz`` of weights and a JSON spec beside it.

The spec says what the weights are (architecture, vocabulary, feature layout,
format version) and is checked on load, so a file of another shape or version
fails with a ``ModelError`` naming the mismatch instead of producing noise
(magenta-js keeps the same kind of spec beside its checkpoints).
Arrays keep PyTorch's parameter names, so one file serves NumPy and torch.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError, ParameterError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR
from .events import NUM_EVENTS, POSITION_BITS
from .features import FAR_BARS, PART_NAMES, num_lookback_features

MODEL_TYPE = "poseloops.groove_lstm"
FORMAT_VERSION = 2
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "drum_lstm.npz"
GROOVE_PARAMS = 4  # per drum: velocity location, velocity log scale, offset location, offset log scale
LOG_SCALE_RANGE = (-7.0, 1.0)  # Laplace scales kept between ~0.001 and e (of 1 = 127 velocity or a 16th)


@dataclass(frozen=True)
class ModelSpec:
    """What the weights file holds; everything but the sizes and the styles is fixed by this version."""

    hidden: int
    layers: int
    embedding: int
    styles: tuple[str, ...] = ()  # style index 0 is "any", then these
    style_embedding: int = 8
    part_embedding: int = 4
    groove_hidden: int = 128
    far_bars: tuple[int, ...] = FAR_BARS
    type: str = MODEL_TYPE
    version: int = FORMAT_VERSION
    num_events: int = NUM_EVENTS
    num_drums: int = NUM_DRUMS
    position_bits: int = POSITION_BITS
    lookback_features: int = 0  # set from far_bars
    steps_per_bar: int = STEPS_PER_BAR
    parts: tuple[str, ...] = PART_NAMES
    event_encoding: str = "bit d set when drum d sounds; drums 0-8 are Magenta's classes"
    input_encoding: str = ("embedding row of the previous event (rest before the start) ++ -1/+1 bits of the "
                           "position in bar of the predicted step, least significant first ++ "
                           "features.lookback_features ++ style embedding ++ part embedding")
    groove_encoding: str = ("per drum: Laplace location and log scale of velocity/127, then of the offset in "
                            "16ths, from relu(groove_in([lstm output, drum bits of the step])) -> groove_out")
    gate_order: str = "torch nn.LSTM: input, forget, cell, output"

    def __post_init__(self) -> None:
        object.__setattr__(self, "styles", tuple(self.styles))
        object.__setattr__(self, "parts", tuple(self.parts))
        object.__setattr__(self, "far_bars", tuple(int(b) for b in self.far_bars))
        if not self.lookback_features:
            object.__setattr__(self, "lookback_features", num_lookback_features(self.far_bars))

    def style_index(self, style: str | None) -> int:
        """0 for "any" (or None), else 1 + the style's place; raises ``ParameterError`` for an unknown one."""
        if style is None or style == "any":
            return 0
        if style not in self.styles:
            raise ParameterError(f"style {style!r} is not one this model knows: any, {', '.join(self.styles)}",
                                 argument="style")
        return 1 + self.styles.index(style)

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        h, e = self.hidden, self.embedding
        inputs = e + POSITION_BITS + self.lookback_features + self.style_embedding + self.part_embedding
        shapes = {
            "embed.weight": (NUM_EVENTS, e),
            "style.weight": (len(self.styles) + 1, self.style_embedding),
            "part.weight": (len(PART_NAMES), self.part_embedding),
            "out.weight": (NUM_EVENTS, h), "out.bias": (NUM_EVENTS,),
            "groove_in.weight": (self.groove_hidden, h + NUM_DRUMS), "groove_in.bias": (self.groove_hidden,),
            "groove_out.weight": (NUM_DRUMS * GROOVE_PARAMS, self.groove_hidden),
            "groove_out.bias": (NUM_DRUMS * GROOVE_PARAMS,),
        }
        for layer in range(self.layers):
            shapes[f"lstm.weight_ih_l{layer}"] = (4 * h, inputs if layer == 0 else h)
            shapes[f"lstm.weight_hh_l{layer}"] = (4 * h, h)
            shapes[f"lstm.bias_ih_l{layer}"] = (4 * h,)
            shapes[f"lstm.bias_hh_l{layer}"] = (4 * h,)
        return shapes


def spec_path(weights_path: str | Path) -> Path:
    return Path(weights_path).with_suffix(".json")


def save_weights(path: str | Path, spec: ModelSpec, arrays: dict[str, np.ndarray], *, training: dict | None = None) -> None:
    """Write ``path`` (.npz) and its spec (same name, .json), each atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ModelError(f"weights file {path} must end in .npz")
    _check_arrays(spec, arrays, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **{name: np.asarray(a, dtype=np.float32) for name, a in arrays.items()})
    os.replace(tmp, path)
    document = {**asdict(spec), "training": training or {}}
    tmp_spec = path.with_name(path.name + ".tmp.json")
    tmp_spec.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp_spec, spec_path(path))


def load_weights(path: str | Path = DEFAULT_WEIGHTS) -> tuple[ModelSpec, dict[str, np.ndarray], dict]:
    """(spec, arrays, training record) of a weights file; raises ``ModelError`` on any mismatch."""
    path = Path(path)
    if not path.is_file():  # name the file the user gave, not its spec beside it
        raise ModelError(f"model weights {path} are missing")
    try:
        document = json.loads(spec_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model spec {spec_path(path)} is missing") from None
    except (OSError, ValueError) as err:
        raise ModelError(f"model spec {spec_path(path)} is unreadable: {err}") from None
    training = document.pop("training", {})
    try:
        spec = ModelSpec(**document)
    except TypeError as err:
        raise ModelError(f"model spec {spec_path(path)} has unexpected fields: {err}") from None
    reference = ModelSpec(hidden=spec.hidden, layers=spec.layers, embedding=spec.embedding, far_bars=spec.far_bars)
    for field_name in ("type", "version", "num_events", "num_drums", "position_bits", "lookback_features",
                       "steps_per_bar", "parts"):
        if getattr(spec, field_name) != getattr(reference, field_name):
            raise ModelError(f"model spec {spec_path(path)}: {field_name} is {getattr(spec, field_name)!r}, "
                             f"this version of PoseLoops needs {getattr(reference, field_name)!r}")
    try:
        with np.load(path) as archive:
            arrays = {name: archive[name].astype(np.float32) for name in archive.files}
    except FileNotFoundError:
        raise ModelError(f"model weights {path} are missing") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:  # a cut or damaged download
        raise ModelError(f"model weights {path} are unreadable: {err}") from None
    _check_arrays(spec, arrays, path)
    return spec, arrays, training


def _check_arrays(spec: ModelSpec, arrays: dict[str, np.ndarray], path: Path) -> None:
    expected = spec.expected_shapes()
    if set(arrays) != set(expected):
        raise ModelError(f"{path}: arrays {sorted(set(arrays) ^ set(expected))} do not match the spec")
    for name, shape in expected.items():
        if tuple(arrays[name].shape) != shape:
            raise ModelError(f"{path}: {name} has shape {arrays[name].shape}, the spec says {shape}")
        if not np.all(np.isfinite(arrays[name])):
            raise ModelError(f"{path}: {name} holds NaN or infinite values")
