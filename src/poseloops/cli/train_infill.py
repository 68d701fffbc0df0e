"""``poseloops train-infill``: train the infilling model (regenerate, drumify, blend, density) from drum MIDI.

Only parses and calls ``model.infill_train.train_infill``; runs under
``torchrun`` as ``train`` does (each process its own rows, gradients averaged).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ModelError
from ..model.infill_config import InfillConfig
from .common import bounded_float, bounded_int


def register(subparsers) -> None:
    defaults = InfillConfig()
    parser = subparsers.add_parser(
        "train-infill",
        help="train the infilling model that regenerates, drumifies and blends (needs PyTorch)",
        description="Train the small bidirectional transformer behind regenerate, drumify, blend and density "
        "on 4-bar windows of DIR's train split (laid out like the Groove MIDI Dataset, or a corpus from "
        "prepare), keep the epoch with the best validation hit NLL, and write OUT.npz and OUT.json for the "
        "NumPy runtime. The shipped model took about an hour on a 2-core CPU.",
    )
    parser.add_argument("--data", required=True, metavar="DIR|CORPUS", help="drum MIDI folder or corpus file")
    parser.add_argument("--out", required=True, type=Path, metavar="OUT.npz", help="where to write the model")
    parser.add_argument("--epochs", type=bounded_int(1, 10_000, "epochs"), default=defaults.epochs,
                        help="epochs of --steps-per-epoch batches (default %(default)s)")
    parser.add_argument("--steps-per-epoch", type=bounded_int(1, 1_000_000, "steps per epoch"),
                        default=defaults.steps_per_epoch, help="batches between validations (default %(default)s)")
    parser.add_argument("--minutes", type=bounded_float(0.01, 100_000, "minutes"), default=None,
                        help="stop after this long; the best epoch so far is kept")
    parser.add_argument("--batch", type=bounded_int(1, 4096, "batch"), default=defaults.batch,
                        help="4-bar windows per process and step (default %(default)s)")
    parser.add_argument("--width", type=bounded_int(8, 1024, "width"), default=defaults.width,
                        help="the transformer's width; a multiple of --heads (default %(default)s)")
    parser.add_argument("--layers", type=bounded_int(1, 24, "layers"), default=defaults.layers,
                        help="transformer blocks (default %(default)s)")
    parser.add_argument("--heads", type=bounded_int(1, 32, "heads"), default=defaults.heads,
                        help="attention heads (default %(default)s)")
    parser.add_argument("--learning-rate", type=bounded_float(1e-6, 1.0, "learning rate"),
                        default=defaults.learning_rate, help="peak learning rate, cosine to the end (default %(default)s)")
    parser.add_argument("--seed", type=bounded_int(0, 2**31 - 1, "seed"), default=defaults.seed,
                        help="random seed of weights and batches (default %(default)s)")
    parser.add_argument("--max-files", type=bounded_int(1, 1_000_000, "max files"), default=None,
                        help="use only the first N files of each split (a quick try)")
    parser.add_argument("--threads", type=bounded_int(1, 256, "threads"), default=2,
                        help="PyTorch CPU threads per process (default %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no line per epoch")
    parser.set_defaults(func=run_train_infill)


def run_train_infill(args: argparse.Namespace) -> int:
    from ..errors import ParameterError

    try:
        import torch
    except ModuleNotFoundError:
        raise ModelError("training needs PyTorch: pip install -e '.[train]'") from None
    from ..model.drum_model import load_default_model
    from ..model.infill_train import train_infill

    if args.out.is_dir():
        raise ParameterError(f"--out {args.out} is a folder; give a file name like model.npz", argument="out")
    if args.width % args.heads:
        raise ParameterError(f"width {args.width} is not a multiple of heads {args.heads}", argument="width")
    torch.set_num_threads(args.threads)
    config = InfillConfig(epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, minutes=args.minutes,
                          seed=args.seed, width=args.width, heads=args.heads, layers=args.layers,
                          feedforward=2 * args.width, batch=args.batch, learning_rate=args.learning_rate,
                          max_files=args.max_files)
    # The styles the shipped LSTM knows, so both models read a style name the same way.
    report = train_infill(args.data, args.out, config, styles=load_default_model().styles, progress=not args.quiet)
    if report:  # empty on torchrun's other processes: rank 0 reports
        print(f"wrote {args.out}: best validation hit NLL {report['best_hit_nll']:.4f} after "
              f"{len(report['history'])} epochs, {report['minutes']:.1f} min on {report['world_size']} process(es)")
    return 0
