"""The heavy parts the server needs, loaded once in the background at start-up.

Loading the drum model and MediaPipe's pose estimator (and warming the sound
engine's kit and reverb) takes seconds; the
server answers at once (the page, the kits, dice and grid seeds) and routes
that need a part not loaded yet answer 503 with ``Retry-After`` until it is.
The loaded objects are the library's own caches (``load_default_model``, the
default pose estimator), so there is no per-user state here: every request
only reads them.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import ApiError
from .settings import RETRY_AFTER_SECONDS

log = logging.getLogger("poseloops.server")

LOADING, READY, FAILED = "loading", "ready", "failed"
WARMUP_IMAGE_SIDE = 64  # a blank frame that makes the pose estimator build its graph


@dataclass
class Part:
    """One loadable part: its state, a message for people, and how long it took."""

    name: str
    what: str  # in messages: "the drum model"
    state: str = LOADING
    detail: str = ""
    seconds: float | None = None
    value: object = None
    ready: threading.Event = field(default_factory=threading.Event)

    def as_dict(self) -> dict:
        return {"state": self.state, "detail": self.detail, "seconds": self.seconds}


class Runtime:
    """Loads the model and the pose estimator in a daemon thread; routes ask it for them."""

    def __init__(self, loaders: dict[str, Callable[[], object]] | None = None, *, model_path: str | None = None) -> None:
        """``loaders`` replaces how a part is loaded (a test can make loading slow or fail);
        ``model_path`` serves weights from ``poseloops train`` instead of the shipped model."""
        self.parts = {
            "model": Part("model", "the drum model"),
            "infill": Part("infill", "the infilling model"),
            "sound": Part("sound", "the sound engine"),
            "pose": Part("pose", "the pose estimator"),
        }
        self.loaders = {"model": lambda: _load_model(model_path), "infill": _load_infill_model, "sound": _warm_sound,
                        "pose": _load_pose,
                        **(loaders or {})}
        # Tests that replace the loaders do not want the rhythm reader warmed behind their back.
        self.warm_rhythm = loaders is None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load_all, name="poseloops-load", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every part has finished loading (or failed); True if all are ready."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for part in self.parts.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            part.ready.wait(left)
        return self.is_ready

    @property
    def is_ready(self) -> bool:
        return all(part.state == READY for part in self.parts.values())

    def status(self) -> dict:
        states = {part.state for part in self.parts.values()}
        overall = FAILED if FAILED in states else LOADING if LOADING in states else READY
        return {"status": overall, "parts": {name: part.as_dict() for name, part in self.parts.items()}}

    def model(self):
        """The drum model, or a 503 while it loads."""
        return self._require("model")

    def infill_model(self):
        """The infilling model (regenerate, drumify, blend), or a 503 while it loads."""
        return self._require("infill")

    def require_pose(self) -> None:
        """Raise a 503 unless the pose estimator is loaded."""
        self._require("pose")

    def _require(self, name: str):
        self.start()  # a server started without preloading loads on first need
        part = self.parts[name]
        if part.state == READY:
            return part.value
        if part.state == FAILED:
            raise ApiError(503, f"{part.what} could not be loaded: {part.detail}", field=None)
        raise ApiError(
            503,
            f"{part.what} is still loading; try again in a moment",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    def _load_all(self) -> None:
        for name, part in self.parts.items():
            self._load(part, self.loaders[name])
        if self.warm_rhythm:
            _warm_rhythm()

    def _load(self, part: Part, loader: Callable[[], object]) -> None:
        start = time.perf_counter()
        try:
            part.value = loader()
        except Exception as err:  # a part that fails must not take the server down with it
            part.state, part.detail = FAILED, f"{type(err).__name__}: {err}"
            log.error("%s could not be loaded: %s", part.what, part.detail)
        else:
            part.state, part.detail = READY, ""
        part.seconds = round(time.perf_counter() - start, 3)
        part.ready.set()
        log.info("%s: %s in %.1f s", part.what, part.state, part.seconds)


def _load_model(path: str | None = None):
    from ..model import load_default_model, load_model

    return load_default_model() if path is None else load_model(path)


def _load_infill_model():
    from ..model.infill_model import load_default_infill_model

    return load_default_infill_model()


def _warm_sound():
    from ..audio import load_kit, render_loop
    from ..pattern import Pattern

    # The first render builds the kit's voices and the reverb's room; do it before a person waits.
    render_loop(Pattern.from_steps([[0, 2], [], [1, 2], []]), kit=load_kit(None))
    return True


def _warm_rhythm() -> None:
    """Read a rhythm once, after the parts the page waits for are loaded (so it delays nothing).

    The first recording of a fresh install would otherwise wait while numba compiles
    librosa's onset code (20 s to over a minute on a slow machine); a recording made
    meanwhile waits on the same lock, no longer than it would have.
    """
    from ..seeds.rhythm import warm_up

    try:
        seconds = warm_up()
    except Exception as err:  # the reader is only warmed here; its errors belong to its requests
        log.warning("the rhythm reader did not warm up: %s: %s", type(err).__name__, err)
        return
    log.info("the rhythm reader: warm in %.1f s", seconds)


def _load_pose():
    import numpy as np

    from ..seeds import estimate_pose

    # The default estimator is created on first use and cached by the library.
    estimate_pose(np.zeros((WARMUP_IMAGE_SIDE, WARMUP_IMAGE_SIDE, 3), dtype=np.uint8))
    return True
