"""Request and response models. Each field carries its limits, so the OpenAPI
schema at ``/docs`` says what is allowed and pydantic refuses the rest with a
422 naming the field. Values the library checks more finely (a drum listed
twice in a step, a seed longer than its pattern) go through the library's own
validators under ``blame(field)``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..pattern import (
    MAX_BPM,
    MAX_STEPS,
    MAX_OFFSET,
    MAX_VELOCITY,
    MIN_BPM,
    MIN_OFFSET,
    MIN_VELOCITY,
    NUM_DRUMS,
    Pattern,
    dict_to_pattern,
    pattern_to_dict,
)
from ..model.drum_model import FILL_EVERY
from ..model.sampling import MAX_TEMPERATURE
from ..rng_seed import MAX_RNG_SEED, MIN_RNG_SEED
from ..model.infill_model import DEFAULT_DENSITY as DEFAULT_DRAW_DENSITY
from ..model.infill_model import MAX_DENSITY as MAX_DRAW_DENSITY
from ..model.infill_model import MIN_DENSITY as MIN_DRAW_DENSITY
from ..seeds.dice import MAX_LENGTH
from ..seeds.picture import DEFAULT_DENSITY, MAX_DENSITY, MIN_DENSITY
from ..seeds.rhythm import MAX_SEED_BARS, SEED_BARS
from ..seeds.pose_mapping import DEFAULT_STEPS, DEFAULT_VISIBILITY_THRESHOLD, MAX_VISIBILITY, MIN_VISIBILITY
from ..audio.loudness import LOUDNESS_RANGE_LUFS, TARGET_LUFS, TRUE_PEAK_CEILING_DBTP
from ..timing import FULL_GROOVE, MAX_SWING, NO_GROOVE, STRAIGHT_SWING
from .errors import blame
from .settings import MAX_BARS, MAX_EXPORT_LOOPS, MAX_VARIATIONS

MAX_NAME_CHARS = 200
MAX_TEXT_GRID_CHARS = 64 * 1024  # 9 rows of 1024 cells with labels and spaces fit easily

DrumIndex = Annotated[int, Field(ge=0, le=NUM_DRUMS - 1, description="drum class 0-8")]
Velocity = Annotated[int, Field(ge=MIN_VELOCITY, le=MAX_VELOCITY)]
Step = Annotated[list[DrumIndex], Field(max_length=NUM_DRUMS, description="the drums that sound on this 16th")]
StepVelocities = Annotated[list[Velocity], Field(max_length=NUM_DRUMS)]
Offset = Annotated[float, Field(ge=MIN_OFFSET, lt=MAX_OFFSET)]
StepOffsets = Annotated[list[Offset], Field(max_length=NUM_DRUMS)]
Groove = Annotated[float, Field(ge=NO_GROOVE, le=FULL_GROOVE, description="0 a straight grid at one velocity, 1 as played")]
StyleName = Annotated[str, Field(min_length=1, max_length=40, description='"any" or a name from GET /api/model')]
FillEvery = Literal[FILL_EVERY]  # type: ignore[valid-type]  # the model's (0, 2, 4, 8)
Bars = Annotated[int, Field(ge=1, le=MAX_BARS, description="loop length in whole bars of 16 steps")]
Bpm = Annotated[float, Field(ge=MIN_BPM, le=MAX_BPM, description="beats per minute")]
Swing = Annotated[float, Field(ge=STRAIGHT_SWING, le=MAX_SWING, description="0.5 straight, 0.75 hard swing")]
RngSeed = Annotated[int, Field(ge=MIN_RNG_SEED, le=MAX_RNG_SEED, description="makes a result repeatable")]
SeedSteps = Annotated[int, Field(ge=1, le=MAX_STEPS, description="length of the seed in 16th steps")]
KitName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS, description="a name from GET /api/kits")]

EXAMPLE_PATTERN = {"pattern": [[0, 2], [2], [1, 2], [2], [0, 2], [0], [1, 2], [2]], "seed_length": 8}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatternModel(Strict):
    """The interchange JSON: a list of steps, each the list of drums (0-8) on that 16th."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_PATTERN]})

    pattern: list[Step] = Field(max_length=MAX_STEPS)
    seed_length: int | None = Field(None, ge=0, le=MAX_STEPS, description="leading steps that were the seed")
    velocities: list[StepVelocities] | None = Field(None, max_length=MAX_STEPS, description="same shape as pattern")
    offsets: list[StepOffsets] | None = Field(
        None, max_length=MAX_STEPS,
        description="same shape as pattern: how far each hit is played off its 16th, in 16ths, [-0.5, 0.5)")
    bpm: Bpm | None = None

    def to_pattern(self, field: str) -> Pattern:
        with blame(field):
            return dict_to_pattern(self.model_dump(exclude_none=True))

    @classmethod
    def of(cls, pattern: Pattern) -> "PatternModel":
        return cls(**pattern_to_dict(pattern))


