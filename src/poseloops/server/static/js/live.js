// Live mode: the body plays the loop, bar by bar.
//
// LiveSocket streams camera frames to WS /api/live (one at a time: the next goes when the
// last is answered, at most 30 a second; one ahead at most when an answer is slow) and hands
// on each answer: the pose, and the seed it plays with the hits that make it (which body point
// plays which step and drum). It counts the answers of the last seconds, so a busy computer is
// said in words ("following at 4 frames a second") instead of lagging without a word.
//
// LiveMode follows the music: a little before every change boundary (every bar, or every 2
// or 4, the person's choice) it takes the seed the body plays now; if it differs from the
// one playing, the studio continues it with the model from what has been playing and queues
// it for that boundary on the player, so the next bars come in without a gap. A pose held
// still changes nothing and the groove holds; nobody in view changes nothing either, and the
// page says so. While a loop made live plays, the joint that plays each seed step lights up
// on its hit.
//
// bindLive, setLive and continueLive wire both into the studio: the camera panel's Live switch,
// and the change itself, made from what plays with the same request as Generate.

import * as api from "./api.js";
import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { forServer } from "./playback.js";
import { generateProblem } from "./messages.js";
import { $ } from "./studio.js";
import { seedSteps } from "./controls.js";
import { generateRequest, nextRngSeed, startPlayback } from "./loops.js";

const FRAME_INTERVAL_MS = 33;     // at most 30 frames a second
const ANSWER_TIMEOUT_MS = 3000;   // a frame not answered by then gets one newer beside it (the server reads the newest)
const MAX_UNANSWERED = 2;         // the frame being read and one ahead: never a queue
const RATE_WINDOW_MS = 3000;      // answers per second are counted over this
const SLOW_FPS = 12;              // below this the page says how many frames a second it follows
const FRAME_MAX_WIDTH = 640;      // frames are scaled down to this: the pose needs no more
const RECONNECT_MS = 1000;
const TICK_MS = 30;               // how often the boundary is looked for
const LEAD_MIN_S = 0.35;          // a change is made at least this long before its boundary...
const LEAD_SAFETY = 2;            // ...and twice as long as the slowest of the last few took
const PREPARE_MEMORY = 4;         // (a busy computer makes one change in 0.3 s and the next in 0.6)
const NOBODY_AFTER_MS = 500;      // answers say nobody (and none says someone) this long: nobody is in view
const FLASH_MS = 180;             // how long a joint lights up on its hit
const RETRY_AFTER_FAILURE_MS = 3000; // a change that failed is tried again this much later
export const BARS_PER_CHANGE = [1, 2, 4];

/** The socket: frames out, answers in ("answer" events), problems ("problem" events). */
export class LiveSocket extends EventTarget {
  constructor({ grabFrame }) {
    super();
    this.grabFrame = grabFrame;
    this.ws = null;
    this.wanted = false;
    this.settings = {};
    this.waiting = null; // resolves when the frame sent is answered
    this.answers = 0;
    this.unanswered = 0; // frames sent on this connection not answered yet
    this.answerTimes = []; // when the answers of the last RATE_WINDOW_MS came
    this.startedAt = 0;
  }

