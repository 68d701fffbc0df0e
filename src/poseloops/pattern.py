"""The drum pattern every part of PoseLoops passes around, and its text formats.

A ``Pattern`` is a run of 16th-note steps; each step is the set of drums (0-8,
Magenta's nine classes) that sound on it, each hit with a MIDI velocity and a
timing offset (how far off the grid it is played, as a fraction of a 16th,
GrooVAE's representation). The first ``seed_length`` steps are the seed a
person made; the rest were generated.

Formats, each an inverse pair with a round-trip test:
- ``pattern_to_json`` / ``json_to_pattern``: the origin's list of lists,
  ``{"pattern": [[0, 2], [], [2, 5, 8]], "seed_length": 3}``, plus optional
  ``"velocities"`` and ``"offsets"`` (same shape) and ``"bpm"``.
- ``pattern_to_text`` / ``text_to_pattern``: a grid of 9 labelled rows, one
  column per step, ``x`` for a hit and ``.`` for a rest, ``|`` after the seed.
MIDI lives in ``midi_io``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import ParameterError

NUM_DRUMS = 9
# Magenta's drum classes, in index order.
DRUM_NAMES = (
    "kick",
    "snare",
    "closed hi-hat",
    "open hi-hat",
    "low tom",
    "mid tom",
    "high tom",
    "crash",
    "ride",
)
# One-word labels for the text grid's rows (a parser must split them on spaces).
DRUM_LABELS = ("kick", "snare", "hh-closed", "hh-open", "tom-low", "tom-mid", "tom-high", "crash", "ride")
# How the origin's kit voiced the two cymbal classes; the synthesised kit follows it.
DRUM_VOICES = ("kick", "snare", "closed hat", "open hat", "low tom", "mid tom", "high tom", "clap", "rim")

STEPS_PER_BEAT = 4  # the grid is 16th notes
STEPS_PER_BAR = 16  # 4/4, which is what the model was trained on
DEFAULT_VELOCITY = 100  # Magenta's default note velocity
# A hit more than half a 16th off its step belongs to the neighbouring step.
MIN_OFFSET, MAX_OFFSET = -0.5, 0.5  # offsets lie in [MIN_OFFSET, MAX_OFFSET)
MIN_VELOCITY = 1  # MIDI velocity 0 means note-off, so a hit is at least 1
MAX_VELOCITY = 127
MAX_STEPS = 1024  # longest pattern anything accepts: 64 bars, a few minutes of loop
MIN_BPM = 10.0
MAX_BPM = 300.0

OFFSET_DECIMALS = 4  # 1e-4 of a 16th is under 0.02 ms at 10 BPM: far below hearing

_REST = "."
_HIT = "x"
_SEED_END = "|"


@dataclass(frozen=True)
class Pattern:
    """Steps of 16th notes, each a sorted tuple of drum indices, with velocities and offsets.

    Build one with ``Pattern.from_steps`` (validates and sorts); the fields are
    immutable and every operation returns a new pattern. ``offsets`` left out
    means every hit is on the grid.
    """

    steps: tuple[tuple[int, ...], ...]
    velocities: tuple[tuple[int, ...], ...]
    seed_length: int
    bpm: float | None = None
    offsets: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        if self.offsets is None:
            object.__setattr__(self, "offsets", tuple((0.0,) * len(step) for step in self.steps))
        validate_steps(self.steps, self.velocities, self.offsets)
        if not 0 <= self.seed_length <= len(self.steps):
            raise ParameterError(
                f"seed_length {self.seed_length} is outside 0..{len(self.steps)} (the pattern's length)"
            )
        if self.bpm is not None:
            check_bpm(self.bpm)

    @classmethod
    def from_steps(
        cls,
        steps: Iterable[Iterable[int]],
        *,
        velocities: Iterable[Iterable[int]] | None = None,
        offsets: Iterable[Iterable[float]] | None = None,
        seed_length: int | None = None,
        bpm: float | None = None,
    ) -> "Pattern":
        """A pattern from lists of drum indices per step (any order; sorted here).

        ``velocities`` and ``offsets``, if given, have the same shape as
        ``steps``; missing means ``DEFAULT_VELOCITY`` and on the grid.
        ``seed_length`` defaults to the whole pattern. Raises ``ParameterError``
        naming the bad step or value.
        """
        raw_steps = [_as_int_list(step, f"step {i}") for i, step in enumerate(_as_list(steps, "pattern"))]
        if velocities is None:
            raw_velocities = [[DEFAULT_VELOCITY] * len(step) for step in raw_steps]
        else:
            raw_velocities = [
                _as_int_list(v, f"velocities of step {i}") for i, v in enumerate(_as_list(velocities, "velocities"))
            ]
        if offsets is None:
            raw_offsets = [[0.0] * len(step) for step in raw_steps]
        else:
            raw_offsets = [_as_float_list(o, f"offsets of step {i}") for i, o in enumerate(_as_list(offsets, "offsets"))]
        validate_steps(raw_steps, raw_velocities, raw_offsets)
        sorted_steps, sorted_velocities, sorted_offsets = [], [], []
        for drums, vels, offs in zip(raw_steps, raw_velocities, raw_offsets):
            order = sorted(range(len(drums)), key=drums.__getitem__)
            sorted_steps.append(tuple(drums[k] for k in order))
            sorted_velocities.append(tuple(vels[k] for k in order))
            sorted_offsets.append(tuple(round_offset(offs[k]) for k in order))
        return cls(
            steps=tuple(sorted_steps),
            velocities=tuple(sorted_velocities),
            seed_length=len(sorted_steps) if seed_length is None else seed_length,
            bpm=bpm,
            offsets=tuple(sorted_offsets),
        )

    @classmethod
    def empty(cls, num_steps: int) -> "Pattern":
        """``num_steps`` silent steps, all of them seed."""
        return cls.from_steps([[] for _ in range(num_steps)])

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def seed(self) -> "Pattern":
        """The leading seed steps as a pattern of their own."""
        return self.slice(0, self.seed_length)

    @property
    def num_hits(self) -> int:
        return sum(len(step) for step in self.steps)

    @property
    def on_grid(self) -> bool:
        """True when no hit is played off its step."""
        return not any(o for offs in self.offsets for o in offs)

    def slice(self, start: int, stop: int) -> "Pattern":
        """Steps ``start:stop``; the seed part is whatever of the seed falls inside."""
        steps = self.steps[start:stop]
        seed_length = max(0, min(self.seed_length, stop) - start)
        return Pattern(steps, self.velocities[start:stop], min(seed_length, len(steps)), self.bpm,
                       self.offsets[start:stop])

    def concat(self, other: "Pattern") -> "Pattern":
        """This pattern followed by ``other``; the seed stays this pattern's seed."""
        steps = self.steps + other.steps
        if len(steps) > MAX_STEPS:
            raise ParameterError(f"pattern of {len(steps)} steps is longer than the maximum of {MAX_STEPS}")
        return Pattern(steps, self.velocities + other.velocities, self.seed_length, self.bpm,
                       self.offsets + other.offsets)

    def with_seed_length(self, seed_length: int) -> "Pattern":
        return Pattern(self.steps, self.velocities, seed_length, self.bpm, self.offsets)

    def with_bpm(self, bpm: float | None) -> "Pattern":
        return Pattern(self.steps, self.velocities, self.seed_length, bpm, self.offsets)

    def with_groove(self, velocities: np.ndarray, offsets: np.ndarray) -> "Pattern":
        """The same hits with velocities and offsets read from ``(steps, 9)`` arrays at each hit's cell."""
        vels = tuple(tuple(int(velocities[i, d]) for d in drums) for i, drums in enumerate(self.steps))
        offs = tuple(tuple(round_offset(float(offsets[i, d])) for d in drums) for i, drums in enumerate(self.steps))
        return Pattern(self.steps, vels, self.seed_length, self.bpm, offs)

    def to_matrix(self) -> np.ndarray:
        """A ``(steps, 9)`` uint8 array of velocities, 0 where a drum is silent."""
        matrix = np.zeros((len(self.steps), NUM_DRUMS), dtype=np.uint8)
        for i, (drums, vels) in enumerate(zip(self.steps, self.velocities)):
            matrix[i, list(drums)] = vels
        return matrix

    def offset_matrix(self) -> np.ndarray:
        """A ``(steps, 9)`` float32 array of offsets (fractions of a 16th), 0 where a drum is silent."""
        matrix = np.zeros((len(self.steps), NUM_DRUMS), dtype=np.float32)
        for i, (drums, offs) in enumerate(zip(self.steps, self.offsets)):
            matrix[i, list(drums)] = offs
        return matrix

    @classmethod
    def from_matrix(
        cls, matrix: np.ndarray, *, offsets: np.ndarray | None = None, seed_length: int | None = None,
        bpm: float | None = None,
    ) -> "Pattern":
        """Inverse of ``to_matrix`` (and ``offset_matrix``): any non-zero cell is a hit with that velocity."""
        matrix = np.asarray(matrix)
        if matrix.ndim != 2 or matrix.shape[1] != NUM_DRUMS:
            raise ParameterError(f"pattern matrix must have shape (steps, {NUM_DRUMS}), got {matrix.shape}")
        if offsets is not None and np.shape(offsets) != matrix.shape:
            raise ParameterError(f"offset matrix has shape {np.shape(offsets)}, the pattern {matrix.shape}")
        steps = [np.flatnonzero(row).tolist() for row in matrix]
        velocities = [[int(v) for v in row[row > 0]] for row in matrix]
        offs = None if offsets is None else [[float(o) for o in np.asarray(offsets)[i, row > 0]]
                                             for i, row in enumerate(matrix)]
        return cls.from_steps(steps, velocities=velocities, offsets=offs, seed_length=seed_length, bpm=bpm)


