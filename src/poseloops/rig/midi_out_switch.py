"""The studio's "MIDI out" switch: the page's loop, played live to a virtual MIDI port by the server.

The page keeps its loop; when the switch is on it hands the server each loop it plays (and
its tempo and swing), and the server's player takes it over at its next bar line, so a DAW
connected to ``PoseLoops:PORT`` records what the page plays. With ``serve --link`` the
player follows the Link session's tempo and bars, as the page does; without Link it keeps
its own steady tempo and starts on its own bar.
"""

from __future__ import annotations

import threading

from ..errors import ParameterError
from ..pattern import Pattern, check_bpm
from ..timing import STRAIGHT_SWING, check_swing
from .live_player import LiveLoop
from .midi_out import check_port_name
from .player_process import PlayerProcess

DEFAULT_PORT = "studio"


class MidiOutSwitch:
    """On/off, port and clock from the page; ``set_loop`` with every loop the page plays. Thread-safe.

    The player runs in a process of its own (``player_process``), so the server's busy threads
    never delay a note.
    """

    def __init__(self, *, link_clock=None) -> None:
        self._link = link_clock is not None
        self._lock = threading.Lock()
        self._player: PlayerProcess | None = None
        self._loop: LiveLoop | None = None
        self._clock = False

    def configure(self, *, enabled: bool, port: str = DEFAULT_PORT, clock: bool = False) -> dict:
        """Switch on (opening ``port``; ``MidiOutError`` when there is no MIDI system) or off."""
        with self._lock:
            if not enabled:
                self._close_locked()
                return self._status_locked()
            port = check_port_name(port)
            player = self._player
            if player is not None and (player.port_name != port or self._clock != bool(clock) or not player.alive):
                self._close_locked()  # a new port or clock setting: start again, with a fresh Start
            if self._player is None:
                self._player = PlayerProcess(port, clock=bool(clock), link=self._link)
                self._clock = bool(clock)
                if self._loop is not None:
                    self._player.set_loop(self._loop)
            return self._status_locked()

    def set_loop(self, pattern: Pattern, *, bpm: float, swing: float = STRAIGHT_SWING) -> dict:
        """The page's loop now: played from the player's next bar line (or from the start)."""
        if not isinstance(pattern, Pattern):
            raise ParameterError("pattern is not a pattern", argument="pattern")
        loop = LiveLoop(pattern, check_bpm(bpm), check_swing(swing))
        with self._lock:
            self._loop = loop
            if self._player is not None:
                self._player.set_loop(loop)
            return self._status_locked()

    def status(self) -> dict:
        with self._lock:
            return self._status_locked()

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._player is not None:
            self._player.close()  # every note off, and a clock Stop
            self._player = None

    def _status_locked(self) -> dict:
        player = self._player
        return {
            "enabled": player is not None,
            "port": None if player is None else f"PoseLoops:{player.port_name}",
            "api": None if player is None else player.api,
            "clock": self._clock if player is not None else False,
            "playing": player is not None and player.playing and player.alive,
            "link": self._link,
            "bpm": None if self._loop is None else self._loop.bpm,
        }
