"""Direct a loop: regenerate part of it, drumify a rhythm, blend two loops (``model.infill_model``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from .. import direct_schemas as schemas
from ..runtime import Runtime
from ..schemas import PatternModel
from .deps import get_runtime

router = APIRouter(prefix="/api", tags=["direct"])
LOADING = {503: {"description": "the infilling model is still loading (see Retry-After)"}}


@router.post("/regenerate", response_model=schemas.LoopsResponse, response_model_exclude_none=True,
             responses=LOADING)
def regenerate(request: schemas.RegenerateRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Each result is the loop with the chosen cells drawn again; every other cell is as sent."""
    from ...model.cell_selection import select_cells

    model = runtime.infill_model()
    loop = request.loop.to_pattern("loop")
    # a bad choice raises a ParameterError naming its argument, which the answer names as the field
    asked = select_cells(len(loop), drums=request.drums, bars=request.bars, steps=request.steps,
                         locked=request.locked)
    patterns = model.regenerate(loop, asked, temperature=request.temperature, rng_seed=request.rng_seed,
                                variations=request.variations, style=request.style, density=request.density,
                                fill_every=request.fill_every)
    return {"patterns": [PatternModel.of(p) for p in patterns]}


@router.post("/drumify", response_model=schemas.LoopsResponse, response_model_exclude_none=True, responses=LOADING)
def drumify(request: schemas.DrumifyRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Full-kit grooves that keep the rhythm's timing and accents."""
    model = runtime.infill_model()
    patterns = model.drumify(request.rhythm.to_pattern("rhythm"), temperature=request.temperature,
                             rng_seed=request.rng_seed, variations=request.variations, style=request.style,
                             density=request.density, fill_every=request.fill_every)
    return {"patterns": [PatternModel.of(p) for p in patterns]}


@router.post("/blend", response_model=schemas.LoopsResponse, response_model_exclude_none=True, responses=LOADING)
def blend(request: schemas.BlendRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """One phrase that moves from a's groove to b's, bar by bar."""
    model = runtime.infill_model()
    phrase = model.blend(request.a.to_pattern("a"), request.b.to_pattern("b"), bars=request.bars,
                         temperature=request.temperature, rng_seed=request.rng_seed, style=request.style)
    return {"patterns": [PatternModel.of(phrase)]}
