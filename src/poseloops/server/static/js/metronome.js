// A metronome click on the audio clock: a short high blip on every beat, higher on the
// first beat of each bar. Clicks are scheduled a little ahead from a timer, so a busy page
// does not make them late (the audio thread plays them exactly when scheduled).

const LOOKAHEAD_S = 0.2;
const TIMER_MS = 25;
const START_DELAY_S = 0.1;
const BEATS_PER_BAR = 4;
const CLICK_S = 0.03;
const DOWNBEAT_HZ = 1760;
const BEAT_HZ = 1320;
const CLICK_GAIN = 0.5;

export class Metronome {
  /** `context()` gives the AudioContext; clicks go into `output()` (an AudioNode). */
  constructor({ context, output }) {
    this.context = context;
    this.output = output;
    this.timer = null;
    this.clicks = [];   // audio-clock times of the clicks scheduled (for the page to show the beat)
  }

  get running() {
    return this.timer !== null;
  }

  /**
   * Click at `bpm` from the audio-clock time `at` (default: in a moment), `beat` being that
   * click's beat in its bar (0: a downbeat). Returns the first click's time.
   */
  async start(bpm, { at = null, beat = 0 } = {}) {
    const ctx = this.context();
    if (ctx.state === "suspended") await ctx.resume();
    this.stop();
    this.bpm = bpm;
    this.beatSeconds = 60 / bpm;
    this.nextBeat = at ?? ctx.currentTime + START_DELAY_S;
    this.beat = beat;
    this.change = null;
    this.clicks = [];
    const first = this.nextBeat;
    this.schedule();
    this.timer = setInterval(() => this.schedule(), TIMER_MS);
    return first;
  }

  /** From the audio-clock time `at` (a bar line) on, click at `bpm`, `at` being a downbeat. */
  retime(bpm, at) {
    this.change = { bpm, at };
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  schedule() {
    const ctx = this.context();
    while (this.nextBeat < ctx.currentTime + LOOKAHEAD_S) {
      if (this.change && this.nextBeat > this.change.at - this.beatSeconds / 2) {
        // the new tempo's first click is on its bar line; an old-tempo click that close is dropped
        Object.assign(this, { bpm: this.change.bpm, beatSeconds: 60 / this.change.bpm, nextBeat: this.change.at, beat: 0, change: null });
        continue;
      }
      this.click(this.nextBeat, this.beat % BEATS_PER_BAR === 0);
      this.clicks.push(this.nextBeat);
      this.beat += 1;
      this.nextBeat += this.beatSeconds;
    }
  }

  click(at, downbeat) {
    const ctx = this.context();
    const tone = ctx.createOscillator();
    tone.frequency.value = downbeat ? DOWNBEAT_HZ : BEAT_HZ;
    const envelope = ctx.createGain();
    envelope.gain.setValueAtTime(0, at);
    envelope.gain.linearRampToValueAtTime(CLICK_GAIN, at + 0.001);
    envelope.gain.exponentialRampToValueAtTime(0.001, at + CLICK_S);
    tone.connect(envelope);
    envelope.connect(this.output());
    tone.start(at);
    tone.stop(at + CLICK_S + 0.01);
    tone.onended = () => envelope.disconnect();
  }
}
