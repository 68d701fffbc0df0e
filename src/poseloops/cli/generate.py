"""``poseloops generate``: continue a seed pattern with the drum model and print or save the loop(s).

Three steps, each its own function so other parts extend one place:
``resolve_seed(args)`` (where the seed comes from), the model call, and
``write_outputs(args, patterns)`` (what is written besides the printed grid).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..model.drum_model import FILL_EVERY, MAX_BARS
from ..model.sampling import MAX_TEMPERATURE, MAX_VARIATIONS
from ..pattern import MAX_STEPS, Pattern, pattern_to_json, pattern_to_text
from ..rng_seed import MAX_RNG_SEED, MIN_RNG_SEED
from .common import add_density_argument, add_model_file_argument, bounded_float, bounded_int, load_cli_model, read_pattern_file, write_text

# A basic rock beat, 10 steps like the origin's seed: kick on 1 and 3, snare on 2, eighth-note hats.
DEFAULT_SEED_STEPS = ([0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], [])


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="continue a seed pattern with the drum model",
        description="Continue a seed pattern with the drum language model and print the loop as a grid "
        "(one per variation). Without a seed it continues a basic rock beat.",
    )
    add_seed_arguments(parser)
    add_model_arguments(parser)
    add_output_arguments(parser)
    parser.set_defaults(func=run_generate)


def add_seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed-pattern", metavar="FILE", type=Path,
                        help="seed from a .json, .txt (text grid) or .mid file")
    from .seed import add_generate_source_arguments

    add_generate_source_arguments(parser)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--bars", type=bounded_int(1, MAX_BARS, "bars"), default=None,
                        help="length of the loop in whole bars; the seed opens bar 1 and the model completes "
                        "it (default 4, or twice the seed's bars for a seed longer than 2 bars)")
    length.add_argument("--steps", type=bounded_int(0, MAX_STEPS, "steps"), default=None,
                        help="exactly this many steps after the seed instead (the loop may then not be whole bars)")
    parser.add_argument("--style", default=None, metavar="NAME",
                        help="play in this style (rock, funk, jazz, latin, hiphop, ...; default: any)")
    parser.add_argument("--fill-every", type=int, choices=FILL_EVERY, default=0, metavar="N",
                        help=f"make the last bar of every N a fill ({', '.join(map(str, FILL_EVERY[1:]))}; default 0: no fills)")
    add_model_file_argument(parser)
    parser.add_argument("--temperature", type=bounded_float(0.0, MAX_TEMPERATURE, "temperature"), default=1.0,
                        help=f"0 = always the most likely step, up to {MAX_TEMPERATURE:g} (default %(default)s)")
    parser.add_argument("--rng-seed", type=bounded_int(MIN_RNG_SEED, MAX_RNG_SEED, "rng seed"), default=None,
                        help="a whole number that makes the result reproducible")
    parser.add_argument("--variations", type=bounded_int(1, MAX_VARIATIONS, "variations"), default=1,
                        help="how many different continuations (default %(default)s)")
    add_density_argument(parser)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="OUT.json", type=Path, help="also write the pattern as JSON")
    parser.add_argument("--midi", metavar="OUT.mid", type=Path, help="also write a General MIDI drum file")
    from .render import add_audio_arguments

    add_audio_arguments(parser, out_required=False)


def run_generate(args: argparse.Namespace) -> int:
    from ..timing import apply_groove

    from ..model.continuation import continue_seed
    from ..model.infill_model import load_default_infill_model

    seed = resolve_seed(args)
    model = load_cli_model(args.model)
    patterns = continue_seed(model, load_default_infill_model, seed, density=args.density, bars=args.bars,
                             steps=args.steps, temperature=args.temperature, rng_seed=args.rng_seed,
                             variations=args.variations, style=args.style, fill_every=args.fill_every)
    patterns = [apply_groove(p, args.groove) for p in patterns]
    print_patterns(patterns)
    write_outputs(args, patterns)
    return 0


def resolve_seed(args: argparse.Namespace) -> Pattern:
    """The seed pattern the arguments ask for (raises ``PoseLoopsError`` for bad input)."""
    if getattr(args, "source_args", None) is not None:
        from ..errors import ParameterError
        from .seed import seed_from_generate_args

        if args.seed_pattern is not None:
            raise ParameterError("give either --seed-pattern or --from, not both")
        return seed_from_generate_args(args)
    if args.seed_pattern is not None:
        return read_pattern_file(args.seed_pattern)
    return Pattern.from_steps(DEFAULT_SEED_STEPS)


def print_patterns(patterns: list[Pattern]) -> None:
    for number, pattern in enumerate(patterns, start=1):
        if len(patterns) > 1:
            print(f"variation {number}")
        print(pattern_to_text(pattern), end="" if number == len(patterns) else "\n")


def write_outputs(args: argparse.Namespace, patterns: list[Pattern]) -> None:
    """Write the files the arguments ask for; several variations get numbered names (``loop_2.mid``)."""
    from ..midi_io import write_midi

    for number, pattern in enumerate(patterns, start=1):
        if args.json is not None:
            write_text(numbered_path(args.json, number, len(patterns)), pattern_to_json(pattern) + "\n")
        if args.midi is not None:
            write_midi(pattern, numbered_path(args.midi, number, len(patterns)), bpm=args.bpm, swing=args.swing)
        if args.out is not None:
            from .render import write_pattern_audio

            write_pattern_audio(pattern, numbered_path(args.out, number, len(patterns)), args)


def numbered_path(path: Path, number: int, count: int) -> Path:
    """``path`` itself for a single result, else ``stem_<number>.suffix``."""
    return path if count == 1 else path.with_name(f"{path.stem}_{number}{path.suffix}")
