"""``poseloops seed``: make a seed pattern from dice, a grid, a pose, a picture or a recording.

The options and ``seed_from_args`` are shared with ``poseloops generate --from``,
so both commands read a source the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError, ParameterError, PoseLoopsError
from ..pattern import MAX_BPM, MAX_STEPS, MIN_BPM, NUM_DRUMS, Pattern, pattern_to_json
from ..rng_seed import MAX_RNG_SEED, MIN_RNG_SEED
from ..seeds.dice import MAX_LENGTH
from ..seeds.picture import DEFAULT_DENSITY, MAX_DENSITY, MIN_DENSITY
from ..seeds.rhythm import MAX_SEED_BARS, SEED_BARS
from ..seeds.pose_mapping import DEFAULT_VISIBILITY_THRESHOLD, MAX_VISIBILITY, MIN_VISIBILITY, NORMALIZE_MODES
from ..input_files import read_input_text
from .common import bounded_float, bounded_int, print_pattern, read_pattern_file

SOURCES = ("random", "grid", "pose", "image", "audio", "midi")
# The options each source reads; giving one to another source is an error, not silently ignored.
SOURCE_OPTIONS = {
    "length": ("random",),
    "low": ("random",),
    "high": ("random",),
    "mirror": ("pose",),
    "normalize": ("pose",),
    "visibility_threshold": ("pose",),
    "frame": ("pose",),
    "picture_density": ("image",),
    "seed_bars": ("audio",),
}
OPTION_FLAGS = {name: "--" + name.replace("_", "-") for name in SOURCE_OPTIONS}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="make a seed pattern from dice, a grid, a pose, a picture or a recording",
        description="Print a seed pattern as a text grid (or JSON) from one of the sources. "
        "pose reads a photo, a video (the frame showing the most body, or --frame N) or keypoints JSON "
        "(17 COCO or 33 BlazePose points).",
    )
    parser.add_argument("source", choices=SOURCES, help="where the seed comes from")
    parser.add_argument("input", nargs="?", metavar="INPUT", help="the file to read (all sources but random)")
    parser.add_argument("--steps", dest="seed_steps", metavar="N", type=bounded_int(1, MAX_STEPS, "steps"), default=None,
                        help="seed length in 16th steps (default 10; audio: the first two whole bars played, "
                        "see --seed-bars; N steps exactly, even mid-bar)")
    parser.add_argument("--bpm", type=bounded_float(MIN_BPM, MAX_BPM, "bpm"), default=None,
                        help="the seed's tempo; for audio, the recording's tempo (skips estimating it)")
    parser.add_argument("--rng-seed", type=bounded_int(MIN_RNG_SEED, MAX_RNG_SEED, "rng seed"), default=None,
                        help="random: a whole number that repeats a roll")
    add_source_options(parser)
    parser.add_argument("--json", action="store_true", help="print the interchange JSON instead of a grid")
    parser.set_defaults(func=run_seed)


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The per-source options (all default to None, meaning: the library's default)."""
    group = parser.add_argument_group("source options")
    group.add_argument("--length", type=bounded_int(1, MAX_LENGTH, "length"), default=None,
                       help="random: drums drawn per step (default 2)")
    group.add_argument("--low", type=bounded_int(0, NUM_DRUMS - 1, "low"), default=None,
                       help="random: lowest drum index drawn (default 0, kick)")
    group.add_argument("--high", type=bounded_int(0, NUM_DRUMS - 1, "high"), default=None,
                       help="random: highest drum index drawn, included (default 2, closed hat)")
    group.add_argument("--mirror", action="store_const", const=True, default=None,
                       help="pose: flip time, for a selfie camera")
    group.add_argument("--normalize", choices=NORMALIZE_MODES, default=None,
                       help="pose: measure positions in the body's own box (default) or the frame")
    group.add_argument("--visibility-threshold", metavar="V", type=bounded_float(MIN_VISIBILITY, MAX_VISIBILITY, "visibility threshold"),
                       default=None,
                       help=f"pose: leave out keypoints less visible than this (default {DEFAULT_VISIBILITY_THRESHOLD:g})")
    group.add_argument("--frame", metavar="N", type=bounded_int(0, 10**7, "frame"), action="append", default=None,
                       help="pose from a video: use frame N (0-based; repeat for several seeds); "
                       "default: the frame showing the most body")
    group.add_argument("--picture-density", type=bounded_float(MIN_DENSITY, MAX_DENSITY, "picture density",
                                                                above_low=True),
                       default=None, help=f"image: how many of the picture's cells play, above {MIN_DENSITY:g} up to "
                       f"{MAX_DENSITY:g} (default {DEFAULT_DENSITY:g}, about 1.5 hits a step; not the loop's "
                       "--density, which steers the drum model)")
    group.add_argument("--seed-bars", type=bounded_int(1, MAX_SEED_BARS, "seed bars"), default=None,
                       help=f"audio: the seed is the first N whole bars played (1-{MAX_SEED_BARS}, default {SEED_BARS}; "
                       "fewer if fewer were played)")