# --- seeds ---------------------------------------------------------------------------


class DiceRequest(Strict):
    """The origin's dice; a field left out takes the library's default."""

    steps: SeedSteps | None = None
    length: int | None = Field(None, ge=1, le=MAX_LENGTH, description="drums drawn per step")
    low: DrumIndex | None = Field(None, description="lowest drum index drawn")
    high: DrumIndex | None = Field(None, description="highest drum index drawn (inclusive)")
    rng_seed: RngSeed | None = None


class GridRequest(Strict):
    """A hand-drawn grid: a list of steps of drum indices, or the 9-row text grid."""

    cells: list[Step] | Annotated[str, Field(max_length=MAX_TEXT_GRID_CHARS)] = Field(
        ..., examples=[[[0], [], [2], [1, 2]]]
    )


class PoseOptions(Strict):
    """How a pose becomes a seed (query parameters of the pose upload)."""

    steps: SeedSteps = DEFAULT_STEPS
    mirror: bool = Field(True, description="the picture is a selfie view: flip left and right")
    normalize: Literal["body", "frame"] = Field("body", description="scale to the body or to the whole frame")
    visibility_threshold: float = Field(DEFAULT_VISIBILITY_THRESHOLD, ge=MIN_VISIBILITY, le=MAX_VISIBILITY,
                                        description="keypoints less visible are ignored")


class LiveSettings(PoseOptions):
    """A live stream's settings (a JSON text message on WS /api/live; fields left out keep their value)."""


class KeypointsRequest(PoseOptions):
    """Keypoints from any pose source: 17 COCO/PoseNet or 33 BlazePose landmarks."""

    mirror: bool = False
    keypoints: Any = Field(..., description="a list of keypoints, or an object with one, as the CLI reads it")


class ImageOptions(Strict):
    steps: SeedSteps = DEFAULT_STEPS
    density: float = Field(DEFAULT_DENSITY, gt=MIN_DENSITY, le=MAX_DENSITY,
                           description="share of the grid's cells that may sound")


class AudioOptions(Strict):
    bpm: Bpm | None = Field(None, description="the recording's tempo; estimated when left out (send the tempo read, "
                            "halved or doubled, to read the same recording again at that tempo)")
    steps: SeedSteps | None = Field(None, description="exact seed length from the first hit (not with bars)")
    bars: Annotated[int, Field(ge=1, le=MAX_SEED_BARS)] | None = Field(
        None, description=f"the seed is the first 1-{MAX_SEED_BARS} whole bars played (fewer if fewer were); "
        f"the first {SEED_BARS} when neither this nor steps is given")


class KeypointModel(BaseModel):
    name: str
    x: float = Field(description="0-1 across the picture as sent (not mirrored)")
    y: float = Field(description="0-1 down the picture")
    visibility: float


class PoseModel(BaseModel):
    """Keypoints for drawing over the picture, and the skeleton's edges between them."""

    keypoints: list[KeypointModel]
    edges: list[tuple[int, int]]
    width: int
    height: int


def pose_model(keypoints, image_shape: tuple[int, ...]) -> dict:
    """Keypoints as JSON for drawing: names, x/y in 0-1 of the picture, visibility, skeleton edges."""
    height, width = image_shape[:2]
    layout = keypoints.layout
    points = [
        {"name": name, "x": round(float(x) / width, 4), "y": round(float(y) / height, 4), "visibility": round(float(v), 3)}
        for name, (x, y), v in zip(layout.landmarks, keypoints.xy, keypoints.visibility)
    ]
    edges = [(layout.index(a), layout.index(b)) for a, b in layout.edges]
    return {"keypoints": points, "edges": edges, "width": width, "height": height}


class TempoModel(BaseModel):
    """The tempo a recorded rhythm was read at, and what a person may pick instead."""

    bpm: float
    estimated: bool = Field(description="true when read from the recording, false when the request gave bpm")
    alternatives: list[float] = Field(description="the tempo halved and doubled (where a seed can take them)")


