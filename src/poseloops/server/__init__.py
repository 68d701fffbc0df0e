"""The studio's web server: FastAPI over the library, and the page it serves.

``create_app()`` builds the app (``poseloops serve`` runs it with uvicorn).
FastAPI is imported only when the app is asked for, so the CLI's other
commands (which read ``server.settings`` for ``--help``) stay quick.
"""

from .settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
