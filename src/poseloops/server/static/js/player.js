// Gapless, bar-quantised playback of server-rendered loops with the Web Audio API.
//
// A loop plays from an AudioBufferSourceNode with loop = true, so the audio thread repeats
// it sample-exactly. Every change (an edit, a new loop, a variation, BPM, kit...) arrives as a
// new buffer and is queued for the next bar boundary: its source starts there, on the audio
// clock, and the two cross-fade over a few milliseconds ending exactly on the boundary, so
// there is neither a gap nor a click and the new downbeat is heard whole.
//
// The public surface a caller builds on (documented in docs/studio.md):
//   play(buffer, meta)                  start looping now
//   queueAtNextBar(buffer, meta, opts)  switch at the next bar boundary; returns {at, bar}
//   nextBarTime(), position(), heard()  where the music is, on the audio clock
//   events "bar" (a bar boundary is heard) and "switch" (a queued buffer is heard)
// `meta` is {steps, bpm, swing, ...anything}: the player needs the first three and hands the
// whole object back in position() and the events.

const SAMPLE_RATE = 44100;      // what the server renders; the context runs at it so nothing is resampled
export const STEPS_PER_BAR = 16;
const SCHEDULE_MARGIN_S = 0.05; // a boundary closer than this is too late to schedule: take the next one
const START_DELAY_S = 0.05;
export const FADE_S = 220 / SAMPLE_RATE; // the cross-fade before a boundary (5 ms, whole frames): no click, the downbeat after it untouched
const TICK_MS = 20;             // how often bar events and switches are looked for
const TAIL_MARGIN_S = 0.02;     // a tail must be scheduled at least this long before its cross-fade begins
const VOLUME_GLIDE_S = 0.015;   // a volume change glides (time constant): no zipper noise while a slider moves

let nextSlotId = 1;

export class LoopPlayer extends EventTarget {
  /** `context`: an AudioContext (or OfflineAudioContext) to play in; by default one is made when first needed. */
  constructor({ context = null } = {}) {
    super();
    this.ctx = null;
    this.output = null;
    this.current = null;   // the slot playing (on the audio clock)
    this.pending = null;   // the slot waiting for its boundary
    this.previous = null;  // the slot before, still heard for the output latency
    this.playing = false;
    this.ticker = null;
    this.lastBar = null;
    this.lastSlot = null;
    this.tails = new Set(); // what loops left ringing at their switches (one-shot sources)
    this.volume = 1;        // the master volume: a gain on all the player sends out (1: as rendered)
    this.barClock = null;   // {nextBarAt(audioTime)}: an outside bar grid to start on (Link, link.js)
    if (context) this.attach(context);
  }

  attach(context) {
    this.ctx = context;
    this.output = context.createGain();
    this.output.gain.value = this.volume;
    this.output.connect(context.destination);
  }

  /** The master volume: `gain` (0 silent, 1 as rendered) on the loop, its tails and the metronome. */
  setVolume(gain) {
    this.volume = gain;
    if (this.output) this.output.gain.setTargetAtTime(gain, this.ctx.currentTime, VOLUME_GLIDE_S);
  }

