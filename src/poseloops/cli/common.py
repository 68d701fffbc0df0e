"""Argument types and file helpers the subcommands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError, ParameterError
from ..input_files import read_input_text
from ..pattern import Pattern, json_to_pattern, pattern_to_json, pattern_to_text, text_to_pattern

PATTERN_SUFFIXES = (".json", ".txt", ".mid", ".midi")


def read_pattern_file(path: str | Path) -> Pattern:
    """A pattern from a ``.json``, ``.txt`` (text grid) or ``.mid`` file, chosen by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        from ..midi_io import read_midi_pattern

        return read_midi_pattern(path)
    if suffix not in (".json", ".txt"):
        raise ParameterError(f"{path}: pattern files end in {', '.join(PATTERN_SUFFIXES)}")
    text = read_input_text(path)
    try:
        return json_to_pattern(text) if suffix == ".json" else text_to_pattern(text)
    except ParameterError as err:
        raise ParameterError(f"{path}: {err}") from None


def write_text(path: str | Path, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}") from None


def add_model_file_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="FILE.npz", type=Path, default=None,
                        help="weights from 'poseloops train' (default: the shipped model)")


def load_cli_model(path: Path | None):
    """The model ``--model`` names, or the shipped one; a missing or corrupt file is a ``ModelError``."""
    from ..model import load_default_model, load_model

    return load_default_model() if path is None else load_model(path)


def write_pattern_file(pattern: Pattern, path: Path, *, bpm: float | None = None, swing: float = 0.5) -> None:
    """Write ``pattern`` as ``.json``, ``.txt`` (grid: hits only) or ``.mid``, chosen by suffix."""
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        from ..midi_io import write_midi

        write_midi(pattern, path, bpm=bpm, swing=swing)
    elif suffix in (".json", ".txt"):
        write_text(path, pattern_to_json(pattern) + "\n" if suffix == ".json" else pattern_to_text(pattern))
    else:
        raise ParameterError(f"{path}: pattern files end in {', '.join(PATTERN_SUFFIXES)}")


def print_pattern(pattern: Pattern, *, as_json: bool = False) -> None:
    sys.stdout.write(pattern_to_json(pattern) + "\n" if as_json else pattern_to_text(pattern))


def bounded_float(low: float, high: float, name: str, *, above_low: bool = False):
    """An argparse type: a float in ``low..high`` (``above_low``: in ``(low, high]``); argparse turns the
    error into exit 2."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a number") from None
        if above_low and not low < value <= high:
            raise argparse.ArgumentTypeError(f"{name} {text} is outside ({low:g}, {high:g}]")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} {text} is outside {low:g}-{high:g}")
        return value

    return parse


def bounded_int(low: int, high: int, name: str):
    """An argparse type: a whole number in ``low..high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} {text} is outside {low}-{high}")
        return value

    return parse


def add_density_argument(parser: argparse.ArgumentParser) -> None:
    """``--density``: the loop's busyness, one meaning on every command that draws (generate, regenerate, drumify)."""
    from ..model.infill_model import DEFAULT_DENSITY, MAX_DENSITY, MIN_DENSITY

    parser.add_argument("--density", type=bounded_float(MIN_DENSITY, MAX_DENSITY, "density"), default=None,
                        help=f"how busy the drawn cells are, {MIN_DENSITY:g} sparse to {MAX_DENSITY:g} busy "
                        f"(default {DEFAULT_DENSITY:g}: as the model plays)")
