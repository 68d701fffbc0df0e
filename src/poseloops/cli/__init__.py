"""The ``poseloops`` command: parses arguments, calls the library, formats output.

Each subcommand lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``func``. Errors the library raises on
purpose (``PoseLoopsError``) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import PoseLoopsError

# Modules of this package that add subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = ("generate", "direct", "humanize", "seed", "render", "serve", "play", "model_commands", "train_infill")
EXIT_USAGE = 2  # bad input, like argparse's own usage errors


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (like every other bad input), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = OneLineArgumentParser(
        prog="poseloops",
        description="Turn a body, a picture, a sound or a throw of dice into a drum loop.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            continue  # that part of the product is not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PoseLoopsError as err:
        print(f"poseloops: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
