"""What the browser tests share: Debian's Chromium driven by Playwright against a real
``poseloops serve`` (see ``server_harness``), with a real clip of a real person as the
webcam (../shared/data/pose/person-webcam.y4m) and Chromium's fake microphone.

``Studio`` wraps a page of the studio. Two probes read the browser itself rather than the
page's own bookkeeping:

- ``start_tap`` / ``read_tap``: an AudioWorklet inserted after the player's output records
  every sample the audio thread renders, with the audio clock's frame number, so a test
  measures when something was heard on the audio clock (AudioContext.currentTime), not when
  the page meant to play it. The worklet is the test's own code, loaded from a Blob URL;
  the page's Content-Security-Policy ('self') refuses that, so pages that tap are opened with
  ``bypass_csp`` (the ``tapped`` fixture). The page itself has no test code.
- ``ax_tree``: Chromium's accessibility tree over the DevTools protocol
  (``Accessibility.getFullAXTree``), what a screen reader is given.

The fixtures that open the browser and its pages (``browser``, ``studio``, ``tapped``, ``desk``,
``phone``) are in conftest.py.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


REPO = Path(__file__).resolve().parent.parent
POSE_DATA = REPO.parent / "shared" / "data" / "pose"
if not (POSE_DATA / "COCO_val2014_000000000474.jpg").is_file():
    POSE_DATA = REPO / "tests" / "data" / "pose"  # the fixture photos of a bare clone
ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--use-file-for-fake-video-capture={webcam_clip}",
    "--autoplay-policy=no-user-gesture-required",  # headless has no person to click first
]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT_MS = 60_000
SAMPLE_RATE = 44100
# Records the input's two channels (mixed) into one buffer at their audio-clock frames, and
# notes any quantum the audio thread never rendered (a hole in the recording).
TAP_WORKLET = """
class Tap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.samples = new Float32Array(Math.ceil(options.processorOptions.seconds * sampleRate));
    this.length = 0; this.startFrame = -1; this.frame = -1; this.holes = [];
    this.port.onmessage = () => this.port.postMessage({
      startFrame: this.startFrame, holes: this.holes, samples: this.samples.slice(0, this.length) });
  }
  process(inputs) {
    const n = 128;
    // Quanta come in order, one call each; the global currentFrame can lag behind within a
    // batch of quanta, so frames are counted, and only a currentFrame ahead of the count (a
    // quantum never rendered) is a hole.
    if (this.frame < 0) this.startFrame = this.frame = currentFrame;
    else this.frame += n;
    if (currentFrame > this.frame) {
      // the audio thread's first quanta for a new node can skip; the recording starts after them
      if (this.frame - this.startFrame < sampleRate / 10) this.startFrame = currentFrame;
      else this.holes.push([this.frame, currentFrame]);
      this.frame = currentFrame;
    }
    const at = this.frame - this.startFrame;
    if (at + n > this.samples.length) return true;
    const channels = inputs[0] || [];
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.samples[at + i] = channels.length ? sum / channels.length : 0;
    }
    this.length = at + n;
    return true;
  }
}
registerProcessor("tap", Tap);
"""


class Recording:
    """Samples the audio thread rendered, from audio-clock frame ``start_frame`` on."""

    def __init__(self, start_frame: int, samples: np.ndarray, holes: list):
        self.start_frame = start_frame
        self.samples = samples
        self.holes = holes

    def time_of(self, index: int) -> float:
        return (self.start_frame + index) / SAMPLE_RATE

    def index_of(self, time: float) -> int:
        return int(round(time * SAMPLE_RATE)) - self.start_frame

    def first_sound_after(self, time: float, threshold: float = 0.01) -> float | None:
        """The audio-clock time of the first sample louder than ``threshold`` after ``time``."""
        start = max(0, self.index_of(time))
        loud = np.flatnonzero(np.abs(self.samples[start:]) > threshold)
        return None if len(loud) == 0 else self.time_of(start + int(loud[0]))


class Studio:
    """A page of the studio, with the console errors it logged."""

    def __init__(self, page, url: str):
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def open(self) -> "Studio":
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
        return self

    def state(self) -> dict:
        return self.page.evaluate("window.studio.store.getState()")

    def wait_for_source(self, source: str, timeout: float = 30_000) -> dict:
        try:
            self.page.wait_for_function(
                "s => { const st = window.studio.store.getState(); return st.source === s && st.loop; }",
                arg=source,
                timeout=timeout,
            )
        except PlaywrightTimeoutError:
            # say what the page said instead, so a failure names its cause
            raise AssertionError(f"no {source} loop after {timeout / 1000:g} s; the page says {self.messages()}, "
                                 f"console errors {self.errors}") from None
        return self.state()

    def messages(self) -> dict[str, str]:
        """The text of every message line on the page that says something."""
        return self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll("[role=status]")]
                 .map((node) => [node.id, node.textContent.trim()]).filter(([, text]) => text))"""
        )

    def wait_for_new_loop(self, before: dict | None, timeout: float = 30_000) -> dict:
        """Wait until the loop's pattern differs from ``before``'s."""
        self.page.wait_for_function(
            "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) !== p; }",
            arg=json.dumps(before["pattern"] if before else None, separators=(",", ":")),
            timeout=timeout,
        )
        return self.state()

    def wait_for_heard(self, timeout: float = 15_000) -> None:
        """Wait until the loop heard (and so shown) is the studio's latest (a change waits for its bar)."""
        self.page.wait_for_function(
            """() => { const p = window.studio.player, loop = window.studio.store.getState().loop;
                       if (!p.playing) return true;
                       const heard = p.heard();
                       const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);  // an accent edit keeps the pattern
                       return heard && !p.pending && loop && same(heard.loop.pattern, loop.pattern) && same(heard.loop.velocities, loop.velocities); }""",
            timeout=timeout,
        )
        # The page redraws the grid for a newly heard loop in its next animation frame, which may
        # run after the one that saw the switch (the full suite once read the old loop's cells).
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def wait_for_render(self, key_before: str | None, timeout: float = 15_000) -> None:
        self.page.wait_for_function("k => window.studio.audio() && window.studio.audio().key !== k", arg=key_before, timeout=timeout)

    def audio_key(self) -> str | None:
        return self.page.evaluate("window.studio.audio() ? window.studio.audio().key : null")

    def play(self) -> None:
        self.page.click("#play")
        self.page.wait_for_function("() => window.studio.player.playing")

    def tab(self, name: str) -> None:
        self.page.click(f"#tab-{name}")

    def text(self, selector: str) -> str:
        return self.page.text_content(selector) or ""

    def status(self) -> str:
        return self.text("#status")

    def audio_time(self) -> float:
        return self.page.evaluate("window.studio.player.context().currentTime")

    def start_tap(self, seconds: float) -> None:
        """Record what the player's output sends to the speakers, for ``seconds`` from now."""
        self.page.evaluate(
            """async ([path, seconds]) => {
                 const player = window.studio.player;
                 const ctx = player.context();
                 if (!window.__tapLoaded) {
                   const url = URL.createObjectURL(new Blob([path], { type: "text/javascript" }));
                   await ctx.audioWorklet.addModule(url);
                   window.__tapLoaded = true;
                 }
                 const tap = new AudioWorkletNode(ctx, "tap", { processorOptions: { seconds } });
                 player.output.connect(tap);
                 tap.connect(ctx.destination);  // pulled by the graph; it outputs silence
                 window.__tap = tap;
               }""",
            [TAP_WORKLET, seconds],
        )

    def read_tap(self) -> Recording:
        answer = self.page.evaluate(
            """() => new Promise((resolve) => {
                 const tap = window.__tap;
                 tap.port.onmessage = ({ data }) => {
                   const bytes = new Uint8Array(data.samples.buffer);
                   let text = "";
                   for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
                   resolve({ startFrame: data.startFrame, holes: data.holes, samples: btoa(text) });
                 };
                 tap.port.postMessage("read");
               })"""
        )
        samples = np.frombuffer(base64.b64decode(answer["samples"]), dtype=np.float32)
        return Recording(answer["startFrame"], samples, answer["holes"])

    def ax_tree(self) -> list[dict]:
        """Chromium's accessibility tree of the page: the nodes a screen reader is given."""
        session = self.page.context.new_cdp_session(self.page)
        try:
            session.send("Accessibility.enable")
            return [node for node in session.send("Accessibility.getFullAXTree")["nodes"] if not node.get("ignored")]
        finally:
            session.detach()

    def screenshot(self, name: str, **options) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), **options)
        return path

    def clip_pixels(self, box: dict) -> np.ndarray:
        """The screen's pixels in ``box`` (viewport coordinates), as an RGB array."""
        from PIL import Image

        # Not full_page: that relays the whole page out at its full height for every shot (0.3 s each).
        png = self.page.screenshot(clip=box, animations="disabled", caret="hide")
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def new_studio(browser, server, viewport: dict = DESKTOP, **options) -> tuple[Studio, object]:
    """A studio page in a fresh browser context (its own localStorage); close the context after."""
    if viewport == PHONE:
        options = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True, **options}
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    return Studio(context.new_page(), server.url), context


