// The loop as it sounds: the studio's state rendered by the server and queued on the player
// for the next bar. It remembers the state whose sound plays, so after a change that cannot
// be played (a loop too long at that BPM, a kit gone) the page goes back to it: what is shown
// is what plays.

import { postForBytes } from "./api.js";
import { STEPS_PER_BAR } from "./player.js";
import * as store from "./store.js";

const RENDER_DELAY_MS = 60; // coalesces a slider drag into a few renders

/** The loop with muted drums taken out (solo: only the soloed drums stay), as the server takes it. */
export function audibleLoop(loop, { mute = [], solo = [] }, patternFields = null) {
  const muted = new Set(mute);
  const soloed = new Set(solo);
  const heard = (drum) => !muted.has(drum) && (soloed.size === 0 || soloed.has(drum));
  const keep = loop.pattern.map((drums) => drums.map(heard));
  const filter = (rows) => rows.map((values, step) => values.filter((_, i) => keep[step][i]));
  const out = { ...loop, pattern: filter(loop.pattern) };
  if (loop.velocities) out.velocities = filter(loop.velocities);
  if (loop.offsets) out.offsets = filter(loop.offsets);
  return forServer(out, patternFields);
}

/** A pattern with only the fields this server's pattern model takes (an older one has no offsets). */
export function forServer(pattern, patternFields) {
  if (!patternFields || patternFields.size === 0) return pattern;
  return Object.fromEntries(Object.entries(pattern).filter(([key]) => patternFields.has(key)));
}

/** The drums not heard under `settings`' mute and solo. */
export function silencedDrums({ mute = [], solo = [] }, count) {
  const silenced = new Set(mute);
  if (solo.length) for (let drum = 0; drum < count; drum++) if (!solo.includes(drum)) silenced.add(drum);
  return silenced;
}

export class Playback {
  /**
   * `caps`: what the server takes (api.capabilities()). `onError(err, {origin, request})` is told
   * after the state went back to what plays; `onPlayed(origin)` after a change was rendered.
   */
  constructor({ player, caps, onError, onPlayed }) {
    Object.assign(this, { player, caps, onError, onPlayed });
    this.audio = null;     // {key, buffer, meta}: the latest render, playing or ready to play
    this.good = null;      // the state snapshot that render came from
    this.queued = null;    // {at, bar} of the change waiting for its bar
    this.seq = 0;
    this.timer = null;
    this.waiting = null;   // options of the render scheduled
  }

  /** The render request for `state`, or null when there is no loop. */
  request(state) {
    const { loop, settings } = state;
    if (!loop || loop.pattern.length === 0) return null;
    const request = { pattern: audibleLoop(loop, settings, this.caps.pattern), bpm: settings.bpm, swing: settings.swing };
    if (settings.kit && settings.kit !== "synth") request.kit = settings.kit;
    if (settings.mixer) request.mixer = settings.mixer;
    if (this.caps.render.has("groove")) request.groove = settings.groove;
    return request;
  }

  /** Render soon (a drag makes one render, not fifty). `from: "start"` wins over "same". */
  schedule({ from = "same", origin = null } = {}) {
    const before = this.waiting;
    this.waiting = { from: before && before.from === "start" ? "start" : from, origin };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const options = this.waiting;
      this.waiting = null;
      this.sync(options);
    }, RENDER_DELAY_MS);
  }

  /** Render the state as it is now and, while playing, queue it for the next bar (of every `every`). */
  async sync({ from = "same", origin = null, every = 1 } = {}) {
    clearTimeout(this.timer);
    this.waiting = null;
    const state = store.getState();
    const request = this.request(state);
    if (!request) return null;
    const key = JSON.stringify(request);
    const snapshot = store.snapshot(state);
    const seq = ++this.seq;
    if (this.audio && this.audio.key === key) {
      this.good = snapshot;
      return this.audio;
    }
    try {
      const { bytes } = await postForBytes("/api/render", request);
      const buffer = await this.player.decode(bytes);
      if (seq !== this.seq) return null; // a newer render is on its way
      const meta = {
        steps: request.pattern.pattern.length, bpm: request.bpm, swing: request.swing, request,
        loop: state.loop, edits: state.edits, variation: state.variation, take: state.take, settings: state.settings,
      };
      this.audio = { key, buffer, meta };
      this.good = snapshot;
      if (this.player.playing) {
        this.queued = this.player.queueAtNextBar(buffer, meta, { from, every });
        if (this.queued) this.ringOut(this.player.current.meta.request, this.queued);
      }
      this.onPlayed(origin);
      return this.audio;
    } catch (err) {
      if (seq !== this.seq) return null;
      if (this.good) store.revertTo(this.good);
      this.onError(err, { origin, request });
      return null;
    }
  }

  /**
   * Ask for what the loop playing now leaves ringing at the switch `{at, bar}`, so its cymbals
   * and room ring on over the new loop's first bar. A nicety: when it cannot come in time (or
   * the server has no /api/render/tail) the old loop is cut at the switch, as a sampler's choke would.
   */
  async ringOut(leaving, { at, bar }) {
    if (!leaving || !this.caps.paths || !this.caps.paths.has("/api/render/tail")) return;
    const step = (bar * STEPS_PER_BAR) % leaving.pattern.pattern.length;
    try {
      const { bytes, headers } = await postForBytes("/api/render/tail", { ...leaving, step });
      const lead = Number(headers.get("X-Tail-Lead-Seconds") || 0);
      this.player.ringTail(await this.player.decode(bytes), at, lead);
    } catch (_) {
      /* the switch goes ahead without the tail */
    }
  }

  /** Start playing from the loop's start (rendering first if needed). */
  async start() {
    const audio = await this.sync();
    if (!audio) return false;
    await this.player.play(audio.buffer, audio.meta);
    return true;
  }
}
