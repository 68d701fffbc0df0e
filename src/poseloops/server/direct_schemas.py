"""Request and response models of the routes that direct a loop: regenerate, drumify, blend.

Each field carries its limits from the library (``model.infill_model``,
``model.sampling``, ``model.drum_model``), so /docs says what is allowed and
pydantic refuses the rest with a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..model.infill_model import BLEND_BARS, DEFAULT_DENSITY, MAX_DENSITY, MIN_DENSITY
from ..model.sampling import MAX_TEMPERATURE
from ..pattern import MAX_STEPS
from .schemas import DrumIndex, FillEvery, PatternModel, RngSeed, Strict, StyleName
from .settings import MAX_BARS, MAX_VARIATIONS

Density = Annotated[float, Field(ge=MIN_DENSITY, le=MAX_DENSITY,
                                 description="how busy the drawn cells are: 0 sparse, 0.5 as the model plays, 1 busy")]
BarNumber = Annotated[int, Field(ge=1, le=MAX_BARS, description="a bar of the loop, 1 for the first")]
StepNumber = Annotated[int, Field(ge=1, le=MAX_STEPS, description="a step of the loop, 1 for the first")]
Cell = Annotated[list[int], Field(min_length=2, max_length=2, description="[step (0-based), drum 0-8]")]


class DrawSettings(Strict):
    temperature: float = Field(1.0, ge=0.0, le=MAX_TEMPERATURE, description="0 the likeliest cells; higher is wilder")
    rng_seed: RngSeed | None = None
    style: StyleName = "any"


class RegenerateRequest(DrawSettings):
    """Draw the chosen cells again and keep every other cell exactly: ``drums`` in ``bars`` within
    ``steps``, less the ``locked`` cells (each choice left out means all)."""

    loop: PatternModel
    drums: list[DrumIndex] | None = Field(None, min_length=1, max_length=9)
    bars: list[BarNumber] | None = Field(None, min_length=1, max_length=MAX_BARS)
    steps: tuple[StepNumber, StepNumber] | None = Field(None, description="[first, last], both included")
    locked: list[Cell] | None = Field(None, max_length=MAX_STEPS * 9, description="cells kept whatever is chosen")
    variations: int = Field(1, ge=1, le=MAX_VARIATIONS)
    density: Density = DEFAULT_DENSITY
    fill_every: FillEvery = 0


class DrumifyRequest(DrawSettings):
    """Every hit of ``rhythm``, whatever its drum, is one rhythm (per step the loudest hit's velocity and
    offset); the answer is a full-kit groove on it, the rhythm's length in whole bars."""

    rhythm: PatternModel
    variations: int = Field(1, ge=1, le=MAX_VARIATIONS)
    density: Density = DEFAULT_DENSITY
    fill_every: FillEvery = 0


class BlendRequest(DrawSettings):
    """A phrase of ``bars`` bars from ``a``'s groove (its first bar) to ``b``'s."""

    a: PatternModel
    b: PatternModel
    bars: Literal[BLEND_BARS] = 4  # type: ignore[valid-type]


class LoopsResponse(BaseModel):
    patterns: list[PatternModel]
