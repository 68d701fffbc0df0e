"""Ableton Link: join the local session, read and set its tempo, and say where its bars are.

The binding is LinkPython-extern (import name ``link``): it wraps Link 3's whole session API
(``beatAtTime``/``timeAtBeat`` on Link's own clock, ``setTempo``, ``numPeers``, peer and tempo
callbacks) with typed stubs, and its calls are plain and synchronous, which is what a
threaded server and a command-line player want. ``aalink`` is asyncio-first and exposes a
smaller surface (sync to a beat, tempo, peers), without the beat/time mapping the page needs.

Link announces itself by multicast on every network interface once enabled, so a
``LinkClock`` is made disabled and joins only when ``enable()`` is called (``serve --link``).
Times are Link's clock in microseconds (``now_micros``): on Linux the system's monotonic clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..errors import ParameterError
from ..pattern import MAX_BPM, MIN_BPM

QUANTUM = 4.0  # beats per bar: the studio's bars are four quarter notes, so phase is shared per bar
# Link clamps a session's tempo to 20-999 BPM (ableton/link/Tempo.hpp); the studio plays 10-300.
LINK_MIN_BPM = max(20.0, MIN_BPM)
LINK_MAX_BPM = min(999.0, MAX_BPM)
DEFAULT_BPM = 120.0
MAX_SLEEP_S = 0.05  # the bar thread looks again at least this often (a tempo change moves the next bar)


@dataclass(frozen=True)
class LinkSnapshot:
    """The session at one instant: ``beat`` (quantum 4) at Link-clock time ``micros``.

    ``beat`` is this peer's beat count; its phase in the bar (``beat % QUANTUM``) is shared by
    every peer. ``bar_start_micros`` is when the bar holding ``beat`` began (a whole multiple
    of ``QUANTUM`` beats), so ``bar_start_micros + k * bar_micros`` are the session's bar starts
    while the tempo holds.
    """

    enabled: bool
    peers: int
    tempo: float
    beat: float
    micros: int
    bar_start_micros: float
    quantum: float = QUANTUM

    @property
    def bar_micros(self) -> float:
        return self.quantum * 60e6 / self.tempo

    def as_dict(self) -> dict:
        return {"enabled": self.enabled, "peers": self.peers, "tempo": self.tempo, "beat": self.beat,
                "micros": self.micros, "bar_start_micros": self.bar_start_micros, "quantum": self.quantum}


def check_link_bpm(bpm: float) -> float:
    """``bpm`` as a float, or a ``ParameterError`` naming ``tempo`` outside Link's and the studio's range."""
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or bpm != bpm:
        raise ParameterError(f"tempo {bpm!r} is not a number", argument="tempo")
    if not LINK_MIN_BPM <= bpm <= LINK_MAX_BPM:
        raise ParameterError(f"tempo {bpm:g} is outside {LINK_MIN_BPM:g}-{LINK_MAX_BPM:g} BPM", argument="tempo")
    return float(bpm)


class LinkClock:
    """One peer of the local Link session (disabled until ``enable()``)."""

    def __init__(self, *, bpm: float = DEFAULT_BPM) -> None:
        import link  # LinkPython-extern; loaded only by those who use Link

        self._link = link.Link(check_link_bpm(bpm))
        self._lock = threading.Lock()  # capture/commit pairs from several threads must not interleave

    @property
    def enabled(self) -> bool:
        return bool(self._link.enabled)

    def enable(self) -> None:
        """Join the session: from now on this process announces itself by multicast on every interface."""
        self._link.enabled = True

    def disable(self) -> None:
        self._link.enabled = False

    def now_micros(self) -> int:
        return int(self._link.clock().micros())

    @property
    def peers(self) -> int:
        """How many other peers share the session."""
        return int(self._link.numPeers())

    @property
    def tempo(self) -> float:
        return float(self._link.captureSessionState().tempo())

    def set_tempo(self, bpm: float) -> float:
        """Change the session's tempo now (every peer follows); returns it. Raises ``ParameterError``."""
        bpm = check_link_bpm(bpm)
        with self._lock:
            state = self._link.captureSessionState()
            state.setTempo(bpm, self.now_micros())
            self._link.commitSessionState(state)
        return bpm

    def beat_at(self, micros: int) -> float:
        """The session's beat (quantum 4) at Link-clock time ``micros``."""
        return float(self._link.captureSessionState().beatAtTime(int(micros), QUANTUM))

    def micros_at_beat(self, beat: float) -> float:
        """When beat ``beat`` falls, on Link's clock (at the tempo now)."""
        return float(self._link.captureSessionState().timeAtBeat(float(beat), QUANTUM))

    def snapshot(self) -> LinkSnapshot:
        """Where the session is now: one captured state, so tempo, beat and bar start agree."""
        state = self._link.captureSessionState()
        micros = self.now_micros()
        beat = float(state.beatAtTime(micros, QUANTUM))
        bar_beat = (beat // QUANTUM) * QUANTUM
        return LinkSnapshot(enabled=self.enabled, peers=self.peers, tempo=float(state.tempo()), beat=beat,
                            micros=micros, bar_start_micros=float(state.timeAtBeat(bar_beat, QUANTUM)))

    def next_bar(self, after_micros: int) -> tuple[int, float]:
        """The first bar start at or after ``after_micros``: (its bar number, its Link-clock time)."""
        state = self._link.captureSessionState()
        beat = float(state.beatAtTime(int(after_micros), QUANTUM))
        bar = int(-(-beat // QUANTUM))  # ceil
        return bar, float(state.timeAtBeat(bar * QUANTUM, QUANTUM))

    def on_peers(self, callback) -> None:
        """Call ``callback(peers)`` (on a Link thread) when the number of peers changes."""
        self._link.setNumPeersCallback(callback)

    def on_tempo(self, callback) -> None:
        """Call ``callback(bpm)`` (on a Link thread) when the session's tempo changes."""
        self._link.setTempoCallback(callback)

    def close(self) -> None:
        """Leave the session and drop the callbacks (Link threads must not call into a closed owner)."""
        self._link.setNumPeersCallback(lambda _peers: None)
        self._link.setTempoCallback(lambda _bpm: None)
        self.disable()


class BarTicker:
    """Calls ``on_bar(bar)`` on its own thread at each of the session's bar starts (quantum 4).

    ``bar`` is this peer's bar count (``beat // 4``); the call comes within a millisecond or
    so after the bar starts on Link's clock. ``close()`` stops it.
    """

    def __init__(self, clock: LinkClock, on_bar) -> None:
        self.clock = clock
        self.on_bar = on_bar
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poseloops-link-bars", daemon=True)

    def start(self) -> "BarTicker":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        # The bar number of "now" is checked after every wake-up, so a bar is never announced
        # before it starts, even when a tempo change moved the grid while this thread slept;
        # sleeps are short near nothing and at most MAX_SLEEP_S, so such a move costs little.
        last = int(self.clock.beat_at(self.clock.now_micros()) // QUANTUM)
        while not self._stop.is_set():
            now = self.clock.now_micros()
            bar = int(self.clock.beat_at(now) // QUANTUM)
            if bar != last:
                last = bar
                self.on_bar(bar)
                continue
            _, at = self.clock.next_bar(now + 1)
            if self._stop.wait(min(MAX_SLEEP_S, max(0.0, (at - now) / 1e6))):
                return