def validate_steps(steps: Sequence[Sequence[int]], velocities: Sequence[Sequence[int]],
                   offsets: Sequence[Sequence[float]] | None = None) -> None:
    """Raise ``ParameterError`` unless ``steps``, ``velocities`` (and ``offsets``) form a valid pattern."""
    if len(steps) > MAX_STEPS:
        raise ParameterError(f"pattern has {len(steps)} steps; the maximum is {MAX_STEPS}")
    if len(velocities) != len(steps):
        raise ParameterError(f"velocities has {len(velocities)} steps but the pattern has {len(steps)}")
    if offsets is not None:
        _validate_offsets(steps, offsets)
    for i, (drums, vels) in enumerate(zip(steps, velocities)):
        if len(vels) != len(drums):
            raise ParameterError(f"step {i} has {len(drums)} drums but {len(vels)} velocities")
        for drum in drums:
            if isinstance(drum, bool) or not isinstance(drum, (int, np.integer)) or not 0 <= drum < NUM_DRUMS:
                raise ParameterError(f"step {i}: drum {drum!r} is not a drum index 0-{NUM_DRUMS - 1}")
        if len(set(drums)) != len(drums):
            raise ParameterError(f"step {i} lists the same drum twice: {list(drums)}")
        for vel in vels:
            if isinstance(vel, bool) or not isinstance(vel, (int, np.integer)):
                raise ParameterError(f"step {i}: velocity {vel!r} is not a whole number")
            if not MIN_VELOCITY <= vel <= MAX_VELOCITY:
                raise ParameterError(f"step {i}: velocity {vel} is outside {MIN_VELOCITY}-{MAX_VELOCITY}")


