"""OSC in and out over UDP (python-osc): how installations (TouchDesigner, Max, Pure Data) talk to PoseLoops.

Out (``OscOut``), to one ``HOST:PORT``:

==================  ==============================  ==========================================
address             arguments                       when
==================  ==============================  ==========================================
/poseloops/loop     s: the loop as JSON             every new loop the server makes
/poseloops/pose     132 f: 33 landmarks x (x, y,    every live camera frame with a pose
                    z, visibility)
/poseloops/bar      i: the Link bar number          at each bar start, when Link is on
==================  ==============================  ==========================================

In (``OscIn``), on a UDP port (loopback unless asked otherwise): the addresses and argument
types of ``IN_COMMANDS``. Anything else (not OSC, an unknown address, wrong argument types,
more commands than the worker keeps up with) is dropped, and said in the log once per kind
and then at most every ``DROP_LOG_EVERY_S`` as a count: a flood never floods the log, and
nothing sent can stop the server.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from typing import Callable

import numpy as np

from ..errors import ParameterError, PoseLoopsError

log = logging.getLogger("poseloops.osc")

LOOPBACK = "127.0.0.1"
ADDRESS_LOOP = "/poseloops/loop"
ADDRESS_POSE = "/poseloops/pose"
ADDRESS_BAR = "/poseloops/bar"
# Commands in: address -> the Python types of its arguments (an OSC int is taken as a float).
IN_COMMANDS: dict[str, tuple[type, ...]] = {
    "/poseloops/generate": (),
    "/poseloops/regenerate": (),
    "/poseloops/bpm": (float,),
    "/poseloops/style": (str,),
}
POSE_SHAPE = (33, 4)  # BlazePose's landmarks, each x, y, z, visibility
MAX_DATAGRAM_BYTES = 65507  # the most a UDP datagram over IPv4 carries
COMMAND_QUEUE = 8  # commands waiting for the worker; a flood beyond it is dropped (each may run the model)
DROP_LOG_EVERY_S = 10.0
RECEIVE_POLL_S = 0.2  # how often the receiver looks whether it should stop


class OscInputError(PoseLoopsError):
    """An OSC datagram that is not a command PoseLoops takes."""


class DropLog:
    """Logs dropped input: each kind of reason once, then a count at most every ``every_s``."""

    def __init__(self, logger: logging.Logger = log, *, every_s: float = DROP_LOG_EVERY_S) -> None:
        self.logger = logger
        self.every_s = every_s
        self.kinds_seen: set[str] = set()
        self.unlogged = 0
        self.last_logged = 0.0
        self.dropped = 0  # all drops since start (for tests and /api/health-like reports)
        self._lock = threading.Lock()

    def drop(self, kind: str, detail: str) -> None:
        now = time.monotonic()
        with self._lock:
            self.dropped += 1
            if kind not in self.kinds_seen:
                self.kinds_seen.add(kind)
                self.last_logged = now
                self.logger.warning("OSC: dropped %s (such input is dropped from now on, counted in the log)", detail)
                return
            self.unlogged += 1
            if now - self.last_logged < self.every_s:
                return
            count, self.unlogged, self.last_logged = self.unlogged, 0, now
        self.logger.warning("OSC: dropped %d more bad or surplus messages", count)


def parse_commands(datagram: bytes) -> list[tuple[str, tuple]]:
    """The commands in one datagram (a message or a bundle): ``[(address, args)]``.

    Raises ``OscInputError`` (its ``args[0]`` a short kind, ``args[1]`` what was wrong) for
    anything that is not a whole set of known commands with the right argument types.
    """
    from pythonosc.osc_packet import OscPacket

    try:
        messages = [timed.message for timed in OscPacket(datagram).messages]
    except Exception as err:  # python-osc raises ParseError, and others on odd bytes
        raise OscInputError("not OSC", f"a datagram that is not OSC ({type(err).__name__})") from None
    return [_check_command(message.address, list(message.params)) for message in messages]


def _check_command(address: str, params: list) -> tuple[str, tuple]:
    if address not in IN_COMMANDS:
        raise OscInputError("unknown address", f"a message to an unknown address {address[:60]!r}")
    types = IN_COMMANDS[address]
    if len(params) != len(types):
        raise OscInputError("wrong arguments", f"{address} with {len(params)} arguments (it takes {len(types)})")
    values = []
    for value, kind in zip(params, types):
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
        elif kind is str and isinstance(value, str):
            values.append(value)
        else:
            raise OscInputError("wrong arguments", f"{address} with a {type(value).__name__} (it takes {kind.__name__})")
    return address, tuple(values)


class OscIn:
    """Receives commands on UDP ``host:port`` and runs ``on_command(address, args)`` one at a time.

    A receiver thread reads and checks datagrams; a worker thread runs the commands (which may
    take the model a second), so reading never waits on them. ``on_command`` may raise
    ``PoseLoopsError`` for a bad value (``/poseloops/bpm 5000``): the command is dropped and logged.
    """

    def __init__(self, on_command: Callable[[str, tuple], None], *, port: int, host: str = LOOPBACK,
                 drops: DropLog | None = None) -> None:
        self.on_command = on_command
        self.drops = drops or DropLog()
        self.commands: queue.Queue = queue.Queue(COMMAND_QUEUE)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind((host, port))
        except OSError as err:
            self.sock.close()
            raise ParameterError(f"cannot listen for OSC on {host}:{port}: {err.strerror}", argument="osc_in") from None
        self.sock.settimeout(RECEIVE_POLL_S)

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    def start(self) -> "OscIn":
        for target, name in ((self._receive, "poseloops-osc-in"), (self._work, "poseloops-osc-worker")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.sock.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                datagram, _sender = self.sock.recvfrom(MAX_DATAGRAM_BYTES + 1)
            except socket.timeout:
                continue
            except OSError:  # an ICMP error reported on the socket, or the socket closed
                continue
            try:
                commands = parse_commands(datagram)
            except OscInputError as err:
                self.drops.drop(*err.args)
                continue
            for command in commands:
                try:
                    self.commands.put_nowait(command)
                except queue.Full:
                    self.drops.drop("flood", f"{command[0]}: commands came faster than they run")

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                address, args = self.commands.get(timeout=RECEIVE_POLL_S)
            except queue.Empty:
                continue
            try:
                self.on_command(address, args)
            except PoseLoopsError as err:
                self.drops.drop(f"refused {address}", f"{address}: {err}")
            except Exception as err:  # a bug in a command: that command fails, OSC goes on
                self.drops.drop(f"failed {address}", f"{address}: internal error ({type(err).__name__}: {err})")


def parse_target(text: str) -> tuple[str, int]:
    """``"HOST:PORT"`` (``[::1]:9000`` for IPv6) as (host, port); raises ``ParameterError`` naming ``osc_out``."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ParameterError(f"OSC target {text!r} is not HOST:PORT (port 1-65535)", argument="osc_out")
    return host, int(port)


