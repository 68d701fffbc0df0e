// The webcam panel: a live mirrored view with the pose drawn over it at every frame, and a
// capture with a big 3-2-1 countdown that turns the pose into a seed. Frames go to the
// server a few times a second (one at a time) and are never kept anywhere. In live mode
// (live.js) the poses come from the live socket instead, and the joint that plays a drum
// lights up on its hit.

import { ApiError, upload } from "./api.js";
import { drawPose, easePose, drawHitFlash } from "./skeleton.js";

const POSE_INTERVAL_MS = 150;   // ~6 pose updates a second is smooth enough with easing
const EASE = 0.35;              // how far the drawn skeleton moves toward the latest pose per frame
const COUNTDOWN_FROM = 3;
const FRAME_QUALITY = 0.8;      // JPEG quality of frames sent to the server
const CAPTURED_HOLD_MS = 1200;  // how long the captured pose stays on screen

export class CameraPanel {
  constructor({ stage, video, canvas, message, countdown, toggle, capture }, { seedSteps, onSeed }) {
    Object.assign(this, { stage, video, canvas, message, countdown, toggle, capture });
    this.seedSteps = seedSteps;
    this.onSeed = onSeed;
    this.stream = null;
    this.live = false;     // poses come from the live socket (showLive), not from /api/pose
    this.livePoints = new Map(); // body point -> where the live socket last saw it (0-1)
    this.flashes = [];     // {point, x, y, drum, until}: joints lit up on their hits
    this.target = null;   // the latest pose from the server
    this.shown = null;    // what is drawn, easing toward target
    this.frozen = null;   // a captured pose held on screen
    this.busy = false;
    this.person = false;
    this.ctx = canvas.getContext("2d");
    this.grabber = document.createElement("canvas");
    toggle.addEventListener("click", () => (this.stream ? this.stop() : this.start()));
    capture.addEventListener("click", () => this.captureWithCountdown());
  }