  /** Frames answered per second over the last few seconds (null until the connection has run that long). */
  rate(now = performance.now()) {
    if (!this.open || now - this.startedAt < RATE_WINDOW_MS) return null;
    this.answerTimes = this.answerTimes.filter((t) => now - t <= RATE_WINDOW_MS);
    return this.answerTimes.length / (RATE_WINDOW_MS / 1000);
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start(settings) {
    this.wanted = true;
    this.settings = { ...settings };
    this.connect();
  }

  stop() {
    this.wanted = false;
    if (this.ws) this.ws.close(1000, "live mode off");
    this.ws = null;
    this.answered();
  }

  /** New settings (steps, mirror...); sent at once when connected, and again on every reconnect. */
  configure(settings) {
    this.settings = { ...this.settings, ...settings };
    if (this.open) this.ws.send(JSON.stringify(settings));
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/live`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.unanswered = 0;
      this.answerTimes = [];
      this.startedAt = performance.now();
      ws.send(JSON.stringify(this.settings));
      this.pump(ws);
    });
    ws.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.answered();
      if (!this.wanted) return;
      if (event.code !== 1000 && event.code !== 1013) this.tell("problem", { message: "The live connection dropped; reconnecting…" });
      setTimeout(() => this.wanted && !this.ws && this.connect(), this.retryMs ?? RECONNECT_MS);
      this.retryMs = null;
    });
  }

  receive(message) {
    if ("frame" in message) {
      this.answers++;
      this.unanswered = Math.max(0, this.unanswered - 1);
      if (!message.dropped) this.answerTimes.push(performance.now());
      this.answered();
      if (!message.dropped) this.tell(message.error ? "problem" : "answer", message.error ? { message: message.error } : message);
    } else if (message.error) {
      if (message.retry_after) this.retryMs = message.retry_after * 1000;
      this.tell("problem", { message: message.error });
    }
  }

  async pump(ws) {
    while (this.ws === ws && this.open) {
      const started = performance.now();
      if (this.unanswered >= MAX_UNANSWERED) {
        await this.answer(); // a slow answer has one frame beside it already: wait for it
        continue;
      }
      const frame = await this.grabFrame({ maxWidth: FRAME_MAX_WIDTH });
      if (frame && this.ws === ws && this.open) {
        const answer = this.answer();
        ws.send(await frame.arrayBuffer());
        this.unanswered++;
        await answer;
      }
      const wait = Math.max(0, FRAME_INTERVAL_MS - (performance.now() - started));
      await new Promise((resolve) => setTimeout(resolve, frame ? wait : 100));
    }
  }

  /** Resolves on the next answer to a frame, or after ANSWER_TIMEOUT_MS. */
  answer() {
    return new Promise((resolve) => {
      this.waiting = resolve;
      setTimeout(resolve, ANSWER_TIMEOUT_MS);
    });
  }

  answered() {
    const resolve = this.waiting;
    this.waiting = null;
    if (resolve) resolve();
  }

  tell(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * The bar-by-bar follower. `continueSeed(seed, {bars, every})` is the studio's: it continues the
 * seed with the model from what plays, queues it for the next bar of every `every` (or starts
 * playing) and resolves to the take number of the loop made (null if it failed).
 */
export class LiveMode {
  constructor({ player, socket, camera, continueSeed, barsPerChange, say }) {
    Object.assign(this, { player, socket, camera, continueSeed, barsPerChange, say });
    this.on = false;
    this.latest = null;       // the last answer with a person in view
    this.lastPersonAt = 0;
    this.lastNobodyAt = 0;    // when an answer last said nobody is in view
    this.shownInView = null;
    this.playingKey = null;   // the seed the last live loop was made from
    this.takes = new Map();   // take -> {key, hits by step}: loops this mode made
    this.busy = false;
    this.retryAt = 0;
    this.prepareTimes = [];   // how long the last changes took to make, seconds
    this.madeFor = null;      // the boundary a change was last made for
    this.log = [];            // what was taken when, for the curious and the tests
    this.lastFlashStep = null;
    this.ticker = null;
    socket.addEventListener("answer", (event) => this.onAnswer(event.detail));
    socket.addEventListener("problem", (event) => this.say(event.detail.message, true));
    player.addEventListener("switch", (event) => this.onSwitch(event.detail.meta));
  }

  start(settings) {
    if (this.on) return;
    this.on = true;
    this.latest = null;
    this.shownInView = null;
    this.socket.start(settings);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    requestAnimationFrame(() => this.flashLoop());
  }

  stop() {
    if (!this.on) return;
    this.on = false;
    clearInterval(this.ticker);
    this.socket.stop();
    this.camera.showLive(null);
    delete this.camera.stage.dataset.live;
    this.say("Live mode off. The loop goes on as it is.");
  }

  onAnswer(answer) {
    this.camera.showLive(answer);
    if (!answer.person) {
      this.lastNobodyAt = performance.now();
      return;
    }
    this.latest = answer;
    this.lastPersonAt = performance.now();
  }

  /** Someone is in view until answers have said nobody for NOBODY_AFTER_MS; slow answers say nothing. */
  personInView(now = performance.now()) {
    if (this.latest === null) return false;
    return now - this.lastPersonAt < NOBODY_AFTER_MS || this.lastNobodyAt < this.lastPersonAt;
  }

  /** Say so when a person comes into view or leaves it, when the groove starts without them, and
   *  when the computer is too busy to follow at full speed (how many frames a second it follows). */
  reflectInView() {
    const inView = this.personInView();
    const rate = this.socket.rate();
    const slow = rate !== null && rate < SLOW_FPS ? Math.max(1, Math.round(rate)) : null;
    if (slow) this.camera.stage.dataset.followingFps = String(slow);
    else delete this.camera.stage.dataset.followingFps;
    const shown = `${inView}:${inView || this.player.playing}:${slow}`;
    if (shown === this.shownInView) return;
    this.shownInView = shown;
    this.camera.stage.dataset.live = inView ? "following" : "nobody";
    const frames = `${slow} frame${slow === 1 ? "" : "s"}`;
    if (inView && slow) this.say(`Live: following at ${frames} a second (the computer is busy). Hold a pose a moment longer and the drums still answer at the next change.`);
    else if (inView) this.say("Live: the drums follow you. Move, and they answer at the next change; hold still, and the groove holds.");
    else if (this.player.playing) this.say("Nobody in view: the groove keeps going. Step back into the picture to play.");
    else this.say("Live: step back until your whole body is in the picture.");
  }

  /** The seed to play next: the current pose's, or null (nobody in view, or nothing new). */
  nextSeed() {
    if (!this.personInView()) return null;
    const key = JSON.stringify(this.latest.seed.pattern);
    return key === this.playingKey ? null : { seed: this.latest.seed, hits: this.latest.hits, key };
  }

  tick() {
    if (!this.on) return;
    this.reflectInView();
    if (this.busy || performance.now() < this.retryAt) return;
    const next = this.nextSeed();
    if (!next) return;
    if (!this.player.playing) {
      this.make(next, null); // the first loop plays at once
      return;
    }
    const boundary = this.changeBoundary();
    if (boundary === null || boundary === this.madeFor) return;
    const lead = Math.max(LEAD_MIN_S, LEAD_SAFETY * Math.max(0, ...this.prepareTimes));
    if (boundary - this.player.context().currentTime <= lead) this.make(next, boundary);
  }

  /** The audio-clock time of the next bar boundary where a change may land, or null. */
  changeBoundary() {
    const { player } = this;
    if (player.pending || !player.current) return null; // a change is already waiting for its bar
    const boundary = player.nextBarTime();
    if (boundary === null) return null;
    // A loop made here changes only every N bars (counted from its start, on the audio clock);
    // any other loop gives way at the next bar.
    const slot = player.current;
    if (this.takes.has(slot.meta.take) && player.barIndexAt(slot, boundary) % this.barsPerChange() !== 0) return null;
    return boundary;
  }

  async make(next, boundary) {
    this.busy = true;
    this.madeFor = boundary;
    const started = performance.now();
    const taken = this.player.context().currentTime;
    const bars = this.barsPerChange();
    // after a loop made here only every `bars`-th bar will do, even for a change that comes late
    const every = this.player.current && this.takes.has(this.player.current.meta.take) ? bars : 1;
    try {
      const take = await this.continueSeed(next.seed, { bars, every });
      if (take === null) {
        this.retryAt = performance.now() + RETRY_AFTER_FAILURE_MS; // the studio said why
        return;
      }
      this.takes.set(take, { key: next.key, hits: hitsByStep(next.hits), seedLength: next.seed.pattern.length });
      this.playingKey = next.key;
      this.log.push({ take, key: next.key, boundary, taken, made: this.player.context().currentTime, bars });
    } finally {
      this.prepareTimes = [...this.prepareTimes, (performance.now() - started) / 1000].slice(-PREPARE_MEMORY);
      this.busy = false;
    }
  }

  onSwitch(meta) {
    const made = this.takes.get(meta.take);
    const entry = made && this.log.find((e) => e.take === meta.take && e.heard === undefined);
    if (entry) entry.heard = this.player.context().currentTime;
  }

  /** Light up the joints whose hits sound now (the seed's steps of a loop made here). */
  flashLoop() {
    if (!this.on) return;
    const position = this.player.position();
    const made = position && this.takes.get(position.meta.take);
    const step = made ? position.step : null;
    if (step !== this.lastFlashStep) {
      this.lastFlashStep = step;
      const hits = made && step < made.seedLength ? made.hits.get(step) : null;
      if (hits) this.camera.flash(hits, FLASH_MS);
    }
    requestAnimationFrame(() => this.flashLoop());
  }
}

function hitsByStep(hits) {
  const byStep = new Map();
  for (const hit of hits || []) {
    if (!byStep.has(hit.step)) byStep.set(hit.step, []);
    byStep.get(hit.step).push(hit);
  }
  return byStep;
}

// --- the studio's live switch --------------------------------------------------------------

export function bindLive(studio, ui) {
  const { player, panels } = studio;
  const socket = new LiveSocket({ grabFrame: (options) => panels.camera.grabFrame(options) });
  studio.live = new LiveMode({
    player, socket, camera: panels.camera, continueSeed: (pose, options) => continueLive(studio, pose, options),
    barsPerChange: () => Number($("live-bars").value),
    say: (text, isError = false) => panels.camera.say(text, isError),
  });
  $("live-bars").value = String(ui.liveBars || 1);
  $("live-bars").addEventListener("change", () => store.update({ ui: { ...store.getState().ui, liveBars: Number($("live-bars").value) } }));
  $("live-toggle").addEventListener("change", () => setLive(studio, $("live-toggle").checked));
}

export async function setLive(studio, on) {
  const { player, panels } = studio;
  $("live-toggle").checked = on;
  if (!on) {
    studio.live.stop();
    studio.spots.loop.recheck(store.getState()); // the status's live line goes with live mode
    return;
  }
  player.context().resume?.(); // this click lets the page play sound when the first pose comes
  await panels.camera.start();
  if (!panels.camera.running) {
    $("live-toggle").checked = false; // the camera said why
    return;
  }
  studio.live.start({ steps: seedSteps(), mirror: true });
  // what plays is the body's from now on: the status says so, not where the last loop came from
  studio.spots.loop.say("Live: the loop follows your pose (see the Camera panel); a new pose plays from the next change.",
    { holds: () => studio.live.on });
}

/** Whole bars of what plays, to prime the model on (the music evolves instead of restarting). */
function contextBars(caps, loop) {
  const steps = Math.floor(loop.pattern.length / STEPS_PER_BAR) * STEPS_PER_BAR;
  if (steps === 0) return null;
  const bars = { pattern: loop.pattern.slice(0, steps) };
  for (const key of ["velocities", "offsets"]) if (loop[key]) bars[key] = loop[key].slice(0, steps);
  return forServer(bars, caps.pattern);
}

/**
 * Live mode's change: the pose's seed continued over `bars` bars from what plays, queued for the
 * next bar of every `every` (or played at once when nothing plays). Resolves to the loop's take, or null.
 */
async function continueLive(studio, pose, { bars, every }) {
  const { player, caps } = studio;
  const seed = { pattern: pose.pattern, seed_length: pose.pattern.length };
  const state = store.getState();
  const body = generateRequest(caps, seed, { ...state.settings, bars }, nextRngSeed());
  body.variations = 1;
  const heard = player.playing ? player.heard() : null;
  const context = heard && caps.generate.has("context") ? contextBars(caps, heard.loop) : null;
  if (context) body.context = context;
  let answer;
  try {
    answer = await api.postJson("/api/generate", body);
  } catch (err) {
    studio.panels.camera.say(generateProblem(err), true);
    return null;
  }
  const loop = answer.patterns[0];
  const now = store.getState();
  const take = now.take + 1;
  store.commit({ seed, source: "live", loop, variations: [loop], variation: 0, variationEdits: [[]], edits: [], take });
  const audio = await studio.playback.sync({ from: "start", origin: "camera", every });
  if (!audio) return null;
  if (!player.playing) await startPlayback(studio);
  return take;
}
