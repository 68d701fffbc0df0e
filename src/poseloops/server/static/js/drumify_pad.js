// The Drumify pad: a rhythm tapped with a finger, the mouse, a pen or a key, timed on the audio
// clock against the metronome. The first tap (or Space) counts in one bar; the taps of the next
// 1 or 2 bars are the rhythm, each on its nearest 16th with how far off it was kept (the feel),
// and with its force where the device measures one. What the taps become is the caller's.

import { STEPS_PER_BAR } from "./player.js";

const BEATS_PER_BAR = 4;
const STEPS_PER_BEAT = STEPS_PER_BAR / BEATS_PER_BAR;
const COUNT_IN_BARS = 1;
const TAP_DRUM = 1;             // a tap is written on the snare row: drumify reads every hit as one rhythm
const PLAIN_VELOCITY = 100;     // a tap whose force is not measured (mouse, most touch screens, keys)
const ACCENT_VELOCITY = 127;    // a tap with Shift held
const SOFTEST_VELOCITY = 30;    // the lightest press a pressure-sensing screen or pen gives
const UNMEASURED_PRESSURE = 0.5; // what PointerEvent.pressure says for a press of unknown force (spec)
const MAX_OFFSET = 0.499;       // offsets are in [-0.5, 0.5) of a 16th (the pattern format)
const TICK_MS = 40;             // how often the count-in and the end of the take are looked for
const FLASH_MS = 90;
const PAD_KEYS = /^[a-z0-9 ]$|^Enter$/i; // Space, Enter, letters and digits tap while the pad has the focus

/** The velocity of a pointer press: its measured force, or the plain velocity when there is none. */
export function pointerVelocity(event) {
  if (event.shiftKey) return ACCENT_VELOCITY;
  const pressure = event.pressure;
  if (!(pressure > 0) || pressure === UNMEASURED_PRESSURE) return PLAIN_VELOCITY;
  return Math.round(SOFTEST_VELOCITY + Math.min(pressure, 1) * (127 - SOFTEST_VELOCITY));
}

/**
 * Taps as a one-row rhythm of `steps` 16ths. `taps`: [{step (a real number of 16ths from the
 * first downbeat), velocity}]; each goes to its nearest 16th, the rest kept as its offset.
 * Two taps on one 16th: the louder one. Taps outside the take are dropped.
 */
export function tapsToRhythm(taps, steps) {
  const hits = new Map();
  for (const { step: at, velocity } of taps) {
    const step = Math.round(at);
    if (step < 0 || step >= steps) continue;
    const offset = Math.min(MAX_OFFSET, Math.round((at - step) * 1000) / 1000);
    if (!hits.has(step) || hits.get(step).velocity < velocity) hits.set(step, { velocity, offset });
  }
  const pattern = [], velocities = [], offsets = [];
  for (let step = 0; step < steps; step++) {
    const hit = hits.get(step);
    pattern.push(hit ? [TAP_DRUM] : []);
    velocities.push(hit ? [hit.velocity] : []);
    offsets.push(hit ? [hit.offset] : []);
  }
  return { pattern, velocities, offsets, seed_length: steps };
}