class SeedResponse(BaseModel):
    seed: PatternModel
    pose: PoseModel | None = None
    tempo: TempoModel | None = Field(None, description="recorded rhythms: the tempo read")


class LivePoseResponse(BaseModel):
    person: bool
    pose: PoseModel | None = None


# --- generate ------------------------------------------------------------------------


class GenerateRequest(Strict):
    """The seed opens bar 1; the model completes it and the bars after, with its velocities and offsets."""

    seed: PatternModel
    bars: Bars | None = Field(None, description="loop length in bars (default 4, or twice a long seed's bars)")
    steps: int | None = Field(None, ge=1, le=MAX_STEPS,
                              description="exactly this many steps after the seed instead of whole bars")
    temperature: float = Field(1.0, ge=0.0, le=MAX_TEMPERATURE, description="0 greedy; higher is wilder")
    rng_seed: RngSeed | None = None
    variations: int = Field(1, ge=1, le=MAX_VARIATIONS)
    style: StyleName = "any"
    fill_every: FillEvery = Field(0, description="0 no fills; N: the last bar of every N is a fill")
    context: PatternModel | None = Field(
        None, description="whole bars already playing: the model reads them first, so the music goes on")
    density: float | None = Field(
        None, ge=MIN_DRAW_DENSITY, le=MAX_DRAW_DENSITY,
        description="how busy the loop is: 0 sparse, 0.5 (or none) as the model plays, 1 busy; other than 0.5 the "
        "infilling model continues the seed in whole bars (no steps, no context)")


class GenerateResponse(BaseModel):
    patterns: list[PatternModel]
    bars: float = Field(description="the loop's length in bars (whole unless steps was given)")


class HumanizeRequest(Strict):
    pattern: PatternModel
    style: StyleName = "any"
    rng_seed: RngSeed | None = None
    temperature: float = Field(1.0, ge=0.0, le=MAX_TEMPERATURE, description="0: the model's likeliest touch")


class HumanizeResponse(BaseModel):
    pattern: PatternModel


class ModelInfo(BaseModel):
    name: str
    path: str
    shipped: bool
    styles: list[str]
    default_bars: int
    max_bars: int
    fill_every: list[int]
    validation_nll: float | None = None


# --- sound ---------------------------------------------------------------------------


class SoundSettings(Strict):
    bpm: Bpm = 120.0
    swing: Swing = 0.5
    groove: Groove = 1.0
    kit: KitName | None = Field(None, description="a name from GET /api/kits; the built-in synth kit when left out")
    mixer: dict[str, Any] | None = Field(None, description="mixer overrides; see GET /api/config for the fields")


class RenderRequest(SoundSettings):
    """One seamless loop cycle, for playback."""

    pattern: PatternModel
    format: Literal["wav", "flac"] = "wav"


class RenderTailRequest(RenderRequest):
    """What still rings at a step of the loop, for a player switching loops there."""

    step: int = Field(..., ge=0, multiple_of=2, description="the step the loop is left at (a bar boundary: 0, 16, 32, ...)")


def _loudness_target(value: Any) -> Any:
    """The library's check first, so a bad value is one line naming ``loudness`` (not a union's parts)."""
    from ..audio.loudness import check_loudness_target
    from ..errors import ParameterError

    if value == "raw":
        return value
    if isinstance(value, str) or value is None:
        raise ValueError(f"loudness {value!r} is not a number of LUFS or 'raw'")
    try:
        check_loudness_target(value)
    except ParameterError as err:
        raise ValueError(str(err)) from None
    return value


LoudnessTarget = Annotated[
    Annotated[float, Field(ge=LOUDNESS_RANGE_LUFS[0], le=LOUDNESS_RANGE_LUFS[1])] | Literal["raw"],
    BeforeValidator(_loudness_target),
]
LOUDNESS_FIELD = Field(
    TARGET_LUFS, description=f"integrated loudness (ITU-R BS.1770, LUFS) the export is brought to, true peak at or "
    f"below {TRUE_PEAK_CEILING_DBTP:g} dBTP; \"raw\": the engine's level, as the studio plays it")


class ExportAudioRequest(SoundSettings):
    """The loop played ``loops`` times and its tail let ring out, as a file."""

    pattern: PatternModel
    format: Literal["wav", "flac"] = "wav"
    loops: int = Field(4, ge=1, le=MAX_EXPORT_LOOPS)
    loudness: LoudnessTarget = LOUDNESS_FIELD


