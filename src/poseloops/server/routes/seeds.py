"""Seeds from every source: dice, a grid, a pose (photo, video frame, webcam, keypoint JSON),
any picture, a recorded rhythm. And the live pose the webcam overlay draws.

Uploads are the raw request body (see ``uploads``), decoded in memory by the
library's decoders with the server's limits; nothing is written or logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from .. import schemas
from ...errors import PoseLoopsError
from ..errors import FieldError, blame
from ..runtime import Runtime
from ..settings import Settings
from ..uploads import AUDIO_TYPES, IMAGE_TYPES, read_upload, upload_body_schema
from .deps import get_runtime, get_settings

router = APIRouter(prefix="/api", tags=["seeds"])

NEEDS_POSE = {503: {"description": "the pose estimator is still loading (see Retry-After)"}}
UPLOAD_ERRORS = {
    413: {"description": "the upload is larger than the limit"},
    415: {"description": "the Content-Type is not one this endpoint reads"},
}
IMAGE_BODY = upload_body_schema(IMAGE_TYPES)
AUDIO_BODY = upload_body_schema(AUDIO_TYPES)


@router.post("/seeds/dice", response_model=schemas.SeedResponse, response_model_exclude_none=True)
def dice_seed(request: schemas.DiceRequest) -> dict:
    """The origin's dice: each step draws ``length`` drums from ``low``..``high``."""
    from ...seeds import roll_dice

    options = request.model_dump(exclude_none=True)
    with blame("dice"):
        return {"seed": schemas.PatternModel.of(roll_dice(**options))}


@router.post("/seeds/grid", response_model=schemas.SeedResponse, response_model_exclude_none=True)
def grid_seed(request: schemas.GridRequest) -> dict:
    """A hand-drawn grid; an empty grid is a valid (silent) seed."""
    from ...seeds import grid_to_pattern

    with blame("cells"):
        return {"seed": schemas.PatternModel.of(grid_to_pattern(request.cells))}


@router.post("/seeds/keypoints", response_model=schemas.SeedResponse, response_model_exclude_none=True)
def keypoints_seed(request: schemas.KeypointsRequest) -> dict:
    """Keypoints from any pose source (17 COCO or 33 BlazePose) mapped onto the grid."""
    from ...seeds import keypoints_from_json, keypoints_to_pattern

    with blame("keypoints"):
        keypoints = keypoints_from_json(request.keypoints)
        seed = keypoints_to_pattern(keypoints, **request.model_dump(exclude={"keypoints"}))
    return {"seed": schemas.PatternModel.of(seed)}


@router.post(
    "/seeds/pose",
    response_model=schemas.SeedResponse,
    response_model_exclude_none=True,
    openapi_extra=IMAGE_BODY,
    responses={**UPLOAD_ERRORS, **NEEDS_POSE},
)
async def pose_seed(
    request: Request,
    options: Annotated[schemas.PoseOptions, Query()],
    runtime: Annotated[Runtime, Depends(get_runtime)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict:
    """A photo or a video/webcam frame (JPEG or PNG) -> the pose's seed and its keypoints for drawing."""
    runtime.require_pose()
    data = await read_upload(request, types=IMAGE_TYPES, what="image")
    return await run_in_threadpool(_pose_seed, data, options, settings)


@router.post(
    "/seeds/image",
    response_model=schemas.SeedResponse,
    response_model_exclude_none=True,
    openapi_extra=IMAGE_BODY,
    responses=UPLOAD_ERRORS,
)
async def image_seed(
    request: Request,
    options: Annotated[schemas.ImageOptions, Query()],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict:
    """Any picture, with or without a person, mapped onto the grid by its features."""
    data = await read_upload(request, types=IMAGE_TYPES, what="image")
    return await run_in_threadpool(_image_seed, data, options, settings)


@router.post(
    "/seeds/audio",
    response_model=schemas.SeedResponse,
    response_model_exclude_none=True,
    openapi_extra=AUDIO_BODY,
    responses=UPLOAD_ERRORS,
)
async def audio_seed(
    request: Request,
    options: Annotated[schemas.AudioOptions, Query()],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict:
    """A recorded rhythm (WAV, FLAC, OGG; MP3 where libsndfile reads it): onsets -> 16ths -> drums."""
    data = await read_upload(request, types=AUDIO_TYPES, what="audio")
    return await run_in_threadpool(_audio_seed, data, options, settings)


@router.post(
    "/pose",
    response_model=schemas.LivePoseResponse,
    response_model_exclude_none=True,
    openapi_extra=IMAGE_BODY,
    responses={**UPLOAD_ERRORS, **NEEDS_POSE},
)
async def live_pose(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict:
    """Keypoints only, for the webcam overlay (posted a few times a second); no person is not an error."""
    runtime.require_pose()
    data = await read_upload(request, types=IMAGE_TYPES, what="image")
    return await run_in_threadpool(_live_pose, data, settings)


def _decode_image(data: bytes, settings: Settings):
    from ...seeds import decode_image

    with blame("body"):
        return decode_image(data, max_pixels_side=settings.max_image_side)


def _pose_seed(data: bytes, options: schemas.PoseOptions, settings: Settings) -> dict:
    from ...seeds import pose_to_pattern

    image = _decode_image(data, settings)
    with blame("body"):
        seed, keypoints = pose_to_pattern(image, **options.model_dump())
    return {"seed": schemas.PatternModel.of(seed), "pose": schemas.pose_model(keypoints, image.shape)}


def _image_seed(data: bytes, options: schemas.ImageOptions, settings: Settings) -> dict:
    from ...seeds import image_to_pattern

    image = _decode_image(data, settings)
    with blame("body"):
        return {"seed": schemas.PatternModel.of(image_to_pattern(image, **options.model_dump()))}


def _audio_seed(data: bytes, options: schemas.AudioOptions, settings: Settings) -> dict:
    from ...audio.files import decode_audio
    from ...seeds import read_rhythm

    with blame("body"):
        samples, sample_rate = decode_audio(data, max_seconds=settings.max_audio_seconds)
    try:
        read = read_rhythm(samples, sample_rate, **options.model_dump())
    except PoseLoopsError as err:  # an option's fault names it (steps with bars); the rest is the recording's
        raise FieldError(getattr(err, "argument", None) or "body", err) from err
    tempo = {"bpm": read.bpm, "estimated": read.estimated, "alternatives": read.alternatives}
    return {"seed": schemas.PatternModel.of(read.seed), "tempo": tempo}


def _live_pose(data: bytes, settings: Settings) -> dict:
    from ...seeds import estimate_pose

    image = _decode_image(data, settings)
    keypoints = estimate_pose(image)
    if keypoints is None:
        return {"person": False}
    return {"person": True, "pose": schemas.pose_model(keypoints, image.shape)}