def _validate_offsets(steps: Sequence[Sequence[int]], offsets: Sequence[Sequence[float]]) -> None:
    if len(offsets) != len(steps):
        raise ParameterError(f"offsets has {len(offsets)} steps but the pattern has {len(steps)}")
    for i, (drums, offs) in enumerate(zip(steps, offsets)):
        if len(offs) != len(drums):
            raise ParameterError(f"step {i} has {len(drums)} drums but {len(offs)} offsets")
        for offset in offs:
            if isinstance(offset, bool) or not isinstance(offset, (int, float, np.floating, np.integer)):
                raise ParameterError(f"step {i}: offset {offset!r} is not a number")
            if not (math.isfinite(offset) and MIN_OFFSET <= offset < MAX_OFFSET):
                raise ParameterError(f"step {i}: offset {offset} is outside [{MIN_OFFSET}, {MAX_OFFSET}) of a 16th")


def round_offset(offset: float) -> float:
    """``offset`` to ``OFFSET_DECIMALS`` places, kept inside [MIN_OFFSET, MAX_OFFSET) (so JSON round-trips exactly)."""
    top = MAX_OFFSET - 10.0 ** -OFFSET_DECIMALS
    return min(max(round(float(offset), OFFSET_DECIMALS), MIN_OFFSET), top) + 0.0  # + 0.0: no -0.0


