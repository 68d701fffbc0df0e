"""``poseloops serve``: start the studio on loopback and say which address to open."""

from __future__ import annotations

import argparse
import logging
import sys

from .common import bounded_int

LOOPBACK = "127.0.0.1"


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..server.settings import DEFAULT_HOST, DEFAULT_PORT

    parser = subparsers.add_parser(
        "serve",
        help="start the studio in your browser",
        description="Start the PoseLoops studio: a local web page where a seed made with dice, a grid, your body, "
        "a picture or a rhythm becomes a drum loop you hear at once.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}, this computer only)")
    parser.add_argument("--port", type=bounded_int(0, 65535, "port"), default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from ..errors import ParameterError
    from ..server import Settings, create_app

    settings = Settings.from_env(host=args.host, port=args.port)
    try:
        sock = socket.create_server((settings.host, settings.port), reuse_port=False)
    except OSError as err:
        raise ParameterError(f"cannot listen on {settings.host}:{settings.port}: {err.strerror}") from None
    host, port = sock.getsockname()[:2]
    shown = LOOPBACK if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"PoseLoops studio: open http://{shown}:{port}/ in your browser (Ctrl+C stops it)", flush=True)
    if host not in (LOOPBACK, "::1"):
        print(f"warning: listening on {host}, so other machines on the network can reach the studio", file=sys.stderr)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    config = uvicorn.Config(create_app(settings), access_log=False, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
