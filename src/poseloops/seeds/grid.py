"""The hand-drawn grid: cells a person ticked, as a seed.

The browser's step grid sends a list of steps, each the drums ticked in it;
files hold the text grid or the interchange JSON (``poseloops.pattern``).
An empty grid (no steps, or only rests) is a valid seed: the drum model then
starts a new piece from silence instead of continuing one (see
``poseloops.model.drum_model``), keeping the grid's rests in front.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ParameterError
from ..pattern import Pattern, dict_to_pattern, json_to_pattern, text_to_pattern


def grid_to_pattern(cells: Sequence[Sequence[int]] | str | dict[str, Any]) -> Pattern:
    """A seed from grid cells.

    ``cells`` is a list of steps of drum indices (``[[0, 2], [], [2]]``), the
    interchange JSON object or its text, or a text grid (9 labelled rows of
    ``x`` and ``.``). Drums in a step may come in any order and each step is
    sorted. Raises ``ParameterError`` naming the bad step, drum or line.
    """
    if isinstance(cells, Pattern):
        return cells
    if isinstance(cells, str):
        text = cells.strip()
        return json_to_pattern(text) if text[:1] in ("{", "[") else text_to_pattern(cells)
    if isinstance(cells, dict):
        return dict_to_pattern(cells)
    if isinstance(cells, (bytes, bytearray)):
        raise ParameterError("grid cells must be decoded text or a list of steps, not bytes")
    return Pattern.from_steps(cells)
