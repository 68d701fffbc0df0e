"""The player switches at the next bar: measured on the audio clock, from what the audio
thread rendered (an AudioWorklet after the player's output records every sample with its
frame number), not from the page's own schedule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from .browser_harness import SAMPLE_RATE, Recording, load_session, rock_session

pytestmark = pytest.mark.browser

BPM = 120
BAR_S = 16 * 60 / BPM / 4  # 2 s
AMPLITUDE = 0.5


def max_slope(hz: float) -> float:
    """The largest sample-to-sample step of a sine at ``hz`` (amplitude 0.5) at 44.1 kHz."""
    return 2 * math.pi * hz * AMPLITUDE / SAMPLE_RATE


def window_slopes(recording: Recording, start: float, stop: float, window_s: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """(time, largest |x[n+1] - x[n]|) per window between two audio-clock times."""
    a, b = recording.index_of(start), recording.index_of(stop)
    steps = np.abs(np.diff(recording.samples[a:b]))
    size = int(window_s * SAMPLE_RATE)
    count = len(steps) // size
    peaks = steps[: count * size].reshape(count, size).max(axis=1)
    times = np.array([recording.time_of(a + i * size) for i in range(count)])
    return times, peaks


def longest_quiet_run(samples: np.ndarray, threshold: float = 0.004) -> int:
    quiet = np.abs(samples) < threshold
    best = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        best = max(best, run)
    return best


def open_and_let_settle(studio, quiet_s: float = 1.0) -> None:
    """Open the studio and wait until none of its own API requests has been under way for ``quiet_s``.

    The tones tests take the player over; a render of the page's that finished late (a busy
    machine) was queued over the tones at the next bar (full-suite runs twice heard its drums
    at the boundary), even after the page's first loop was in.
    """
    import time

    under_way = set()
    studio.page.on("request", lambda request: under_way.add(request) if "/api/" in request.url else None)
    studio.page.on("requestfinished", lambda request: under_way.discard(request))
    studio.page.on("requestfailed", lambda request: under_way.discard(request))
    studio.open()
    studio.page.wait_for_function("() => window.studio.audio() !== null", timeout=60_000)
    quiet_since, deadline = time.monotonic(), time.monotonic() + 60
    while time.monotonic() - quiet_since < quiet_s:
        assert time.monotonic() < deadline, [request.url for request in under_way]
        studio.page.wait_for_timeout(100)  # lets Playwright deliver the page's request events
        if under_way or studio.page.evaluate("window.studio.playback().waiting !== null"):
            quiet_since = time.monotonic()


def test_a_queued_loop_starts_at_the_next_bar_with_no_gap_and_no_click(tapped):
    """Tones make gaps and clicks measurable: a 220 Hz loop plays; mid-bar an 880 Hz loop is
    queued and replaced at once by a 440 Hz one. The 440 Hz tone must take over exactly at the
    next bar boundary (found from the audio: the first tone's onset plus whole bars), never at
    the loop's end; the 880 Hz one is never heard; nothing drops out and nothing jumps."""
    studio = tapped
    open_and_let_settle(studio)
    studio.start_tap(9)
    queued_at = studio.page.evaluate(
        """async ([bpm, amplitude]) => {
             const p = window.studio.player;
             const ctx = p.context();
             const steps = 64;                                   // 4 bars: 8 s at 120 BPM
             const tone = (hz) => {
               const length = Math.round(steps * 15 / bpm * ctx.sampleRate);
               const buffer = ctx.createBuffer(2, length, ctx.sampleRate);
               for (let c = 0; c < 2; c++) {
                 const data = buffer.getChannelData(c);
                 for (let i = 0; i < length; i++) data[i] = amplitude * Math.sin(2 * Math.PI * hz * i / ctx.sampleRate);
               }
               return buffer;
             };
             const meta = { steps, bpm, swing: 0.5 };
             const [low, high, middle] = [tone(220), tone(880), tone(440)];
             await p.play(low, meta);
             await new Promise((resolve) => setTimeout(resolve, 2600)); // a little into bar 2
             const queuedAt = ctx.currentTime;
             p.queueAtNextBar(high, meta);
             p.queueAtNextBar(middle, meta);                     // a newer change replaces the waiting one
             await new Promise((resolve) => setTimeout(resolve, 3500));
             p.stop();
             return queuedAt;
           }""",
        [BPM, AMPLITUDE],
    )
    recording = studio.read_tap()
    assert recording.holes == []

    start = recording.first_sound_after(0)
    assert start is not None
    boundary = start + math.ceil((queued_at - start) / BAR_S) * BAR_S
    assert 0 < boundary - queued_at <= BAR_S  # the next bar, not the loop's end (start + 8 s)

    times, slopes = window_slopes(recording, start + 0.05, boundary + 1.0)
    before, after = slopes[times < boundary - 0.01], slopes[times > boundary + 0.01]
    assert before.max() == pytest.approx(max_slope(220), rel=0.05)
    assert after.max() == pytest.approx(max_slope(440), rel=0.05)  # the newest loop plays ...
    assert slopes.max() < max_slope(880) * 0.6  # ... and the replaced one never sounds

    # the switch: where the steps first pass halfway between the two tones' own
    switched = times[np.argmax(slopes > (max_slope(220) + max_slope(440)) / 2)]
    assert abs(switched - boundary) < 0.004, (switched, boundary)

    # no gap and no click around the boundary
    around = recording.samples[recording.index_of(boundary - 0.02) : recording.index_of(boundary + 0.02)]
    assert longest_quiet_run(around) <= 6  # a sine crosses zero in 1-2 samples; a gap lasts
    assert np.abs(np.diff(around)).max() <= max_slope(440) * 1.1


def test_a_change_made_mid_bar_is_heard_at_the_next_bar_boundary(tapped, tmp_path):
    """The real page, the real renders: a known rock loop (kick on every beat) plays; soloing
    the ride (which never plays) mid-bar silences it from the next bar on, and un-soloing it
    mid-bar brings it back at the following bar, downbeat first. Bars come from the audio: the
    loop's first kick and whole bars after it."""
    studio = tapped
    studio.open()
    load_session(studio, rock_session(tmp_path / "rock.json"))
    studio.start_tap(12)
    studio.play()
    solo_ride = "#loop-grid .mix-solo[data-drum='8']"

    def click_mid_bar(start: float, min_bars: int) -> float:
        """Wait until the middle of a bar at least ``min_bars`` after ``start``; click; return when."""
        target = start + (min_bars + 0.5) * BAR_S
        studio.page.wait_for_function("t => window.studio.player.context().currentTime >= t", arg=target, timeout=20_000)
        return studio.page.evaluate("s => { const t = window.studio.player.context().currentTime; document.querySelector(s).click(); return t; }", solo_ride)

    studio.page.wait_for_function("() => window.studio.player.position() !== null")
    started = studio.page.evaluate("window.studio.player.current.at")
    muted_at = click_mid_bar(started, 1)
    unmuted_at = click_mid_bar(started, 3)
    studio.page.wait_for_timeout(int(BAR_S * 1000))
    recording = studio.read_tap()
    assert recording.holes == [], recording.holes

    first_kick = recording.first_sound_after(0)
    assert first_kick is not None and abs(first_kick - started) < 0.003  # the loop's downbeat, heard

    def next_bar(time: float) -> float:
        return first_kick + math.ceil((time - first_kick) / BAR_S) * BAR_S

    silence_from, back_at = next_bar(muted_at), next_bar(unmuted_at)
    assert silence_from - muted_at < BAR_S and back_at - unmuted_at < BAR_S
    a, b = recording.index_of(muted_at), recording.index_of(unmuted_at)
    loud = np.flatnonzero(np.abs(recording.samples[a:b]) > 0.01)
    last_sound = recording.time_of(a + int(loud[-1]))
    assert silence_from - 0.3 < last_sound <= silence_from + 0.001, (last_sound, silence_from)
    heard_again = recording.first_sound_after(unmuted_at)
    assert back_at - 0.006 <= heard_again <= back_at + 0.003, (heard_again, back_at)
    # the downbeat comes back whole: within 20 ms the kick is as loud as the loop's first one
    def peak(at: float) -> float:
        i = recording.index_of(at)
        return float(np.abs(recording.samples[i : i + int(0.02 * SAMPLE_RATE)]).max())

    assert peak(back_at) == pytest.approx(peak(first_kick), rel=0.2)


def crash_session(path, *, bars: int = 2):
    """A GMRockKit loop: a kick on every beat and a crash on the last 8th of each bar (its
    2.5 s ring reaches far into the next bar); no ride. Written as Save session writes it."""
    import json

    pattern = [[7] if step % 16 == 14 else [0] if step % 4 == 0 else [] for step in range(16 * bars)]
    doc = {
        "format": "poseloops-session", "version": 1, "source": "grid",
        "seed": {"pattern": pattern[:4], "seed_length": 4}, "loop": {"pattern": pattern, "seed_length": 4},
        "settings": {"bpm": BPM, "swing": 0.5, "steps": 16 * bars - 4, "kit": "GMRockKit"},
    }
    path.write_text(json.dumps(doc))
    return path


def test_the_last_bar_rings_across_a_switch(tapped, tmp_path):
    """Soloing the ride (which never plays) mid-bar silences the loop from the next bar, but the
    crash played just before that bar rings on across it, as a drummer's would: from the boundary
    the recording is the tail the server rendered for it, sample for sample, and it is loud.
    Before tails rang, the crash was cut at the boundary (a 5 ms fade to nothing)."""
    import io

    import soundfile as sf

    studio = tapped
    tails = []
    studio.page.on("response", lambda r: tails.append(r) if r.url.endswith("/api/render/tail") else None)
    studio.open()
    load_session(studio, crash_session(tmp_path / "crash.json"))
    studio.start_tap(9)
    studio.play()
    studio.page.wait_for_function("() => window.studio.player.position() !== null")
    started = studio.page.evaluate("window.studio.player.current.at")
    target = started + 1.3 * BAR_S  # mid bar 2, after its first kicks and before its crash
    studio.page.wait_for_function("t => window.studio.player.context().currentTime >= t", arg=target, timeout=20_000)
    clicked = studio.page.evaluate(
        "() => { const t = window.studio.player.context().currentTime; document.querySelector(\"#loop-grid .mix-solo[data-drum='8']\").click(); return t; }"
    )
    studio.page.wait_for_timeout(int(2.5 * BAR_S * 1000))
    recording = studio.read_tap()
    assert recording.holes == [], recording.holes
    assert studio.errors == []

    first_kick = recording.first_sound_after(0)
    assert first_kick is not None and abs(first_kick - started) < 0.003
    boundary = first_kick + math.ceil((clicked - first_kick) / BAR_S) * BAR_S
    assert len(tails) == 1 and tails[0].ok, [t.status for t in tails]
    assert tails[0].request.post_data_json["step"] == 0  # bar 2 of 2 ends where the loop turns
    tail, rate = sf.read(io.BytesIO(tails[0].body()), dtype="float32", always_2d=True)
    lead = round(float(tails[0].headers["x-tail-lead-seconds"]) * SAMPLE_RATE)
    # the tap records the mono mix: the tail as the page plays it, from the boundary on, for a second
    expected = tail.mean(axis=1)[lead : lead + SAMPLE_RATE]
    # where the recording plays it (the boundary found from the first kick is good to 3 ms)
    near = range(recording.index_of(boundary) - 150, recording.index_of(boundary) + 150)
    error = {i: np.sum((recording.samples[i : i + len(expected)] - expected) ** 2) for i in near}
    start = min(error, key=error.get)
    assert abs(recording.time_of(start) - boundary) < 0.003
    got = recording.samples[start : start + len(expected)]
    assert np.sqrt(np.mean(got[: SAMPLE_RATE // 4] ** 2)) > 0.004  # the crash rings across the switch (cut, this is 0)
    # exactly the tail, nothing else, sample for sample: started between two frames (as a 5 ms
    # cross-fade from a frame-aligned boundary was), Chromium interpolated it and it was 5.5% off
    assert error[start] < 1e-4 * np.sum(expected**2)


FADE_S = 220 / SAMPLE_RATE  # player.js: a switch's cross-fade, whole frames


@pytest.mark.parametrize("past_frame", [0.4, 0.6])
def test_a_loop_switched_to_is_silent_until_its_fade_whichever_frame_its_start_rounds_to(tapped, past_frame):
    """A switched-to loop starts on a whole frame and fades in over FADE_S. A fade beginning
    0.4 of a frame past a frame has its start rounded down, to before the fade's first event:
    that one sample played at the gain's default of 1. Bar boundaries are whole frames give or
    take a rounding error, so in the suite ~1 switch in 5 clicked (the tones test's 0.48 jump).
    The loop here is a constant 0.5: every sample before the fade must be silent and every
    sample of the fade at most where the ramp is."""
    studio = tapped
    open_and_let_settle(studio)
    studio.start_tap(1.5)
    fade_start = studio.page.evaluate(
        """async ([pastFrame, fade]) => {
             const p = window.studio.player;
             const ctx = p.context();
             if (ctx.state === "suspended") await ctx.resume();
             const rate = ctx.sampleRate;
             const buffer = ctx.createBuffer(2, rate, rate);
             for (let c = 0; c < 2; c++) buffer.getChannelData(c).fill(0.5);
             const frame = Math.ceil((ctx.currentTime + 0.4) * rate);
             const at = (frame + pastFrame) / rate + fade;
             const slot = p.startSlot(buffer, { steps: 16, bpm: 120, swing: 0.5 }, at, 0, true);
             await new Promise((resolve) => setTimeout(resolve, 900));
             p.retire(slot);
             return (frame + pastFrame) / rate;
           }""",
        [past_frame, FADE_S],
    )
    recording = studio.read_tap()
    assert recording.holes == []
    first = recording.index_of(fade_start)  # the frame nearest the fade's start
    before, fade = recording.samples[first - 50 : first + 1], recording.samples[first + 1 : first + 200]
    assert np.abs(before).max() < 0.01, np.abs(before).max()
    ramp = 0.5 * (np.arange(first + 1, first + 200) + recording.start_frame - fade_start * SAMPLE_RATE) / (FADE_S * SAMPLE_RATE)
    assert np.all(np.abs(fade) <= ramp + 0.01)
    assert recording.samples[first + 300 : first + 2000].min() > 0.45  # and then it plays
