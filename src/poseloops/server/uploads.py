"""Request bodies: size limits enforced while they arrive, and raw uploads read in memory.

Uploads (images, video frames, recordings) come as the raw request body with
their own Content-Type, not as multipart forms: a multipart parser spools big
files to a temporary file on disk, and frames and recordings must never touch
the disk. Sizes are refused from the Content-Length header before anything is
read, and counted as the body streams in for senders that give no length.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError
from .settings import MB

IMAGE_TYPES = ("image/jpeg", "image/png")
# WAV has three names in the wild; MediaRecorder's WebM/Opus is turned into WAV by the page.
AUDIO_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/flac", "audio/x-flac", "audio/ogg", "audio/mpeg")


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    what: str  # names the upload in the message: "image", "audio", "JSON body"

    def message(self, size: int | None = None) -> str:
        if size is None:
            return f"the {self.what} is larger than the {self.max_bytes / MB:g} MB limit"
        return f"the {self.what} is {size / MB:.1f} MB; the limit is {self.max_bytes / MB:g} MB"


class BodyLimitMiddleware:
    """Refuse request bodies over the limit of their path with a JSON 413."""

    def __init__(self, app: ASGIApp, *, limits: dict[str, BodyLimit], default: BodyLimit):
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await _send_too_large(send, limit.message(declared))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise ApiError(413, limit.message(), field="body")
            return message

        await self.app(scope, limited_receive, send)


async def read_upload(request: Request, *, types: tuple[str, ...], what: str) -> bytes:
    """The raw body of an upload, after checking its Content-Type. Never stored anywhere."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in types:
        got = content_type or "no Content-Type"
        raise ApiError(415, f"the {what} must be sent as {', '.join(types)}; got {got}", field="content-type")
    data = await request.body()
    if not data:
        raise ApiError(422, f"the request body is empty; send the {what} bytes", field="body")
    return data


def upload_body_schema(types: tuple[str, ...]) -> dict:
    """OpenAPI ``requestBody`` for a raw upload of one of ``types``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": {t: binary for t in types}}}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail, "field": "body"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
