"""The server in a rig: Ableton Link (``serve --link``) and OSC (``--osc-in``, ``--osc-out``).

``ServerRig`` wires the library's parts (``rig.link_clock``, ``rig.osc_bridge``,
``rig.rig_loop``) to the app: it starts them with the app and stops them with it,
answers /api/link, sends every new loop, every live pose and (with Link) every bar
out over OSC, and runs OSC's commands on the runtime's models. ``LoopAnnouncer`` is
the one place where the server sees the loops its routes make.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ParameterError
from .errors import ApiError
from .settings import Settings

log = logging.getLogger("poseloops.server")

# The routes that make loops; each answers {"patterns": [...]}, the first of them is "the" new loop.
LOOP_ROUTES = frozenset({"/api/generate", "/api/regenerate", "/api/drumify", "/api/blend"})
LINK_OFF = "Link is off: start the server with poseloops serve --link to join a Link session"


class ServerRig:
    """Link and OSC for one app; every part is off unless its setting asks for it."""

    def __init__(self, settings: Settings, runtime) -> None:
        from ..rig.osc_bridge import OscIn, OscOut, parse_target
        from ..rig.rig_loop import RigLoop

        self.runtime = runtime
        self.link = None
        self.bars = None
        self.osc_out = OscOut(*parse_target(settings.osc_out)) if settings.osc_out else None
        self.loop = RigLoop(self.osc_out.send_loop if self.osc_out else None)
        self.osc_in = None
        if settings.osc_in_port:
            self.osc_in = OscIn(self.run_command, port=settings.osc_in_port, host=settings.osc_in_host)
        if settings.link:
            from ..rig.link_clock import LinkClock

            self.link = LinkClock()

    @property
    def active(self) -> bool:
        return bool(self.link or self.osc_out or self.osc_in)

    def start(self) -> None:
        if self.link is not None:
            self.link.enable()
            log.info("Link: joined the local session (announced by multicast on the local network)")
            if self.osc_out is not None:
                from ..rig.link_clock import BarTicker

                self.bars = BarTicker(self.link, self.osc_out.send_bar).start()
        if self.osc_in is not None:
            self.osc_in.start()
            host, port = self.osc_in.address
            log.info("OSC: listening for commands on %s:%d", host, port)

    def close(self) -> None:
        for part in (self.bars, self.osc_in, self.link, self.osc_out):
            if part is not None:
                part.close()

    # --- Link ---------------------------------------------------------------------------

    def link_status(self) -> dict:
        if self.link is None:
            return {"enabled": False, "peers": 0, "tempo": None, "beat": None}
        return self.link.snapshot().as_dict()

    def set_link_tempo(self, bpm: float) -> dict:
        if self.link is None:
            raise ApiError(409, LINK_OFF, field=None)
        self.link.set_tempo(bpm)
        self.loop.set_bpm(bpm)
        return self.link_status()

    # --- OSC ----------------------------------------------------------------------------

    def on_pose(self, keypoints, image_shape) -> None:
        """A live frame's pose (in a worker thread): out as /poseloops/pose."""
        if self.osc_out is None or keypoints is None:
            return
        from ..rig.osc_bridge import pose_values

        height, width = image_shape[:2]
        self.osc_out.send_pose(pose_values(keypoints.xy, keypoints.visibility, width=width, height=height))

    def on_loop_made(self, answer: dict) -> None:
        from ..pattern import dict_to_pattern

        patterns = answer.get("patterns") or []
        if patterns:
            self.loop.set_loop(dict_to_pattern(patterns[0]))

    def run_command(self, address: str, args: tuple) -> None:
        """One OSC command (on the OSC worker thread); a bad value raises ``PoseLoopsError``."""
        if address == "/poseloops/bpm":
            bpm = self.loop.set_bpm(args[0])
            if self.link is not None:
                self.link.set_tempo(bpm)
        elif address == "/poseloops/style":
            self.loop.set_style(args[0], self._ready("model").styles)
        elif address == "/poseloops/generate":
            self.loop.generate(self._ready("model"), self.runtime.infill_model)
        elif address == "/poseloops/regenerate":
            self.loop.regenerate(self._ready("infill"))

    def _ready(self, name: str):
        try:
            return self.runtime.model() if name == "model" else self.runtime.infill_model()
        except ApiError as err:  # still loading, or failed: the command is dropped with the reason
            raise ParameterError(str(err.detail)) from None


class LoopAnnouncer:
    """Hands each loop a loop route answers (200, JSON) to ``rig.on_loop_made``; the answer is sent unchanged."""

    def __init__(self, app: ASGIApp, rig: ServerRig) -> None:
        self.app = app
        self.rig = rig

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in LOOP_ROUTES:
            await self.app(scope, receive, send)
            return
        status = 0
        body = bytearray()

        async def send_and_keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200:
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    self._announce(bytes(body))
            await send(message)

        await self.app(scope, receive, send_and_keep)

    def _announce(self, body: bytes) -> None:
        try:
            self.rig.on_loop_made(json.loads(body))
        except Exception as err:  # announcing is a side line: the page's answer never suffers for it
            log.warning("OSC: a new loop could not be announced: %s: %s", type(err).__name__, err)
