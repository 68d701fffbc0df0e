"""A loop as live MIDI: the messages a drum machine sends, each at its time in 16th steps.

What is sent matches the file export (``midi_io.pattern_to_midi``) and the audio render:
- one General MIDI drum note per hit on channel 10 (``midi_io.DRUM_TO_PITCH``), with the
  hit's velocity, where ``timing.hit_times`` says it sounds (grid, swing, the hit's offset);
- its note-off a 32nd later, or (the player sees to it) just before the same pitch sounds
  again, so a repeated hit is never cut short;
- optional MIDI clock: 24 ticks per quarter note (6 per 16th), Start at the first downbeat
  and Stop at the end. Start always means "from the top" (position 0), so no Song Position
  Pointer is needed.

A player asks for one ``bar_events`` at a time (16 steps, or what is left of a shorter loop),
so a new loop can take over at a bar line without a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..midi_io import DRUM_CHANNEL, DRUM_TO_PITCH
from ..pattern import STEPS_PER_BAR, STEPS_PER_BEAT, Pattern
from ..timing import STRAIGHT_SWING, hit_times

NOTE_ON = 0x90 | DRUM_CHANNEL
NOTE_OFF = 0x80 | DRUM_CHANNEL
CONTROL_CHANGE = 0xB0 | DRUM_CHANNEL
ALL_NOTES_OFF = (CONTROL_CHANGE, 123, 0)  # channel mode message: what a "panic" sends
CLOCK_TICK = 0xF8
CLOCK_START = 0xFA
CLOCK_STOP = 0xFC
CLOCK_TICKS_PER_BEAT = 24  # the MIDI clock standard: 24 pulses per quarter note
CLOCK_TICKS_PER_STEP = CLOCK_TICKS_PER_BEAT // STEPS_PER_BEAT
NOTE_STEPS = 0.5  # a hit lasts a 32nd, as in the file export (drums have no meaningful length)

# At one instant: note-offs first (a repeated hit is not cut), then clock, then notes.
ORDER_NOTE_OFF, ORDER_CLOCK, ORDER_NOTE_ON = 0, 1, 2


@dataclass(frozen=True, order=True)
class TimedMessage:
    """A MIDI message at ``step`` (in 16ths from the start of the performance)."""

    step: float
    order: int
    message: tuple[int, ...]


def loop_hits(pattern: Pattern, *, swing: float = STRAIGHT_SWING) -> list[tuple[float, int, int]]:
    """(time in steps from the loop's start, GM pitch, velocity) of every hit, in time order."""
    hits = [(hit.time, DRUM_TO_PITCH[hit.drum], hit.velocity) for hit in hit_times(pattern, swing=swing)]
    return sorted(hits)


def bar_events(pattern: Pattern, *, first_step: int, at_step: float, swing: float = STRAIGHT_SWING,
               clock: bool = False, clamp_before: float | None = None) -> list[TimedMessage]:
    """Note-ons and clock ticks of the pattern's steps ``first_step`` up to the next bar line.

    The bar is played starting at ``at_step`` of the performance; a hit sounds at
    ``at_step`` + its time from step ``first_step``, so an early hit on the bar's first step falls just
    before ``at_step``. ``clamp_before``: no hit earlier than this (the first downbeat of a
    performance, as the file export starts at tick 0). Each note-on comes with its note-off
    ``NOTE_STEPS`` later; the player sends it earlier when the same pitch sounds again first.
    """
    last_step = min(len(pattern), (first_step // STEPS_PER_BAR + 1) * STEPS_PER_BAR)
    part = pattern.slice(first_step, last_step)
    events = []
    # ``first_step`` is a bar line, so even: the slice's odd steps are the loop's, and swing holds.
    for time, pitch, velocity in loop_hits(part, swing=swing):
        step = at_step + time
        if clamp_before is not None:
            step = max(step, clamp_before)
        events.append(TimedMessage(step, ORDER_NOTE_ON, (NOTE_ON, pitch, velocity)))
        events.append(TimedMessage(step + NOTE_STEPS, ORDER_NOTE_OFF, (NOTE_OFF, pitch, 0)))
    if clock:
        for tick in range((last_step - first_step) * CLOCK_TICKS_PER_STEP):
            events.append(TimedMessage(at_step + tick / CLOCK_TICKS_PER_STEP, ORDER_CLOCK, (CLOCK_TICK,)))
    return events