def set_slider(studio: Studio, selector: str, value: float) -> None:
    """Move a range input to ``value`` as a drag does (the page listens for "input")."""
    studio.page.fill(selector, str(value))
    studio.page.dispatch_event(selector, "input")


def wait_for_state(studio: Studio, expression: str, arg=None, timeout: float = 15_000) -> None:
    """Wait until ``expression`` holds of the studio's state ``s`` (and the argument ``a``)."""
    studio.page.wait_for_function(f"a => {{ const s = window.studio.store.getState(); return {expression}; }}", arg=arg, timeout=timeout)


def tap_until(studio: Studio, selector: str, expression: str, arg=None, *, first_wait: float = 5_000) -> None:
    """Tap ``selector``, then wait until ``expression`` holds of the state (see ``wait_for_state``).

    Chromium makes a click of a touch only if the finger is lifted before its long-press timer
    runs out, so a page that stalls between the two can take a tap for a long press. That is our
    reading of CI's one lost tap (stop 25's parallel pass: a row lock that never came). A person
    taps again, and so does this, once, and only where nothing changed in ``first_wait`` ms.
    """
    studio.page.locator(selector).tap()
    try:
        wait_for_state(studio, expression, arg, timeout=first_wait)
    except PlaywrightTimeoutError:
        studio.page.locator(selector).tap()
        wait_for_state(studio, expression, arg)


