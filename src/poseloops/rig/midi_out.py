"""Live MIDI out: a virtual MIDI port of this program's own, and a loop played to it.

The port is python-rtmidi's (RtMidi): on JACK when a JACK server runs (JACK MIDI, what
Linux studios route with), else on ALSA's sequencer (what DAWs and hardware see through
``snd-seq``). Both are virtual ports: a DAW or synth connects to ``PoseLoops:NAME``.

Timing on JACK: RtMidi hands a message to JACK at the start of the next JACK period, so
a message arrives up to one period late (256 frames at 48 kHz: 5.3 ms; 32 frames: 0.7 ms).
A live rig wants a short period for that reason anyway; on ALSA a message leaves when sent.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

from ..errors import PoseLoopsError
from .live_player import START_LEAD_NS, LivePlayer, LiveLoop

CLIENT_NAME = "PoseLoops"  # the MIDI client a DAW sees; the port is named by the user
MAX_PORT_NAME = 64
JOIN_WAIT_S = 3.0  # Link finds peers within a few hundred ms, but took over 1 s on a busy machine (and then
# this player's own timeline, at --bpm, met the session and changed its tempo); alone, play starts 3 s late
DRAIN_S = 0.1  # many JACK periods (a period is 1-20 ms), unnoticed at a stop
NO_MIDI_SYSTEM = "no MIDI system: start JACK (jackd) or load ALSA's sequencer (modprobe snd-seq)"


class MidiOutError(PoseLoopsError):
    """No MIDI system to send to, or the port cannot be made."""


@dataclass
class MidiOutPort:
    """An open virtual output port: ``send`` a message (a list of bytes), ``close`` when done."""

    midi_out: object
    api: str  # "JACK" or "ALSA"
    name: str

    def send(self, message: list[int]) -> None:
        self.midi_out.send_message(message)

    def close(self) -> None:
        # JACK takes a client's MIDI from its ring buffer in the next process cycles: a port
        # closed at once drops what was just sent (a stop's note-offs, All Notes Off, clock Stop).
        time.sleep(DRAIN_S)
        with contextlib.suppress(Exception):
            self.midi_out.close_port()
        del self.midi_out


def check_port_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_PORT_NAME or ":" in name:
        raise MidiOutError(f"MIDI port name {name!r} must be 1-{MAX_PORT_NAME} characters without ':'")
    return name.strip()


def open_virtual_output(name: str) -> MidiOutPort:
    """A virtual output port ``name`` on JACK if a JACK server runs, else on ALSA.

    Raises ``MidiOutError`` naming what was tried when neither is there.
    """
    import rtmidi  # python-rtmidi: loaded only when MIDI is played

    name = check_port_name(name)
    tried = []
    for api, label in ((rtmidi.API_UNIX_JACK, "JACK"), (rtmidi.API_LINUX_ALSA, "ALSA")):
        if api not in rtmidi.get_compiled_api():
            tried.append(f"{label}: not built into python-rtmidi")
            continue
        try:
            with _quiet_stderr():  # JACK's and ALSA's libraries print their own failures
                midi_out = rtmidi.MidiOut(api, name=CLIENT_NAME)
                midi_out.open_virtual_port(name)
        except rtmidi.RtMidiError as err:
            tried.append(f"{label}: {_first_line(err)}")
            continue
        return MidiOutPort(midi_out, label, name)
    raise MidiOutError(f"{NO_MIDI_SYSTEM} (tried {'; '.join(tried)})")


@contextlib.contextmanager
def _quiet_stderr():
    """Silence file descriptor 2 (C libraries' messages) while probing; Python's own errors still raise."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def steady_timeline_factory(*, lead_ns: int = START_LEAD_NS):
    """Timelines at the loop's own tempo, the first downbeat ``lead_ns`` after the player starts."""
    from .beat_timeline import SteadyTempo

    def make(bpm: float):
        return SteadyTempo(bpm=bpm, start_ns=time.perf_counter_ns() + lead_ns)

    return make


def link_timeline_factory(link_clock, *, lead_ns: int = START_LEAD_NS):
    """Timelines on the Link session's grid: the first downbeat on its first bar line ``lead_ns`` from now."""
    from .beat_timeline import LinkTempo

    def make(_bpm: float):
        return LinkTempo(link_clock, lead_ns=lead_ns)

    return make


def join_link(*, bpm: float, wait_s: float = JOIN_WAIT_S):
    """A ``LinkClock`` in the local session (it announces itself by multicast), after up to
    ``wait_s`` for its peers to be found: the first bar goes on the session's timeline, not on
    the one this peer had alone."""
    from .link_clock import LinkClock, check_link_bpm

    clock = LinkClock(bpm=check_link_bpm(bpm))
    clock.enable()
    deadline = time.monotonic() + wait_s
    while clock.peers == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return clock


def start_player(port: MidiOutPort, loop: LiveLoop, *, clock: bool = False, loops: int | None = None,
                 link_clock=None, lead_ns: int = START_LEAD_NS) -> LivePlayer:
    """Start playing ``loop`` to ``port`` (following ``link_clock``'s session when given), the first
    downbeat at least ``lead_ns`` from now; returns the player."""
    factory = (steady_timeline_factory(lead_ns=lead_ns) if link_clock is None
               else link_timeline_factory(link_clock, lead_ns=lead_ns))
    player = LivePlayer(port.send, loop, timeline_factory=factory, clock=clock, loops=loops)
    player.start()
    return player
