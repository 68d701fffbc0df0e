"""Live mode in a real browser: Debian's Chromium with Chromium's fake camera playing Y4M
clips of real people, against a real server, with the real model and pose tracker.

What the loop does is measured from what the browser itself did, not from the page's own
bookkeeping:

- the loop heard: the page's output is recorded on the audio clock (the harness's tap), and
  each loop the page fetched from /api/render is found in that recording by its samples, so
  a loop's start is the audio-clock time its first bar was heard;
- what the socket answered and when, on the audio clock (the probe);
- the request bodies the page sent to /api/generate, observed (not mocked) with Playwright.

Clips: ``people-slideshow.y4m`` and ``person-webcam.y4m`` (../shared's, or made from the
fixture photos), and, made here from the same photos, a clip where the person leaves the
picture. The slideshow and two-bars tests wait on branch live-tests (issue 9).
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

from .browser_harness import CHROMIUM, CHROMIUM_ARGS, SAMPLE_RATE, POSE_DATA, Studio, new_studio, server  # noqa: F401
from .pose_clips import HEADER, photo_path, yuv420_frame

pytestmark = pytest.mark.browser

# The leaving clip: a person, then nobody. Chromium's fake camera loops its clip, so the empty room
# must outlast the slowest start-up (CI took over 9 s to reach live mode) plus the watch, or the person
# walks back in mid-test (stop 15's CI failure: 'following' where 'nobody' was asserted).
LEFT_AFTER_S, AWAY_S = 6, 60
THUMB = (32, 24)  # the video thumbnail the person is told apart by
MATCH_TOLERANCE = 0.02  # a loop is heard where the recording differs from its samples by < 2% of their energy
ON_GRID_S = 0.002  # a loop starts on a bar boundary within 2 ms of the audio clock
SETTLE_S = 0.5  # tracking settles after this long (issue 9: steadiness counts after it)
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


@pytest.fixture(scope="module")
def clips(tmp_path_factory, pose_clips):
    folder = tmp_path_factory.mktemp("live_clips")
    blank = np.zeros((480, 640, 3), np.uint8)
    return {
        "slideshow": pose_clips / "people-slideshow.y4m",
        "webcam": pose_clips / "person-webcam.y4m",
        "leaving": write_clip(folder / "person-leaves.y4m", [(photo("241"), LEFT_AFTER_S), (blank, AWAY_S)]),
    }


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


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
        for response in self.renders:
            request = response.request.post_data_json
            audio, rate = sf.read(io.BytesIO(response.body()), dtype="float32", always_2d=True)
            assert rate == SAMPLE_RATE
            bar_s = 16 * 15 / request["bpm"]
            start = first_heard(spectrum, audio.mean(axis=1), template_s=bar_s)
            if start is not None:
                heard.append(Heard(recording.time_of(start), request["pattern"]["pattern"], audio.mean(axis=1), bar_s))
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


def first_heard(spectrum: RecordingSpectrum, loop: np.ndarray, *, template_s: float) -> int | None:
    """The first index where the recording plays ``loop`` from its start, or None.

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
    if len(close) == 0:
        return None
    around = slice(close[0], close[0] + int(0.005 * SAMPLE_RATE))  # the best offset next to the first close one
    found = int(close[0] + np.argmin(difference[around])) - skip
    return found if found >= 0 else None


def key(pattern) -> str:
    return json.dumps(pattern, separators=(",", ":"))


# --- the tests --------------------------------------------------------------------------------------


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
    seed = state["seed"]["pattern"]
    assert state["source"] == "live" and heard[0].pattern[: len(seed)] == seed
    assert key(seed) == key(settled[-1]["seed"])

    # the joints: each step of the seed with hits lights its points when heard, and no other step
    hits = settled[-1]["hits"]
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