class OscOut:
    """Sends PoseLoops' messages to one OSC receiver; a send that fails is logged (rate-limited), never raised."""

    def __init__(self, host: str, port: int, *, drops: DropLog | None = None) -> None:
        from pythonosc.udp_client import SimpleUDPClient

        self.target = (host, port)
        try:
            self.client = SimpleUDPClient(host, port)
        except (OSError, ValueError) as err:
            raise ParameterError(f"cannot send OSC to {host}:{port}: {err}", argument="osc_out") from None
        self.drops = drops or DropLog()
        self._lock = threading.Lock()  # sends come from the server's threads and the bar thread

    def send_loop(self, loop_json: str) -> None:
        self._send(ADDRESS_LOOP, loop_json)

    def send_pose(self, keypoints: np.ndarray) -> None:
        """``keypoints``: ``(33, 4)`` x, y, z, visibility, sent as 132 floats, landmark by landmark."""
        values = np.asarray(keypoints, dtype=np.float32)
        if values.shape != POSE_SHAPE:
            raise ParameterError(f"a pose is {POSE_SHAPE[0]}x{POSE_SHAPE[1]} values, got shape {values.shape}")
        self._send(ADDRESS_POSE, [float(v) for v in values.ravel()])

    def send_bar(self, bar: int) -> None:
        self._send(ADDRESS_BAR, int(bar))

    def _send(self, address: str, value) -> None:
        try:
            with self._lock:
                self.client.send_message(address, value)
        except (OSError, ValueError) as err:  # nobody listening (ICMP), too big for a datagram
            self.drops.drop(f"send {address}", f"an outgoing {address} ({err})")

    def close(self) -> None:
        self.client.close()


def pose_values(xy: np.ndarray, visibility: np.ndarray, *, width: float, height: float) -> np.ndarray:
    """``(33, 4)`` x, y in 0-1 of the frame, z (0: the 2-D tracker estimates none), visibility."""
    values = np.zeros(POSE_SHAPE, dtype=np.float32)
    values[:, 0] = np.asarray(xy)[:, 0] / width
    values[:, 1] = np.asarray(xy)[:, 1] / height
    values[:, 3] = visibility
    return values