class ExportStemsRequest(SoundSettings):
    """One 24-bit WAV per drum that sounds, in a zip: as long as the mix, starting with it, summing to it."""

    pattern: PatternModel
    loops: int = Field(4, ge=1, le=MAX_EXPORT_LOOPS)
    loudness: LoudnessTarget = LOUDNESS_FIELD


class ExportMidiRequest(Strict):
    pattern: PatternModel
    bpm: Bpm = 120.0
    swing: Swing = 0.5
    groove: Groove = 1.0


class KitModel(BaseModel):
    name: str
    source: str


class KitsResponse(BaseModel):
    kits: list[KitModel]
    default: str


# --- session -------------------------------------------------------------------------


# A cell of the loop as the page names it: "step:drum" (step 0-based).
CellKey = Annotated[str, Field(pattern=r"^[0-9]{1,4}:[0-8]$", description='"step:drum", step 0-based')]
DrumSet = Annotated[list[DrumIndex], Field(max_length=NUM_DRUMS)]


class StudioSettings(Strict):
    """Every setting the page shows. Fields added after the first version are optional, so older
    session files load as they did."""

    bpm: Bpm = 120.0
    swing: Swing = 0.5
    temperature: float = Field(1.0, ge=0.0, le=MAX_TEMPERATURE)
    steps: int = Field(32, ge=1, le=MAX_STEPS)
    bars: Bars = 4
    style: StyleName = "any"
    fill_every: FillEvery = 0
    groove: Groove = 1.0
    kit: KitName | None = None
    mixer: dict[str, Any] | None = None
    rng_seed: RngSeed | None = None
    rng_locked: bool = Field(False, description="the random seed is kept: the same dice and the same loop again")
    mute: DrumSet = Field(default_factory=list, description="drums left out of what is heard")
    solo: DrumSet = Field(default_factory=list, description="when any: only these drums are heard")
    density: float = Field(DEFAULT_DRAW_DENSITY, ge=MIN_DRAW_DENSITY, le=MAX_DRAW_DENSITY,
                           description="how busy the next drawn cells are: 0 sparse, 0.5 as the model plays, 1 busy")
    seed_steps: SeedSteps | None = Field(None, description="the seed length the panels make")
    live_bars: Literal[1, 2, 4] | None = Field(None, description="live mode: a pose plays from every N bars")
    master: float = Field(1.0, ge=0.0, le=1.0, description="the page's master volume: 1 as rendered, 0 silent")
    metronome: bool | None = Field(None, description="the metronome clicks while the loop plays")
    master: float = Field(1.0, ge=0.0, le=1.0, description="the page's master volume slider: 0 off, 1 as rendered")


class Locks(Strict):
    """What regenerating keeps: whole drum rows, whole bars (0-based) and single cells."""

    rows: DrumSet = Field(default_factory=list)
    bars: list[Annotated[int, Field(ge=0, lt=MAX_BARS)]] = Field(default_factory=list, max_length=MAX_BARS)
    cells: list[CellKey] = Field(default_factory=list, max_length=MAX_STEPS * NUM_DRUMS)


Edits = Annotated[list[CellKey], Field(max_length=MAX_STEPS * NUM_DRUMS)]


class Session(Strict):
    """What the page keeps: the seed, the loop, its variations and everything the page shows.
    Downloads and loads back. ``loop`` is the variation that plays (``variations[variation]``)."""

    format: Literal["poseloops-session"] = "poseloops-session"
    version: Literal[1] = 1
    seed: PatternModel | None = None
    loop: PatternModel | None = None
    source: Annotated[str, Field(max_length=40)] | None = Field(None, description="which panel made the seed")
    settings: StudioSettings = Field(default_factory=StudioSettings)
    variations: list[PatternModel] | None = Field(None, max_length=MAX_VARIATIONS,
                                                  description="every variation of the loop, edits kept in each")
    variation: int = Field(0, ge=0, lt=MAX_VARIATIONS, description="which variation plays (0-based)")
    variation_edits: list[Edits] | None = Field(None, max_length=MAX_VARIATIONS,
                                                description="per variation, the cells a person changed")
    edits: Edits | None = Field(None, description="the playing variation's changed cells")
    locks: Locks | None = None


class HealthResponse(BaseModel):
    status: Literal["loading", "ready", "failed"]
    parts: dict[str, dict[str, Any]]
    version: str