def check_bpm(bpm: float, *, low: float = MIN_BPM, high: float = MAX_BPM) -> float:
    """Return ``bpm`` as a float, or raise ``ParameterError`` if it is outside ``low..high``."""
    try:
        value = float(bpm)
    except (TypeError, ValueError):
        raise ParameterError(f"bpm {bpm!r} is not a number") from None
    if not low <= value <= high:
        raise ParameterError(f"bpm {bpm} is outside {low:g}-{high:g}")
    return value


def check_num_steps(steps: int, *, name: str = "steps", minimum: int = 0) -> int:
    """Return ``steps`` or raise ``ParameterError`` if it is not a count in ``minimum..MAX_STEPS``."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise ParameterError(f"{name} {steps!r} is not a whole number", argument=name)
    if not minimum <= steps <= MAX_STEPS:
        raise ParameterError(f"{name} {steps} is outside {minimum}-{MAX_STEPS}", argument=name)
    return int(steps)


# --- JSON -----------------------------------------------------------------


def pattern_to_dict(pattern: Pattern) -> dict[str, Any]:
    """The interchange object; ``velocities`` and ``offsets`` only when some hit is not the default."""
    data: dict[str, Any] = {
        "pattern": [list(step) for step in pattern.steps],
        "seed_length": pattern.seed_length,
    }
    if any(v != DEFAULT_VELOCITY for vels in pattern.velocities for v in vels):
        data["velocities"] = [list(vels) for vels in pattern.velocities]
    if not pattern.on_grid:
        data["offsets"] = [list(offs) for offs in pattern.offsets]
    if pattern.bpm is not None:
        data["bpm"] = pattern.bpm
    return data


def dict_to_pattern(data: Any) -> Pattern:
    """Inverse of ``pattern_to_dict``. Raises ``ParameterError`` naming the bad field."""
    if isinstance(data, list):  # the origin's bare list of lists
        data = {"pattern": data}
    if not isinstance(data, dict):
        raise ParameterError(f"pattern JSON must be an object or a list of steps, got {type(data).__name__}")
    if "pattern" not in data:
        raise ParameterError('pattern JSON has no "pattern" field')
    unknown = set(data) - {"pattern", "seed_length", "velocities", "offsets", "bpm"}
    if unknown:
        raise ParameterError(f"pattern JSON has unknown fields: {', '.join(sorted(unknown))}")
    seed_length = data.get("seed_length")
    if seed_length is not None and (isinstance(seed_length, bool) or not isinstance(seed_length, int)):
        raise ParameterError(f"seed_length {seed_length!r} is not a whole number")
    bpm = data.get("bpm")
    return Pattern.from_steps(
        data["pattern"],
        velocities=data.get("velocities"),
        offsets=data.get("offsets"),
        seed_length=seed_length,
        bpm=None if bpm is None else check_bpm(bpm),
    )


def pattern_to_json(pattern: Pattern) -> str:
    """The interchange JSON as one line of text."""
    return json.dumps(pattern_to_dict(pattern), separators=(", ", ": "))


def json_to_pattern(text: str) -> Pattern:
    """Inverse of ``pattern_to_json``. Raises ``ParameterError`` for malformed JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ParameterError(f"pattern is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    return dict_to_pattern(data)


# --- text grid --------------------------------------------------------------


def pattern_to_text(pattern: Pattern) -> str:
    """A grid of 9 labelled rows (kick at the top), one column per step.

    ``x`` is a hit, ``.`` a rest; columns are grouped by beat with spaces and a
    ``|`` marks where the seed ends. Velocities are not shown: use JSON for them.
    """
    width = max(len(label) for label in DRUM_LABELS)
    matrix = pattern.to_matrix() > 0
    rows = []
    for drum, label in enumerate(DRUM_LABELS):
        cells = []
        for i in range(len(pattern)):
            # A pattern that is all seed has no marker: nothing follows the seed.
            if i == pattern.seed_length:
                cells.append(_SEED_END)
            elif i % STEPS_PER_BEAT == 0 and i:
                cells.append(" ")
            cells.append(_HIT if matrix[i, drum] else _REST)
        rows.append(f"{label:<{width}} {''.join(cells)}".rstrip())
    return "\n".join(rows) + "\n"


def text_to_pattern(text: str) -> Pattern:
    """Inverse of ``pattern_to_text``: 9 rows ``label cells``, in any order.

    Spaces between cells are ignored; ``x``/``X`` is a hit, ``.``/``-`` a rest and
    a ``|`` (at the same place in every row that has one) ends the seed. Lines
    that are empty or start with ``#`` are skipped.
    """
    rows: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, _, cells = line.strip().partition(" ")
        drum = _drum_from_label(label, number)
        if drum in rows:
            raise ParameterError(f"line {number}: row {label!r} appears twice")
        rows[drum] = "".join(cells.split())
    missing = [DRUM_LABELS[d] for d in range(NUM_DRUMS) if d not in rows]
    if missing:
        raise ParameterError(f"text grid has no row for: {', '.join(missing)}")
    return _cells_to_pattern(rows)


def _cells_to_pattern(rows: dict[int, str]) -> Pattern:
    seed_ends = {cells.find(_SEED_END) for cells in rows.values()}
    if len(seed_ends) != 1:
        raise ParameterError("text grid rows disagree on where the seed ends ('|')")
    seed_end = seed_ends.pop()
    lengths = {len(cells.replace(_SEED_END, "")) for cells in rows.values()}
    if len(lengths) != 1:
        raise ParameterError(f"text grid rows have different lengths: {sorted(lengths)}")
    num_steps = lengths.pop()
    steps: list[list[int]] = [[] for _ in range(num_steps)]
    for drum, cells in sorted(rows.items()):
        if cells.count(_SEED_END) > 1:
            raise ParameterError(f"row {DRUM_LABELS[drum]!r} has more than one '|'")
        for i, cell in enumerate(cells.replace(_SEED_END, "")):
            if cell in "xX":
                steps[i].append(drum)
            elif cell not in ".-":
                raise ParameterError(f"row {DRUM_LABELS[drum]!r}, step {i}: {cell!r} is not 'x' or '.'")
    return Pattern.from_steps(steps, seed_length=num_steps if seed_end < 0 else seed_end)


def _drum_from_label(label: str, line_number: int) -> int:
    key = label.lower()
    for drum, names in enumerate(zip(DRUM_LABELS, DRUM_NAMES, DRUM_VOICES)):
        if key in {n.lower().replace(" ", "-") for n in names} or key == str(drum):
            return drum
    raise ParameterError(f"line {line_number}: {label!r} is not a drum row label ({', '.join(DRUM_LABELS)})")


def _as_list(value: Any, name: str) -> list:
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be a list, got {type(value).__name__}")
    return list(value)


def _as_int_list(value: Any, name: str) -> list:
    items = _as_list(value, name)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise ParameterError(f"{name}: {item!r} is not a whole number")
    return [int(item) for item in items]


def _as_float_list(value: Any, name: str) -> list:
    items = _as_list(value, name)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
            raise ParameterError(f"{name}: {item!r} is not a number")
    return [float(item) for item in items]
