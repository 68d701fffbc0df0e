"""Live mode in a real browser: Debian's Chromium with Chromium's fake camera playing Y4M
clips of real people, against a real server, with the real model and pose tracker.

What the loop does is measured from what the browser itself did, not from the page's own
bookkeeping:

- the loop heard: the page's output is recorded on the audio clock (the harness's tap), and
  each loop the page fetched from /api/render is found in that recording by its samples, so
  a loop's start is the audio-clock time its first bar was heard;
- the person shown: a thumbnail of the camera's video, read a few times a second and matched
  against the photos the clip was made of;
- the request bodies the page sent to /api/generate, observed (not mocked) with Playwright.

Clips: ``people-slideshow.y4m`` and ``person-webcam.y4m`` (../shared's, or made from the
fixture photos), and, made here from the same photos, a slow slideshow (each person long
enough to hold the groove over several bars) and a clip where the person leaves the picture.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math

import numpy as np
import pytest
import soundfile as sf

from .browser_harness import CHROMIUM, CHROMIUM_ARGS, POSE_DATA, SAMPLE_RATE, Studio, new_studio
from .pose_clips import HEADER, photo_path, yuv420_frame

pytestmark = pytest.mark.browser

SLIDESHOW_PEOPLE = ("241", "474", "564")  # people-slideshow.y4m's order
SLOW_SLIDE_S = 7  # each person of the slow slideshow: longer than the two bars a change may take
SLOW_BPM = 150  # a 1.6 s bar: several bars per person
# The leaving clip: a person, then nobody. Chromium's fake camera loops its clip, so the empty room
# must outlast the slowest start-up (CI took over 9 s to reach live mode) plus the watch, or the person
# walks back in mid-test (stop 15's CI failure: 'following' where 'nobody' was asserted).
LEFT_AFTER_S, AWAY_S = 6, 60
THUMB = (32, 24)  # the video thumbnail the person is told apart by
MATCH_TOLERANCE = 0.02  # a loop is heard where the recording differs from its samples by < 2% of their energy
ON_GRID_S = 0.002  # a loop starts on a bar boundary within 2 ms of the audio clock
SETTLE_S = 0.5  # tracking settles after this long (issue 9: steadiness counts after it)
PROBE_LAG_S = 0.5  # how late the video probe may see what the camera shows (see the slideshow test)
TAIL_S = 0.75  # the synth kit's longest hit, room included, rings 0.7 s: a loop's tail across a switch ends by then


# --- clips -------------------------------------------------------------------------------------------


def write_clip(path, shots: list[tuple[np.ndarray, int]], *, fps: int = 1):
    """A Y4M clip of ``(rgb picture, seconds)`` shots at ``fps`` (pose_clips's format)."""
    header = HEADER.replace(" F5:1 ", f" F{fps}:1 ")
    with path.open("wb") as handle:
        handle.write(header.encode("ascii"))
        for rgb, seconds in shots:
            handle.write((b"FRAME\n" + yuv420_frame(rgb)) * (seconds * fps))
    return path


def photo(number: str) -> np.ndarray:
    from poseloops.seeds import read_image_file

    return read_image_file(photo_path(POSE_DATA, number))


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The picture as the camera shows it (letterboxed), shrunk to THUMB."""
    import cv2

    from .pose_clips import letterbox

    return cv2.resize(letterbox(rgb), THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


@pytest.fixture(scope="module")
def clips(tmp_path_factory, pose_clips):
    folder = tmp_path_factory.mktemp("live_clips")
    blank = np.zeros((480, 640, 3), np.uint8)
    return {
        "slideshow": pose_clips / "people-slideshow.y4m",
        "webcam": pose_clips / "person-webcam.y4m",
        "slow": write_clip(folder / "slow-slideshow.y4m", [(photo(n), SLOW_SLIDE_S) for n in SLIDESHOW_PEOPLE]),
        "leaving": write_clip(folder / "person-leaves.y4m", [(photo("241"), LEFT_AFTER_S), (blank, AWAY_S)]),
    }


@contextlib.contextmanager
def live_page(playwright, server, clip):
    """A tapped studio page in a browser whose camera plays ``clip``."""
    args = [arg.format(webcam_clip=clip.resolve()) for arg in CHROMIUM_ARGS]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        studio, _ = new_studio(browser, server, bypass_csp=True)
        yield LivePage(studio)
    finally:
        browser.close()


# --- the page, watched ---------------------------------------------------------------------------

# Every 100 ms: the audio clock, a thumbnail of the camera's video, the camera's message.
PROBE = """([w, h]) => {
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const video = document.querySelector("#camera-video");
  window.__probe = [];
  window.__answers = [];
  const ctx = window.studio.player.context();
  window.studio.live.socket.addEventListener("answer", ({ detail }) => window.__answers.push({
    t: ctx.currentTime, person: detail.person, seed: detail.seed ? detail.seed.pattern : null, hits: detail.hits || [] }));
  setInterval(() => {
    if (!video.videoWidth) return;
    g.drawImage(video, 0, 0, w, h);
    const data = g.getImageData(0, 0, w, h).data;
    let bytes = "";
    for (let i = 0; i < data.length; i++) bytes += String.fromCharCode(data[i]);
    window.__probe.push({ t: ctx.currentTime, pixels: btoa(bytes) });  // RGBA bytes: a list of numbers took 16 s to read back
  }, 100);
}"""


class LivePage:
    def __init__(self, studio: Studio):
        self.studio = studio
        self.page = studio.page
        self.renders = []  # responses of /api/render: the loops the page can play
        self.generates = []  # requests to /api/generate, with their responses
        self.page.on("response", self._saw)

    def _saw(self, response) -> None:
        if response.url.endswith("/api/render"):
            self.renders.append(response)
        elif response.url.endswith("/api/generate"):
            self.generates.append(response)

    def start(self, *, bars_per_change: int = 1, bpm: int | None = None, tap_seconds: float = 30) -> None:
        self.studio.open()
        if bpm is not None:
            self.page.evaluate("b => { const s = document.querySelector('#bpm'); s.value = b; s.dispatchEvent(new Event('input')); }", bpm)
            self.page.wait_for_function("b => window.studio.audio() && window.studio.audio().meta.bpm === b", arg=bpm)
        self.studio.tab("camera")
        self.page.select_option("#live-bars", str(bars_per_change))
        self.page.wait_for_function("() => document.querySelector('#camera-video').videoWidth > 0", timeout=15_000)
        self.page.evaluate(PROBE, list(THUMB))
        self.studio.start_tap(tap_seconds)
        self.page.check("#live-toggle")

    def wait_until_playing_live(self, timeout: float = 30_000) -> None:
        self.page.wait_for_function(
            "() => window.studio.player.playing && window.studio.store.getState().source === 'live'", timeout=timeout
        )

    def wait_audio_time(self, seconds: float) -> float:
        """Let the audio clock run ``seconds`` more; returns the time reached."""
        until = self.studio.audio_time() + seconds
        self.page.wait_for_function("t => window.studio.player.context().currentTime >= t", arg=until, timeout=(seconds + 20) * 1000)
        return until

    def probe(self) -> list[dict]:
        return self.page.evaluate("window.__probe")

    def answers(self) -> list[dict]:
        return self.page.evaluate("window.__answers")

    def loops_heard(self) -> list["Heard"]:
        """Each loop the page fetched that the recording holds, by the time its first bar was heard."""
        recording = self.studio.read_tap()
        spectrum = RecordingSpectrum(recording.samples)
        heard = []
        latest = 0  # the page plays its loops in the order it fetched them: each is sought from the last found on
        for response in self.renders:
            request = response.request.post_data_json
            audio, rate = sf.read(io.BytesIO(response.body()), dtype="float32", always_2d=True)
            assert rate == SAMPLE_RATE
            bar_s = 16 * 15 / request["bpm"]
            start = first_heard(spectrum, audio.mean(axis=1), template_s=bar_s, after=latest)
            if start is not None:
                heard.append(Heard(recording.time_of(start), request["pattern"]["pattern"], audio.mean(axis=1), bar_s))
                latest = start
        heard.sort(key=lambda loop: loop.start)
        return one_loop_per_start(heard, recording), recording


def one_loop_per_start(heard: list["Heard"], recording) -> list["Heard"]:
    """Loops found at the same start share their first bar (a live change continues what
    played); the one heard there is the one the recording follows for more bars."""
    kept: list[Heard] = []
    for loop in heard:
        if kept and abs(loop.start - kept[-1].start) < ON_GRID_S:
            if matched_bars(recording, loop) > matched_bars(recording, kept[-1]):
                kept[-1] = loop
        else:
            kept.append(loop)
    return kept


def matched_bars(recording, loop: "Heard") -> int:
    """How many bars from ``loop.start`` the recording plays ``loop`` sample for sample."""
    start, bar = recording.index_of(loop.start), int(round(loop.bar_s * SAMPLE_RATE))
    skip = int(round(TAIL_S * SAMPLE_RATE))  # the loop before may ring into the first bar
    count = 0
    for b in range(len(loop.samples) // bar):
        begin = b * bar + (skip if b == 0 else 0)
        expected = loop.samples[begin : (b + 1) * bar]
        got = recording.samples[start + begin : start + (b + 1) * bar]
        if len(got) < len(expected) or np.sum((got - expected) ** 2) >= MATCH_TOLERANCE * max(np.sum(expected**2), 1e-9):
            break
        count += 1
    return count


class Heard:
    """A loop found in the recording: when its first bar was heard, its pattern and samples."""

    def __init__(self, start: float, pattern: list, samples: np.ndarray, bar_s: float):
        self.start, self.pattern, self.samples, self.bar_s = start, pattern, samples, bar_s


class RecordingSpectrum:
    """A recording, its running energy and its FFTs (one per size), computed once for every loop sought."""

    def __init__(self, samples: np.ndarray):
        self.record = samples.astype(np.float64)
        self.energy = np.concatenate([[0.0], np.cumsum(self.record**2)])
        self._ffts: dict[int, np.ndarray] = {}

    def fft(self, size: int) -> np.ndarray:
        if size not in self._ffts:
            self._ffts[size] = np.fft.rfft(self.record, size)
        return self._ffts[size]


def first_heard(spectrum: RecordingSpectrum, loop: np.ndarray, *, template_s: float, after: int = 0) -> int | None:
    """The first index from ``after`` on where the recording plays ``loop`` from its start, or None.

    (Sought past the loop found before it: a live loop's first bar may sound like a bar heard
    earlier, when the person came back and their seed with them.)

    The squared difference between the recording at every offset and the loop's first bar
    after TAIL_S (where the loop before it may still ring across the switch), by FFT
    (sum r^2 - 2 r.w + sum w^2), relative to that stretch's energy.
    """
    skip = int(round(TAIL_S * SAMPLE_RATE))
    template = loop[skip : int(round(template_s * SAMPLE_RATE))].astype(np.float64)
    record, energy = spectrum.record, spectrum.energy
    if len(record) < len(template):
        return None
    size = 1 << int(math.ceil(math.log2(len(record) + len(template))))
    correlation = np.fft.irfft(spectrum.fft(size) * np.conj(np.fft.rfft(template, size)), size)
    offsets = len(record) - len(template) + 1
    sliding = energy[len(template) : len(template) + offsets] - energy[:offsets]
    template_energy = float(np.sum(template**2))
    difference = (sliding - 2 * correlation[:offsets] + template_energy) / template_energy
    close = np.flatnonzero(difference < MATCH_TOLERANCE)
    close = close[close - skip >= after]
    if len(close) == 0:
        return None
    around = slice(close[0], close[0] + int(0.005 * SAMPLE_RATE))  # the best offset next to the first close one
    found = int(close[0] + np.argmin(difference[around])) - skip
    return found if found >= 0 else None


def people_shown(probe: list[dict], people: dict[str, np.ndarray]) -> list[tuple[float, str]]:
    """(audio-clock time, the person whose photo the video showed) for each probe sample."""
    names = list(people)
    references = np.stack([people[name].reshape(-1) for name in names])
    shown = []
    for sample in probe:
        rgba = np.frombuffer(base64.b64decode(sample["pixels"]), np.uint8).astype(np.float32)
        pixels = rgba.reshape(THUMB[1], THUMB[0], 4)[..., :3].reshape(-1)
        distances = np.abs(references - pixels).mean(axis=1)
        shown.append((sample["t"], names[int(np.argmin(distances))]))
    return shown


def changes(timeline: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """The (time, value) where a timeline's value changes, the first value included."""
    return [(t, value) for i, (t, value) in enumerate(timeline) if i == 0 or value != timeline[i - 1][1]]


def key(pattern) -> str:
    return json.dumps(pattern, separators=(",", ":"))


# --- the tests --------------------------------------------------------------------------------------


def test_the_loop_changes_when_the_person_changes_and_holds_while_one_is_shown(playwright, server, clips):
    """The slow slideshow (241, 474, 564 for 7 s each) at 150 BPM, a change every bar. A new
    person is heard as a new loop within two bars and a second (the change lands on a bar
    after the new pose is read); the loop never changes otherwise, so it holds over the bars
    while one person is shown."""
    with live_page(playwright, server, clips["slow"]) as live:
        live.start(bpm=SLOW_BPM, tap_seconds=40)
        live.wait_until_playing_live(timeout=40_000)
        live.wait_audio_time(2.5 * SLOW_SLIDE_S)
        probe = live.probe()
        heard, recording = live.loops_heard()
        assert live.studio.errors == []

    shown = people_shown(probe, {n: thumbnail(photo(n)) for n in SLIDESHOW_PEOPLE})
    watched_until = min(shown[-1][0], recording.time_of(len(recording.samples)))  # both probes ran
    heard = [loop for loop in heard if loop.start < watched_until]
    bar_s = 16 * 15 / SLOW_BPM
    settle = 2 * bar_s + 1.0
    assert len(heard) >= 2, "no loop followed the first"
    first = heard[0].start
    person_changes = [t for t, _ in changes([(t, p) for t, p in shown if t >= first])[1:]]
    assert len(person_changes) >= 2, shown  # the clip showed the next people
    # the loop changes only after the person did (as the probe saw it: it samples the video every
    # 100 ms on the page's busy main thread, so it may see a new person up to PROBE_LAG_S after the
    # socket's frames did; the full suite once found a change 0.08 s before the probe's) ...
    for loop in heard[1:]:
        assert any(-PROBE_LAG_S < loop.start - t <= settle for t in person_changes), (loop.start, person_changes)
    # ... and each new person is heard
    for t in person_changes:
        if t + settle < watched_until:  # watched long enough after it
            assert any(-PROBE_LAG_S < loop.start - t <= settle for loop in heard[1:]), (t, [loop.start for loop in heard])
    # three people, three different seeds played (each a whole loop heard)
    assert len({key(loop.pattern) for loop in heard}) == len(heard)


def test_a_person_holding_still_plays_a_steady_seed_and_their_joints_light_up_on_the_hits(playwright, server, clips):
    """person-webcam.y4m (one person, still): the seeds the socket answers are identical from
    frame to frame (at least 95% after tracking settled), the loop made from the first one
    plays on, and the joint that plays each seed step lights up when that step is heard."""
    with live_page(playwright, server, clips["webcam"]) as live:
        live.start(tap_seconds=20)
        live.wait_until_playing_live()
        flashes = watch_flashes(live, seconds=4.5)
        answers = live.answers()
        state = live.studio.state()
        heard, _ = live.loops_heard()
        assert live.studio.errors == []

    seen = [a for a in answers if a["person"]]
    # 4.5 s at 30 fps offered; a loaded 2-core runner answers fewer, and 10 still test steadiness
    assert len(seen) >= 10, f"only {len(seen)} frames with a person answered"
    settled = [a for a in seen if a["t"] >= seen[0]["t"] + SETTLE_S]
    same = sum(key(a["seed"]) == key(b["seed"]) for a, b in zip(settled, settled[1:]))
    assert same / (len(settled) - 1) >= 0.95, (same, len(settled))
    # the groove held: one loop heard, made from the seed the body plays
    assert len(heard) == 1, [loop.start for loop in heard]
    assert state["source"] == "live"
    answered = [key(a["seed"]) for a in settled]
    seed = heard[0].pattern[: len(state["seed"]["pattern"])]  # the seed of the loop heard
    assert key(seed) in answered  # the page plays a seed the body showed: the latest, unless ...
    if key(seed) != answered[-1]:  # ... it changed (the 5% the issue allows) too late to be heard yet
        # (the fixture clip's elbow, near the visibility threshold, does so in some runs): a change is
        # heard at the first allowed bar after the page's lead (up to twice its slowest preparation)
        changed = [b["t"] for a, b in zip(settled, settled[1:]) if key(a["seed"]) != key(b["seed"])]
        assert settled[-1]["t"] - changed[-1] < 2 * heard[0].bar_s + 1.0, (changed, settled[-1]["t"])
    assert key(state["seed"]["pattern"]) in answered  # the studio shows what plays, or the change queued

    # the joints: each step of the seed with hits lights its points when heard, and no other step
    hits = next(a["hits"] for a in reversed(settled) if key(a["seed"]) == key(seed))  # of the seed playing
    for hit in hits:
        assert hit["drum"] in seed[hit["step"]], hit  # a hit is a cell of the seed
    points_by_step = {}
    for hit in hits:
        points_by_step.setdefault(hit["step"], set()).add(hit["point"])
    assert points_by_step, "the seed has no hits"
    lit = {}  # heard step -> the points lit when it began
    for i, sample in enumerate(flashes[:-1]):
        if sample["new"]:  # drawn by the overlay's next frame
            lit.setdefault(sample["step"], []).append((set(sample["flashed"].split()), flashes[i + 1]["lit"]))
    assert set(lit) == set(points_by_step), (sorted(lit), sorted(points_by_step))
    for step, flashes_at in lit.items():
        for points, pixels_lit in flashes_at:
            assert points == points_by_step[step], (step, points)
            assert pixels_lit, f"step {step}: no flash drawn at its joints"


def watch_flashes(live: LivePage, *, seconds: float) -> list[dict]:
    """Every animation frame for ``seconds``: the step heard, whether a flash began, the points
    lit and whether the overlay shows the flash colour on a ring around each of them (the
    overlay draws a flash begun in one frame in the next)."""
    return live.page.evaluate(
        """async (seconds) => {
             const player = window.studio.player, canvas = document.querySelector("#camera-overlay");
             const g = canvas.getContext("2d");
             const live = window.studio.live;
             const flashColour = (x, y) => { const [r, gr, b] = g.getImageData(x, y, 1, 1).data; return r > 200 && gr > 190 && b > 120 && b < 230; };
             const ringLit = (point) => {
               const p = live.camera.livePoints.get(point);
               if (!p) return false;
               const radius = Math.max(10, Math.max(canvas.width, canvas.height) * 0.035);
               const x = p.x * canvas.width, y = p.y * canvas.height;
               return [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) => flashColour(x + dx * radius, y + dy * radius));
             };
             const out = [];
             let count = Number(canvas.dataset.flashes || 0);
             const end = performance.now() + seconds * 1000;
             await new Promise((resolve) => {
               const look = () => {
                 const position = player.position();
                 const now = Number(canvas.dataset.flashes || 0);
                 const flashed = canvas.dataset.flashed || "";
                 const isNew = now !== count;
                 count = now;
                 out.push({ step: position ? position.step : null, new: isNew, flashed, lit: flashed.split(" ").every(ringLit) });
                 if (performance.now() < end) requestAnimationFrame(look); else resolve();
               };
               requestAnimationFrame(look);
             });
             return out;
           }""",
        seconds,
    )


def timely_changes(made: list[dict], until: float) -> list[dict]:
    """Live changes ready before their boundary (by more than the player's 50 ms scheduling
    margin), the boundary passed by ``until``. How many are ready in time depends on the machine's
    load (the page starts a change twice as early as its slowest recent one took); where a ready
    change lands does not. A whole bar (2 s at the studio's 120 BPM) after the boundary is
    recorded, so the loop can be found there."""
    return [entry for entry in made if entry["boundary"] is not None and entry["made"] <= entry["boundary"] - 0.06
            and entry["boundary"] < until - 2.5]


def test_with_two_bars_per_change_changes_land_on_every_other_bar_and_continue_what_played(playwright, server, clips):
    """people-slideshow.y4m changes person every second, so at every change boundary the pose
    plays a new seed. With 2 bars per change each new loop is heard exactly on a bar
    boundary, an even number of bars after the last (on the audio clock), and mostly exactly
    two: prepared in time for the boundary it was made for. Each request for the next bars
    carries what was playing as its context."""
    with live_page(playwright, server, clips["slideshow"]) as live:
        live.start(bars_per_change=2, tap_seconds=60)
        live.wait_until_playing_live()
        # Watch until two changes were ready in time and their boundaries have passed.
        for _ in range(12):
            until = live.wait_audio_time(4)
            made = live.page.evaluate("window.studio.live.log.map(({ key, ...times }) => times)")
            if len(timely_changes(made, until)) >= 2:
                break
        heard, recording = live.loops_heard()
        made = live.page.evaluate("window.studio.live.log.map(({ key, ...times }) => times)")  # for the failure message
        generates = [(response.request.post_data_json, response.json()) for response in live.generates]
        assert live.studio.errors == []

    assert len(heard) >= 3, [loop.start for loop in heard]
    bar_s = heard[0].bar_s
    gaps = [(b.start - a.start) / bar_s for a, b in zip(heard, heard[1:])]
    for gap in gaps:
        assert abs(gap - round(gap)) * bar_s < ON_GRID_S, gaps  # on a bar boundary of the audio clock
        assert round(gap) % 2 == 0, gaps  # every other bar, never between
    # A change ready in time lands on the boundary it was made for. (One that was late, its pose
    # coming after the page's lead or the machine slow, rightly waits for the next allowed one.)
    timely = timely_changes(made, until)
    assert len(timely) >= 2, made
    starts = [loop.start for loop in heard]  # from the recording, on the audio clock
    for entry in timely:
        assert any(abs(start - entry["boundary"]) < 0.01 for start in starts), (entry, starts)

    # the next bars continue from what was playing: each live request after the first carries
    # the whole bars of the loop before it
    live_requests = [(body, answer) for body, answer in generates if body.get("variations") == 1]
    assert len(live_requests) >= 3
    for (_, before), (body, _) in zip(live_requests, live_requests[1:]):
        assert body.get("context"), "a live change without context restarts the music"
        assert body["context"]["pattern"] == before["patterns"][0]["pattern"]
    # No answer is lost on the way: every one before the last heard was heard. (The answers after
    # it were made for boundaries at or past the recording's end: under load the page asks
    # early, and CI's busy run once had two such.)
    played = {key(loop.pattern) for loop in heard}
    was_heard = [key(answer["patterns"][0]["pattern"]) in played for _, answer in live_requests]
    assert sum(was_heard) >= 2, (was_heard, starts, made)
    last_heard = len(was_heard) - 1 - was_heard[::-1].index(True)
    unheard = [i for i in range(last_heard) if not was_heard[i]]
    assert unheard == [], (unheard, len(live_requests), starts, made, recording.holes)


def test_nobody_in_view_keeps_the_groove_going_and_the_page_says_so(playwright, server, clips):
    """A person for 6 s, then an empty room: the loop made from the person goes on, sample for
    sample as it played, and the camera panel says nobody is in view."""
    with live_page(playwright, server, clips["leaving"]) as live:
        live.start(tap_seconds=25)
        live.wait_until_playing_live()
        live.page.wait_for_function(
            "() => document.querySelector('#camera-stage').dataset.live === 'nobody' && window.studio.player.playing", timeout=(LEFT_AFTER_S + 20) * 1000
        )
        nobody_from = live.studio.audio_time()
        message = live.studio.text("#camera-message")
        visible = live.page.is_visible("#camera-message")
        until = live.wait_audio_time(3)
        still_nobody = live.page.evaluate("document.querySelector('#camera-stage').dataset.live")
        heard, recording = live.loops_heard()
        assert live.studio.errors == []

    assert visible and "nobody in view" in message.lower() and "keeps going" in message.lower(), message
    assert still_nobody == "nobody"
    last = heard[-1]
    assert last.start < nobody_from
    # from when nobody was in view, the recording is the last loop, looped, as it played
    a, b = recording.index_of(nobody_from), recording.index_of(until - 0.1)
    phase = (np.arange(a, b) - recording.index_of(last.start)) % len(last.samples)
    expected, got = last.samples[phase], recording.samples[a:b]
    assert np.sum((got - expected) ** 2) < MATCH_TOLERANCE * np.sum(expected**2)
    assert np.sqrt(np.mean(got**2)) > 0.01  # and it is loud: the groove goes on
