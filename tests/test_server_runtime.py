"""Start-up and failure handling of the server, in process (FastAPI's TestClient).

The parts' loaders are replaced by ones the test controls, so "still loading"
and "failed to load" can be held as long as a test needs; everything else is
the real app.
"""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from poseloops.errors import ModelError
from poseloops.server import Settings, create_app
from poseloops.server.runtime import Runtime

SEED = {"pattern": [[0, 2], [2], [1, 2], [2]]}


def held_runtime(release: threading.Event, *, fail_pose: bool = False) -> Runtime:
    """A runtime whose model loads only when ``release`` is set."""

    def model():
        release.wait(30)
        from poseloops.model import load_default_model

        return load_default_model()

    def pose():
        release.wait(30)
        if fail_pose:
            raise ModelError("no pose model here")
        return True

    return Runtime(loaders={"model": model, "sound": lambda: True, "pose": pose})


def test_routes_that_need_the_model_answer_503_until_it_is_loaded():
    release = threading.Event()
    runtime = held_runtime(release)
    with TestClient(create_app(Settings(), runtime=runtime)) as client:
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["status"] == "loading"
        waiting = client.post("/api/generate", json={"seed": SEED})
        assert waiting.status_code == 503
        assert int(waiting.headers["retry-after"]) >= 1
        assert "loading" in waiting.json()["detail"]
        # what needs no model works meanwhile: the page, kits, dice
        assert client.get("/").status_code == 200
        assert client.post("/api/seeds/grid", json={"cells": [[0], [1]]}).status_code == 200
        release.set()
        assert runtime.wait(30)
        assert client.get("/api/health").json()["status"] == "ready"
        ready = client.post("/api/generate", json={"seed": SEED, "steps": 8})
        assert ready.status_code == 200 and len(ready.json()["patterns"][0]["pattern"]) == 12


def test_a_part_that_fails_to_load_is_reported_and_does_not_stop_the_rest():
    release = threading.Event()
    release.set()
    runtime = held_runtime(release, fail_pose=True)
    with TestClient(create_app(Settings(), runtime=runtime)) as client:
        runtime.wait(30)
        health = client.get("/api/health").json()
        assert health["status"] == "failed"
        assert health["parts"]["pose"]["state"] == "failed" and "no pose model" in health["parts"]["pose"]["detail"]
        response = client.post("/api/pose", content=b"\xff\xd8", headers={"content-type": "image/jpeg"})
        assert response.status_code == 503 and "retry-after" not in response.headers
        assert "could not be loaded" in response.json()["detail"]
        assert client.post("/api/generate", json={"seed": SEED, "steps": 4}).status_code == 200


def test_the_live_socket_says_why_it_closes_while_the_pose_estimator_loads_or_failed():
    release = threading.Event()
    runtime = held_runtime(release)
    with TestClient(create_app(Settings(), runtime=runtime)) as client:
        with client.websocket_connect("/api/live") as ws:
            message = ws.receive_json()
            closed = ws.receive()
        assert "loading" in message["error"] and message["retry_after"] >= 1
        assert closed["type"] == "websocket.close" and closed["code"] == 1013 and "loading" in closed["reason"]
        release.set()
    failed = held_runtime(release, fail_pose=True)
    with TestClient(create_app(Settings(), runtime=failed)) as client:
        failed.wait(30)
        with client.websocket_connect("/api/live") as ws:
            message = ws.receive_json()
        assert "could not be loaded" in message["error"] and "retry_after" not in message


def test_an_unexpected_error_still_answers_json_and_the_app_keeps_serving():
    app = create_app(Settings(preload=False))

    @app.get("/api/test-bug")
    def bug():
        raise ZeroDivisionError("a bug in a route")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/test-bug")
        assert response.status_code == 500
        assert response.json()["detail"].startswith("internal error (ZeroDivisionError)")
        assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    "environ, field, value",
    [({"POSELOOPS_MAX_IMAGE_BYTES": "1234"}, "max_image_bytes", 1234), ({"POSELOOPS_PRELOAD": "no"}, "preload", False)],
)
def test_settings_come_from_the_environment(environ, field, value):
    assert getattr(Settings.from_env(environ), field) == value


def test_a_smaller_upload_limit_from_settings_is_enforced():
    app = create_app(Settings(max_image_bytes=1000, preload=False))
    with TestClient(app) as client:
        response = client.post("/api/seeds/image", content=b"\0" * 1001, headers={"content-type": "image/png"})
        assert response.status_code == 413
        assert "limit" in response.json()["detail"]


def test_a_served_studio_warms_the_rhythm_reader_once_its_parts_are_ready():
    """The first recording of a fresh install waited on numba compiling librosa (stop 14's CI:
    still 'Listening to the rhythm…' after 30 s); `poseloops serve` now reads a rhythm itself
    after the parts the page waits for, and says so in its log."""
    import time

    from .server_harness import shared_server

    server = shared_server()
    deadline = time.monotonic() + 180
    while "rhythm reader" not in server.log() and time.monotonic() < deadline and server.alive():
        time.sleep(0.5)
    log = server.log()
    assert "the rhythm reader: warm in" in log, log[-2000:]
    assert log.index("the pose estimator: ready") < log.index("the rhythm reader: warm")
