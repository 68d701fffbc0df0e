"""The studio's "MIDI out" switch: the page's loop played live to a virtual MIDI port on this machine."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from ...rig.midi_out import MAX_PORT_NAME, MidiOutError
from ...rig.midi_out_switch import DEFAULT_PORT
from ...timing import FULL_GROOVE, apply_groove
from ..errors import ApiError
from ..schemas import Bpm, Groove, PatternModel, Strict, Swing

router = APIRouter(prefix="/api", tags=["midi out"])
NO_MIDI = {409: {"description": "no MIDI system on the server's machine (JACK or ALSA's sequencer), "
                 "or MIDI out is off when a loop is sent"}}
MIDI_OUT_OFF = "MIDI out is off: switch it on with POST /api/midi-out {\"enabled\": true}"


class MidiOutRequest(Strict):
    enabled: bool
    port: Annotated[str, Field(min_length=1, max_length=MAX_PORT_NAME, pattern=r"^[^:]+$",
                               description="the virtual port's name: it appears as PoseLoops:NAME")] = DEFAULT_PORT
    clock: bool = Field(False, description="also send MIDI clock (24 per quarter note) with Start and Stop")


class MidiOutLoopRequest(Strict):
    pattern: PatternModel
    bpm: Bpm
    swing: Swing = 0.5
    groove: Groove = FULL_GROOVE


@router.get("/midi-out")
def midi_out_status(request: Request) -> dict:
    """``{"enabled", "port", "api", "clock", "playing", "link", "bpm"}``: the switch and its player now."""
    return request.app.state.midi_out.status()


@router.post("/midi-out", responses=NO_MIDI)
def switch_midi_out(body: MidiOutRequest, request: Request) -> dict:
    """Switch MIDI out on (a virtual port ``PoseLoops:port``; plays the loop the page sends) or off
    (every note off, and a clock Stop). Answers as GET does."""
    try:
        return request.app.state.midi_out.configure(enabled=body.enabled, port=body.port, clock=body.clock)
    except MidiOutError as err:
        raise ApiError(409, str(err), field="enabled") from None


@router.put("/midi-out/loop", responses=NO_MIDI)
def send_loop(body: MidiOutLoopRequest, request: Request) -> dict:
    """The loop the page plays, with its tempo and swing: the player takes it at its next bar line."""
    switch = request.app.state.midi_out
    if not switch.status()["enabled"]:
        raise ApiError(409, MIDI_OUT_OFF, field="enabled")
    pattern = apply_groove(body.pattern.to_pattern("pattern"), body.groove)
    return switch.set_loop(pattern, bpm=body.bpm, swing=body.swing)
