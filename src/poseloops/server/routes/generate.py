"""Continue a seed with the drum model; play any pattern as the model would; which model is loaded."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...pattern import STEPS_PER_BAR
from .. import schemas
from ..runtime import Runtime
from ..settings import MAX_BARS
from .deps import get_runtime

router = APIRouter(prefix="/api", tags=["generate"])
LOADING = {503: {"description": "the drum model is still loading (see Retry-After)"}}


@router.post("/generate", response_model=schemas.GenerateResponse, response_model_exclude_none=True,
             responses=LOADING)
def generate(request: schemas.GenerateRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Each result is the seed followed by the generated steps; ``seed_length`` marks the seed."""
    from ...model.continuation import continue_seed

    model = runtime.model()
    seed = request.seed.to_pattern("seed")
    context = None if request.context is None else request.context.to_pattern("context")
    # a bad value raises a ParameterError naming its argument, which the answer names as the field
    patterns = continue_seed(
        model, runtime.infill_model, seed, density=request.density, bars=request.bars, steps=request.steps,
        temperature=request.temperature, rng_seed=request.rng_seed, variations=request.variations,
        style=request.style, fill_every=request.fill_every, context=context)
    return {"patterns": [schemas.PatternModel.of(p) for p in patterns], "bars": len(patterns[0]) / STEPS_PER_BAR}


@router.post("/humanize", response_model=schemas.HumanizeResponse, response_model_exclude_none=True,
             responses=LOADING)
def humanize(request: schemas.HumanizeRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """The same hits with the velocities and timing offsets the model plays them with."""
    model = runtime.model()
    pattern = request.pattern.to_pattern("pattern")
    played = model.humanize(pattern, style=request.style, rng_seed=request.rng_seed,
                            temperature=request.temperature)
    return {"pattern": schemas.PatternModel.of(played)}


@router.get("/model", response_model=schemas.ModelInfo, response_model_exclude_none=True, responses=LOADING)
def model_info(runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Which weights are loaded, the styles they know and the loop lengths the studio offers."""
    from ...model.drum_model import DEFAULT_BARS, FILL_EVERY
    from ...model.weights import DEFAULT_WEIGHTS

    model = runtime.model()
    path = model.path or DEFAULT_WEIGHTS
    shipped = path.resolve() == DEFAULT_WEIGHTS.resolve()
    best = model.training.get("best") or {}
    return {"name": "shipped groove model" if shipped else path.stem, "path": str(path) if not shipped else path.name,
            "shipped": shipped, "styles": list(model.styles), "default_bars": DEFAULT_BARS, "max_bars": MAX_BARS,
            "fill_every": list(FILL_EVERY), "validation_nll": best.get("validation_nll")}