export class DrumifyPad {
  /**
   * `pad`: the element tapped; `bars`: the select of the take's length. `player` gives the audio
   * clock and the bar lines of the loop playing; `onTake(rhythm | null, bars)` gets the rhythm
   * tapped (null: no taps); `onMode(mode)`: "idle", "counting" or "tapping".
   */
  constructor({ pad, bars, label }, { player, metronome, bpm, onTake, onMode = () => {} }) {
    Object.assign(this, { pad, bars, label, player, metronome, bpm, onTake, onMode });
    this.take = null;
    this.idleText = label.textContent;
    pad.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault(); // no text selection, no scrolling: the press is the tap
      pad.focus({ preventScroll: true });
      this.press(event, pointerVelocity(event));
    });
    pad.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "Escape" && this.take) {
        event.preventDefault();
        this.finish(false);
        return;
      }
      if (!PAD_KEYS.test(event.key)) return;
      event.preventDefault(); // the tap, not the page's Space (play) or the button's click
      if (!event.repeat) this.press(event, event.shiftKey ? ACCENT_VELOCITY : PLAIN_VELOCITY);
    });
  }

  get mode() {
    if (!this.take) return "idle";
    return this.heardTime() < this.take.start - this.take.sixteenth / 2 ? "counting" : "tapping";
  }

  /** The audio-clock time the listener hears now (what a tap is made against). */
  heardTime() {
    return this.player.heardTime();
  }

  /** The audio-clock time heard when `event` happened (its timeStamp is on the page's clock). */
  eventTime(event) {
    const ctx = this.player.context();
    const stamp = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : null;
    if (stamp && stamp.performanceTime > 0) return stamp.contextTime + (event.timeStamp - stamp.performanceTime) / 1000;
    return this.heardTime() - (performance.now() - event.timeStamp) / 1000;
  }

  press(event, velocity) {
    this.flash();
    if (!this.take) {
      this.begin();
      return;
    }
    const { start, sixteenth, steps, taps } = this.take;
    const step = (this.eventTime(event) - start) / sixteenth;
    if (step >= -0.5 && step < steps - 0.5) taps.push({ step, velocity });
  }

  /** Count in one bar (on the loop's next bar line when it plays), then take 1 or 2 bars of taps. */
  async begin() {
    const bpm = this.bpm();
    const bars = Number(this.bars.value);
    const ctx = this.player.context();
    if (ctx.state === "suspended") await ctx.resume();
    const beat = 60 / bpm;
    const at = this.player.playing ? this.player.nextBarTime(ctx.currentTime + beat / 2) : null;
    this.take = { bpm, beat, bars, steps: bars * STEPS_PER_BAR, sixteenth: beat / STEPS_PER_BEAT, taps: [], start: Infinity };
    const first = await this.metronome.start(bpm, { at });
    if (!this.take) return; // called off while the audio woke up
    this.take.countIn = first;
    this.take.start = first + COUNT_IN_BARS * BEATS_PER_BAR * beat;
    this.take.end = this.take.start + this.take.steps * this.take.sixteenth;
    this.pad.classList.add("taking");
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  tick() {
    const take = this.take;
    if (!take) return;
    const now = this.heardTime();
    if (now >= take.end + take.sixteenth / 2) {
      this.finish(true);
      return;
    }
    const mode = this.mode;
    this.pad.dataset.mode = mode;
    if (mode === "counting") {
      const left = Math.max(1, Math.ceil((take.start - now) / take.beat));
      this.label.textContent = now < take.countIn ? "Get ready…" : `${Math.min(left, BEATS_PER_BAR)}…`;
    } else {
      const bar = Math.min(take.bars, 1 + Math.floor((now - take.start) / (take.sixteenth * STEPS_PER_BAR)));
      this.label.textContent = `Tap! Bar ${bar} of ${take.bars}`;
    }
    if (mode !== this.lastMode) this.onMode(mode);
    this.lastMode = mode;
  }

  /** End the take: its rhythm goes to onTake (`keep`), or it is dropped (Escape). */
  finish(keep) {
    const take = this.take;
    clearInterval(this.timer);
    this.take = null;
    this.lastMode = "idle";
    this.metronome.stop();
    this.pad.classList.remove("taking");
    this.pad.dataset.mode = "idle";
    this.label.textContent = this.idleText;
    this.onMode("idle");
    if (!keep || !take) return;
    const rhythm = tapsToRhythm(take.taps, take.steps);
    const heard = rhythm.pattern.some((drums) => drums.length > 0);
    this.onTake(heard ? rhythm : null, take.bars);
  }

  flash() {
    this.pad.classList.remove("hit");
    void this.pad.offsetWidth; // restart the flash
    this.pad.classList.add("hit");
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => this.pad.classList.remove("hit"), FLASH_MS);
  }
}
