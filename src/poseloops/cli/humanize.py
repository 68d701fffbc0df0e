"""``poseloops humanize``: play any pattern as a drummer would (the model's velocities and timing)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..model.sampling import MAX_TEMPERATURE
from ..rng_seed import MAX_RNG_SEED, MIN_RNG_SEED
from .common import add_model_file_argument, bounded_float, bounded_int, load_cli_model, read_pattern_file
from .common import print_pattern, write_pattern_file
from .render import AUDIO_SUFFIXES


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "humanize",
        help="give a pattern a drummer's velocities and timing",
        description="Keep which drums sound on each step of IN (a drawn grid, dice, a quantised MIDI file) "
        "and give every hit the velocity and timing offset the drum model plays it with. OUT's suffix "
        "picks the format: .json, .mid, .txt (grid), or .wav/.flac/.ogg to hear it.",
    )
    parser.add_argument("pattern", metavar="IN", type=Path, help="a .json, .txt (text grid) or .mid pattern")
    parser.add_argument("--out", metavar="OUT", type=Path, required=True, help="where to write the result")
    parser.add_argument("--style", default=None, metavar="NAME", help="play in this style (default: any)")
    parser.add_argument("--rng-seed", type=bounded_int(MIN_RNG_SEED, MAX_RNG_SEED, "rng seed"), default=None,
                        help="a whole number that makes the result reproducible")
    parser.add_argument("--temperature", type=bounded_float(0.0, MAX_TEMPERATURE, "temperature"), default=1.0,
                        help="0 = the model's most likely touch, 1 = drawn with a drummer's spread (default 1)")
    from .render import add_audio_arguments

    add_audio_arguments(parser, out_required=False, with_out=False)
    add_model_file_argument(parser)
    parser.set_defaults(func=run_humanize)


def run_humanize(args: argparse.Namespace) -> int:
    from ..timing import apply_groove

    pattern = read_pattern_file(args.pattern)
    model = load_cli_model(args.model)
    played = apply_groove(model.humanize(pattern, style=args.style, rng_seed=args.rng_seed,
                                         temperature=args.temperature), args.groove)
    if args.out.suffix.lower() in AUDIO_SUFFIXES:
        from .render import write_pattern_audio

        print(write_pattern_audio(played, args.out, args))
    else:
        write_pattern_file(played, args.out, bpm=args.bpm, swing=args.swing)
        print_pattern(played, as_json=True)
    return 0
