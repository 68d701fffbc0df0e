"""``poseloops render`` (a pattern file to WAV/FLAC) and ``poseloops kits`` (what ``--kit`` accepts).

``add_audio_arguments`` and ``write_pattern_audio`` are shared with
``poseloops generate --out``, so both commands take the same options and make
the same audio.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..audio.loudness import LOUDNESS_RANGE_LUFS, MAX_LIMITING_DB, TARGET_LUFS, TRUE_PEAK_CEILING_DBTP
from ..audio.render import MAX_LOOPS
from ..midi_io import DEFAULT_BPM
from ..pattern import MAX_BPM, MIN_BPM, Pattern
from ..timing import FULL_GROOVE, MAX_SWING, NO_GROOVE, STRAIGHT_SWING
from .common import bounded_float, bounded_int, read_pattern_file

BIT_DEPTHS = (16, 24)
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")  # what poseloops.audio.files writes


def register(subparsers) -> None:
    render = subparsers.add_parser(
        "render",
        help="render a pattern to a WAV or FLAC file, or one WAV per drum (--stems)",
        description="Render a pattern file (.json, .txt grid or .mid) with a drum kit. Without --loops the "
        "file is one seamless loop cycle (tails wrapped into the start, ready to repeat); with --loops K "
        "it is the loop K times followed by its ringing tail. --stems DIR writes one WAV per drum that "
        "sounds (DIR/kick.wav, ...), each with its own share of the reverb, as long as the mix and "
        "starting with it, so the stems sum to the mix.",
    )
    render.add_argument("pattern", metavar="PATTERN", type=Path, help="a .json, .txt (text grid) or .mid pattern")
    add_audio_arguments(render, out_required=False, numbered=False)
    render.add_argument("--stems", metavar="DIR", type=stems_dir, default=None,
                        help="also (or instead of --out) write one WAV per sounding drum into DIR, made if missing; "
                        "files of drums that do not sound are neither written nor removed")
    render.set_defaults(func=run_render)

    kits = subparsers.add_parser("kits", help="list the drum kits --kit accepts",
                                 description="List the built-in kit and the Hydrogen kits found on this machine.")
    kits.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    kits.set_defaults(func=run_kits)


def add_audio_arguments(parser: argparse.ArgumentParser, *, out_required: bool, with_out: bool = True,
                        numbered: bool = True) -> None:
    """The options every audio-making command takes (``with_out=False``: the command has its own ``--out``;
    ``numbered``: it may write several variations)."""
    if with_out:
        _add_out_argument(parser, out_required, numbered and not out_required)
    _add_sound_arguments(parser)


def _add_out_argument(parser: argparse.ArgumentParser, out_required: bool, numbered: bool) -> None:
    parser.add_argument("--out", metavar="FILE.wav|FILE.flac", type=audio_path, required=out_required,
                        help="audio file to write; the suffix picks the format" + (
                            " (several variations get numbered names)" if numbered else ""))


def _add_sound_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bpm", type=bounded_float(MIN_BPM, MAX_BPM, "bpm"), default=None,
                        help=f"tempo, {MIN_BPM:g}-{MAX_BPM:g} (default: the pattern's own, else {DEFAULT_BPM:g})")
    parser.add_argument("--swing", type=bounded_float(STRAIGHT_SWING, MAX_SWING, "swing"), default=STRAIGHT_SWING,
                        help=f"{STRAIGHT_SWING:g} = straight, up to {MAX_SWING:g}: off-beat 16ths come later "
                        "(default %(default)s)")
    parser.add_argument("--groove", type=bounded_float(NO_GROOVE, FULL_GROOVE, "groove"), default=FULL_GROOVE,
                        help="how much of the hits' velocities and timing offsets is played: 0 = a straight "
                        "grid at one velocity, 1 = as the pattern holds them (default %(default)s)")
    parser.add_argument("--kit", metavar="NAME|PATH", default=None,
                        help="a kit from 'poseloops kits' or a kit folder (default: the built-in synth kit)")
    parser.add_argument("--loops", type=bounded_int(1, MAX_LOOPS, "loops"), default=None,
                        help=f"play the loop K times (1-{MAX_LOOPS}) and let it ring out, instead of one seamless cycle")
    parser.add_argument("--bit-depth", type=int, choices=BIT_DEPTHS, default=16,
                        help="sample size of WAV/FLAC output (default %(default)s)")
    low, high = LOUDNESS_RANGE_LUFS
    parser.add_argument("--loudness", metavar="LUFS|raw", type=loudness_target, default=TARGET_LUFS,
                        help=f"integrated loudness (ITU-R BS.1770) the file is brought to, {low:g} to {high:g}, with its "
                        f"true peak at or below {TRUE_PEAK_CEILING_DBTP:g} dBTP (a gentle true-peak limiter; where "
                        f"the target would need more than {MAX_LIMITING_DB:g} dB of it, the peak limit wins); 'raw' keeps the "
                        "engine's level, as the studio plays it (default %(default)s)")


def audio_path(text: str) -> Path:
    """An argparse type: a path ending in an audio suffix, checked before any work is done."""
    suffix = Path(text).suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text}: audio files end in {', '.join(AUDIO_SUFFIXES)}")
    return Path(text)


def loudness_target(text: str) -> float | None:
    """An argparse type: a loudness target in LUFS, or ``None`` for ``raw``."""
    from ..audio.loudness import check_loudness_target
    from ..errors import ParameterError

    try:
        return check_loudness_target(text)
    except ParameterError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def stems_dir(text: str) -> Path:
    """An argparse type: a folder for stems (made later if missing), refused when it is a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder for the stems")
    return path


