"""Is the server up, and are the model and the pose estimator loaded yet? And the studio's constants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ... import __version__
from ...model.sampling import MAX_TEMPERATURE
from ...pattern import DRUM_LABELS, DRUM_NAMES, DRUM_VOICES, MAX_BPM, MAX_STEPS, MIN_BPM, NUM_DRUMS, STEPS_PER_BAR
from ...timing import MAX_SWING, STRAIGHT_SWING
from .. import schemas
from ..runtime import Runtime
from ..settings import MAX_VARIATIONS, Settings
from .deps import get_runtime, get_settings

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=schemas.HealthResponse)
def health(runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    """Always 200 while the server runs; ``status`` is ``ready`` once the model and pose estimator are loaded."""
    return {**runtime.status(), "version": __version__}


@router.get("/config")
def config(settings: Annotated[Settings, Depends(get_settings)]) -> dict:
    """The drum rows, the value ranges and the upload limits, so the page needs no copy of them."""
    from ...audio import MixerSettings
    from ...audio import mixer as mixer_ranges
    from ...seeds import dice

    return {
        "dice": {"length": dice.DEFAULT_LENGTH, "low": dice.DEFAULT_LOW, "high": dice.DEFAULT_HIGH},
        "mixer": {
            "defaults": MixerSettings().to_dict(),
            "ranges": {
                "gain": mixer_ranges.GAIN_RANGE,
                "pan": mixer_ranges.PAN_RANGE,
                "reverb_wet": mixer_ranges.WET_RANGE,
            },
        },
        "drums": [
            {"index": i, "name": DRUM_NAMES[i], "label": DRUM_LABELS[i], "voice": DRUM_VOICES[i]}
            for i in range(NUM_DRUMS)
        ],
        "steps_per_bar": STEPS_PER_BAR,
        "limits": {
            "max_steps": MAX_STEPS,
            "bpm": [MIN_BPM, MAX_BPM],
            "swing": [STRAIGHT_SWING, MAX_SWING],
            "temperature": [0.0, MAX_TEMPERATURE],
            "max_variations": MAX_VARIATIONS,
            "max_image_bytes": settings.max_image_bytes,
            "max_image_side": settings.max_image_side,
            "max_audio_bytes": settings.max_audio_bytes,
            "max_audio_seconds": settings.max_audio_seconds,
            "max_render_seconds": settings.max_render_seconds,
        },
    }
