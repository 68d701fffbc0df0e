"""``poseloops play``: a loop played live to a virtual MIDI port, with MIDI clock if asked."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from ..midi_io import DEFAULT_BPM
from ..pattern import MAX_BPM, MIN_BPM
from ..rig.midi_out import JOIN_WAIT_S
from ..timing import FULL_GROOVE, MAX_SWING, NO_GROOVE, STRAIGHT_SWING
from .common import bounded_float, bounded_int, read_pattern_file

MAX_PLAY_LOOPS = 10_000  # live_player.MAX_LOOPS: hours of any loop
# The first downbeat comes this long after the port opens: time for a patchbay or session
# manager (or the DAW) to connect the new port, so the first Start and notes are not lost.
PORT_CONNECT_LEAD_NS = 500_000_000


def register(subparsers) -> None:
    play = subparsers.add_parser(
        "play",
        help="play a loop live to a virtual MIDI port (drums on channel 10, MIDI clock)",
        description="Play a pattern file (.json, .txt grid or .mid) in real time to a virtual MIDI output "
        "port that a DAW or a synth connects to: General MIDI drum notes on channel 10 with the loop's "
        "velocities and timing. Uses JACK when a JACK server runs, else ALSA's sequencer. Ctrl-C stops "
        "with every note off (and a clock Stop).",
    )
    play.add_argument("pattern", metavar="LOOP", type=Path, help="a .json, .txt (text grid) or .mid pattern")
    play.add_argument("--midi-out", metavar="NAME", required=True,
                      help="name of the virtual output port (it appears as PoseLoops:NAME)")
    play.add_argument("--clock", action="store_true",
                      help="also send MIDI clock (24 per quarter note) with Start and Stop, so a DAW or "
                      "a groovebox follows")
    play.add_argument("--link", action="store_true",
                      help="follow the Ableton Link session's tempo and bar lines, after waiting up to "
                      f"{JOIN_WAIT_S:g} s for its peers (joins Link: it announces itself by multicast on the "
                      "local network)")
    play.add_argument("--bpm", type=bounded_float(MIN_BPM, MAX_BPM, "bpm"), default=None,
                      help=f"tempo, {MIN_BPM:g}-{MAX_BPM:g} (default: the pattern's own, else {DEFAULT_BPM:g}; "
                      "with --link: the tempo offered to a session without other peers)")
    play.add_argument("--loops", type=bounded_int(1, MAX_PLAY_LOOPS, "loops"), default=None,
                      help="play the loop N times, then stop (default: until Ctrl-C)")
    play.add_argument("--swing", type=bounded_float(STRAIGHT_SWING, MAX_SWING, "swing"), default=STRAIGHT_SWING,
                      help=f"{STRAIGHT_SWING:g} = straight, up to {MAX_SWING:g} (default %(default)s)")
    play.add_argument("--groove", type=bounded_float(NO_GROOVE, FULL_GROOVE, "groove"), default=FULL_GROOVE,
                      help="how much of the hits' velocities and timing offsets is played (default %(default)s)")
    play.set_defaults(func=run_play)


def run_play(args: argparse.Namespace) -> int:
    from ..rig.live_player import LiveLoop
    from ..rig.midi_out import join_link, open_virtual_output, start_player
    from ..timing import apply_groove

    pattern = apply_groove(read_pattern_file(args.pattern), args.groove)
    bpm = args.bpm if args.bpm is not None else (pattern.bpm or DEFAULT_BPM)
    loop = LiveLoop(pattern, bpm, args.swing)
    port = open_virtual_output(args.midi_out)
    link_clock = None
    # What is loaded by now lives as long as the command: kept out of the garbage collector,
    # whose full passes over it would stall the player for milliseconds.
    gc.freeze()
    try:
        link_clock = join_link(bpm=bpm) if args.link else None
        player = start_player(port, loop, clock=args.clock, loops=args.loops, link_clock=link_clock,
                              lead_ns=PORT_CONNECT_LEAD_NS)
        tempo = "following Link" if link_clock else f"{bpm:g} BPM"
        print(f"playing {args.pattern} to {port.api} port PoseLoops:{port.name}: {len(pattern)} steps, {tempo}"
              f"{', MIDI clock' if args.clock else ''}, {args.loops or 'endless'} loops (Ctrl-C stops)", flush=True)
        try:
            while not player.wait(timeout_s=0.2):
                pass
        except KeyboardInterrupt:
            player.stop()
            print("stopped: all notes off" + (", clock stopped" if args.clock else ""), file=sys.stderr)
        if player.error is not None:
            raise player.error
    finally:
        port.close()
        if link_clock is not None:
            link_clock.disable()  # leave the session (close() would swap callbacks: none were set)
    return 0
