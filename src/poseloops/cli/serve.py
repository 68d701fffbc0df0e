"""``poseloops serve``: start the studio on loopback and say which address to open."""

from __future__ import annotations

import argparse
import logging
import sys

from .common import add_model_file_argument, bounded_int

LOOPBACK = "127.0.0.1"
M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


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
    add_model_file_argument(parser)
    rig = parser.add_argument_group("in your rig", "Keep time with other apps and talk to installations (docs/studio.md, "
                                    "\"Play with your rig\").")
    rig.add_argument("--link", action="store_true",
                     help="join the local Ableton Link session (Live, Bitwig, any Link app): the studio's tempo and bars "
                     "follow it. Off by default: Link announces this computer by multicast on the local network, on "
                     "every network interface")
    rig.add_argument("--osc-in", type=bounded_int(1, 65535, "OSC port"), default=None, metavar="PORT",
                     help="take OSC commands (/poseloops/generate, /regenerate, /bpm f, /style s) on this UDP port")
    rig.add_argument("--osc-in-host", default=LOOPBACK, metavar="HOST",
                     help=f"address the OSC port listens on (default {LOOPBACK}, this computer only)")
    rig.add_argument("--osc-out", default=None, metavar="HOST:PORT",
                     help="send /poseloops/loop on every new loop, /poseloops/pose on every live frame and, with "
                     "--link, /poseloops/bar at each bar, to this OSC receiver")
    parser.set_defaults(func=run)


def listen(host: str, port: int):
    """A listening TCP socket, bound before uvicorn starts so the address printed is the real one.

    The socket is made with ``IPPROTO_TCP`` explicitly: asyncio sets TCP_NODELAY only on
    connections of such sockets, and without it small answers wait ~40 ms for delayed ACKs.
    """
    import socket

    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def limit_blas_threads(threads: int) -> None:
    """Run each request's matrix maths on one core and let requests run side by side instead.

    The model's matrices are small; splitting each product over both cores makes
    concurrent requests fight over them (measured: 2.4 vs 59 generate-and-render
    requests per second with 4 clients on 2 cores, benchmarks/bench_server.py).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def share_one_malloc_arena() -> None:
    """Have every thread of the server allocate from glibc's main malloc arena.

    Live frames are read on worker threads and inside MediaPipe's; each thread's
    arena kept the frame-sized buffers it had freed, so a live session's memory
    grew by 17-54 MB a minute (0 with one arena, and no slower: live_fps and
    server_rps within their run-to-run spread, benchmarks/bench.py). Does nothing
    off glibc, or where ``MALLOC_ARENA_MAX`` is set already (the user's choice).
    """
    import ctypes
    import os

    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


def rig_settings(args: argparse.Namespace) -> dict:
    """The Link and OSC settings asked for; a bad --osc-out is a one-line error now."""
    from ..rig.osc_bridge import parse_target

    overrides: dict = {}
    if args.link:
        overrides["link"] = True
    if args.osc_in is not None:
        overrides.update(osc_in_port=args.osc_in, osc_in_host=args.osc_in_host)
        if args.osc_in_host not in (LOOPBACK, "::1", "localhost"):
            print(f"warning: OSC commands are taken from {args.osc_in_host}, so other machines can send them",
                  file=sys.stderr)
    if args.osc_out is not None:
        parse_target(args.osc_out)
        overrides["osc_out"] = args.osc_out
    return overrides


def run(args: argparse.Namespace) -> int:
    share_one_malloc_arena()  # before any thread of the server has allocated
    import uvicorn

    from ..errors import ParameterError
    from ..server import Settings, create_app
    from ..server.live import socket_message_limit

    overrides = {}
    if args.model is not None:
        from ..model.weights import load_weights

        load_weights(args.model)  # a wrong or corrupt file is a one-line error now, not a failed studio later
        overrides["model_path"] = str(args.model.resolve())
    overrides.update(rig_settings(args))
    settings = Settings.from_env(host=args.host, port=args.port, **overrides)
    try:
        sock = listen(settings.host, settings.port)
    except OSError as err:
        raise ParameterError(f"cannot listen on {settings.host}:{settings.port}: {err.strerror}") from None
    host, port = sock.getsockname()[:2]
    shown = LOOPBACK if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"PoseLoops studio: open http://{shown}:{port}/ in your browser (Ctrl+C stops it)", flush=True)
    if host not in (LOOPBACK, "::1"):
        print(f"warning: listening on {host}, so other machines on the network can reach the studio", file=sys.stderr)
    limit_blas_threads(settings.blas_threads)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    config = uvicorn.Config(
        create_app(settings), access_log=False, log_level="warning", lifespan="on",
        ws_max_size=socket_message_limit(settings),
    )  # fmt: skip
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
