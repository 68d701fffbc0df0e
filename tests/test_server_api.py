"""The studio's JSON API on a real server (``poseloops serve`` on loopback), with the real
model, the real pose estimator, real photos and real drum samples.

Inputs: the COCO photos (the conftest's pose_dir: ../shared/data/pose or tests/data/pose), renders of the
Hydrogen GMRockKit for recorded rhythms, and patterns written here by hand.
"""

from __future__ import annotations

import io
import json

import httpx
import mido
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from .server_harness import shared_server

PERSON_PHOTO = "COCO_val2014_000000000241.jpg"  # a person standing, full body
OTHER_PHOTO = "COCO_val2014_000000000474.jpg"  # a boy in a field, full body
SAMPLE_RATE = 44100
ROCK_BEAT = {  # one bar: kick on 1 and 3, snare on 2 and 4, closed hats on the 8ths
    "pattern": [[0, 2], [], [2], [], [1, 2], [], [2], [], [0, 2], [], [2], [], [1, 2], [], [2], []],
}


@pytest.fixture(scope="module")
def api():
    server = shared_server()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def photo_bytes(pose_dir, name: str) -> bytes:
    return (pose_dir / name).read_bytes()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def assert_error(response: httpx.Response, status: int, field: str | None, *fragments: str) -> dict:
    """A 4xx with the JSON body every error has, naming the field and the problem."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert body["field"] == field, body
    for fragment in fragments:
        assert fragment.lower() in body["detail"].lower(), (fragment, body["detail"])
    return body


def steps_with_hits(pattern: dict) -> set[int]:
    return {i for i, drums in enumerate(pattern["pattern"]) if drums}


# --- health and config ---------------------------------------------------------------------


def test_health_reports_every_part_ready(api):
    health = api.get("/api/health").json()
    assert health["status"] == "ready"
    assert set(health["parts"]) == {"model", "infill", "sound", "pose"}
    assert all(part["state"] == "ready" and part["seconds"] >= 0 for part in health["parts"].values())


def test_config_lists_nine_drums_and_the_upload_limits(api):
    config = api.get("/api/config").json()
    assert [d["index"] for d in config["drums"]] == list(range(9))
    assert config["drums"][0]["name"] == "kick"
    assert config["limits"]["max_image_bytes"] == 10 * 1024 * 1024
    assert config["limits"]["max_audio_seconds"] == 60
    assert config["limits"]["bpm"] == [10, 300]
    assert len(config["mixer"]["defaults"]["voices"]) == 9


def test_page_and_its_modules_are_served_with_a_local_only_policy(api):
    page = api.get("/")
    assert page.status_code == 200 and "<title>PoseLoops studio</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "http" not in policy
    script = api.get("/static/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


# --- seeds -------------------------------------------------------------------------------------


def test_dice_with_a_seed_repeats_and_respects_the_drum_range(api):
    body = {"steps": 12, "length": 3, "low": 1, "high": 4, "rng_seed": 7}
    first = api.post("/api/seeds/dice", json=body).json()["seed"]
    again = api.post("/api/seeds/dice", json=body).json()["seed"]
    assert first == again
    assert len(first["pattern"]) == 12
    drums = {d for step in first["pattern"] for d in step}
    assert drums and drums <= {1, 2, 3, 4}


def test_grid_seed_from_cells_and_from_a_text_grid_agree(api):
    cells = [[0], [], [2], [1, 2]]
    from_cells = api.post("/api/seeds/grid", json={"cells": cells}).json()["seed"]
    assert from_cells["pattern"] == cells
    text = "\n".join(
        f"{label} {''.join('x' if d in step else '.' for step in cells)}"
        for d, label in enumerate(("kick", "snare", "hh-closed", "hh-open", "tom-low", "tom-mid", "tom-high", "crash", "ride"))
    )
    from_text = api.post("/api/seeds/grid", json={"cells": text}).json()["seed"]
    assert from_text["pattern"] == cells


def test_pose_seed_from_a_photo_gives_a_seed_and_keypoints_to_draw(api, pose_dir):
    response = api.post(
        "/api/seeds/pose?steps=10", content=photo_bytes(pose_dir, PERSON_PHOTO), headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer["seed"]["pattern"]) == 10
    assert sum(len(step) for step in answer["seed"]["pattern"]) >= 3
    pose = answer["pose"]
    assert len(pose["keypoints"]) == 33 and pose["edges"]
    visible = [k for k in pose["keypoints"] if k["visibility"] >= 0.5]
    assert len(visible) >= 15
    assert all(0 <= k["x"] <= 1 and 0 <= k["y"] <= 1 for k in visible)
    # the person stands: ankles well below the nose in the picture
    names = {k["name"]: k for k in pose["keypoints"]}
    assert names["left_ankle"]["y"] - names["nose"]["y"] > 0.4


def test_keypoint_json_gives_the_same_seed_as_the_photo_it_came_from(api, pose_dir):
    photo = photo_bytes(pose_dir, OTHER_PHOTO)
    answer = api.post(
        "/api/seeds/pose?steps=8&mirror=false", content=photo, headers={"content-type": "image/jpeg"}
    ).json()
    pose = answer["pose"]
    keypoints = {
        "keypoints": [[k["x"] * pose["width"], k["y"] * pose["height"], k["visibility"]] for k in pose["keypoints"]],
        "width": pose["width"],
        "height": pose["height"],
    }
    again = api.post("/api/seeds/keypoints", json={"keypoints": keypoints, "steps": 8, "mirror": False}).json()
    assert again["seed"]["pattern"] == answer["seed"]["pattern"]


def test_live_pose_finds_the_person_and_says_when_nobody_is_there(api, pose_dir):
    found = api.post("/api/pose", content=photo_bytes(pose_dir, PERSON_PHOTO), headers={"content-type": "image/jpeg"})
    assert found.status_code == 200 and found.json()["person"] is True
    assert len(found.json()["pose"]["keypoints"]) == 33
    empty = png_bytes(Image.new("RGB", (320, 240), (90, 120, 150)))
    nobody = api.post("/api/pose", content=empty, headers={"content-type": "image/png"})
    assert nobody.status_code == 200 and nobody.json() == {"person": False}


def test_pose_seed_without_a_person_is_a_clear_422(api):
    empty = png_bytes(Image.new("RGB", (320, 240), (90, 120, 150)))
    response = api.post("/api/seeds/pose", content=empty, headers={"content-type": "image/png"})
    assert_error(response, 422, "body", "person")


def test_picture_seed_is_the_same_for_the_same_picture(api, pose_dir):
    photo = photo_bytes(pose_dir, OTHER_PHOTO)
    first = api.post("/api/seeds/image?steps=12", content=photo, headers={"content-type": "image/jpeg"}).json()
    again = api.post("/api/seeds/image?steps=12", content=photo, headers={"content-type": "image/jpeg"}).json()
    assert first == again and len(first["seed"]["pattern"]) == 12
    assert sum(len(step) for step in first["seed"]["pattern"]) > 0


def test_recorded_rhythm_of_a_real_kit_gives_its_hits_back(api):
    wav = api.post("/api/render", json={"pattern": ROCK_BEAT, "bpm": 120, "kit": "GMRockKit"}).content
    twice = np.tile(sf.read(io.BytesIO(wav), dtype="float32")[0], (2, 1))  # two bars, as a person would tap
    buffer = io.BytesIO()
    sf.write(buffer, twice, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    response = api.post("/api/seeds/audio?bpm=120", content=buffer.getvalue(), headers={"content-type": "audio/wav"})
    assert response.status_code == 200, response.text
    seed = response.json()["seed"]
    expected = {i for i in range(32) if i % 2 == 0}
    found = steps_with_hits(seed)
    hits = len(found & expected)
    f1 = 2 * hits / (len(found) + len(expected))
    assert f1 >= 0.8, (sorted(found), f1)


# --- generate, render, export --------------------------------------------------------------


def test_generate_keeps_the_seed_and_repeats_with_an_rng_seed(api):
    request = {"seed": ROCK_BEAT, "steps": 32, "temperature": 1.0, "rng_seed": 11, "variations": 3}
    first = api.post("/api/generate", json=request).json()["patterns"]
    again = api.post("/api/generate", json=request).json()["patterns"]
    assert first == again and len(first) == 3
    for pattern in first:
        assert len(pattern["pattern"]) == 16 + 32 and pattern["seed_length"] == 16
        assert pattern["pattern"][:16] == ROCK_BEAT["pattern"]
    other = api.post("/api/generate", json={**request, "rng_seed": 12}).json()["patterns"]
    assert other != first


def test_render_is_exactly_one_loop_long(api):
    for bpm, swing in ((120, 0.5), (97.5, 0.62)):
        response = api.post("/api/render", json={"pattern": ROCK_BEAT, "bpm": bpm, "swing": swing})
        assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
        audio, rate = sf.read(io.BytesIO(response.content))
        assert rate == SAMPLE_RATE and audio.shape[1] == 2
        assert audio.shape[0] == round(16 * SAMPLE_RATE * 60 / bpm / 4)
        assert np.abs(audio).max() > 0.05


def window_levels(audio: np.ndarray, seconds: float = 0.1) -> np.ndarray:
    """RMS of each successive window of ``seconds`` (mono)."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    size = int(seconds * SAMPLE_RATE)
    count = len(mono) // size
    return np.sqrt(np.mean(mono[: count * size].reshape(count, size) ** 2, axis=1))


