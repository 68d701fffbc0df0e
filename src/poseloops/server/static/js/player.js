// Gapless loop playback of server-rendered audio with the Web Audio API.
//
// The loop plays from an AudioBufferSourceNode with loop = true, so the audio thread
// repeats it sample-exactly. A new render (edit, BPM, swing, kit, mixer) does not stop
// anything: its source is started at the current loop's next boundary and the old one
// is stopped at that same instant, both scheduled on the audio clock.

const SAMPLE_RATE = 44100;     // what the server renders; the context runs at it so nothing is resampled
const SCHEDULE_MARGIN_S = 0.06; // a boundary closer than this is too late to schedule: take the next one
const START_DELAY_S = 0.05;

export class LoopPlayer {
  constructor() {
    this.ctx = null;
    this.current = null; // {source, start, duration, meta}
    this.pending = null; // the same, waiting for its boundary
    this.playing = false;
  }

  context() {
    if (!this.ctx) {
      this.ctx = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
      this.output = this.ctx.createGain();
      this.output.connect(this.ctx.destination);
    }
    return this.ctx;
  }

  /** Decode a WAV the server rendered into an AudioBuffer at the context's rate. */
  async decode(bytes) {
    return this.context().decodeAudioData(bytes);
  }

  /** Start looping `buffer` now. `meta` ({steps, bpm, swing}) drives the playhead. */
  async play(buffer, meta) {
    const ctx = this.context();
    if (ctx.state !== "running") await ctx.resume();
    this.stopSources();
    const start = ctx.currentTime + START_DELAY_S;
    this.current = this.startSource(buffer, start, meta);
    this.playing = true;
  }

  /** Play `buffer` from the next loop boundary on, replacing what plays now without a gap. */
  replace(buffer, meta) {
    if (!this.playing || !this.current) return;
    const ctx = this.ctx;
    if (this.pending && this.pending.start <= ctx.currentTime) this.promote();
    const boundary = this.nextBoundary(ctx.currentTime + SCHEDULE_MARGIN_S);
    if (this.pending) {
      // a newer render replaces one still waiting for its boundary
      this.pending.source.onended = null;
      this.pending.source.stop();
      this.pending.source.disconnect();
    }
    this.current.source.stop(boundary);
    this.pending = this.startSource(buffer, boundary, meta);
  }

  stop() {
    this.stopSources();
    this.playing = false;
  }

  stopSources() {
    for (const slot of [this.current, this.pending]) {
      if (!slot) continue;
      try {
        slot.source.stop();
      } catch (_) {
        /* already stopped */
      }
      slot.source.disconnect();
    }
    this.current = this.pending = null;
  }

  startSource(buffer, start, meta) {
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    source.connect(this.output);
    source.start(start);
    return { source, start, duration: buffer.duration, meta };
  }

  nextBoundary(time) {
    const { start, duration } = this.current;
    if (time <= start) return start;
    return start + Math.ceil((time - start) / duration) * duration;
  }

  promote() {
    this.current = this.pending;
    this.pending = null;
  }

  /** Where the listener is now: {meta, seconds into the loop}, or null when silent. */
  position() {
    if (!this.playing || !this.ctx) return null;
    // what leaves the speakers now was scheduled outputLatency ago
    const heard = this.ctx.currentTime - (this.ctx.outputLatency || 0) - (this.ctx.baseLatency || 0);
    if (this.pending && heard >= this.pending.start) this.promote();
    const slot = this.current;
    if (!slot || heard < slot.start) return null;
    return { meta: slot.meta, seconds: (heard - slot.start) % slot.duration };
  }
}

/** The step sounding `seconds` into a loop of `steps` 16ths at `bpm` with `swing` (off-beats late). */
export function stepAt(seconds, { steps, bpm, swing }) {
  const sixteenth = 60 / bpm / 4;
  const delay = (swing - 0.5) * 2 * sixteenth; // off-beat 16ths move by (swing - 0.5) of an 8th
  let step = Math.floor(seconds / sixteenth);
  if (step % 2 === 1 && seconds < step * sixteenth + delay) step -= 1;
  return Math.min(Math.max(step, 0), steps - 1);
}
