"""POST /api/export/stems (a zip of one WAV per sounding drum) and the audio export's loudness, on a
real ``poseloops serve`` on loopback. Loudness is measured here with pyloudnorm (BS.1770) and a 4x
resample_poly true peak; the stems' sum against the audio export of the same request."""

from __future__ import annotations

import io
import zipfile

import httpx
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from .server_harness import shared_server

SAMPLE_RATE = 44100
# one bar: kick on 1 and 3, snare on 2 and 4, closed hats on the 8ths, an open hat at the end
BEAT = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], [], [0, 2], [], [2], [], [1, 2], [], [2], [3]]}


@pytest.fixture(scope="module")
def api():
    server = shared_server()
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


def wavs_in(content: bytes) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: sf.read(io.BytesIO(archive.read(name)), dtype="float64")[0] for name in archive.namelist()}


def test_stems_zip_holds_one_wav_per_sounding_drum_that_sums_to_the_audio_export(api):
    body = {"pattern": BEAT, "bpm": 110, "kit": "TR808EmulationKit", "loops": 2}
    response = api.post("/api/export/stems", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="poseloops-stems.zip"' in response.headers["content-disposition"]
    stems = wavs_in(response.content)
    assert sorted(stems) == sorted(["kick.wav", "snare.wav", "hh-closed.wav", "hh-open.wav"])
    mix = sf.read(io.BytesIO(api.post("/api/export/audio", json={**body, "format": "wav"}).content), dtype="float64")[0]
    assert all(stem.shape == mix.shape for stem in stems.values())
    error_db = 20 * np.log10(np.abs(sum(stems.values()) - mix).max() / np.abs(mix).max())
    print(f"server stems sum to the audio export within {error_db:.1f} dB")
    assert error_db <= -60.0


def test_audio_export_is_at_minus_16_lufs_and_under_minus_1_dbtp_unless_raw(api):
    body = {"pattern": BEAT, "kit": "GMRockKit", "loops": 1, "format": "wav"}
    normalised = api.post("/api/export/audio", json=body)
    raw = api.post("/api/export/audio", json={**body, "loudness": "raw"})
    assert normalised.status_code == raw.status_code == 200
    levels = {}
    for name, response in (("normalised", normalised), ("raw", raw)):
        audio = sf.read(io.BytesIO(response.content), dtype="float64")[0]
        lufs = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(audio)
        peak = 20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max())
        levels[name] = (lufs, peak)
    assert abs(float(normalised.headers["x-loudness-lufs"]) - levels["normalised"][0]) <= 0.1
    assert "x-loudness-lufs" not in raw.headers  # a raw file is the render as before, not measured
    print(f"server export: {levels}")
    assert abs(levels["normalised"][0] - -16.0) <= 0.1 and levels["normalised"][1] <= -0.98
    assert levels["raw"][0] < -20.0  # the engine's own level, as the studio plays it


@pytest.mark.parametrize("path", ["/api/export/stems", "/api/export/audio"])
@pytest.mark.parametrize("loudness", [-40, "loud", None])
def test_bad_loudness_is_a_422_naming_the_field(api, path, loudness):
    response = api.post(path, json={"pattern": BEAT, "loops": 1, "loudness": loudness})
    assert response.status_code == 422
    assert response.json()["field"] == "loudness" and "loudness" in response.json()["detail"]


def test_stems_of_a_loop_with_every_drum_muted_is_a_422(api):
    muted = {"voices": {str(drum): {"gain": 0.0} for drum in range(9)}}
    response = api.post("/api/export/stems", json={"pattern": BEAT, "loops": 1, "mixer": muted})
    assert response.status_code == 422
    assert response.json() == {"detail": "no drum sounds in this loop (all muted?): there are no stems to export",
                               "field": "pattern"}