def test_render_tail_is_what_the_loop_leaves_ringing_at_a_bar(api):
    """What the page cross-fades into at a switch, measured: a loud crash just before bar 2 of a 2-bar loop
    (GMRockKit's crash rings over 2 s) rings from the tail's start and dies away, and the kicks from the
    switch on are not in it; at bar 1 (the crash 2.7 s back) nothing is left; a silent loop leaves silence;
    the tail opens as the loop itself ends (the lead said in X-Tail-Lead-Seconds): a seamless cross-fade."""
    steps = [[7] if i == 14 else [0] if i % 8 == 0 else [] for i in range(32)]
    velocities = [[127] if i == 14 else [60] if i % 8 == 0 else [] for i in range(32)]
    request = {"pattern": {"pattern": steps, "velocities": velocities}, "bpm": 100, "kit": "GMRockKit"}

    def tail(step: int, pattern: dict = request["pattern"]) -> tuple[np.ndarray, float]:
        response = api.post("/api/render/tail", json={**request, "pattern": pattern, "step": step})
        assert response.status_code == 200 and response.headers["content-type"] == "audio/wav", response.text
        audio, rate = sf.read(io.BytesIO(response.content), dtype="float32")
        assert rate == SAMPLE_RATE and audio.ndim == 2
        return audio, float(response.headers["x-tail-lead-seconds"])

    ringing, lead = tail(16)
    assert lead == 0.01
    frames = round(lead * SAMPLE_RATE)
    levels = window_levels(ringing[frames:])
    ring_seconds = len(ringing) / SAMPLE_RATE
    assert ring_seconds > 1.0 and ring_seconds < 4.0  # the crash's ring, not the loop's 4.8 s
    assert levels[0] > 0.005 and levels[-1] < 0.05 * levels[0]  # loud at the switch, then it dies away
    assert levels[1:].max() < 1.1 * levels[0]  # no hit of its own: the kicks at 16 and 24 are left out
    faint, _ = tail(0)
    assert np.sqrt(np.mean(faint**2)) < 0.05 * levels[0]  # at bar 1 the crash is 2.7 s old
    silent, _ = tail(16, {"pattern": [[] for _ in range(32)]})
    assert np.abs(silent).max() == 0
    loop = sf.read(io.BytesIO(api.post("/api/render", json=request).content), dtype="float32")[0]
    np.testing.assert_allclose(ringing[:frames], loop[len(loop) // 2 - frames: len(loop) // 2], atol=3 / 32768)


def test_kit_and_mixer_change_what_is_rendered(api):
    def render(**settings) -> np.ndarray:
        response = api.post("/api/render", json={"pattern": ROCK_BEAT, **settings})
        assert response.status_code == 200, response.text
        return sf.read(io.BytesIO(response.content))[0]

    synth = render()
    rock = render(kit="GMRockKit")
    quiet_kick = render(mixer={"voices": {"kick": {"gain": 0.0}}})
    assert synth.shape == rock.shape == quiet_kick.shape
    assert np.abs(synth - rock).mean() > 1e-3
    # a muted kick takes away most of the loop's energy below 150 Hz
    low = lambda audio: np.abs(np.fft.rfft(audio[:, 0]))[: int(150 * len(audio) / SAMPLE_RATE)].sum()
    assert low(quiet_kick) < 0.5 * low(synth)


def test_midi_export_is_a_drum_file_with_every_hit(api):
    response = api.post("/api/export/midi", json={"pattern": ROCK_BEAT, "bpm": 90})
    assert response.status_code == 200
    assert 'filename="poseloops-loop.mid"' in response.headers["content-disposition"]
    midi = mido.MidiFile(file=io.BytesIO(response.content))
    notes = [m for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0]
    assert len(notes) == sum(len(step) for step in ROCK_BEAT["pattern"])
    assert {m.channel for m in notes} == {9}
    tempos = [m.tempo for track in midi.tracks for m in track if m.type == "set_tempo"]
    assert round(mido.tempo2bpm(tempos[0])) == 90


@pytest.mark.parametrize("audio_format", ["wav", "flac"])
def test_audio_export_is_the_loop_played_out_with_its_tail(api, audio_format):
    response = api.post(
        "/api/export/audio", json={"pattern": ROCK_BEAT, "bpm": 120, "loops": 2, "format": audio_format}
    )
    assert response.status_code == 200, response.text
    info = sf.info(io.BytesIO(response.content))
    assert info.format == audio_format.upper() and info.samplerate == SAMPLE_RATE and info.channels == 2
    loop_frames = 16 * SAMPLE_RATE * 60 // 120 // 4
    assert info.frames > 2 * loop_frames  # the tail rings on after the last loop


def test_a_session_saves_and_loads_back_unchanged(api):
    session = {
        "seed": ROCK_BEAT,
        "loop": {"pattern": ROCK_BEAT["pattern"] + [[0], [2]], "seed_length": 16},
        "source": "grid",
        "settings": {"bpm": 96, "swing": 0.6, "temperature": 0.8, "steps": 16, "kit": "GMRockKit", "rng_seed": 5},
    }
    saved = api.post("/api/export/session", json=session)
    assert saved.status_code == 200 and "attachment" in saved.headers["content-disposition"]
    document = json.loads(saved.content)
    assert document["format"] == "poseloops-session" and document["version"] == 1
    loaded = api.post("/api/session/load", json=document).json()
    assert loaded == document
    assert loaded["loop"]["pattern"] == session["loop"]["pattern"] and loaded["settings"]["bpm"] == 96


# --- refusals ------------------------------------------------------------------------------

BAD_JSON_REQUESTS = [
    ("/api/render", {"pattern": ROCK_BEAT, "bpm": 301}, "bpm", "300"),
    ("/api/render", {"pattern": ROCK_BEAT, "swing": 0.8}, "swing", "0.75"),
    ("/api/render", {"pattern": {"pattern": [[0, 9]]}}, "pattern.pattern.0.1", "8"),
    ("/api/render", {"pattern": {"pattern": [[1, 1]]}}, "pattern", "twice"),
    ("/api/render", {"pattern": ROCK_BEAT, "kit": "/etc"}, "kit", "not one of"),
    ("/api/render", {"pattern": ROCK_BEAT, "mixer": {"voices": {"kick": {"pan": 3}}}}, "mixer", "pan"),
    ("/api/render", {"pattern": {"pattern": [[0]] * 1024}, "bpm": 10}, "pattern", "180 s"),
    ("/api/render", {"pattern": {"pattern": [[0]], "seed_length": 5}}, "pattern", "seed_length"),
    ("/api/render/tail", {"pattern": ROCK_BEAT, "step": 3}, "step", "multiple of 2"),
    ("/api/render/tail", {"pattern": ROCK_BEAT, "step": 16}, "step", "past the loop's last step (15)"),
    ("/api/render/tail", {"pattern": ROCK_BEAT}, "step", "required"),
    ("/api/generate", {"seed": ROCK_BEAT, "temperature": 2.5}, "temperature", "2"),
    ("/api/generate", {"seed": ROCK_BEAT, "steps": 0}, "steps", "1"),
    ("/api/generate", {"seed": ROCK_BEAT, "steps": 5000}, "steps", "1024"),
    ("/api/generate", {"seed": ROCK_BEAT, "variations": 99}, "variations", "8"),
    ("/api/generate", {"seed": {"pattern": [[-1]]}}, "seed.pattern.0.0", "0"),
    ("/api/generate", {"steps": 4}, "seed", "required"),
    # refused by the library, which names the argument: the answer names it, no route guesses
    ("/api/generate", {"seed": ROCK_BEAT, "style": "polka"}, "style", "polka"),
    ("/api/generate", {"seed": {"pattern": [[0]] * 40}, "bars": 2}, "bars", "3 bars"),
    ("/api/generate", {"seed": ROCK_BEAT, "bars": 2, "steps": 8}, "steps", "not both"),
    ("/api/generate", {"seed": ROCK_BEAT, "context": {"pattern": [[0]] * 5}}, "context", "whole bars"),
    ("/api/humanize", {"pattern": ROCK_BEAT, "style": "polka"}, "style", "polka"),
    ("/api/seeds/dice", {"low": 5, "high": 2}, "dice", None),
    ("/api/seeds/dice", {"length": 12}, "length", "9"),
    ("/api/seeds/keypoints", {"keypoints": [[1, 2, 0.9]] * 5}, "keypoints", "17"),
    ("/api/export/midi", {"pattern": ROCK_BEAT, "bpm": 5}, "bpm", "10"),
    ("/api/session/load", {"format": "something else"}, "format", "poseloops-session"),
    ("/api/session/load", {"loop": {"pattern": [[0]]}, "settings": {"bpm": 0}}, "settings.bpm", "10"),
]


@pytest.mark.parametrize("path, body, field, fragment", BAD_JSON_REQUESTS)
def test_bad_values_get_a_422_naming_the_field(api, path, body, field, fragment):
    fragments = (fragment,) if fragment else ()
    assert_error(api.post(path, json=body), 422, field, *fragments)


def test_json_endpoints_name_a_wrong_content_type_and_broken_json(api):
    assert_error(
        api.post("/api/render", content=b"bpm=120", headers={"content-type": "text/plain"}), 415, "content-type", "text/plain"
    )
    assert_error(
        api.post("/api/render", content=b'{"pattern": ', headers={"content-type": "application/json"}), 422, "body", "JSON"
    )


def test_uploads_name_a_wrong_content_type(api):
    response = api.post("/api/seeds/image", content=b"hello", headers={"content-type": "text/plain"})
    assert_error(response, 415, "content-type", "image/jpeg", "text/plain")
    response = api.post("/api/seeds/audio", content=b"hello", headers={"content-type": "image/png"})
    assert_error(response, 415, "content-type", "audio/wav", "image/png")


def test_empty_and_corrupt_uploads_are_refused(api):
    assert_error(api.post("/api/seeds/image", content=b"", headers={"content-type": "image/png"}), 422, "body", "empty")
    corrupt = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
    assert_error(api.post("/api/seeds/image", content=corrupt, headers={"content-type": "image/jpeg"}), 422, "body")
    assert_error(api.post("/api/seeds/audio", content=corrupt, headers={"content-type": "audio/wav"}), 422, "body")


def test_oversized_uploads_are_refused_before_they_are_read(api):
    too_big = b"\0" * (10 * 1024 * 1024 + 1)
    body = assert_error(
        api.post("/api/seeds/image", content=too_big, headers={"content-type": "image/jpeg"}), 413, "body", "10 MB"
    )
    assert "image" in body["detail"]
    audio = b"\0" * (20 * 1024 * 1024 + 1)
    assert_error(api.post("/api/seeds/audio", content=audio, headers={"content-type": "audio/wav"}), 413, "body", "20 MB")


def test_a_decompression_bomb_is_refused_by_its_size_in_pixels(api):
    bomb = png_bytes(Image.new("L", (5000, 5000)))  # 25 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    assert_error(api.post("/api/seeds/image", content=bomb, headers={"content-type": "image/png"}), 422, "body", "4096")


def test_a_recording_longer_than_a_minute_is_refused(api):
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(61 * 8000, dtype=np.int16), 8000, format="WAV", subtype="PCM_16")
    response = api.post("/api/seeds/audio", content=buffer.getvalue(), headers={"content-type": "audio/wav"})
    assert_error(response, 422, "body", "60")


def test_unknown_paths_and_methods_answer_json(api):
    assert_error(api.get("/api/nothing-here"), 404, None)
    assert_error(api.get("/api/generate"), 405, None)


# --- every field changes what comes back --------------------------------------------------------

RIM = 8
# rims at known offsets (16ths) and velocities: what a played pattern's groove sounds like
PLAYED_RIMS = {"pattern": [[RIM] if i % 4 == 0 else [] for i in range(16)],
               "velocities": [[v] if i % 4 == 0 else [] for i, v in zip(range(16), [127, 0, 0, 0, 40, 0, 0, 0] * 2)],
               "offsets": [[o] if i % 4 == 0 else [] for i, o in zip(range(16), [0.3, 0, 0, 0, -0.25, 0, 0, 0,
                                                                                  0.4, 0, 0, 0, 0.2, 0, 0, 0])]}
RIM_OFFSETS = np.array([0.3, -0.25, 0.4, 0.2])
DRY = {"reverb_wet": 0.0}


def onsets_and_peaks(audio: np.ndarray, bpm: float) -> tuple[np.ndarray, np.ndarray]:
    """Onsets (in 16ths) and the peak after each, of isolated rim hits."""
    from .audio_measure import detect_onsets

    onsets = detect_onsets(audio, threshold=0.02)
    frames = (onsets * SAMPLE_RATE).astype(int)
    peaks = np.array([np.abs(audio[f: f + 2000]).max() for f in frames])
    return onsets * bpm * 4 / 60, peaks


@pytest.mark.parametrize("groove", [1.0, 0.5, 0.0])
def test_groove_scales_the_offsets_and_velocities_heard_in_render_and_export(api, groove):
    """groove g: each rim sounds g x its offset off its 16th, and its loudness g of the way from velocity 100."""
    body = {"pattern": PLAYED_RIMS, "bpm": 100, "groove": groove, "mixer": DRY}
    loop = sf.read(io.BytesIO(api.post("/api/render", json=body).content), dtype="float32")[0]
    exported = api.post("/api/export/audio", json={**body, "loops": 1, "loudness": "raw"})  # the engine's level, as render
    assert exported.status_code == 200, exported.text
    once = sf.read(io.BytesIO(exported.content), dtype="float32")[0]
    for audio in (loop, once):
        onsets, peaks = onsets_and_peaks(audio, 100)
        np.testing.assert_allclose(onsets, np.arange(0, 16, 4) + groove * RIM_OFFSETS, atol=0.01)
        velocities = 100 + groove * (np.array([127, 40, 127, 40]) - 100)
        np.testing.assert_allclose(peaks / peaks[0], velocities / velocities[0], rtol=0.02)


def midi_notes(content: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Note-on times (in 16ths) and velocities of a MIDI file, read with mido."""
    midi = mido.MidiFile(file=io.BytesIO(content))
    times, velocities, now = [], [], 0
    for message in mido.merge_tracks(midi.tracks):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            times.append(now / (midi.ticks_per_beat / 4))
            velocities.append(message.velocity)
    return np.array(times), np.array(velocities)


def test_midi_export_plays_the_swing_and_groove_asked_for(api):
    pattern = {**PLAYED_RIMS, "pattern": [[RIM] if i % 2 == 0 or i == 5 else [] for i in range(16)],
               "velocities": [[127] if i % 2 == 0 or i == 5 else [] for i in range(16)],
               "offsets": [[0.2] if i % 2 == 0 or i == 5 else [] for i in range(16)]}
    for swing, groove in ((0.5, 1.0), (0.6, 1.0), (0.6, 0.5)):
        response = api.post("/api/export/midi", json={"pattern": pattern, "swing": swing, "groove": groove})
        assert response.status_code == 200, response.text
        times, velocities = midi_notes(response.content)
        grid = np.array([0, 2, 4, 5, 6, 8, 10, 12, 14])
        expected = grid + (swing - 0.5) * 2 * (grid % 2) + groove * 0.2
        np.testing.assert_allclose(times, expected, atol=1 / 120)
        assert set(velocities) == {round(100 + groove * 27)}


def bar_hits(loops: list[dict], bar: int, drums: set[int]) -> int:
    return sum(d in drums for loop in loops for step in loop["pattern"][16 * bar: 16 * bar + 16] for d in step)


def test_generate_fills_change_only_the_fill_bar(api):
    """fill_every 4 against 0 on the same rng seed: bars 1-3 the same draws, bar 4 brings toms and crashes."""
    rock_seed = {"pattern": [[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], []]}  # the CLI's default seed
    request = {"seed": rock_seed, "bars": 4, "rng_seed": 11, "variations": 8}
    fills = api.post("/api/generate", json={**request, "fill_every": 4}).json()["patterns"]
    plain = api.post("/api/generate", json={**request, "fill_every": 0}).json()["patterns"]
    assert [p["pattern"][:48] for p in fills] == [p["pattern"][:48] for p in plain]
    toms_and_crash = {4, 5, 6, 7}
    assert bar_hits(fills, 3, toms_and_crash) > 3 * bar_hits(plain, 3, toms_and_crash) + 4


def test_generate_follows_style_temperature_bars_and_context(api):
    kick = {"pattern": [[0]]}
    request = {"seed": kick, "steps": 31, "rng_seed": 2, "variations": 8}
    funk = api.post("/api/generate", json={**request, "style": "funk"}).json()["patterns"]
    jazz = api.post("/api/generate", json={**request, "style": "jazz"}).json()["patterns"]
    assert bar_hits(funk, 0, {2}) + bar_hits(funk, 1, {2}) > 1.5 * (bar_hits(jazz, 0, {2}) + bar_hits(jazz, 1, {2}))
    greedy = api.post("/api/generate", json={"seed": kick, "bars": 3, "temperature": 0, "variations": 2}).json()
    assert greedy["bars"] == 3 and len(greedy["patterns"][0]["pattern"]) == 48
    assert greedy["patterns"][0] == greedy["patterns"][1]  # temperature 0: every variation the likeliest loop
    drawn = api.post("/api/generate", json={"seed": kick, "bars": 3, "variations": 2, "rng_seed": 1}).json()
    assert drawn["patterns"][0] != drawn["patterns"][1]
    context = {"pattern": greedy["patterns"][0]["pattern"][:32]}
    after = api.post("/api/generate", json={"seed": kick, "bars": 1, "rng_seed": 5, "variations": 6,
                                            "context": context}).json()["patterns"]
    fresh = api.post("/api/generate", json={"seed": kick, "bars": 1, "rng_seed": 5, "variations": 6}).json()["patterns"]
    assert all(len(p["pattern"]) == 16 for p in after) and after != fresh


def test_humanize_follows_style_temperature_and_rng_seed(api):
    straight = {"pattern": [[0, 2], [2], [1, 2], [2]] * 8}

    def play(**options) -> dict:
        response = api.post("/api/humanize", json={"pattern": straight, **options})
        assert response.status_code == 200, response.text
        played = response.json()["pattern"]
        assert played["pattern"] == straight["pattern"]
        return played

    loudness = lambda p: np.mean([v for vels in p["velocities"] for v in vels])  # noqa: E731
    funk, jazz = play(style="funk", temperature=0), play(style="jazz", temperature=0)
    assert loudness(funk) > loudness(jazz) + 5
    assert play(temperature=0, rng_seed=1) == play(temperature=0, rng_seed=2)
    assert play(temperature=1, rng_seed=1) != play(temperature=1, rng_seed=2)
    assert play(temperature=1, rng_seed=3) == play(temperature=1, rng_seed=3)


def test_render_swing_moves_the_offbeat_sixteenths(api):
    body = {"pattern": {"pattern": [[RIM]] * 16}, "bpm": 100, "mixer": DRY}
    straight = onsets_and_peaks(sf.read(io.BytesIO(api.post("/api/render", json=body).content))[0], 100)[0]
    swung = onsets_and_peaks(sf.read(io.BytesIO(api.post("/api/render", json={**body, "swing": 0.6}).content))[0],
                             100)[0]
    np.testing.assert_allclose(straight, np.arange(16), atol=0.01)
    np.testing.assert_allclose(swung, np.arange(16) + 0.2 * (np.arange(16) % 2), atol=0.01)


def test_audio_export_plays_the_loops_asked_for_in_the_format_asked_for(api):
    lengths = {}
    for loops, audio_format in ((1, "wav"), (3, "flac")):
        response = api.post("/api/export/audio", json={"pattern": ROCK_BEAT, "loops": loops, "format": audio_format})
        assert response.status_code == 200, response.text
        info = sf.info(io.BytesIO(response.content))
        assert info.format == audio_format.upper()
        lengths[loops] = info.frames
    assert lengths[3] - lengths[1] == 2 * 16 * SAMPLE_RATE * 60 // 120 // 4  # two more cycles, the same tail


def test_dice_fields_shape_the_roll(api):
    one = api.post("/api/seeds/dice", json={"steps": 24, "length": 1, "low": 6, "high": 8, "rng_seed": 3}).json()
    many = api.post("/api/seeds/dice", json={"steps": 24, "length": 9, "low": 0, "high": 8, "rng_seed": 3}).json()
    assert len(one["seed"]["pattern"]) == 24 and all(len(step) == 1 for step in one["seed"]["pattern"])
    assert {d for step in one["seed"]["pattern"] for d in step} == {6, 7, 8}
    assert np.mean([len(step) for step in many["seed"]["pattern"]]) > 4  # 9 draws of 9 drums: ~6 distinct
    other = api.post("/api/seeds/dice", json={"steps": 24, "length": 9, "rng_seed": 4}).json()
    assert other != many


def test_picture_density_and_recording_steps_shape_the_seed(api, pose_dir):
    photo = photo_bytes(pose_dir, OTHER_PHOTO)
    hits = {}
    for density in (0.2, 0.8):
        seed = api.post(f"/api/seeds/image?steps=10&density={density}", content=photo,
                        headers={"content-type": "image/jpeg"}).json()["seed"]
        hits[density] = sum(len(step) for step in seed["pattern"])
    assert hits[0.8] > 2 * hits[0.2]
    wav = api.post("/api/render", json={"pattern": ROCK_BEAT, "bpm": 120, "kit": "GMRockKit"}).content
    for steps in (6, 24):
        seed = api.post(f"/api/seeds/audio?bpm=120&steps={steps}", content=wav,
                        headers={"content-type": "audio/wav"}).json()["seed"]
        assert len(seed["pattern"]) == steps and seed["bpm"] == 120


def test_pose_options_shape_the_seed(api, pose_dir):
    photo = photo_bytes(pose_dir, PERSON_PHOTO)

    def seed(query: str) -> list:
        response = api.post(f"/api/seeds/pose?steps=12&{query}", content=photo, headers={"content-type": "image/jpeg"})
        assert response.status_code == 200, response.text
        return response.json()["seed"]["pattern"]

    plain = seed("mirror=false")
    assert seed("mirror=true") == plain[::-1]  # a selfie view flips time
    assert seed("mirror=false&normalize=frame") != plain
    strict = seed("mirror=false&visibility_threshold=0.99")
    assert sum(map(len, strict)) < sum(map(len, plain))  # fewer keypoints pass a stricter threshold
    keypoints = [[300 + 5 * i, 40 + 25 * i, 0.9] for i in range(17)]
    as_sent = api.post("/api/seeds/keypoints", json={"keypoints": keypoints, "steps": 9}).json()["seed"]["pattern"]
    mirrored = api.post("/api/seeds/keypoints", json={"keypoints": keypoints, "steps": 9, "mirror": True}).json()
    assert len(as_sent) == 9 and mirrored["seed"]["pattern"] == as_sent[::-1]
