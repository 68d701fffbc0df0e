"""A second Ableton Link peer for the tests: its own process, using LinkPython-extern directly.

Run inside the test's network namespace (``net_namespace``). It reads one JSON command a line
on stdin and answers one JSON line on stdout:

- ``{"op": "state"}`` -> ``{"peers", "tempo", "micros", "beat", "monotonic"}`` (beat at quantum 4 at
  Link-clock ``micros``; ``monotonic`` is ``time.monotonic()`` then, the clock the test shares)
- ``{"op": "beat_at", "micros": M}`` -> ``{"beat"}``
- ``{"op": "set_tempo", "bpm": B}`` -> ``{"monotonic"}`` (when it was committed)
- ``{"op": "wait_tempo", "bpm": B, "timeout": S}`` -> ``{"monotonic"}`` when its session tempo is
  within 0.01 BPM of B (polled every 0.5 ms), or ``{"monotonic": null}`` after S seconds
- ``{"op": "wait_peers", "peers": N, "timeout": S}`` -> ``{"peers"}``
"""

from __future__ import annotations

import json
import sys
import time

import link

QUANTUM = 4.0
POLL_S = 0.0005


def main() -> None:
    peer = link.Link(float(sys.argv[1]) if len(sys.argv) > 1 else 100.0)
    peer.enabled = True
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        print(json.dumps(answer(peer, command)), flush=True)


def answer(peer, command: dict) -> dict:
    op = command["op"]
    if op == "state":
        state = peer.captureSessionState()
        micros = peer.clock().micros()
        return {"peers": peer.numPeers(), "tempo": state.tempo(), "micros": micros,
                "beat": state.beatAtTime(micros, QUANTUM), "monotonic": time.monotonic()}
    if op == "beat_at":
        return {"beat": peer.captureSessionState().beatAtTime(int(command["micros"]), QUANTUM)}
    if op == "set_tempo":
        state = peer.captureSessionState()
        state.setTempo(float(command["bpm"]), peer.clock().micros())
        peer.commitSessionState(state)
        return {"monotonic": time.monotonic()}
    if op == "wait_tempo":
        deadline = time.monotonic() + command["timeout"]
        while time.monotonic() < deadline:
            if abs(peer.captureSessionState().tempo() - command["bpm"]) < 0.01:
                return {"monotonic": time.monotonic()}
            time.sleep(POLL_S)
        return {"monotonic": None}
    if op == "wait_peers":
        deadline = time.monotonic() + command["timeout"]
        while peer.numPeers() < command["peers"] and time.monotonic() < deadline:
            time.sleep(0.01)
        return {"peers": peer.numPeers()}
    return {"error": f"unknown op {op}"}


if __name__ == "__main__":
    main()
