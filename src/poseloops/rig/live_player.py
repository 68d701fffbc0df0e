"""A loop played live: a scheduler thread that sends each MIDI message at its moment.

Timing: the thread sleeps until ``SPIN_NS`` before a message is due, then spins on
``time.perf_counter_ns()`` for the rest, because an OS sleep wakes up to a millisecond late
on a busy machine and a spin does not. The due time is asked of the timeline
(``beat_timeline``) again after each sleep, so a tempo change reaches messages not yet sent.
Where the system allows, the thread runs at real-time priority (as JACK's own threads do),
so other busy processes do not delay its wake-up.

Changes (``set_loop``) take effect at the loop's next bar line; ``stop`` ends at once with
every sounding note off, an All Notes Off and a clock Stop, as a drum machine's stop does.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..errors import ParameterError
from ..pattern import STEPS_PER_BAR, STEPS_PER_BEAT, Pattern
from ..timing import STRAIGHT_SWING, check_swing
from .midi_events import (
    ALL_NOTES_OFF,
    CLOCK_START,
    CLOCK_STOP,
    NOTE_OFF,
    NOTE_ON,
    ORDER_NOTE_OFF,
    ORDER_NOTE_ON,
    bar_events,
)

SPIN_NS = 1_000_000  # the last millisecond before a message is spun, not slept
MAX_SLEEP_NS = 20_000_000  # sleeps are sliced, so a stop or a tempo change is seen within 20 ms
START_LEAD_NS = 100_000_000  # the first downbeat comes this long after start(): time to prepare
LOOKAHEAD_STEPS = 1.0  # a bar is prepared this early: a hit can sound half a step before its step
REALTIME_PRIORITY = 5  # SCHED_FIFO priority, under JACK's own threads (jackd -P defaults to 10)
TIMING_HISTORY = 100_000  # how many send-time errors are kept for ``timing_errors_ns``
ORDER_MARK = -1  # the player's own bar marks come before any message at the same instant
MAX_LOOPS = 10_000


@dataclass(frozen=True)
class LiveLoop:
    """What to play: a pattern (velocities and offsets included), its tempo (None: keep) and swing."""

    pattern: Pattern
    bpm: float | None = None
    swing: float = STRAIGHT_SWING

    def __post_init__(self) -> None:
        if len(self.pattern) == 0:
            raise ParameterError("the loop has no steps", argument="pattern")
        check_swing(self.swing)


def check_loops(loops: int | None) -> int | None:
    if loops is None:
        return None
    if isinstance(loops, bool) or not isinstance(loops, int) or not 1 <= loops <= MAX_LOOPS:
        raise ParameterError(f"loops {loops!r} is outside 1-{MAX_LOOPS}", argument="loops")
    return loops


class LivePlayer:
    """Plays ``loop`` through ``send`` (a MIDI message as a list of bytes) on ``timeline``.

    ``timeline``: a ``beat_timeline`` object; the default is a steady tempo (the loop's bpm)
    whose first downbeat comes ``START_LEAD_NS`` after ``start()``. ``loops``: how many
    times (None: until ``stop``). ``clock``: send MIDI clock, Start and Stop.
    """

    def __init__(self, send: Callable[[list[int]], None], loop: LiveLoop, *, timeline_factory: Callable,
                 clock: bool = False, loops: int | None = None) -> None:
        self._send = send
        self._loop = loop
        self._pending: LiveLoop | None = None
        self._timeline_factory = timeline_factory
        self._clock = bool(clock)
        self._loops = check_loops(loops)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.timing_errors_ns: collections.deque[int] = collections.deque(maxlen=TIMING_HISTORY)
        self.realtime = False  # whether the thread got real-time priority
        self.clock_running = False  # Start sent and Stop not yet
        self.error: BaseException | None = None

    # --- control, from any thread -------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="poseloops-midi-out", daemon=True)
        self._thread.start()

    def set_loop(self, loop: LiveLoop) -> None:
        """Play ``loop`` from the current loop's next bar line on (at its bpm, if it has one)."""
        with self._lock:
            self._pending = loop

    def stop(self, *, timeout_s: float = 2.0) -> None:
        """Stop now: sounding notes off, All Notes Off, clock Stop; waits for the thread."""
        self._stop.set()
        self.wait(timeout_s=timeout_s)

    def wait(self, *, timeout_s: float | None = None) -> bool:
        """Wait for the end (``loops`` played, or stopped); True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.playing

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the scheduler thread --------------------------------------------------------------
    def _run(self) -> None:
        self.realtime = _try_realtime_priority()
        sounding: dict[int, int] = {}  # pitch -> id of the note whose note-off is due
        try:
            self._play(sounding)
        except BaseException as err:  # a send that fails (port gone): end cleanly, report it
            self.error = err
        finally:
            self._silence(sounding)

    def _play(self, sounding: dict[int, int]) -> None:
        timeline = self._timeline_factory(self._loop.bpm)
        queue: list = []  # (step, order, seq, message, note id)
        seq = itertools.count()
        note_ids = itertools.count()
        loop, loop_step, next_bar_at, ended = self._loop, 0, 0.0, False
        note_id, loops_prepared = None, 0
        if self._clock:
            heapq.heappush(queue, (0.0, ORDER_NOTE_OFF, next(seq), [CLOCK_START], None))
        while not self._stop.is_set():
            while not ended and (not queue or next_bar_at <= queue[0][0] + LOOKAHEAD_STEPS):
                loop, loop_step, tempo = self._take_pending(loop, loop_step)
                heapq.heappush(queue, (next_bar_at, ORDER_MARK, next(seq), None, tempo))
                events = bar_events(loop.pattern, first_step=loop_step, at_step=next_bar_at,
                                    swing=loop.swing, clock=self._clock,
                                    clamp_before=0.0 if next_bar_at == 0 else None)
                for event in events:  # each note-on is followed by its note-off: both get the note's id
                    if event.order == ORDER_NOTE_ON:
                        note_id = next(note_ids)
                    note = note_id if event.order in (ORDER_NOTE_ON, ORDER_NOTE_OFF) else None
                    heapq.heappush(queue, (event.step, event.order, next(seq), list(event.message), note))
                bar_length = min(len(loop.pattern), loop_step + STEPS_PER_BAR) - loop_step
                next_bar_at, loop_step = next_bar_at + bar_length, loop_step + bar_length
                if loop_step >= len(loop.pattern):
                    loop_step = 0
                    loops_prepared += 1
                    if self._loops is not None and loops_prepared >= self._loops:
                        ended = True
                        if self._clock:
                            heapq.heappush(queue, (next_bar_at, ORDER_MARK, next(seq), [CLOCK_STOP], None))
            if not queue:
                break
            step, order, _, message, extra = heapq.heappop(queue)
            if order == ORDER_MARK and message is None:  # a bar line: a new tempo starts here
                if extra is not None:
                    timeline.change_tempo(extra, at_beat=step / STEPS_PER_BEAT)
                if not self._wait_until(lambda: timeline.ns_at_beat(step / STEPS_PER_BEAT)):
                    break
                continue
            if message[0] == NOTE_OFF and sounding.get(message[1]) != extra:
                continue  # that note was already ended by a later hit of the same pitch
            if not self._wait_until(lambda: timeline.ns_at_beat(step / STEPS_PER_BEAT), record=True):
                break
            self._send_paired(message, extra, sounding)

    def _take_pending(self, loop: LiveLoop, loop_step: int) -> tuple[LiveLoop, int, float | None]:
        """The loop for the bar about to be prepared: a new one takes over at the bar line."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return loop, loop_step, None
        # the same place in the new loop (its bar count wraps if it is shorter): an edit plays on
        new_step = (loop_step % len(pending.pattern)) // STEPS_PER_BAR * STEPS_PER_BAR
        tempo = pending.bpm if pending.bpm is not None and pending.bpm != loop.bpm else None
        if tempo is None and pending.bpm is None:
            pending = LiveLoop(pending.pattern, loop.bpm, pending.swing)
        return pending, new_step, tempo

    def _send_paired(self, message: list[int], note_id: int | None, sounding: dict[int, int]) -> None:
        """Send, keeping each pitch's note-on and note-off paired: a pitch hit again while it
        sounds is ended just before."""
        status, pitch = message[0], message[1] if len(message) > 1 else None
        if status == NOTE_ON and pitch in sounding:
            self._send([NOTE_OFF, pitch, 0])
        self._send(message)
        if status == NOTE_ON:
            sounding[pitch] = note_id
        elif status == NOTE_OFF:
            del sounding[pitch]
        elif status == CLOCK_START:
            self.clock_running = True
        elif status == CLOCK_STOP:
            self.clock_running = False

    def _wait_until(self, due_ns: Callable[[], int], *, record: bool = False) -> bool:
        """Sleep, then spin, until ``due_ns()``; False when stopped meanwhile."""
        while True:
            due = due_ns()
            left = due - time.perf_counter_ns()
            if left <= SPIN_NS:
                break
            if self._stop.wait(min(left - SPIN_NS, MAX_SLEEP_NS) / 1e9):
                return False
        while time.perf_counter_ns() < due:
            pass
        if record:
            self.timing_errors_ns.append(time.perf_counter_ns() - due)
        return True

    def _silence(self, sounding: dict[int, int]) -> None:
        """What a drum machine sends when it stops: its notes off, All Notes Off, clock Stop."""
        try:
            for pitch in sorted(sounding):
                self._send([NOTE_OFF, pitch, 0])
            self._send(list(ALL_NOTES_OFF))
            if self.clock_running:
                self._send([CLOCK_STOP])
                self.clock_running = False
        except Exception as err:  # the port is gone: nothing more can be sent
            self.error = self.error or err


def _try_realtime_priority() -> bool:
    """SCHED_FIFO for the calling thread where permitted (root, or an rtprio limit); else False."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
        return True
    except (AttributeError, OSError):
        return False