  /** Capture only when there is someone to capture. */
  reflectCapture() {
    this.capture.disabled = !this.stream || !this.person || this.busy || this.live;
    const why = this.live ? "Live mode plays your pose as you move; turn it off to capture one" : "Nobody in view yet: step into the picture";
    this.capture.title = this.capture.disabled && this.stream ? why : "";
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.say("This browser gives the page no camera (it needs http://localhost or https).", true);
      return;
    }
    this.say("Starting the camera…");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
        audio: false,
      });
    } catch (err) {
      this.stream = null;
      this.say(cameraProblem(err), true);
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    this.toggle.textContent = "Stop camera";
    this.person = false;
    this.reflectCapture();
    this.say("Step back until your whole body is in view, then press Capture.");
    this.poseLoop();
    this.drawLoop();
  }

  stop() {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.target = this.shown = null;
    this.toggle.textContent = "Start camera";
    this.person = false;
    this.reflectCapture();
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.dataset.keypoints = "0";
    this.say("Camera off.");
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle("error", isError);
  }

  /** The current video frame as a JPEG blob (the camera's own orientation, not mirrored). */
  async grabFrame({ maxWidth = Infinity } = {}) {
    const { videoWidth, videoHeight } = this.video;
    if (!this.stream || !videoWidth || !videoHeight) return null;
    const scale = Math.min(1, maxWidth / videoWidth);
    const width = Math.round(videoWidth * scale);
    const height = Math.round(videoHeight * scale);
    this.grabber.width = width;
    this.grabber.height = height;
    this.grabber.getContext("2d").drawImage(this.video, 0, 0, width, height);
    return new Promise((resolve) => this.grabber.toBlob(resolve, "image/jpeg", FRAME_QUALITY));
  }

  /** A live socket's answer (null: live mode ended): its pose is drawn, its hits remembered. */
  showLive(answer) {
    this.live = answer !== null;
    this.reflectCapture();
    if (!answer) {
      this.livePoints.clear();
      this.flashes = [];
      return;
    }
    // With nobody in view the tracker may still report a few stray keypoints: none is drawn, and
    // no joint lights up where a body was (the loop it made plays on, with nobody to light).
    this.target = answer.person ? answer.pose || null : null;
    this.person = answer.person;
    this.stage.dataset.person = answer.person ? "yes" : "no";
    if (!answer.person) {
      this.livePoints.clear();
      this.flashes = [];
    }
    for (const hit of answer.hits || []) this.livePoints.set(hit.point, { x: hit.x, y: hit.y });
  }

  /** Light up the joints of `hits` for `ms`, where the body is now (not while nobody is in view). */
  flash(hits, ms) {
    if (!this.person) return;
    const until = performance.now() + ms;
    this.flashes = [...this.flashes.filter((f) => f.until > performance.now()), ...hits.map((hit) => ({ ...hit, until }))];
    this.canvas.dataset.flashes = String(Number(this.canvas.dataset.flashes || 0) + hits.length);
    this.canvas.dataset.flashed = hits.map((hit) => hit.point).join(" ");
  }

  async poseLoop() {
    while (this.stream) {
      const started = performance.now();
      if (!this.busy && !this.frozen && !this.live) {
        const frame = await this.grabFrame();
        if (frame && this.stream) await this.updatePose(frame);
      }
      const wait = Math.max(0, POSE_INTERVAL_MS - (performance.now() - started));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async updatePose(frame) {
    try {
      const answer = await upload("/api/pose", frame);
      if (!this.stream) return;
      this.target = answer.person ? answer.pose : null;
      this.stage.dataset.person = answer.person ? "yes" : "no";
      this.person = answer.person;
      this.reflectCapture();
      // Live mode speaks for itself; a still answer arriving late must not talk over it.
      if (this.busy || this.stage.dataset.live) return;
      if (answer.person) this.say("Strike a pose and press Capture.");
      else this.say("No one in view: step back so your whole body is in the picture.", true);
    } catch (err) {
      this.say(cameraFrameProblem(err), true);
    }
  }

  drawLoop() {
    if (!this.stream) return;
    const { videoWidth: width, videoHeight: height } = this.video;
    if (width && (this.canvas.width !== width || this.canvas.height !== height)) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.shown = this.frozen || easePose(this.shown, this.target, EASE);
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const scale = this.stage.classList.contains("stage") ? 1.4 : 1;
    const drawn = drawPose(this.ctx, this.shown, { scale });
    this.canvas.dataset.keypoints = String(drawn);
    const now = performance.now();
    this.flashes = this.flashes.filter((f) => f.until > now);
    for (const flash of this.flashes) drawHitFlash(this.ctx, this.livePoints.get(flash.point) || flash, { scale });
    requestAnimationFrame(() => this.drawLoop());
  }

  async captureWithCountdown() {
    if (!this.stream || this.busy) return;
    this.busy = true;
    this.capture.disabled = true;
    this.stage.classList.add("stage");
    try {
      for (let n = COUNTDOWN_FROM; n > 0; n--) {
        this.countdown.textContent = String(n);
        this.say("Hold your pose…");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      this.countdown.textContent = "";
      const frame = await this.grabFrame();
      if (!frame) throw new Error("no frame");
      const answer = await upload("/api/seeds/pose", frame, { steps: this.seedSteps(), mirror: true });
      this.frozen = answer.pose;
      this.say("Got it! Your pose is the seed.");
      await this.onSeed(answer.seed, "camera");
      await new Promise((resolve) => setTimeout(resolve, CAPTURED_HOLD_MS));
    } catch (err) {
      this.say(cameraFrameProblem(err), true);
      await new Promise((resolve) => setTimeout(resolve, CAPTURED_HOLD_MS));
    } finally {
      this.countdown.textContent = "";
      this.frozen = null;
      this.stage.classList.remove("stage");
      this.busy = false;
      this.reflectCapture();
    }
  }
}

function cameraProblem(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "The camera is blocked. Allow camera access for this page in the browser's settings, then press Start camera.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera found. Connect one and press Start camera, or use a picture instead.";
    case "NotReadableError":
    case "AbortError":
      return "The camera is busy in another program. Close it there and press Start camera.";
    default:
      return `The camera could not start (${err && err.name ? err.name : err}).`;
  }
}

function cameraFrameProblem(err) {
  if (!(err instanceof ApiError)) return "The camera gave no picture. Press Stop camera, then Start camera.";
  if (err.status === 0) return "The studio's server does not answer. Start it again (poseloops serve), then retry.";
  if (/no person|nobody|no one/i.test(err.message)) return "Nobody in view: step back so your whole body is in the picture, then Capture.";
  if (err.status === 503) return "The pose reader is still loading. Wait a moment.";
  return "That frame could not be read. Hold still and press Capture again.";
}
