"""The FastAPI app: the JSON API under /api, the studio page at /, OpenAPI at /docs."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from .errors import install_error_handlers
from .live import LiveStreams
from ..rig.midi_out_switch import MidiOutSwitch
from .rig import LoopAnnouncer, ServerRig
from .routes import ROUTERS
from .runtime import Runtime
from .settings import Settings
from .uploads import BodyLimit, BodyLimitMiddleware

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_UI = "/static/vendor/swagger-ui"
# The page may load nothing from elsewhere: its scripts, styles and media are all served here.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
)
DESCRIPTION = """Turn a body, a picture, a sound or a throw of dice into a drum loop.

Make a seed (`/api/seeds/*`), continue it with the drum model (`/api/generate`), hear it
(`/api/render` answers a WAV that loops seamlessly), take it away (`/api/export/*`).
Errors answer `{"detail": "...", "field": "..."}` with a 4xx status. Uploads are the raw
request body with their Content-Type and are never stored."""


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The studio app; ``runtime`` (default: the real model and pose estimator) is for tests."""
    settings = settings or Settings.from_env()
    runtime = runtime or Runtime(model_path=settings.model_path or None)
    rig = ServerRig(settings, runtime)  # Link and OSC: off unless settings ask

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.preload:
            runtime.start()
        rig.start()
        try:
            yield
        finally:
            app.state.midi_out.close()  # every note off before the port goes
            rig.close()

    app = FastAPI(
        title="PoseLoops studio",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the package, so /docs works offline
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.rig = rig
    app.state.midi_out = MidiOutSwitch(link_clock=rig.link)  # off until the page switches it on
    app.state.live_streams = LiveStreams(max_streams=settings.max_live_streams)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(PagePolicyMiddleware)
    if rig.active:
        app.add_middleware(LoopAnnouncer, rig=rig)
    app.add_middleware(BodyLimitMiddleware, limits=_upload_limits(settings), default=_json_limit(settings))
    # The page's files live under /static so that /api answers its own 404s and 405s.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", studio_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", api_docs_page, methods=["GET"], include_in_schema=False)
    return app


def api_docs_page() -> HTMLResponse:
    """Swagger UI over /openapi.json, from the copy shipped in static/vendor (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="PoseLoops studio API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},  # the default validator is a web service
    )


def studio_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


def _upload_limits(settings: Settings) -> dict[str, BodyLimit]:
    image = BodyLimit(settings.max_image_bytes, "image")
    audio = BodyLimit(settings.max_audio_bytes, "audio")
    return {"/api/seeds/pose": image, "/api/seeds/image": image, "/api/pose": image, "/api/seeds/audio": audio}


def _json_limit(settings: Settings) -> BodyLimit:
    return BodyLimit(settings.max_json_bytes, "JSON body")


class PagePolicyMiddleware:
    """Adds a Content-Security-Policy to the studio's own files (/docs needs Swagger UI's inline start-up script)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(("/api/", "/docs", "/redoc", "/openapi")):
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_policy)
