"""The live socket's sessions: camera frames in, the tracked pose and its steady seed out.

One ``LiveSession`` per WebSocket on ``/api/live``. Messages from the page:

- binary: one camera frame (JPEG or PNG, at most ``max_image_bytes``), up to 30 a
  second. Every frame gets exactly one answer, in JSON, carrying its number on
  this connection (``frame``, from 1): ``{"frame", "person": true, "pose",
  "seed", "hits", "ms"}``, ``{"frame", "person": false}``, ``{"frame",
  "dropped": true}`` or ``{"frame", "error", "field": "frame"}``.
- text: settings as a JSON object (``schemas.LiveSettings``: steps, mirror,
  normalize, visibility_threshold; fields left out keep their value), answered
  ``{"settings": {...}}`` with all of them, or ``{"error", "field"}``.

Frames are read one at a time per connection. While one is read, at most one
waits: a newer frame takes its place and the one it replaces is answered
``dropped``, so the newest frame wins and nothing queues up. Frames live only
in memory, for as long as they are read; nothing about them is logged.

Each session holds its own ``LivePose`` (a BlazePose tracker in video mode and
the seed's hysteresis). Trackers take ~1 s to build, so ``LiveStreams`` keeps
those of closed sessions (reset: no track, no frame kept) for the next ones,
and refuses sessions beyond ``max_live_streams``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass

from fastapi import WebSocket
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from ..errors import PoseLoopsError
from . import schemas
from .errors import describe_validation_error
from .settings import MB, RETRY_AFTER_SECONDS, Settings

log = logging.getLogger("poseloops.server")

MAX_SPARE_TRACKERS = 2  # kept warm for the next sessions; more are closed (each holds ~150 MB)
# WebSocket close codes (RFC 6455 and IANA): the page shows the reason.
CLOSE_TRY_AGAIN_LATER = 1013


def socket_message_limit(settings: Settings) -> int:
    """The largest WebSocket message the server reads at all: a frame over the image limit
    still gets an answer saying so, up to 1 MB over it; larger ones close the socket (1009)."""
    return max(settings.max_image_bytes, settings.max_json_bytes) + MB


class LiveStreams:
    """The server's live sessions: how many are open, and warm pose trackers for new ones."""

    def __init__(self, *, max_streams: int, spares: int = MAX_SPARE_TRACKERS) -> None:
        self.max_streams = max_streams
        self._open = 0
        self._spares: list = []
        self._spare_limit = spares
        self._lock = threading.Lock()

    def open(self) -> bool:
        """Count a new session in; False when ``max_streams`` are open already."""
        with self._lock:
            if self._open >= self.max_streams:
                return False
            self._open += 1
            return True

    def close(self) -> None:
        with self._lock:
            self._open -= 1

    def take_tracker(self):
        """A warm tracker when one is spare, else a new one (about a second to build)."""
        from ..seeds.pose_estimator import BlazePoseTracker

        with self._lock:
            if self._spares:
                return self._spares.pop()
        return BlazePoseTracker()

    def give_back(self, tracker) -> None:
        tracker.reset()  # no track and no frame of the last session is kept
        with self._lock:
            if len(self._spares) < self._spare_limit:
                self._spares.append(tracker)
                return
        tracker.close()


@dataclass
class _Frame:
    number: int
    data: bytes


