"""The Stems download and the master volume, in Chromium against a real server.

Stems: the zip the page saves holds one WAV per drum heard, and they sum to the page's WAV
download. Volume: what the audio thread renders at the player's output (the tap probe, see
browser_harness.py) is measured over whole loop cycles before and after the slider moves; the
slider is reached and moved by keys, shows its focus, has a name, and comes back after a reload.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import soundfile as sf

from .browser_harness import load_session, rock_session, set_slider

pytestmark = pytest.mark.browser

def test_stems_download_holds_one_wav_per_drum_heard_summing_to_the_wav_download(studio, tmp_path):
    studio.open()
    load_session(studio, rock_session(tmp_path / "rock.json", bars=1))
    assert studio.page.is_visible("#dl-stems")
    with studio.page.expect_download() as stems_download:
        studio.page.click("#dl-stems")
    assert stems_download.value.suggested_filename == "poseloops-stems.zip"
    with zipfile.ZipFile(stems_download.value.path()) as archive:
        stems = {name: sf.read(io.BytesIO(archive.read(name)), dtype="float64")[0] for name in archive.namelist()}
    assert sorted(stems) == ["hh-closed.wav", "kick.wav", "snare.wav"]  # the rock loop: no toms, crash or ride
    assert "Saved poseloops-stems.zip" in studio.text("#session-message")
    with studio.page.expect_download() as wav_download:
        studio.page.click("#dl-wav")
    mix = sf.read(str(wav_download.value.path()), dtype="float64")[0]
    assert all(stem.shape == mix.shape for stem in stems.values())
    error_db = 20 * np.log10(np.abs(sum(stems.values()) - mix).max() / np.abs(mix).max())
    assert error_db <= -60.0, error_db


def cycle_rms(recording, start_time: float, seconds: float) -> float:
    begin = recording.index_of(start_time)
    samples = recording.samples[begin : begin + int(seconds * 44100)]
    assert len(samples) == int(seconds * 44100), "the recording is shorter than asked for"
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_master_volume_scales_what_is_heard_and_is_saved(tapped, tmp_path):
    """One bar at 120 BPM (2 s): the RMS of one whole cycle at full volume, then at 50% (a gain of
    0.25: -12 dB), then the slider set by keys; the level after a reload is the saved one."""
    page = tapped.open().page
    load_session(tapped, rock_session(tmp_path / "rock.json", bars=1, bpm=120))
    tapped.play()
    tapped.wait_for_heard()
    tapped.start_tap(9.0)
    start = tapped.audio_time()
    page.wait_for_timeout(2600)
    set_slider(tapped, "#master", 50)
    moved = tapped.audio_time()
    page.wait_for_timeout(3000)
    recording = tapped.read_tap()
    assert not recording.holes
    full = cycle_rms(recording, start + 0.1, 2.0)
    half = cycle_rms(recording, moved + 0.3, 2.0)  # the gain glides for ~0.1 s
    change_db = 20 * np.log10(half / full)
    print(f"volume 100% -> 50%: {change_db:.2f} dB heard")
    assert abs(change_db - -12.04) <= 0.3
    assert page.text_content("#master-out") == "-12.0 dB"
    assert page.get_attribute("#master", "aria-valuetext") == "-12.0 dB"

    # by keys: found by its name, the focus shows, End and the arrows move it
    slider = page.get_by_role("slider", name="Volume")
    slider.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => window.studio.store.getState().settings.master === 0.98")
    outline = page.evaluate("getComputedStyle(document.querySelector('#master')).outlineWidth")
    assert outline == "3px"
    assert abs(page.evaluate("window.studio.player.volume") - 0.98 ** 2) < 1e-9

    page.wait_for_timeout(400)  # the page saves its state a moment after a change
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=60_000)
    assert page.input_value("#master") == "98"
    assert page.evaluate("window.studio.store.getState().settings.master") == 0.98
    assert abs(page.evaluate("window.studio.player.volume") - 0.98 ** 2) < 1e-9