  context() {
    if (!this.ctx) this.attach(new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" }));
    return this.ctx;
  }

  /** Decode a WAV the server rendered into an AudioBuffer at the context's rate. */
  async decode(bytes) {
    return this.context().decodeAudioData(bytes);
  }

  /** Start looping `buffer` now, from its start. */
  async play(buffer, meta) {
    const ctx = this.context();
    if (ctx.state === "suspended" && ctx.resume) await ctx.resume();
    this.stopSources();
    const soonest = ctx.currentTime + START_DELAY_S;
    const at = this.barClock ? this.barClock.nextBarAt(soonest) : soonest;
    this.current = this.startSlot(buffer, meta, at, 0, false);
    this.playing = true;
    this.lastBar = null;
    this.lastSlot = null;
    this.startTicking();
    return { at };
  }

  /**
   * Play `buffer` from the next bar boundary on, replacing what plays without a gap.
   * `from`: "same" keeps the place in the loop (an edit, a variation: bar 3 goes on as the new
   * loop's bar 3), "start" begins the new loop at its first bar. `every`: only a boundary
   * every that many bars of the playing loop (counted from its start) will do, so a change
   * that comes too late for one waits for the next of those, never landing between them.
   * A newer call replaces one still waiting. Returns {at (audio-clock seconds), bar (the
   * playing loop's bar index there)}, or null when nothing plays.
   */
  queueAtNextBar(buffer, meta, { from = "same", every = 1 } = {}) {
    if (!this.playing || !this.current) return null;
    this.settle();
    if (this.pending) this.cancelPending();
    let at = this.nextBarTime(this.ctx.currentTime + SCHEDULE_MARGIN_S);
    for (let tries = 1; tries < every && this.barIndexAt(this.current, at) % every !== 0; tries++) {
      at = this.nextBarTime(at + SCHEDULE_MARGIN_S);
    }
    const bar = this.barIndexAt(this.current, at);
    const offsetSteps = from === "start" ? 0 : sameBarStep(bar, meta.steps);
    const offset = offsetSteps * sixteenth(meta.bpm);
    this.fadeOut(this.current, at);
    this.pending = this.startSlot(buffer, meta, at, offset, true);
    return { at, bar };
  }

  /**
   * Let the playing loop's tails ring across the switch queued for `at`: `buffer` is what it
   * leaves ringing there (/api/render/tail), starting `lead` seconds before `at`, where it is
   * the loop itself, so the loop cross-fades into it as the new loop fades in. False (the
   * tails are cut, as without it) when that switch is no longer the one waiting or `at` is
   * too close to schedule.
   */
  ringTail(buffer, at, lead) {
    const pending = this.pending;
    if (!this.playing || !pending || pending.at !== at || pending.tail) return false;
    if (at - FADE_S < this.ctx.currentTime + TAIL_MARGIN_S) return false;
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    const gain = this.ctx.createGain();
    source.connect(gain);
    gain.connect(this.output);
    gain.gain.value = 0; // silent before its fade, whichever side of it the start's frame falls (see startSlot)
    gain.gain.setValueAtTime(0, at - FADE_S);
    gain.gain.linearRampToValueAtTime(1, at);
    source.start(this.onFrame(at - FADE_S), this.onFrame(Math.max(0, lead - FADE_S)));
    const tail = { source, gain };
    source.onended = () => {
      source.disconnect();
      gain.disconnect();
      this.tails.delete(tail);
    };
    this.tails.add(tail);
    pending.tail = tail;
    return true;
  }

  /** The audio-clock time of the first bar boundary after `time` (default: now + margin). */
  nextBarTime(time = null) {
    const slot = this.pending || this.current;
    if (!slot) return null;
    const after = time ?? this.ctx.currentTime + SCHEDULE_MARGIN_S;
    if (after <= slot.at) return slot.at;
    return this.barClock ? this.barClock.nextBarAt(after) : this.loopBarTime(slot, after);
  }

  /** The first bar boundary of `slot`'s own loop after `time` (ignoring barClock). */
  loopBarTime(slot, after) {
    const { turnStart, into } = this.turnAt(slot, after);
    const barSeconds = STEPS_PER_BAR * sixteenth(slot.meta.bpm);
    const next = Math.ceil((into - 1e-9) / barSeconds) * barSeconds;
    return turnStart + Math.min(next, slot.duration);
  }

  /** Queue what plays again at the next bar of barClock: its bars move onto that grid, its place kept. */
  realign() {
    if (!this.playing || !this.current || this.pending) return null;
    return this.queueAtNextBar(this.current.source.buffer, this.current.meta);
  }

  stop() {
    this.stopSources();
    this.playing = false;
    clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Where the listener is now: {meta, seconds into the loop, step, bar, turn, slot}, or null when silent. */
  position() {
    if (!this.playing || !this.ctx) return null;
    const heardAt = this.heardTime();
    const slot = [this.pending, this.current, this.previous].find((s) => s && heardAt >= s.at);
    if (!slot) return null;
    const seconds = this.turnAt(slot, heardAt).into;
    const turn = Math.floor((heardAt - slot.anchor - seconds) / slot.duration + 0.5);
    return {
      meta: slot.meta, seconds, step: stepAt(seconds, slot.meta), bar: this.barIndexAt(slot, heardAt), turn, slot: slot.id,
    };
  }

  /** The meta of what the listener hears now (null when silent). */
  heard() {
    return this.position()?.meta ?? null;
  }

  /** What leaves the speakers now was scheduled this long ago. */
  heardTime() {
    return this.ctx.currentTime - (this.ctx.outputLatency || 0) - (this.ctx.baseLatency || 0);
  }

  // --- inside ---------------------------------------------------------------------------

  startSlot(buffer, meta, at, offset, crossfade) {
    const ctx = this.ctx;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    const gain = ctx.createGain();
    source.connect(gain);
    gain.connect(this.output);
    const duration = buffer.duration;
    if (crossfade) {
      // begin FADE_S early, rising to full exactly at the boundary. Silent until then: the
      // start is rounded to a frame, and one that fell a hair before the fade's first event
      // played that sample at the gain's default of 1 (a click, in ~1 switch in 5).
      gain.gain.value = 0;
      gain.gain.setValueAtTime(0, at - FADE_S);
      gain.gain.linearRampToValueAtTime(1, at);
      source.start(this.onFrame(at - FADE_S), this.onFrame(positiveModulo(offset - FADE_S, duration)));
    } else {
      source.start(this.onFrame(at), this.onFrame(offset));
    }
    return { id: nextSlotId++, source, gain, at, anchor: at - offset, duration, meta };
  }

  /**
   * `seconds` on the nearest whole frame. A source started between frames is read between its
   * samples: Chromium interpolates, which dulls the highs (by half at a half-frame), so every
   * start and offset lands on a frame and a buffer plays exactly as the server rendered it.
   */
  onFrame(seconds) {
    const rate = this.ctx.sampleRate;
    return Math.round(seconds * rate) / rate;
  }

  fadeOut(slot, at) {
    const param = slot.gain.gain;
    param.cancelScheduledValues(0);
    param.setValueAtTime(1, at - FADE_S);
    param.linearRampToValueAtTime(0, at);
  }

  cancelPending() {
    const { pending, current } = this;
    this.pending = null;
    this.retire(pending);
    if (pending.tail) this.stopTail(pending.tail); // a switch called off leaves nothing ringing
    const param = current.gain.gain;
    param.cancelScheduledValues(0);
    param.setValueAtTime(1, this.ctx.currentTime);
  }

  /** Promote a pending slot whose boundary has passed on the audio clock. */
  settle() {
    if (!this.pending || this.ctx.currentTime < this.pending.at - FADE_S / 2) return;
    this.retire(this.previous);
    this.previous = this.current;
    this.current = this.pending;
    this.pending = null;
    // the old source is silent from the boundary on; it is stopped once it is no longer heard
    this.previous.source.stop(this.current.at + FADE_S + 0.5);
  }

  retire(slot) {
    if (!slot) return;
    try {
      slot.source.stop();
    } catch (_) {
      /* already stopped */
    }
    slot.source.disconnect();
    slot.gain.disconnect();
  }

  stopTail(tail) {
    try {
      tail.source.stop();
    } catch (_) {
      /* already stopped */
    }
    tail.source.disconnect();
    tail.gain.disconnect();
    this.tails.delete(tail);
  }

  stopSources() {
    for (const slot of [this.current, this.pending, this.previous]) this.retire(slot);
    for (const tail of [...this.tails]) this.stopTail(tail);
    this.current = this.pending = this.previous = null;
  }

  startTicking() {
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  tick() {
    if (!this.playing) return;
    this.settle();
    if (this.previous && this.heardTime() > this.current.at + 0.5) {
      this.retire(this.previous);
      this.previous = null;
    }
    const where = this.position();
    if (!where) return;
    const barKey = `${where.slot}:${where.turn}:${where.bar}`;
    if (barKey === this.lastBar) return;
    const switched = this.lastSlot !== null && this.lastSlot !== where.slot;
    this.lastBar = barKey;
    this.lastSlot = where.slot;
    this.dispatchEvent(new CustomEvent("bar", { detail: { bar: where.bar, meta: where.meta } }));
    if (switched) this.dispatchEvent(new CustomEvent("switch", { detail: { meta: where.meta } }));
  }

  /** The loop turn `time` falls in: when that turn began and how far into it `time` is. */
  turnAt(slot, time) {
    let into = positiveModulo(time - slot.anchor, slot.duration);
    if (slot.duration - into < 1e-6) into = 0; // on a loop boundary, not a hair before it
    return { turnStart: time - into, into };
  }

  barIndexAt(slot, time) {
    const step = this.turnAt(slot, time).into / sixteenth(slot.meta.bpm);
    return Math.floor((step + 1e-6) / STEPS_PER_BAR);
  }
}

function sixteenth(bpm) {
  return 60 / bpm / 4;
}

function positiveModulo(value, modulus) {
  const rest = value % modulus;
  return rest < 0 ? rest + modulus : rest;
}

/** The step where bar `bar` starts in a loop of `steps` (wrapping when the new loop is shorter). */
function sameBarStep(bar, steps) {
  const bars = Math.max(1, Math.ceil(steps / STEPS_PER_BAR));
  return (bar % bars) * STEPS_PER_BAR;
}

/** The step sounding `seconds` into a loop of `steps` 16ths at `bpm` with `swing` (off-beats late). */
export function stepAt(seconds, { steps, bpm, swing }) {
  const length = sixteenth(bpm);
  const delay = (swing - 0.5) * 2 * length; // off-beat 16ths move by (swing - 0.5) of an 8th
  let step = Math.floor(seconds / length);
  if (step % 2 === 1 && seconds < step * length + delay) step -= 1;
  return Math.min(Math.max(step, 0), steps - 1);
}