class LiveSession:
    """One page's camera stream (see the module docstring)."""

    def __init__(self, websocket: WebSocket, *, settings: Settings, streams: LiveStreams, on_pose=None) -> None:
        """``on_pose(keypoints, image_shape)`` is told each frame's pose (in a worker thread): OSC sends it."""
        self.websocket = websocket
        self.on_pose = on_pose
        self.settings = settings
        self.streams = streams
        self.options = schemas.LiveSettings()
        self._frames_received = 0
        self._waiting: _Frame | None = None
        self._frame_arrived = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._open = True
        self._live = None

    async def run(self) -> None:
        """Read messages until the page goes; the tracker goes back to the pool even if it vanishes mid-frame."""
        reader = asyncio.create_task(self._read_frames())
        try:
            while self._open:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    await self._on_frame(message["bytes"])
                elif message.get("text") is not None:
                    await self._on_settings(message["text"])
        except WebSocketDisconnect:
            pass
        finally:
            # A frame being read is finished first (its thread cannot be stopped), then the tracker is free.
            self._open = False
            self._frame_arrived.set()
            await asyncio.gather(reader, return_exceptions=True)
            if self._live is not None:
                self.streams.give_back(self._live.tracker)

    async def _on_frame(self, data: bytes) -> None:
        self._frames_received += 1
        frame = _Frame(self._frames_received, data)
        if len(data) > self.settings.max_image_bytes:
            limit = self.settings.max_image_bytes / MB
            await self._send({"frame": frame.number, "error": f"the frame is {len(data) / MB:.1f} MB; "
                              f"the limit is {limit:g} MB", "field": "frame"})  # fmt: skip
            return
        replaced, self._waiting = self._waiting, frame
        self._frame_arrived.set()
        if replaced is not None:
            await self._send({"frame": replaced.number, "dropped": True})
        # An idle reader takes this frame now: frames already buffered would otherwise replace it
        # before the reader ever ran, dropping a frame that arrived when nothing was being read.
        await asyncio.sleep(0)

    async def _on_settings(self, text: str) -> None:
        if len(text) > self.settings.max_json_bytes:
            await self._send({"error": f"settings are limited to {self.settings.max_json_bytes // 1024} kB", "field": "settings"})
            return
        try:
            changes = json.loads(text)
            if not isinstance(changes, dict):
                raise ValueError(f"got {type(changes).__name__}")
            self.options = schemas.LiveSettings(**{**self.options.model_dump(), **changes})
        except ValidationError as err:
            detail, field = describe_validation_error(err.errors()[0], default_field="settings")
            await self._send({"error": detail, "field": field})
        except ValueError as err:  # json.JSONDecodeError is one
            await self._send({"error": f"a text message must be a JSON object of settings ({err})", "field": "settings"})
        else:
            await self._send({"settings": self.options.model_dump()})

    async def _read_frames(self) -> None:
        while self._open:
            await self._frame_arrived.wait()
            self._frame_arrived.clear()
            frame, self._waiting = self._waiting, None
            if frame is not None and self._open:
                await self._send(await run_in_threadpool(self._answer, frame, self.options))

    def _answer(self, frame: _Frame, options: schemas.LiveSettings) -> dict:
        """The answer to one frame (in a worker thread)."""
        from ..seeds import decode_image
        from ..seeds.live_pose import LivePose, MappingOptions

        start = time.perf_counter()
        try:
            image = decode_image(frame.data, max_pixels_side=self.settings.max_image_side)
            if self._live is None:
                self._live = LivePose(tracker=self.streams.take_tracker())
            self._live.set_options(MappingOptions(**options.model_dump()))
            seen = self._live.read(image)
        except PoseLoopsError as err:
            return {"frame": frame.number, "error": str(err), "field": "frame"}
        except Exception as err:  # a bug: this frame fails, the session and the server go on
            log.error("live frame failed: %s", type(err).__name__)
            return {"frame": frame.number, "error": f"internal error ({type(err).__name__})", "field": None}
        answer: dict = {"frame": frame.number, "person": seen.person}
        if seen.keypoints is not None:
            answer["pose"] = schemas.pose_model(seen.keypoints, image.shape)
            if self.on_pose is not None:
                self.on_pose(seen.keypoints, image.shape)
        if seen.person:
            height, width = image.shape[:2]
            answer["seed"] = schemas.PatternModel.of(seen.seed).model_dump(exclude_none=True)
            answer["hits"] = [
                {"point": hit.point, "x": round(hit.x / width, 4), "y": round(hit.y / height, 4),
                 "step": hit.step, "drum": hit.drum}
                for hit in seen.hits
            ]  # fmt: skip
        answer["ms"] = round((time.perf_counter() - start) * 1000, 1)
        return answer

    async def _send(self, answer: dict) -> None:
        async with self._send_lock:
            if not self._open:
                return
            try:
                await self.websocket.send_text(json.dumps(answer))
            except (WebSocketDisconnect, RuntimeError, OSError):
                self._open = False  # the page went away; the receiving side ends the session


async def refuse(websocket: WebSocket, detail: str, *, retry: bool) -> None:
    """Say why in one message, then close cleanly with that reason."""
    await websocket.accept()
    message: dict = {"error": detail, "field": None}
    if retry:
        message["retry_after"] = RETRY_AFTER_SECONDS
    await websocket.send_text(json.dumps(message))
    await websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason=detail[:120])
