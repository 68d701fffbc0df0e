"""Any picture as a seed: where the picture is busy, a drum plays.

The picture is laid over the ``steps x 9`` grid: left to right is time, and
its height picks the drum on the same ladder a pose uses (bottom row kick,
top row crash; ``pose_mapping.HEIGHT_LADDER``), so a horizon of rocks plays
low drums and a busy sky the cymbals. Each cell's feature is its edge energy,
the mean brightness change between neighbouring pixels, measured on a copy
scaled to ``CELL_PIXELS`` per cell so the result does not depend on the
picture's size. The busiest cells play, most first, up to ``density`` times
``MAX_HITS_PER_STEP`` hits a step; cells flatter than ``MIN_EDGE_ENERGY`` never
play. The same picture always gives the same seed.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError, ParameterError
from ..pattern import NUM_DRUMS, Pattern, check_num_steps
from .image_io import check_image
from .pose_mapping import DEFAULT_STEPS, HEIGHT_LADDER

DEFAULT_DENSITY = 0.5
# density is above MIN_DENSITY (no cell may sound: no seed) and up to MAX_DENSITY (every step full).
MIN_DENSITY, MAX_DENSITY = 0.0, 1.0
# At density 1 a step has 3 hits; the default 0.5 gives 1.5, what a sounding
# 16th has on average in the Groove dataset's beats.
MAX_HITS_PER_STEP = 3
CELL_PIXELS = 12  # the picture is scaled so each grid cell is this many pixels square
# Mean brightness change per pixel (0-255 scale) below which a cell is flat:
# above JPEG noise and smooth gradients (a sky ramps by about 1 level a pixel).
MIN_EDGE_ENERGY = 4.0
# Grid rows from the top of the picture down: the height ladder upside down.
ROWS_TOP_DOWN = tuple(drum for drum, _ in reversed(HEIGHT_LADDER))


def image_to_pattern(image_rgb: np.ndarray, *, steps: int = DEFAULT_STEPS, density: float = DEFAULT_DENSITY) -> Pattern:
    """The seed a picture plays: ``steps`` steps from an RGB ``(height, width, 3)`` uint8 image.

    ``density`` (0-1] scales how many cells play. Raises ``ParameterError`` for
    bad options and ``InputError`` if the picture is flat everywhere (nothing
    to play).
    """
    check_image(image_rgb)
    steps = check_num_steps(steps, minimum=1)
    if isinstance(density, bool) or not isinstance(density, (int, float)) or not MIN_DENSITY < density <= MAX_DENSITY:
        raise ParameterError(f"density {density!r} is outside ({MIN_DENSITY:g}, {MAX_DENSITY:g}]", argument="density")
    energy = edge_energy(image_rgb, steps)
    budget = max(1, math.floor(density * MAX_HITS_PER_STEP * steps + 0.5))
    cells = np.zeros((steps, NUM_DRUMS), dtype=np.uint8)
    per_step = np.zeros(steps, dtype=int)
    # Busiest first; ties go to the earlier cell (a stable sort), so it is deterministic.
    for flat in np.argsort(-energy, axis=None, kind="stable"):
        row, step = divmod(int(flat), steps)
        if budget == 0 or energy[row, step] < MIN_EDGE_ENERGY:
            break
        if per_step[step] < MAX_HITS_PER_STEP:
            cells[step, ROWS_TOP_DOWN[row]] = 100
            per_step[step] += 1
            budget -= 1
    if not cells.any():
        raise InputError("the picture is flat (no edges or texture anywhere), so there is nothing to play")
    return Pattern.from_matrix(cells, seed_length=steps)


def edge_energy(image_rgb: np.ndarray, steps: int) -> np.ndarray:
    """Mean absolute brightness change per pixel in each cell: shape ``(9, steps)``, top row first."""
    from PIL import Image

    gray = Image.fromarray(image_rgb).convert("L")
    size = (steps * CELL_PIXELS, NUM_DRUMS * CELL_PIXELS)
    small = np.asarray(gray.resize(size, Image.BOX), dtype=np.float32)
    change = np.zeros_like(small)
    change[:, 1:] += np.abs(np.diff(small, axis=1))
    change[1:, :] += np.abs(np.diff(small, axis=0))
    blocks = change.reshape(NUM_DRUMS, CELL_PIXELS, steps, CELL_PIXELS)
    return blocks.mean(axis=(1, 3))
