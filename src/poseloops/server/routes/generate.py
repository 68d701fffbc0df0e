"""Continue a seed with the drum model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from .. import schemas
from ..errors import blame
from ..runtime import Runtime
from .deps import get_runtime

router = APIRouter(prefix="/api", tags=["generate"])


@router.post(
    "/generate",
    response_model=schemas.GenerateResponse,
    response_model_exclude_none=True,
    responses={503: {"description": "the drum model is still loading (see Retry-After)"}},
)
def generate(request: schemas.GenerateRequest, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Each result is the seed followed by ``steps`` generated steps; ``seed_length`` marks the seed."""
    model = runtime.model()
    seed = request.seed.to_pattern("seed")
    with blame("steps"):
        patterns = model.continue_pattern(
            seed,
            steps=request.steps,
            temperature=request.temperature,
            rng_seed=request.rng_seed,
            variations=request.variations,
        )
    return {"patterns": [schemas.PatternModel.of(p) for p in patterns]}