def run_render(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..timing import apply_groove

    if args.out is None and args.stems is None:
        raise ParameterError("render needs --out FILE, --stems DIR or both")
    pattern = apply_groove(read_pattern_file(args.pattern), args.groove)
    print(write_pattern_audio(pattern, args.out, args, stems=args.stems))
    return 0


def write_pattern_audio(pattern: Pattern, path: Path | None, args: argparse.Namespace, *, stems: Path | None = None) -> str:
    """Render ``pattern`` as ``args`` say, write the mix to ``path`` and, given ``stems``, one WAV per
    sounding drum into that folder; returns a summary (one line per file written)."""
    from ..audio import load_kit, write_audio
    from ..audio.drumkit import SAMPLE_RATE
    from ..audio.export import render_export
    from ..audio.files import BIT_DEPTH_SUBTYPES, audio_format_for

    kind = None if path is None else audio_format_for(path)  # a bad suffix fails before any rendering
    subtype = None if kind == "ogg" else BIT_DEPTH_SUBTYPES[args.bit_depth]
    bpm = args.bpm if args.bpm is not None else (pattern.bpm or DEFAULT_BPM)
    kit = load_kit(args.kit)
    export = render_export(pattern, loops=args.loops, stems=stems is not None, loudness_lufs=args.loudness,
                           bpm=bpm, swing=args.swing, kit=kit)
    what = "seamless loop" if args.loops is None else f"{args.loops} loops and tail"
    level = "raw level (not normalised)" if export.loudness is None else export.loudness.summary()
    audio = export.mix
    lines = []
    if path is not None:
        write_audio(path, audio, subtype=subtype)
        lines.append(f"wrote {path}: {what}, {len(audio) / SAMPLE_RATE:.3f} s ({len(audio)} frames), "
                     f"{len(pattern)} steps at {bpm:g} BPM, swing {args.swing:g}, kit {kit.name}; "
                     f"{level}")
    if stems is not None:
        lines.append(write_stems(stems, export, subtype=BIT_DEPTH_SUBTYPES[args.bit_depth], what=f"{what}; {level}"))
    return "\n".join(lines)


def write_stems(folder: Path, export, *, subtype: str, what: str) -> str:
    """Write ``export``'s stems as ``folder/<drum>.wav``; one line saying what was written."""
    from ..audio import write_audio
    from ..errors import InputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot make the stems folder {folder}: {err.strerror or err}") from None
    for label, stem in export.stems.items():
        write_audio(folder / f"{label}.wav", stem, sample_rate=export.sample_rate, subtype=subtype)
    names = ", ".join(f"{label}.wav" for label in export.stems) or "none: no drum sounds"
    return (f"wrote {len(export.stems)} stems to {folder} ({names}): {what}, {len(export.mix)} frames each, "
            f"sample-aligned with the mix and summing to it")


def run_kits(args: argparse.Namespace) -> int:
    from ..audio import list_kits

    kits = list_kits()
    if args.json:
        print(json.dumps([{"name": k.name, "source": k.source, "path": None if k.path is None else str(k.path)}
                          for k in kits]))
        return 0
    width = max(len(k.name) for k in kits)
    for kit in kits:
        print(f"{kit.name:<{width}}  {kit.source:<18}  {kit.path or '(synthesised, no files)'}")
    return 0
