"""A live MIDI player in a process of its own, for a server whose other threads are busy.

In one process, a thread that renders audio, loads a model or answers requests holds
Python's interpreter lock for milliseconds at a time, and the player's thread would wait
for it before each message. A child process (``spawn``: a fresh interpreter, nothing of
the server's threads) has the lock to itself. The parent sends it loops over a pipe.
"""

from __future__ import annotations

import multiprocessing

from ..pattern import dict_to_pattern, pattern_to_dict
from .live_player import LiveLoop
from .midi_out import MidiOutError

START_TIMEOUT_S = 60.0  # a fresh interpreter on a busy machine: imports, then the port
STOP_TIMEOUT_S = 5.0
DEFAULT_LINK_BPM = 120.0  # only if the server's own Link peer were gone: the session's tempo rules


class PlayerProcess:
    """Opens virtual port ``port_name`` in a child process (``MidiOutError`` if it cannot), then plays
    each loop ``set_loop`` sends from the current loop's next bar line; ``close`` stops it cleanly."""

    def __init__(self, port_name: str, *, clock: bool = False, link: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=serve_player, args=(child_conn, port_name, clock, link),
                                        name="poseloops-midi-out", daemon=True)
        self._process.start()
        child_conn.close()
        reply = self._conn.recv() if self._conn.poll(START_TIMEOUT_S) else {"error": "the MIDI player did not start"}
        if "error" in reply:
            self.close()
            raise MidiOutError(reply["error"])
        self.api: str = reply["api"]
        self.port_name: str = reply["port"]
        self.playing = False

    def set_loop(self, loop: LiveLoop) -> None:
        self._conn.send(("loop", pattern_to_dict(loop.pattern), loop.bpm, loop.swing))
        self.playing = True

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        """Every note off and a clock Stop (the child's player sends them), then the port closes."""
        try:
            self._conn.send(("stop",))
            if self._conn.poll(STOP_TIMEOUT_S):
                self._conn.recv()
        except (OSError, EOFError):
            pass  # the child is gone already
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._conn.close()
        self.playing = False


def serve_player(conn, port_name: str, clock: bool, link: bool) -> None:
    """The child: open the port, answer how it went, then play what the pipe says until "stop"."""
    import gc

    from .midi_out import join_link, open_virtual_output, start_player

    try:
        port = open_virtual_output(port_name)
    except MidiOutError as err:
        conn.send({"error": str(err)})
        return
    link_clock = join_link(bpm=DEFAULT_LINK_BPM) if link else None
    conn.send({"api": port.api, "port": port.name})
    gc.freeze()  # what is loaded stays: the collector's full passes would stall the player
    player = None
    try:
        while True:
            try:
                command = conn.recv()
            except EOFError:  # the parent is gone: stop as if told to
                break
            if command[0] == "stop":
                break
            _, pattern, bpm, swing = command
            loop = LiveLoop(dict_to_pattern(pattern), bpm, swing)
            if player is None or not player.playing:
                player = start_player(port, loop, clock=clock, link_clock=link_clock)
            else:
                player.set_loop(loop)
    finally:
        if player is not None:
            player.stop()
        port.close()
        if link_clock is not None:
            link_clock.disable()
        try:
            conn.send("stopped")
        except OSError:
            pass
