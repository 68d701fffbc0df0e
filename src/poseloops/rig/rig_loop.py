"""The loop a rig works on: the last loop the server made (or was told), and OSC's commands on it.

The studio keeps its loop in the browser; the server keeps none of its own. Installations
driving PoseLoops over OSC need one, so ``RigLoop`` holds the latest loop any route made
(generate, regenerate, drumify, blend: their first result), plus a BPM and a style that OSC
sets. ``generate`` continues that loop's seed again (a dice seed when there is no loop yet),
``regenerate`` draws its continuation again keeping the seed; each makes the new latest loop
and hands it to ``on_loop`` (OSC sends it as ``/poseloops/loop``).
"""

from __future__ import annotations

import json
import threading
from typing import Callable

import numpy as np

from ..errors import ParameterError
from ..pattern import NUM_DRUMS, STEPS_PER_BAR, Pattern, check_bpm, pattern_to_dict

DEFAULT_BPM = 120.0


class RigLoop:
    """The latest loop, BPM and style; thread-safe (routes, OSC and Link threads all reach it)."""

    def __init__(self, on_loop: Callable[[str], None] | None = None, *, bpm: float = DEFAULT_BPM) -> None:
        self.on_loop = on_loop or (lambda _json: None)
        self.loop: Pattern | None = None
        self.bpm = check_bpm(bpm)
        self.style: str | None = None
        self._lock = threading.Lock()

    def set_loop(self, pattern: Pattern) -> None:
        """Take ``pattern`` as the latest loop and announce it."""
        with self._lock:
            self.loop = pattern
        self.on_loop(self.loop_json(pattern))

    def loop_json(self, pattern: Pattern) -> str:
        """The loop as the studio's JSON (``pattern``, ``seed_length``, velocities, offsets) with this rig's ``bpm``."""
        return json.dumps({**pattern_to_dict(pattern), "bpm": self.bpm}, separators=(",", ":"))

    def set_bpm(self, bpm: float) -> float:
        self.bpm = check_bpm(bpm)
        return self.bpm

    def set_style(self, style: str, styles: tuple[str, ...]) -> str:
        """Take ``style`` (one of ``styles``, the model's; "any" clears it). Raises ``ParameterError``."""
        if style not in styles:
            raise ParameterError(f"style {style!r} is not one of {', '.join(styles)}", argument="style")
        self.style = None if style == "any" else style
        return style

    def generate(self, lstm, infill) -> Pattern:
        """A new loop from the latest loop's seed (a dice roll when there is none), in this rig's style."""
        from ..model.continuation import continue_seed
        from ..seeds.dice import roll_dice

        seed = self.loop.seed if self.loop is not None and self.loop.seed_length > 0 else roll_dice()
        loop = continue_seed(lstm, infill, seed, style=self.style)[0]
        self.set_loop(loop)
        return loop

    def regenerate(self, infill_model) -> Pattern:
        """The latest loop's continuation drawn again, its seed kept (its last bar when all of it is seed).

        Raises ``ParameterError`` when there is no loop yet."""
        if self.loop is None:
            raise ParameterError("there is no loop to regenerate yet: generate one first")
        loop = self.loop
        asked = np.zeros((len(loop), NUM_DRUMS), dtype=bool)
        first = loop.seed_length if loop.seed_length < len(loop) else max(0, len(loop) - STEPS_PER_BAR)
        asked[first:] = True
        new = infill_model.regenerate(loop, asked, style=self.style)[0]
        self.set_loop(new)
        return new
