"""A real MIDI system for the MIDI-out tests: a JACK server on its dummy driver, and a second
JACK client that reads a MIDI port and stamps each message with its JACK frame time.

The dummy driver keeps JACK's frame clock running from the system clock with no sound card,
so frame times are real time at ``SAMPLE_RATE``. Each server gets its own name (tests of
several sessions can run at once) and is always stopped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager

import numpy as np

SAMPLE_RATE = 48_000
# JACK delivers a client's MIDI at the start of the next period, so received times are
# quantised to it: 32 frames (0.67 ms) keeps that under the figures measured, as a live rig
# sets a short period (256 frames would be 5.3 ms).
PERIOD_FRAMES = 32
START_TIMEOUT_S = 60.0  # a busy machine takes long to start a CLI
PROBE_TIMEOUT_S = 10.0  # jack_lsp waits forever on a server that has stopped answering


NAME_POOL = 6  # JACK's registry holds 8 servers, and frees a dead one's slot only for its own name


def free_server_name(prefix: str) -> str:
    """The first of ``prefix-0`` .. ``prefix-5`` no JACK server runs as: a name of its own for each
    concurrent test run, from a small pool so that a server that died without leaving the
    registry (killed, say) leaves a slot that the next server of that name takes back."""
    for index in range(NAME_POOL):
        name = f"{prefix}-{index}"
        try:
            probe = subprocess.run(["jack_lsp", "-s", name], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                                   env={**os.environ, "JACK_NO_START_SERVER": "1"})
        except subprocess.TimeoutExpired:  # a server of that name that no longer answers: its name is taken
            continue
        if probe.returncode != 0:
            return name
    raise RuntimeError(f"all {NAME_POOL} JACK server names {prefix}-N are in use")


class JackServer:
    """``jackd -n NAME -d dummy``; clients find it through ``JACK_DEFAULT_SERVER=NAME``."""

    def __init__(self, prefix: str, *, period_frames: int = PERIOD_FRAMES) -> None:
        self.name = name = free_server_name(prefix)
        self.env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_AUDIO_RESERVATION": "1"}
        self.process = subprocess.Popen(
            [shutil.which("jackd") or "jackd", "-n", name, "-S", "-d", "dummy", "-r", str(SAMPLE_RATE),
             "-p", str(period_frames)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_running()

    def _wait_running(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jackd ended: {self.process.stderr.read().decode(errors='replace')[-400:]}")
            try:
                probe = subprocess.run(["jack_lsp", "-s", self.name], env=self.env, capture_output=True, text=True,
                                       timeout=PROBE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                continue
            if probe.returncode == 0 and "system:" in probe.stdout:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("jackd did not start in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)  # a server killed mid-exit would keep its registry slot
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()


class MidiReader:
    """A JACK client with one MIDI input; ``messages`` are (frame time, real time in ns, bytes) in
    arrival order.

    The real time is ``time.perf_counter_ns()`` when the JACK cycle that delivered the message
    ran this client, plus the message's offset in that cycle: when a DAW would have it. Frame
    times alone drift from real time on a busy machine: the dummy driver, when a cycle comes
    late (an xrun), counts afresh from that late moment (jack2 ``JackTimedDriver::ProcessWait``),
    so each xrun loses the time it was late, and the frames fall behind the clock.

    ``follow(prefix)`` connects to the first MIDI output whose name starts with ``prefix``
    as soon as it appears.
    """

    def __init__(self, server: JackServer, name: str = "reader") -> None:
        import jack

        self.client = jack.Client(name, servername=server.name, no_start_server=True)
        self.inport = self.client.midi_inports.register("in")
        self.messages: list[tuple[int, int, bytes]] = []
        self.connected = threading.Event()
        self.xruns = 0  # cycles JACK itself came late for (the dummy driver counts them)

        @self.client.set_process_callback
        def process(frames):  # JACK's real-time thread: only collect
            now_ns = time.perf_counter_ns()
            base = self.client.last_frame_time
            for offset, data in self.inport.incoming_midi_events():
                at_ns = now_ns + offset * 1_000_000_000 // SAMPLE_RATE
                self.messages.append((base + offset, at_ns, bytes(data)))

        @self.client.set_xrun_callback
        def xrun(delayed_usecs):
            self.xruns += 1

        self.client.activate()

    def follow(self, prefix: str) -> threading.Thread:
        """Connect to the first MIDI output named ``prefix...`` as soon as it appears (a thread that
        asks the server every 2 ms; no registration callback, which can deadlock a Python client)."""

        def connect():
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                ports = self.client.get_ports(prefix, is_midi=True, is_output=True)
                if ports:
                    self.client.connect(ports[0], self.inport)
                    self.connected.set()
                    return
                time.sleep(0.002)

        thread = threading.Thread(target=connect, daemon=True)
        thread.start()
        return thread

    def take(self) -> list[tuple[int, int, bytes]]:
        taken, self.messages = self.messages, []
        return taken

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


@contextmanager
def served_with_jack(prefix: str, *, wait_ready: bool = True):
    """A JACK server (named from ``prefix``: keep it short, libjack overruns a buffer on some
    long names), ``poseloops serve`` on it and a reader: yields (server, reader), all stopped after."""
    from .server_harness import start_server

    jack = JackServer(prefix)
    server = reader = None
    try:
        server = start_server(wait_ready=wait_ready, env={"JACK_DEFAULT_SERVER": jack.name})
        reader = MidiReader(jack)
        yield server, reader
    finally:
        if reader is not None:
            reader.close()
        if server is not None:
            server.stop()
        jack.stop()


def clock_period_s(messages, clock_status: int = 0xF8) -> float:
    """The MIDI clock's tick period: the least-squares slope of its ticks' real times over their count.

    Not (last - first) / ticks: the reader's callback stamps a tick when it runs, and one that
    waited for Python's GIL at either end (10 ms, say, while the test thread read an answer)
    moved that mean by 0.25% over 4 s of ticks; the slope moves by 6 x 10 ms / ticks^2.
    """
    ticks = np.array([at for _, at, data in messages if data[0] == clock_status], np.float64) / 1e9
    return float(np.polyfit(np.arange(len(ticks)), ticks, 1)[0])
