"""POST /api/regenerate, /api/drumify and /api/blend on a real server on loopback: kept cells come back as
sent, each option changes what comes back, and every bad request is a 422 naming its field."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from poseloops.pattern import STEPS_PER_BAR, Pattern, dict_to_pattern, pattern_to_dict

from .server_harness import shared_server
from .test_server_api import assert_error

ROCK = [[0, 2], [2], [1, 2], [2], [0, 2], [0, 2], [1, 2], [2]] * 8  # 4 bars
FUNK = [[0, 8], [], [8], [0], [1, 8], [], [8, 0], [], [8], [0], [1, 8], [], [8], [], [1, 8], [1]] * 2
LOOP = pattern_to_dict(Pattern.from_steps(ROCK, velocities=[[90 + 20 * (i % 2)] * len(s) for i, s in enumerate(ROCK)],
                                          offsets=[[0.1 * (i % 2)] * len(s) for i, s in enumerate(ROCK)]))
TAPS = {"pattern": [[1], [], [], [1], [], [], [1], []] * 4, "velocities": [[120], [], [], [60], [], [], [90], []] * 4}


@pytest.fixture(scope="module")
def api():
    server = shared_server()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def loops(response: httpx.Response) -> list[Pattern]:
    assert response.status_code == 200, response.text
    return [dict_to_pattern(p) for p in response.json()["patterns"]]


def test_regenerate_keeps_every_cell_not_asked_with_its_touch(api):
    sent = dict_to_pattern(LOOP)
    locked = [[s, 2] for s in range(0, 64, 8)]
    got = loops(api.post("/api/regenerate", json={"loop": LOOP, "drums": [2, 3], "bars": [1, 3], "locked": locked,
                                                   "rng_seed": 4, "variations": 3}))
    assert len(got) == 3
    asked = np.zeros((64, 9), bool)
    for bar in (1, 3):
        asked[(bar - 1) * 16:bar * 16, 2:4] = True
    for step, drum in locked:
        asked[step, drum] = False
    for loop in got:
        np.testing.assert_array_equal(loop.to_matrix()[~asked], sent.to_matrix()[~asked])
        np.testing.assert_array_equal(loop.offset_matrix()[~asked], sent.offset_matrix()[~asked])
    assert len({loop.steps for loop in got}) >= 2


def test_regenerate_options_change_what_comes_back(api):
    base = {"loop": LOOP, "steps": [17, 64], "rng_seed": 8, "variations": 4}

    def hits(**change) -> float:
        return float(np.mean([p.slice(16, 64).num_hits for p in loops(api.post("/api/regenerate",
                                                                             json={**base, **change}))]))

    assert hits(density=0.9) > hits(density=0.1)
    one = loops(api.post("/api/regenerate", json=base))[0]
    assert loops(api.post("/api/regenerate", json={**base, "rng_seed": 9}))[0] != one
    assert loops(api.post("/api/regenerate", json={**base, "temperature": 0.0}))[0] != one
    assert loops(api.post("/api/regenerate", json={**base, "style": "jazz"}))[0] != one
    fills = loops(api.post("/api/regenerate", json={**base, "fill_every": 2, "temperature": 0.0}))[0]
    assert fills != loops(api.post("/api/regenerate", json={**base, "temperature": 0.0}))[0]


def test_drumify_plays_the_taps_on_a_kit(api):
    got = loops(api.post("/api/drumify", json={"rhythm": TAPS, "rng_seed": 1, "variations": 2}))
    for loop in got:
        assert len(loop) == 2 * STEPS_PER_BAR
        assert len({d for step in loop.steps for d in step}) >= 2
    quiet = np.mean([p.num_hits for p in loops(api.post("/api/drumify", json={"rhythm": TAPS, "rng_seed": 1,
                                                                              "variations": 4, "density": 0.05}))])
    busy = np.mean([p.num_hits for p in loops(api.post("/api/drumify", json={"rhythm": TAPS, "rng_seed": 1,
                                                                             "variations": 4, "density": 0.95}))])
    assert busy > quiet


def test_blend_answers_one_phrase_of_the_bars_asked(api):
    for bars in (4, 8):
        (phrase,) = loops(api.post("/api/blend", json={"a": LOOP, "b": {"pattern": FUNK}, "bars": bars,
                                                       "rng_seed": 3}))
        assert len(phrase) == bars * STEPS_PER_BAR
        first = phrase.to_matrix()[:16] > 0
        assert (first != (dict_to_pattern(LOOP).to_matrix()[:16] > 0)).sum() <= 4


def test_generate_at_a_density_plays_sparser_or_busier(api):
    """The loop's density is one knob on every route that draws: generate takes it too (from the infilling
    model, told the density), and the busy loops carry at least twice the hits of the sparse ones."""
    seed = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], []]}
    hits = {}
    for density in (0.1, 0.9):
        made = loops(api.post("/api/generate", json={"seed": seed, "bars": 4, "density": density, "variations": 4,
                                                      "rng_seed": 5}))
        assert all(len(p) == 4 * STEPS_PER_BAR for p in made)
        assert all(p.slice(0, 8).to_matrix().tolist() == Pattern.from_steps(seed["pattern"]).to_matrix().tolist()
                   for p in made)
        bars = np.array([(p.to_matrix() > 0).reshape(4, -1).sum(axis=1) for p in made])
        assert (bars > 0).all(), bars  # no silent bar
        hits[density] = bars[:, 1:].mean()
    assert hits[0.9] >= 2 * hits[0.1], hits


@pytest.mark.parametrize("path, body, field, fragment", [
    ("/api/generate", {"seed": {"pattern": [[0]]}, "steps": 20, "density": 0.2}, "steps", "whole bars"),
    ("/api/generate", {"seed": {"pattern": [[0]]}, "density": 0.2, "context": {"pattern": [[0]] * 16}}, "context",
     "context"),
    ("/api/generate", {"seed": {"pattern": [[0]]}, "density": -0.1}, "density", "greater than or equal to 0"),
    ("/api/regenerate", {"loop": LOOP, "drums": [9]}, "drums.0", "less than or equal to 8"),
    ("/api/regenerate", {"loop": LOOP, "bars": [5]}, "bars", "past the loop's end"),
    ("/api/regenerate", {"loop": LOOP}, "drums", "nothing is kept"),
    ("/api/regenerate", {"loop": LOOP, "drums": [0], "bars": [1], "steps": [17, 32]}, "drums", "nothing to regenerate"),
    ("/api/regenerate", {"loop": LOOP, "steps": [60, 70]}, "steps", "past the loop's end"),
    ("/api/regenerate", {"loop": LOOP, "drums": [2], "locked": [[99, 1]]}, "locked", "is not a"),
    ("/api/regenerate", {"loop": LOOP, "drums": [2], "density": 2}, "density", "less than or equal to 1"),
    ("/api/regenerate", {"loop": LOOP, "drums": [2], "style": "polka"}, "style", "polka"),
    ("/api/drumify", {"rhythm": {"pattern": [[], [], []]}}, "rhythm", "no hits"),
    ("/api/blend", {"a": LOOP, "b": {"pattern": [[]] * 16}}, "b", "no hits"),
    ("/api/blend", {"a": LOOP, "b": LOOP, "bars": 3}, "bars", None),
])
def test_bad_requests_are_422_naming_the_field(api, path, body, field, fragment):
    assert_error(api.post(path, json=body), 422, field, *([fragment] if fragment else []))
