"""When beats fall on this machine's clock: a steady tempo of our own, or the Link session's.

A live player asks a timeline when beat ``b`` of its performance sounds, as
``time.perf_counter_ns()`` nanoseconds, just before it waits for it; asking late means a
tempo change (the studio's, or a Link peer's) moves every event not yet sent.
"""

from __future__ import annotations

import threading
import time

from ..pattern import check_bpm
from .link_clock import QUANTUM

NS_PER_MINUTE = 60_000_000_000


class SteadyTempo:
    """Beat 0 at ``start_ns``, then ``bpm``; ``change_tempo`` keeps the beats already played where they were."""

    def __init__(self, *, bpm: float, start_ns: int) -> None:
        self._anchor_beat = 0.0
        self._anchor_ns = int(start_ns)
        self._bpm = check_bpm(bpm)
        self._lock = threading.Lock()

    @property
    def bpm(self) -> float:
        return self._bpm

    def ns_at_beat(self, beat: float) -> int:
        with self._lock:
            return self._anchor_ns + round((beat - self._anchor_beat) * NS_PER_MINUTE / self._bpm)

    def change_tempo(self, bpm: float, *, at_beat: float) -> None:
        """From ``at_beat`` on, play at ``bpm`` (a player calls this at a bar line)."""
        bpm = check_bpm(bpm)
        anchor_ns = self.ns_at_beat(at_beat)
        with self._lock:
            self._anchor_beat, self._anchor_ns, self._bpm = float(at_beat), anchor_ns, bpm


class LinkTempo:
    """The Link session's beat grid: beat 0 of the performance on the session's next bar line.

    ``link_clock`` is a ``poseloops.rig.link_clock.LinkClock`` (enabled). Link's clock is
    read beside ``perf_counter_ns`` at each question, so the two clocks need not be the same.
    """

    def __init__(self, link_clock, *, lead_ns: int) -> None:
        self._link = link_clock
        now_micros = link_clock.now_micros()
        bar, _ = link_clock.next_bar(now_micros + lead_ns // 1000)
        self._first_link_beat = bar * QUANTUM

    @property
    def bpm(self) -> float:
        return self._link.tempo

    def ns_at_beat(self, beat: float) -> int:
        at_micros = self._link.micros_at_beat(self._first_link_beat + beat)
        now_ns, now_micros = time.perf_counter_ns(), self._link.now_micros()
        return now_ns + round((at_micros - now_micros) * 1000)

    def change_tempo(self, bpm: float, *, at_beat: float) -> None:
        """A loop's own tempo does not move the session: the session's tempo rules."""
