// Ableton Link, relayed by the server (`poseloops serve --link`): the studio's tempo follows the
// session, a BPM change here changes the session, and the player's bars start on the session's
// bars (quantum 4). The page never joins Link itself: browsers cannot; the server can.
//
// Clocks: GET /api/link says where the session is on Link's clock (`bar_start_micros`, `tempo`,
// the `micros` it answered at). Round trips timed with performance.now() give the offset between
// Link's clock and the page's (the quickest of the recent trips wins: half its time is the most
// its midpoint can be off), and AudioContext.getOutputTimestamp() ties the page's clock to the
// audio clock, at the speakers. A bar start on Link's clock is then an audio-clock time, which
// is what the player schedules on (player.barClock).

import * as store from "./store.js";
import { $ } from "./studio.js";

const POLL_MS = 250;            // how soon a tempo or peer change elsewhere is seen
const QUICK_SAMPLES = 8;        // round trips measured at start, before the first bar is placed
const KEPT_SAMPLES = 16;        // the recent trips the quickest is chosen from (clocks drift slowly)
const TEMPO_EPSILON = 0.005;    // BPM: Link reports 132.99995 for a session set to 133
const TEMPO_DECIMALS = 3;
const REALIGN_S = 0.004;        // a bar start further than this off the session's is moved onto it
const REALIGN_AHEAD_S = 0.1;    // looks at a bar far enough ahead to be queued in time
// A drift is the median of this many polls: an audio output stamp or a clock sample is now and then
// several ms off for one poll (seen: 5-11 ms in headless Chromium), and moving the loop for that
// is an audible jump, while a real drift (a sound card's clock, ~0.1 ms a second) persists.
const DRIFT_POLLS = 5;

export class LinkFollower {
  constructor({ player, playback }) {
    Object.assign(this, { player, playback });
    this.session = null;        // the latest GET /api/link answer
    this.samples = [];          // {rtt, offset}: Link-clock ms minus page ms
    this.drifts = [];           // the loop's bar start minus the session's, at the last polls (s)
    this.tempo = null;          // the tempo last taken from or given to the session
    this.putSeq = 0;            // bumped as a PUT starts and ends: polls across one are not believed about the tempo
    this.putting = 0;           // PUTs under way
    this.timer = null;
  }

  /** Ask the server once; when Link is on, follow it from then on. */
  async start() {
    let first;
    try {
      first = await this.sample();
    } catch (_) {
      return false; // an older server without /api/link: nothing to follow
    }
    if (!first.enabled) return false;
    for (let i = 1; i < QUICK_SAMPLES; i++) await this.sample();
    this.tempo = store.getState().settings.bpm;
    // Alone in the session (the server's own Link, nobody else yet), the studio's tempo leads.
    if (first.peers === 0) await this.pushTempo(this.tempo);
    this.follow(this.session, this.putSeq);
    this.player.barClock = { nextBarAt: (after) => this.nextBarAt(after) };
    store.subscribe((state) => this.onStudioTempo(state.settings.bpm));
    this.timer = setInterval(() => this.poll(), POLL_MS);
    return true;
  }

  /** One timed round trip; keeps its clock sample and the session it describes. */
  async sample() {
    const sent = performance.now();
    const response = await fetch("/api/link", { cache: "no-store" });
    const session = await response.json();
    const back = performance.now();
    if (!session.enabled) return session;
    this.samples.push({ rtt: back - sent, offset: session.micros / 1000 - (sent + back) / 2 });
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
    this.session = session;
    return session;
  }

  async poll() {
    const seq = this.putSeq;
    let session;
    try {
      session = await this.sample();
    } catch (_) {
      return; // the server is away for a moment; the page's own tempo goes on
    }
    if (session.enabled) this.follow(session, seq);
  }

  follow(session, seq) {
    this.show(session.peers);
    const believed = seq === this.putSeq && this.putting === 0;
    if (believed && Math.abs(session.tempo - this.tempo) > TEMPO_EPSILON) {
      const bpm = Number(session.tempo.toFixed(TEMPO_DECIMALS));
      this.tempo = bpm;
      this.drifts = [];
      store.commitSettings({ bpm }, { merge: "bpm" });
      this.playback.schedule({ origin: "link" });
    } else if (this.player.playing && !this.player.pending) {
      this.realign();
    } else {
      this.drifts = []; // a loop queued at the session's next bar: what was measured before no longer holds
    }
  }

  /** A BPM change made in the studio (the slider, tap tempo, undo) becomes the session's tempo. */
  async onStudioTempo(bpm) {
    if (this.tempo === null || Math.abs(bpm - this.tempo) <= TEMPO_EPSILON) return;
    await this.pushTempo(bpm);
  }

  async pushTempo(bpm) {
    this.tempo = bpm;
    const seq = ++this.putSeq;
    this.putting++;
    try {
      const response = await fetch("/api/link", {
        method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tempo: bpm }),
      });
      if (response.ok && seq === this.putSeq) this.session = await response.json();
    } catch (_) {
      /* the next poll says what the session's tempo is */
    } finally {
      this.putting--;
      this.putSeq++;
    }
  }

  show(peers) {
    const label = $("link-status");
    label.hidden = false;
    label.textContent = `Link: ${peers} ${peers === 1 ? "peer" : "peers"}`;
  }

  /** Link-clock ms minus page ms, from the quickest recent round trip. */
  offsetMs() {
    return this.samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  }

  /** The audio-clock time of the session's first bar start at or after audio time `after`. */
  nextBarAt(after) {
    const { session } = this;
    const ctx = this.player.context();
    const { contextTime, performanceTime } = outputStamp(ctx);
    const pageMs = (audio) => performanceTime + (audio - contextTime) * 1000;
    const linkMs = pageMs(after) + this.offsetMs();
    const barMs = (session.quantum * 60000) / session.tempo;
    const barStartMs = session.bar_start_micros / 1000;
    const bars = Math.ceil((linkMs - barStartMs) / barMs - 1e-9);
    return contextTime + (barStartMs + bars * barMs - this.offsetMs() - performanceTime) / 1000;
  }

  /** Move the loop's bars onto the session's when they have drifted off them (clock drift, a late start). */
  realign() {
    const own = this.player.loopBarTime(this.player.current, this.player.context().currentTime + REALIGN_AHEAD_S);
    const halfBar = (this.session.quantum * 30) / this.session.tempo;
    const session = this.nextBarAt(own - halfBar); // the session's bar start nearest the loop's
    this.drifts.push(own - session);
    if (this.drifts.length > DRIFT_POLLS) this.drifts.shift();
    if (this.drifts.length === DRIFT_POLLS && Math.abs(median(this.drifts)) > REALIGN_S) {
      this.drifts = [];
      this.player.realign();
    }
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** {contextTime (s), performanceTime (ms)}: which audio-clock time reaches the speakers when. */
function outputStamp(ctx) {
  const stamp = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : null;
  if (stamp && stamp.performanceTime > 0) return stamp;
  return { contextTime: ctx.currentTime, performanceTime: performance.now() }; // a context not running yet
}
