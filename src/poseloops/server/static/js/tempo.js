// Tap tempo: the BPM from the time between taps (a click, a touch or the T key).

const RESET_AFTER_MS = 2000; // a pause this long starts a new count
const TAPS_AVERAGED = 4;     // the last few intervals: steady, yet quick to follow a change

export class TapTempo {
  constructor() {
    this.taps = [];
  }

  /** Record a tap at `time` (ms, an event's timeStamp); the BPM once there are two taps, else null. */
  tap(time) {
    const last = this.taps[this.taps.length - 1];
    if (last !== undefined && (time - last > RESET_AFTER_MS || time <= last)) this.taps = [];
    this.taps.push(time);
    if (this.taps.length > TAPS_AVERAGED + 1) this.taps.shift();
    if (this.taps.length < 2) return null;
    const span = this.taps[this.taps.length - 1] - this.taps[0];
    return (60000 * (this.taps.length - 1)) / span;
  }
}
