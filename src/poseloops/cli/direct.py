"""``poseloops regenerate``, ``drumify`` and ``blend``: direct a loop as a drummer is directed.

Each only parses, calls ``poseloops.model.infill_model`` and writes what
``generate`` writes (a grid on stdout, ``--json``, ``--midi``, ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ParameterError
from ..model.drum_model import FILL_EVERY
from ..model.infill_model import BLEND_BARS
from ..model.sampling import MAX_TEMPERATURE, MAX_VARIATIONS
from ..pattern import MAX_BPM, MIN_BPM, NUM_DRUMS
from ..rng_seed import MAX_RNG_SEED, MIN_RNG_SEED
from .common import add_density_argument, bounded_float, bounded_int, read_pattern_file
from .generate import add_output_arguments, print_patterns, write_outputs

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def register(subparsers) -> None:
    _register_regenerate(subparsers)
    _register_drumify(subparsers)
    _register_blend(subparsers)


def _add_drawing_arguments(parser: argparse.ArgumentParser, *, variations: bool = True, fills: bool = True) -> None:
    parser.add_argument("--style", default=None, metavar="NAME", help="play in this style (default: any)")
    if fills:
        parser.add_argument("--fill-every", type=int, choices=FILL_EVERY, default=0, metavar="N",
                            help="make the last bar of every N a fill (default 0: no fills)")
    parser.add_argument("--temperature", type=bounded_float(0.0, MAX_TEMPERATURE, "temperature"), default=1.0,
                        help=f"0 = the likeliest cells, up to {MAX_TEMPERATURE:g} (default %(default)s)")
    parser.add_argument("--rng-seed", type=bounded_int(MIN_RNG_SEED, MAX_RNG_SEED, "rng seed"), default=None,
                        help="a whole number that makes the result reproducible")
    if variations:
        parser.add_argument("--variations", type=bounded_int(1, MAX_VARIATIONS, "variations"), default=1,
                            help="how many different results (default %(default)s)")


def _number_list(name: str):
    def parse(text: str) -> list[int]:
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a comma-separated list of whole numbers") from None

    return parse


def _step_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"steps {text!r} is not a range A-B of whole numbers") from None


def _register_regenerate(subparsers) -> None:
    parser = subparsers.add_parser(
        "regenerate", help="draw part of a loop again and keep the rest exactly",
        description="Draw the chosen cells of LOOP again in the loop's style, fitting what is kept on both "
        "sides, and keep every other cell exactly (hits, velocities, offsets). The choices intersect: "
        "--drums (default all) in --bars (default all) within --steps (default all).")
    parser.add_argument("loop", metavar="LOOP", type=Path, help="the loop: a pattern .json, .txt or .mid file")
    parser.add_argument("--drums", type=_number_list("drums"), default=None, metavar="D,D",
                        help=f"drum indices 0-{NUM_DRUMS - 1} to draw again (0 kick, 1 snare, 2 closed hat, "
                        "3 open hat, 4-6 toms, 7 crash, 8 ride)")
    parser.add_argument("--bars", type=_number_list("bars"), default=None, metavar="B,B",
                        help="bars to draw again, 1 for the first")
    parser.add_argument("--steps", type=_step_range, default=None, metavar="A-B",
                        help="a range of steps to draw again, 1 for the first, both included")
    _add_drawing_arguments(parser)
    add_density_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(func=run_regenerate)


def run_regenerate(args: argparse.Namespace) -> int:
    from ..model.cell_selection import select_cells
    from ..model.infill_model import load_default_infill_model

    loop = read_pattern_file(args.loop)
    asked = select_cells(len(loop), drums=args.drums, bars=args.bars, steps=args.steps)
    return _finish(args, load_default_infill_model().regenerate(loop, asked, **_drawing(args)))


def _register_drumify(subparsers) -> None:
    parser = subparsers.add_parser(
        "drumify", help="turn a rhythm into a full-kit groove that keeps its timing and accents",
        description="Every hit of RHYTHM, whatever its drum, is taken as one rhythm (per step the loudest "
        "hit's velocity and timing); the model plays a full kit on it. RHYTHM is a pattern .json/.txt, a "
        "MIDI file, or an audio recording (tapping, beatbox: its onsets, loudness and timing).")
    parser.add_argument("rhythm", metavar="RHYTHM", type=Path, help="a pattern, MIDI or audio file")
    parser.add_argument("--rhythm-bpm", type=bounded_float(MIN_BPM, MAX_BPM, "rhythm bpm"), default=None,
                        help="the recording's tempo, if known (default: estimated)")
    _add_drawing_arguments(parser)
    add_density_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(func=run_drumify)


def read_rhythm(path: Path, *, bpm: float | None = None):
    """A pattern from a pattern or MIDI file, or the recorded-rhythm reader's seed of an audio file."""
    if path.suffix.lower() in AUDIO_SUFFIXES:
        from ..audio.files import decode_audio
        from ..input_files import read_input_bytes
        from ..seeds import audio_to_pattern

        samples, sample_rate = decode_audio(read_input_bytes(path))
        return audio_to_pattern(samples, sample_rate, bpm=bpm)
    if bpm is not None:
        raise ParameterError("--rhythm-bpm is for audio recordings; a pattern or MIDI file has its steps",
                             argument="rhythm_bpm")
    return read_pattern_file(path)


def run_drumify(args: argparse.Namespace) -> int:
    from ..model.infill_model import load_default_infill_model

    rhythm = read_rhythm(args.rhythm, bpm=args.rhythm_bpm)
    return _finish(args, load_default_infill_model().drumify(rhythm, **_drawing(args)))


def _register_blend(subparsers) -> None:
    parser = subparsers.add_parser(
        "blend", help="a phrase that moves from one loop's groove to another's, bar by bar",
        description="Bar 1 is A's groove (its first bar), the last bar is B's, and each bar between moves "
        "further from A toward B as a groove a drummer could play.")
    parser.add_argument("a", metavar="A", type=Path, help="the loop to start from (.json, .txt or .mid)")
    parser.add_argument("b", metavar="B", type=Path, help="the loop to arrive at")
    parser.add_argument("--bars", type=int, choices=BLEND_BARS, default=4, metavar="N",
                        help=f"bars of the phrase ({', '.join(map(str, BLEND_BARS))}; default %(default)s)")
    _add_drawing_arguments(parser, variations=False, fills=False)
    add_output_arguments(parser)
    parser.set_defaults(func=run_blend)


def run_blend(args: argparse.Namespace) -> int:
    from ..model.infill_model import load_default_infill_model

    phrase = load_default_infill_model().blend(read_pattern_file(args.a), read_pattern_file(args.b), bars=args.bars,
                                               temperature=args.temperature, rng_seed=args.rng_seed, style=args.style)
    return _finish(args, [phrase])


def _drawing(args: argparse.Namespace) -> dict:
    """The drawing options regenerate and drumify share, as the library's keyword arguments."""
    return {"temperature": args.temperature, "rng_seed": args.rng_seed, "variations": args.variations,
            "style": args.style, "density": args.density, "fill_every": args.fill_every}


def _finish(args: argparse.Namespace, patterns: list) -> int:
    from ..timing import apply_groove

    patterns = [apply_groove(p, args.groove) for p in patterns]
    print_patterns(patterns)
    write_outputs(args, patterns)
    return 0
