"""POST /api/seeds/audio: the tempo read comes back with its halve and double, a tempo sent back reads
the same recording again (nothing is stored between the two), and the seed is whole bars.

The recording: a two-bar beat in 16ths (16th hats, kick and a backbeat snare), mixed by SoX from
Hydrogen GMRockKit's samples at 96 BPM (tests/sox_kit.py: not our engine).
"""

from __future__ import annotations

import httpx
import pytest

from .server_harness import shared_server
from .sox_kit import pattern_hits, sox_render
from poseloops.pattern import Pattern

BPM = 96
BAR = [[0, 2], [2], [2], [2], [1, 2], [2], [2], [2], [0, 2], [2], [0, 2], [2], [1, 2], [2], [2], [2]]


@pytest.fixture(scope="module")
def api():
    with httpx.Client(base_url=shared_server().url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("sox") / "beat.wav"
    sox_render(pattern_hits(Pattern.from_steps(BAR * 2).to_matrix(), BPM, lead_in_s=0.35, jitter_ms=6, seed=3),
               path, tail_s=0.4)
    return path.read_bytes()


def seed_audio(api, data: bytes, query: str = "") -> dict:
    response = api.post(f"/api/seeds/audio{query}", content=data, headers={"content-type": "audio/wav"})
    assert response.status_code == 200, response.text
    return response.json()


def sounding(seed: dict) -> list[int]:
    return [i for i, drums in enumerate(seed["pattern"]) if drums]


def test_the_answer_carries_the_tempo_read_and_a_halved_or_doubled_one_reads_again(api, recording):
    read = seed_audio(api, recording)
    tempo, seed = read["tempo"], read["seed"]
    assert abs(tempo["bpm"] / BPM - 1) <= 0.04 and tempo["estimated"] is True, tempo
    assert seed["bpm"] == tempo["bpm"] and tempo["alternatives"] == [round(tempo["bpm"] / 2, 2), round(tempo["bpm"] * 2, 2)]
    assert len(seed["pattern"]) == 32 and sounding(seed) == list(range(32))  # two whole bars of 16ths
    halve, double = tempo["alternatives"]
    # Halved: the two bars played are one, and each of its steps holds two of the hits.
    halved = seed_audio(api, recording, f"?bpm={halve}")
    assert halved["seed"]["bpm"] == halve and halved["tempo"] == {"bpm": halve, "estimated": False,
                                                                  "alternatives": [round(halve / 2, 2), round(halve * 2, 2)]}
    assert len(halved["seed"]["pattern"]) == 16 and sounding(halved["seed"]) == list(range(16))
    # Doubled: four bars played; the seed is the first two, the hits on every other step.
    doubled = seed_audio(api, recording, f"?bpm={double}")
    assert doubled["seed"]["bpm"] == double and len(doubled["seed"]["pattern"]) == 32
    assert sounding(doubled["seed"]) == list(range(0, 32, 2))


def test_the_seed_is_the_whole_bars_asked_for(api, recording):
    one = seed_audio(api, recording, "?bars=1")["seed"]
    assert len(one["pattern"]) == one["seed_length"] == 16
    assert len(seed_audio(api, recording, f"?bars=2&bpm={BPM}")["seed"]["pattern"]) == 32
    assert len(seed_audio(api, recording, f"?steps=10&bpm={BPM}")["seed"]["pattern"]) == 10  # exactly, when asked


@pytest.mark.parametrize("query, field, fragment", [
    ("?bars=3", "bars", "less than or equal to 2"),
    ("?bars=0", "bars", "greater than or equal to 1"),
    ("?bars=one", "bars", "valid integer"),
    ("?bars=1&steps=12", "bars", "give steps (12) or bars (1), not both"),
    ("?bpm=5", "bpm", "greater than or equal to 10"),
])
def test_bad_options_are_a_422_naming_the_field(api, recording, query, field, fragment):
    response = api.post(f"/api/seeds/audio{query}", content=recording, headers={"content-type": "audio/wav"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field and fragment in body["detail"], body
