"""The session file holds everything the studio shows: mute, solo, the seed lock, the variations (and
which plays), the edited cells, the locks, the density and the page's seed length; a file of the
first version (seed, loop and the first settings only) still loads. The session routes need no
model, so the app runs in this process without loading one.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from poseloops.server import Settings, create_app

BEAT = {"pattern": [[0, 2], [2], [1, 2], [2]] * 4, "seed_length": 4}
OTHER = {"pattern": [[0], [], [1], [2, 3]] * 4, "seed_length": 4}
# Written by the first version of the studio (before variations, locks and mute were kept).
FIRST_VERSION_FILE = {
    "format": "poseloops-session", "version": 1, "seed": {"pattern": [[0, 2], [2], [1, 2], [2]], "seed_length": 4},
    "loop": BEAT, "source": "grid", "settings": {"bpm": 96, "swing": 0.5, "temperature": 1.0, "steps": 12, "rng_seed": 5},
}


@pytest.fixture(scope="module")
def api():
    with TestClient(create_app(Settings(preload=False))) as client:
        yield client


def test_everything_the_page_shows_saves_and_loads_back(api):
    session = {
        **FIRST_VERSION_FILE,
        "loop": OTHER,
        "settings": {**FIRST_VERSION_FILE["settings"], "mute": [2], "solo": [0, 1], "rng_locked": True,
                     "density": 0.8, "seed_steps": 12, "live_bars": 2, "metronome": True, "master": 0.5},
        "variations": [BEAT, OTHER], "variation": 1, "variation_edits": [[], ["5:3"]], "edits": ["5:3"],
        "locks": {"rows": [0], "bars": [1], "cells": ["9:2"]},
    }
    saved = api.post("/api/export/session", json=session)
    assert saved.status_code == 200, saved.text
    document = json.loads(saved.content)
    loaded = api.post("/api/session/load", json=document).json()
    assert loaded == document
    for key in ("mute", "solo", "rng_locked", "density", "seed_steps", "live_bars", "metronome", "master", "rng_seed"):
        assert loaded["settings"][key] == session["settings"][key], key
    assert [v["pattern"] for v in loaded["variations"]] == [BEAT["pattern"], OTHER["pattern"]]
    assert loaded["variation"] == 1 and loaded["variation_edits"] == [[], ["5:3"]] and loaded["edits"] == ["5:3"]
    assert loaded["locks"] == {"rows": [0], "bars": [1], "cells": ["9:2"]}


def test_a_first_version_session_file_still_loads(api):
    loaded = api.post("/api/session/load", json=FIRST_VERSION_FILE)
    assert loaded.status_code == 200, loaded.text
    body = loaded.json()
    assert body["loop"]["pattern"] == BEAT["pattern"] and body["settings"]["bpm"] == 96
    assert body["settings"]["mute"] == [] and body["settings"]["rng_locked"] is False and "variations" not in body


@pytest.mark.parametrize("change, field, fragment", [
    ({"variations": [BEAT], "variation": 1}, "variation", "not one of the 1"),
    ({"variation": 1}, "variation", "not one of the 1"),
    ({"variations": [BEAT, {"pattern": [[1, 1]]}]}, "variations.1", "twice"),
    ({"settings": {"mute": [9]}}, "settings.mute.0", "8"),
    ({"settings": {"density": 1.5}}, "settings.density", "1"),
    ({"settings": {"live_bars": 3}}, "settings.live_bars", None),
    ({"settings": {"master": 1.5}}, "settings.master", "1"),
    ({"locks": {"cells": ["kick"]}}, "locks.cells.0", None),
    ({"edits": ["3:9"]}, "edits.0", None),
])
def test_a_bad_session_is_refused_naming_its_field(api, change, field, fragment):
    answer = api.post("/api/session/load", json={**FIRST_VERSION_FILE, **change})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == field, body
    if fragment:
        assert fragment in body["detail"], body