def requests_to(studio: Studio, path: str) -> list[dict]:
    """The JSON bodies of the requests the page sends to ``path`` from now on, as Chromium sends them."""
    sent: list[dict] = []
    studio.page.on("request", lambda r: r.url.split("?")[0].endswith(path) and r.method == "POST" and sent.append(json.loads(r.post_data)))
    return sent


def uploads_to(studio: Studio, path: str) -> list[dict]:
    """The query options (parsed) of the uploads the page sends to ``path`` from now on."""
    sent: list[dict] = []
    studio.page.on("request", lambda r: urlsplit(r.url).path == path and sent.append(parse_qs(urlsplit(r.url).query)))
    return sent


# Words of a developer, never of a message a person reads.
DEVELOPER_WORDS = ("<_io", "BytesIO", "0x", "body:", "Input should", "request body", "send the image bytes", "Error opening")


def gap_px(studio: Studio, message: str, control: str) -> float:
    """Vertical distance between a message and the control it is about (0 when they overlap)."""
    return studio.page.evaluate(
        """([m, c]) => { const a = document.querySelector(m).getBoundingClientRect();
                         const b = document.querySelector(c).getBoundingClientRect();
                         return Math.max(0, a.top - b.bottom, b.top - a.bottom); }""",
        [message, control],
    )


def wait_for_error(studio: Studio, message: str, name: str) -> None:
    studio.page.wait_for_function(
        "([m, n]) => { const e = document.querySelector(m); return e.classList.contains('error') && e.textContent.includes(n); }",
        arg=[message, name],
    )


def assert_plain_message_beside(studio: Studio, message: str, control: str, *words: str) -> str:
    """The message says ``words`` plainly, as an error, beside ``control``; the status line has no error."""
    text = studio.text(message)
    assert "error" in (studio.page.get_attribute(message, "class") or ""), text
    for word in DEVELOPER_WORDS:
        assert word not in text, text
    for word in words:
        assert word.lower() in text.lower(), (word, text)
    assert gap_px(studio, message, control) < 80, (message, control)
    assert studio.status() == "" or "error" not in (studio.page.get_attribute("#status", "class") or "")
    return text


def loop_cells(studio: Studio, kind: str) -> list[tuple[int, int]]:
    """(step, drum) of the lit cells of one kind ("seed" or "gen") in the loop grid."""
    cells = studio.page.eval_on_selector_all(
        f"#loop-grid .cell.{kind}.on", "cells => cells.map(c => [Number(c.dataset.step), Number(c.dataset.drum)])"
    )
    return [tuple(cell) for cell in cells]


def rock_session(path: Path, *, bars: int = 4, bpm: float = 120) -> Path:
    """A session file with a known loop: kick on every beat, snare on 2 and 4, closed hats on 8ths;
    no toms, crash or ride. Written as the studio's Save session writes it."""
    pattern = []
    for step in range(16 * bars):
        drums = []
        if step % 4 == 0:
            drums.append(0)
        if step % 8 == 4:
            drums.append(1)
        if step % 2 == 0:
            drums.append(2)
        pattern.append(drums)
    loop = {"pattern": pattern, "seed_length": 4}
    doc = {
        "format": "poseloops-session",
        "version": 1,
        "seed": {"pattern": pattern[:4], "seed_length": 4},
        "loop": loop,
        "source": "grid",
        "settings": {"bpm": bpm, "swing": 0.5, "temperature": 1.0, "steps": 16 * bars - 4},
    }
    path.write_text(json.dumps(doc))
    return path


def load_session(studio: Studio, path: Path) -> dict:
    """Load a session file through the page's Load session button; wait until it is rendered."""
    key = studio.audio_key()
    expected = json.loads(path.read_text())["loop"]["pattern"]
    studio.page.set_input_files("#load-session", str(path))
    studio.page.wait_for_function(
        "p => { const l = window.studio.store.getState().loop; return l && JSON.stringify(l.pattern) === p; }",
        arg=json.dumps(expected, separators=(",", ":")),
    )
    studio.wait_for_render(key)
    return studio.state()
