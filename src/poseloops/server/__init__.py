"""The studio's web server: FastAPI over the library, and the page it serves.

``create_app()`` builds the app (``poseloops serve`` runs it with uvicorn).
Imported only by ``poseloops serve`` and tests: ``import poseloops`` stays light.
"""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