def add_generate_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``generate --from SOURCE [INPUT]`` and the source options, for ``cli.generate``."""
    parser.add_argument("--from", dest="source_args", nargs="+", metavar=("SOURCE", "INPUT"), default=None,
                        help=f"seed from a source: {', '.join(SOURCES)} (all but random read INPUT); "
                        "the same options as 'poseloops seed'")
    parser.add_argument("--seed-steps", dest="seed_steps", metavar="N", type=bounded_int(1, MAX_STEPS, "seed steps"),
                        default=None, help="with --from: seed length in 16th steps (default 10; audio: the first two whole "
                        "bars played, see --seed-bars)")
    add_source_options(parser)


def run_seed(args: argparse.Namespace) -> int:
    seeds = seeds_from_args(args, args.source, args.input)
    for number, (label, pattern) in enumerate(seeds):
        if args.json:
            print(pattern_to_json(pattern))
            continue
        if label:
            print(("\n" if number else "") + f"# {label}")
        print_pattern(pattern)
    return 0


def seed_from_generate_args(args: argparse.Namespace) -> Pattern:
    """The one seed ``generate --from SOURCE [INPUT]`` asks for."""
    if len(args.source_args) > 2:
        raise ParameterError(f"--from takes a source and at most one input, got {' '.join(args.source_args)}")
    source, *rest = args.source_args
    if source not in SOURCES:
        raise ParameterError(f"--from {source!r} is not a source: {', '.join(SOURCES)}")
    seeds = seeds_from_args(args, source, rest[0] if rest else None)
    if len(seeds) != 1:
        raise ParameterError(f"--from {source} gives {len(seeds)} seeds; pick one frame with --frame")
    return seeds[0][1]


def seeds_from_args(args: argparse.Namespace, source: str, input_path: str | None) -> list[tuple[str, Pattern]]:
    """``(label, seed)`` pairs from a source and the parsed options; several only for video frames."""
    _check_options(args, source)
    if source == "random":
        if input_path is not None:
            raise ParameterError(f"random takes no input file, got {input_path!r}")
        return [("", _with_bpm(_random_seed(args), args))]
    if input_path is None:
        raise ParameterError(f"{source} needs an input file")
    path = Path(input_path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    try:
        if source == "pose":
            return [(label, _with_bpm(p, args)) for label, p in _pose_seeds(path, args)]
        seed = {"grid": _grid_seed, "image": _image_seed, "audio": _audio_seed, "midi": _midi_seed}[source](path, args)
    except PoseLoopsError as err:
        if str(path) in str(err):
            raise
        raise type(err)(f"{path}: {err}") from None
    return [("", seed if source == "audio" else _with_bpm(seed, args))]


def _check_options(args: argparse.Namespace, source: str) -> None:
    for name, sources in SOURCE_OPTIONS.items():
        if getattr(args, name, None) is not None and source not in sources:
            raise ParameterError(f"{OPTION_FLAGS[name]} applies to {' and '.join(sources)} seeds, not {source}")


def _options(args: argparse.Namespace, **names: str) -> dict:
    """Library keyword arguments for the options that were given (the rest keep library defaults)."""
    return {key: getattr(args, name) for key, name in names.items() if getattr(args, name, None) is not None}


def _random_seed(args: argparse.Namespace) -> Pattern:
    from ..seeds import roll_dice

    return roll_dice(rng_seed=getattr(args, "rng_seed", None),
                     **_options(args, steps="seed_steps", length="length", low="low", high="high"))


def _grid_seed(path: Path, args: argparse.Namespace) -> Pattern:
    if path.suffix.lower() in (".mid", ".midi"):
        raise ParameterError("a MIDI file is the midi source, not a grid")
    pattern = read_pattern_file(path)
    return pattern if args.seed_steps is None else _fit_length(pattern, args.seed_steps)


def _midi_seed(path: Path, args: argparse.Namespace) -> Pattern:
    from ..midi_io import read_midi_pattern

    pattern = read_midi_pattern(path)
    return pattern if args.seed_steps is None else _fit_length(pattern, args.seed_steps)


def _image_seed(path: Path, args: argparse.Namespace) -> Pattern:
    from ..seeds import image_to_pattern, read_image_file

    return image_to_pattern(read_image_file(path), **_options(args, steps="seed_steps", density="picture_density"))


def _audio_seed(path: Path, args: argparse.Namespace) -> Pattern:
    from ..audio.files import decode_audio
    from ..seeds import audio_to_pattern
    from ..input_files import read_input_bytes

    samples, sample_rate = decode_audio(read_input_bytes(path))
    return audio_to_pattern(samples, sample_rate, bpm=getattr(args, "bpm", None), steps=args.seed_steps,
                            bars=args.seed_bars)


def _pose_seeds(path: Path, args: argparse.Namespace) -> list[tuple[str, Pattern]]:
    from ..seeds import keypoints_from_json, keypoints_to_pattern, pose_to_pattern, read_image_file
    from ..seeds.image_io import is_video_path
    from ..seeds.pose_mapping import video_to_patterns

    options = _options(args, steps="seed_steps", mirror="mirror", normalize="normalize",
                       visibility_threshold="visibility_threshold")
    if path.suffix.lower() == ".json":
        return [("", keypoints_to_pattern(keypoints_from_json(read_input_text(path)), **options))]
    if is_video_path(path):
        results = video_to_patterns(path, frames=args.frame, **options)
        return [(f"frame {index}", pattern) for index, pattern, _ in results]
    if args.frame is not None:
        raise ParameterError("--frame applies to videos; this is a still picture")
    return [("", pose_to_pattern(read_image_file(path), **options)[0])]


def _fit_length(pattern: Pattern, steps: int) -> Pattern:
    """The first ``steps`` steps, padded with rests if the pattern is shorter."""
    if len(pattern) >= steps:
        return pattern.slice(0, steps).with_seed_length(steps)
    return pattern.concat(Pattern.empty(steps - len(pattern))).with_seed_length(steps)


def _with_bpm(pattern: Pattern, args: argparse.Namespace) -> Pattern:
    bpm = getattr(args, "bpm", None)
    return pattern if bpm is None else pattern.with_bpm(bpm)
