"""``poseloops train`` and ``poseloops eval``: the drum model's training and scoring.

Both only parse arguments, call ``poseloops.model`` and format the result.
``train`` needs the ``train`` extra (PyTorch, tqdm); ``eval`` needs NumPy only.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ModelError
from .common import bounded_float, bounded_int


def register(subparsers) -> None:
    _register_prepare(subparsers)
    _register_train(subparsers)
    _register_eval(subparsers)


def _register_prepare(subparsers) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="read a folder of drum MIDI once into a corpus file that train and eval load in seconds",
        description="Read every MIDI file of DIR (laid out like the Groove MIDI Dataset, or any folder of "
        ".mid files) in parallel worker processes and write one compact corpus file (.npz) with each "
        "file's events, velocities, offsets, labels and split. Pass it to train --data or eval --data "
        "in place of the folder.",
    )
    parser.add_argument("data", metavar="DIR", help="folder of drum MIDI")
    parser.add_argument("--out", required=True, metavar="CORPUS.npz", help="where to write the corpus")
    parser.add_argument("--workers", type=bounded_int(1, 256, "workers"), default=None,
                        help="worker processes (default: one per CPU core)")
    parser.set_defaults(func=run_prepare)


def run_prepare(args: argparse.Namespace) -> int:
    import time

    from ..model.corpus import prepare_corpus

    started = time.monotonic()
    report = prepare_corpus(args.data, args.out, workers=args.workers)
    seconds = time.monotonic() - started
    splits = ", ".join(f"{n} {split} ({report.steps[split]} steps)" for split, n in report.files.items() if n)
    print(f"read {report.files_read} files: {splits}; skipped {report.files_skipped}; "
          f"{seconds:.1f} s, {(report.files_read + report.files_skipped) / seconds:.0f} files/s")
    for reason, names in sorted(report.skipped.items(), key=lambda item: -len(item[1])):
        examples = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        print(f"skipped {len(names)}: {reason} ({examples})")
    print(f"wrote {args.out}")
    return 0


def _register_train(subparsers) -> None:
    from ..model.train_config import DEVICES, SETTING_RANGES, TrainConfig

    defaults = TrainConfig()
    parser = subparsers.add_parser(
        "train",
        help="train the drum model on a folder of drum MIDI (needs PyTorch)",
        description="Train the drum LSTM on DIR's train split, validate on its validation split after "
        "each epoch and write the best epoch's weights to OUT (.npz) with its spec (.json). DIR is laid "
        "out like the Groove MIDI Dataset (info.csv with a split column) or is any folder of .mid files "
        "(split 90/10 by a seeded shuffle).",
    )
    parser.add_argument("--data", required=True, metavar="DIR|CORPUS",
                        help="folder of drum MIDI, or a corpus file from poseloops prepare")
    parser.add_argument("--out", required=True, metavar="FILE.npz", help="where to write the weights")
    parser.add_argument("--epochs", type=bounded_int(1, 10000, "epochs"), default=defaults.epochs)
    parser.add_argument("--minutes", type=bounded_float(0.01, 10000, "minutes"), default=None,
                        help="wall-clock cap; training stops after the epoch that passes it")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default %(default)s)")
    parser.add_argument("--hidden", type=bounded_int(*SETTING_RANGES["hidden"], "hidden"), default=defaults.hidden)
    parser.add_argument("--layers", type=bounded_int(*SETTING_RANGES["layers"], "layers"), default=defaults.layers)
    parser.add_argument("--embedding", type=bounded_int(*SETTING_RANGES["embedding"], "embedding"), default=defaults.embedding)
    parser.add_argument("--dropout", type=bounded_float(0.0, 0.95, "dropout"), default=defaults.dropout)
    parser.add_argument("--window", type=bounded_int(*SETTING_RANGES["window"], "window"), default=defaults.window,
                        help="steps per training window (default %(default)s)")
    parser.add_argument("--batch", type=bounded_int(*SETTING_RANGES["batch"], "batch"), default=defaults.batch)
    parser.add_argument("--device", choices=DEVICES, default=defaults.device,
                        help="where to train (default %(default)s); under torchrun each process takes its "
                        "own GPU (LOCAL_RANK)")
    parser.add_argument("--far-bars", type=_bar_list, default=defaults.far_bars, metavar="N[,N...]",
                        help="bars back (besides the last one) whose drums the model reads "
                        "(default %(default)s)")
    parser.add_argument("--groove-weight", type=bounded_float(0.0, 100.0, "groove weight"),
                        default=defaults.groove_weight,
                        help="weight of the velocity and offset loss next to the event loss (default %(default)s)")
    parser.add_argument("--sparse-openings", type=bounded_float(0.0, 1.0, "sparse openings"), default=0.0,
                        metavar="SHARE", help="share of rows that open like a sparse seed, 1-3 hits read but "
                                              "not learned (default %(default)s)")
    parser.add_argument("--learning-rate", type=bounded_float(1e-6, 1.0, "learning rate"),
                        default=defaults.learning_rate)
    parser.add_argument("--weight-decay", type=bounded_float(0.0, 1.0, "weight decay"),
                        default=defaults.weight_decay)
    parser.add_argument("--max-files", type=bounded_int(1, 10**6, "max files"), default=None,
                        help="use only the first N files of each split (quick trials)")
    parser.add_argument("--threads", type=bounded_int(1, 256, "threads"), default=2,
                        help="PyTorch CPU threads (default %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT's checkpoint (OUT with .checkpoint.pt), written after each epoch, "
                        "with the same settings; --epochs may grow")
    parser.set_defaults(func=run_train)


def _bar_list(text: str) -> tuple[int, ...]:
    try:
        bars = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of bar counts like 2,4") from None
    if not bars or not all(2 <= b <= 8 for b in bars):
        raise argparse.ArgumentTypeError(f"far bars {text!r} must be whole numbers in 2-8")
    return bars


def run_train(args: argparse.Namespace) -> int:
    try:
        import torch
    except ModuleNotFoundError:
        raise ModelError("training needs PyTorch: pip install -e '.[train]'") from None
    from ..model.train import train_model
    from ..model.train_config import TrainConfig

    torch.set_num_threads(args.threads)
    config = TrainConfig(
        epochs=args.epochs, minutes=args.minutes, seed=args.seed, hidden=args.hidden, layers=args.layers,
        embedding=args.embedding, dropout=args.dropout, window=args.window, batch=args.batch,
        learning_rate=args.learning_rate, weight_decay=args.weight_decay, max_files=args.max_files,
        device=args.device, groove_weight=args.groove_weight, far_bars=args.far_bars,
        sparse_openings=args.sparse_openings,
    )
    arguments = {k: v for k, v in vars(args).items() if k != "func"}
    try:
        summary = train_model(args.data, args.out, config, progress=not args.quiet, resume=args.resume,
                              arguments=json.loads(json.dumps(arguments, default=str)),
                              log=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        from ..model.train_checkpoint import checkpoint_path

        print(f"interrupted: add --resume to continue from the last epoch in {checkpoint_path(args.out)}",
              file=sys.stderr)
        return 130
    if not summary:  # a torchrun worker other than rank 0: rank 0 reports
        return 0
    best = summary["best"]
    print(f"wrote {args.out}: best epoch {best['epoch']}, validation NLL {best['validation_nll']:.4f} "
          f"nats/step, accuracy {best['validation_accuracy']:.3f}, {summary['wall_minutes']:.1f} min")
    return 0


def _register_eval(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score the shipped model and the n-gram baseline on a split of a drum dataset",
        description="Mean negative log-likelihood per step (nats), next-event accuracy and steps scored, "
        "for the shipped model and an n-gram baseline fitted on DIR's train split. Every step of every "
        "file of the split is scored, the model run from each file's start.",
    )
    parser.add_argument("--data", required=True, metavar="DIR|CORPUS",
                        help="folder laid out like the Groove dataset, or a corpus file from poseloops prepare")
    parser.add_argument("--split", choices=("train", "validation", "test"), default="validation")
    parser.add_argument("--model", "--weights", dest="weights", metavar="FILE.npz", default=None,
                        help="score these weights (from poseloops train) instead of the shipped model")
    parser.add_argument("--onsets", action="store_true",
                        help="also compare onset probabilities of generated and real loops")
    parser.add_argument("--music", action="store_true",
                        help="also judge sampled loops: groove holding, silent bars, spread, fills")
    parser.add_argument("--direct", action="store_true",
                        help="also score directing a loop: holding a flat seed, regenerate (against a nearest-"
                        "neighbour baseline), drumify (against a rule and silence), density, blend")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from ..model.evaluate import evaluate_split

    report = evaluate_split(args.data, split=args.split, weights_path=args.weights, onsets=args.onsets,
                            music=args.music, direct=args.direct)
    if args.json:
        print(json.dumps(report))
        return 0
    model, ngram, groove = report["model"], report["ngram"], report["groove_baseline"]
    print(f" model: NLL {model['nll']:.4f} nats/step ({model['nll_given_style']:.4f} given the style), "
          f"accuracy {model['accuracy']:.4f}, velocity MAE {model['velocity_mae']:.1f}, "
          f"offset MAE {model['offset_mae_ms']:.1f} ms, {model['steps']} steps")
    print(f" ngram: NLL {ngram['nll']:.4f} nats/step, accuracy {ngram['accuracy']:.4f}")
    print(f"groove baseline: velocity MAE {groove['velocity_mae']:.1f}, offset MAE {groove['offset_mae_ms']:.1f} ms")
    for section in ("onsets", "music", "direct"):
        if section in report:
            print(json.dumps(report[section], indent=1))
    sys.stdout.flush()
    return 0
