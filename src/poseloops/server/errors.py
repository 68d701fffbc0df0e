"""Every failure becomes a small JSON answer: ``{"detail": "...", "field": "..."}``.

- ``PoseLoopsError`` from the library -> 4xx (422 for bad values and unreadable
  inputs, 503 for a model that cannot load). A ``ParameterError`` names the
  argument it is about, and the answer names that field (the library's
  arguments are named as the request's fields). Where one request field feeds
  a library call whole (a pattern, a kit), the route says so with
  ``blame(field)``, and that field is named instead.
- Request validation (pydantic) -> 422 naming the first bad field; a body
  that is not JSON where JSON is expected -> 415 naming the content type.
- ``ApiError`` (an ``HTTPException`` with a field) for what the server itself
  refuses: 413 too large, 415 wrong content type, 503 not ready yet.
- Anything else is a bug: a last-resort handler still answers with JSON and
  the server keeps running. The goal, checked by fuzzing, is that none happen.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import ModelError, PoseLoopsError

log = logging.getLogger("poseloops.server")

JSON_TYPES = ("application/json",)
_MAX_SHOWN_INPUT = 40  # characters of a rejected value quoted back in a message


class ApiError(HTTPException):
    """A refusal by the server itself, with the request field it is about."""

    def __init__(self, status_code: int, detail: str, *, field: str | None = None, headers: dict | None = None):
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.field = field


class FieldError(Exception):
    """A library error raised while handling one request field."""

    def __init__(self, field: str, error: PoseLoopsError):
        super().__init__(str(error))
        self.field = field
        self.error = error


@contextmanager
def blame(field: str) -> Iterator[None]:
    """Attach ``field`` to any ``PoseLoopsError`` raised inside the block."""
    try:
        yield
    except PoseLoopsError as err:
        raise FieldError(field, err) from err


def error_body(detail: str, field: str | None = None) -> dict:
    return {"detail": detail, "field": field}


def status_for(error: PoseLoopsError) -> int:
    """The HTTP status of a library error: the caller's fault unless the model is broken."""
    return 503 if isinstance(error, ModelError) else 422


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FieldError, _field_error)
    app.add_exception_handler(PoseLoopsError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _field_error(request: Request, exc: FieldError) -> JSONResponse:
    return JSONResponse(error_body(str(exc.error), exc.field), status_code=status_for(exc.error))


async def _library_error(request: Request, exc: PoseLoopsError) -> JSONResponse:
    return JSONResponse(error_body(str(exc), getattr(exc, "argument", None)), status_code=status_for(exc))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    field = getattr(exc, "field", None)
    return JSONResponse(error_body(str(exc.detail), field), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if not errors:
        return JSONResponse(error_body("the request is not valid"), status_code=422)
    first = errors[0]
    location = [str(part) for part in first.get("loc", ())]
    if location[:1] == ["body"] and len(location) == 1 and not _is_json(request):
        content_type = request.headers.get("content-type") or "no Content-Type"
        return JSONResponse(
            error_body(f"this endpoint takes JSON (Content-Type: application/json), got {content_type}", "content-type"),
            status_code=415,
        )
    if first.get("type") == "json_invalid":
        problem = (first.get("ctx") or {}).get("error", "decode error")
        return JSONResponse(error_body(f"the body is not valid JSON: {problem}", "body"), status_code=422)
    detail, field = describe_validation_error(first)
    body = error_body(detail, field)
    body["errors"] = len(errors)
    return JSONResponse(body, status_code=422)


def describe_validation_error(error: dict, *, default_field: str = "body") -> tuple[str, str]:
    """One pydantic error as ``(message, field)``: ``("bpm: Input should be ... (got 400)", "bpm")``."""
    location = [str(part) for part in error.get("loc", ())]
    sources = ("body", "query", "path", "header")
    field = ".".join(location[1:] if location[:1] and location[0] in sources else location) or default_field
    detail = f"{field}: {error.get('msg', 'is not valid')}"
    if error.get("type") != "missing" and "input" in error:
        detail += f" (got {_shorten(error['input'])})"
    return detail, field


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the server log (never the request body); the client gets JSON.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body(f"internal error ({type(exc).__name__}); the server is still running"), status_code=500
    )


def _is_json(request: Request) -> bool:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    return content_type in JSON_TYPES or content_type.endswith("+json")


def _shorten(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_INPUT else text[: _MAX_SHOWN_INPUT - 3] + "..."
