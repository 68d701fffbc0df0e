// The rhythm panel: record from the microphone (or upload a file), and the server hears
// the hits, finds the tempo and turns them into a seed. While recording, a metronome clicks
// at the studio's BPM (if wanted) and a meter shows the microphone's level.

import { upload } from "./api.js";
import { recordingProblem } from "./messages.js";
import { audioBufferToWav } from "./wav.js";

const SERVER_READS = ["audio/wav", "audio/x-wav", "audio/wave", "audio/flac", "audio/x-flac", "audio/ogg"];
const COUNT_IN_BEATS = 4;   // one bar of clicks before the person plays
const METER_FLOOR_DB = -60; // the meter's left end; a quiet room sits near it
// A peak meter's ballistics (IEC 60268-10 type I: 20 dB back in 1.7 s): it rises at once and
// falls slowly, so a 20 ms tap stays readable instead of flashing for one animation frame.
const METER_RELEASE_DB_PER_SECOND = 20 / 1.7;
const STEPS_PER_BAR = 16;
const MAX_SEED_BARS = 2; // a recording seeds one or two whole bars (the server's AudioOptions.bars)

/** The whole bars a recording seeds for a seed-length control of ``steps``: 1-16 -> 1, 17-32 -> 2. */
export function seedBars(steps) {
  return Math.min(MAX_SEED_BARS, Math.max(1, Math.ceil(steps / STEPS_PER_BAR)));
}

export class RhythmPanel {
  constructor({ record, time, useBpm, click, level, file }, { bpm, seedSteps, onSeed, message, limits, audio, onRecording }) {
    Object.assign(this, { record, time, useBpm, click, level, file, bpm, seedSteps, onSeed, message, limits, audio, onRecording });
    this.recorder = null;
    this.meter = null;
    this.about = record;  // the control an error marks (aria-invalid): Record, or the upload's file input
    record.addEventListener("click", () => (this.recorder ? this.finish() : this.begin()));
    file.addEventListener("change", () => this.uploaded());
    // The last recording stays in this page's memory (never on the server), so the tempo read can be
    // halved or doubled: the server reads the same hits again at that tempo.
    this.last = null;
    this.tempo = tempoRow(file.closest("label") || file);
    this.tempo.halve.addEventListener("click", () => this.retempo(this.tempo.halve));
    this.tempo.double.addEventListener("click", () => this.retempo(this.tempo.double));
  }

  async begin() {
    this.about = this.record;
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      this.fail("This browser cannot record here. Upload a recording instead.");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (err) {
      this.fail(err && err.name === "NotAllowedError"
        ? "The microphone is blocked. Allow it for this page in the browser's settings, or upload a recording."
        : "No microphone found. Connect one, or upload a recording instead.");
      return;
    }
    this.message.say(this.click.checked
      ? "Recording… one bar of clicks counts in: play from the next bar's first beat. Press Stop when done."
      : "Recording… press Stop when done.");
    const chunks = [];
    this.recorder = new MediaRecorder(stream);
    this.recorder.ondataavailable = (event) => chunks.push(event.data);
    this.recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      this.stopMeter();
      this.send(new Blob(chunks, { type: this.recorder.mimeType }), "The recording");
      this.recorder = null;
    };
    this.onRecording(true);
    this.countInEnd = null;
    if (this.click.checked) {
      // a bar of clicks before playing; the recorder runs through it (the seed begins at the first hit)
      const first = await this.audio.metronome.start(this.bpm());
      this.countInEnd = first + (COUNT_IN_BEATS * 60) / this.bpm();
    }
    this.startMeter(stream);
    this.recorder.start();
    this.started = performance.now();
    this.record.classList.add("recording");
    this.record.lastChild.textContent = " Stop";
    this.record.setAttribute("aria-pressed", "true");
    this.tick();
  }

  tick() {
    if (!this.recorder) return;
    const seconds = (performance.now() - this.started) / 1000;
    const beatsLeft = this.countInEnd === null ? 0 : Math.ceil(((this.countInEnd - this.audio.context().currentTime) * this.bpm()) / 60);
    this.time.textContent = beatsLeft > 0 ? `count-in ${Math.min(beatsLeft, COUNT_IN_BEATS)}` : `${seconds.toFixed(1)} s`;
    if (seconds >= this.limits.max_audio_seconds) this.finish();
    else requestAnimationFrame(() => this.tick());
  }

  finish() {
    if (!this.recorder) return;
    this.audio.metronome.stop();
    this.onRecording(false);
    this.record.classList.remove("recording");
    this.record.lastChild.textContent = " Record";
    this.record.setAttribute("aria-pressed", "false");
    this.recorder.stop();
  }

  /** The microphone's level (peak over the last 1024 samples, in dB, with a slow fall) on the meter, while recording. */
  startMeter(stream) {
    const ctx = this.audio.context();
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meter = { source, analyser };
    this.level.hidden = false;
    let shown = METER_FLOOR_DB;
    let last = performance.now();
    const draw = () => {
      if (!this.meter) return;
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      const db = peak > 0 ? 20 * Math.log10(peak) : METER_FLOOR_DB;
      const now = performance.now();
      shown = Math.max(db, shown - (METER_RELEASE_DB_PER_SECOND * (now - last)) / 1000);
      last = now;
      this.level.value = Math.max(0, Math.min(1, 1 - shown / METER_FLOOR_DB));
      requestAnimationFrame(draw);
    };
    draw();
  }

  stopMeter() {
    if (!this.meter) return;
    this.meter.source.disconnect();
    this.meter = null;
    this.level.value = 0;
  }

  async uploaded() {
    const file = this.file.files && this.file.files[0];
    this.file.value = "";
    if (!file) return;
    this.about = this.file;
    if (file.size === 0) {
      this.fail(`${file.name} is empty. Choose another recording.`);
      return;
    }
    if (SERVER_READS.includes(file.type)) await this.post(file, file.name);
    else await this.send(file, file.name); // other formats (MP3, WebM, M4A): the browser decodes them
  }

  /** Decode in the browser, send as WAV. */
  async send(blob, name) {
    let wav;
    try {
      const decoded = await this.audio.context().decodeAudioData(await blob.arrayBuffer());
      if (decoded.duration > this.limits.max_audio_seconds) {
        this.fail(`${name} is ${decoded.duration.toFixed(0)} s long; the limit is ${this.limits.max_audio_seconds} s. Record or choose a shorter one.`);
        return;
      }
      wav = await audioBufferToWav(decoded);
    } catch (_) {
      this.fail(`${name} could not be read as audio. Choose a WAV, FLAC, OGG or MP3 recording.`);
      return;
    }
    await this.post(wav, name);
  }

  fail(text) {
    this.message.error(text, this.about);
  }

  async post(blob, name, bpm = this.useBpm.checked ? this.bpm() : null) {
    this.message.say("Listening to the rhythm…");
    // the seed is the recording's first whole bars: the seed-length control, rounded up to bars
    const bars = seedBars(this.seedSteps());
    try {
      const answer = await upload("/api/seeds/audio", blob, { bpm, bars });
      this.last = { blob, name };
      this.showTempo(answer.tempo);
      const played = answer.seed.pattern.length;
      if (played < bars * STEPS_PER_BAR) {
        this.message.say(played < STEPS_PER_BAR
          ? `Less than a bar was played: the seed is all ${played} steps of it.`
          : `Only ${played / STEPS_PER_BAR} whole bar was played: the seed is that bar.`);
      } else if (this.seedSteps() % STEPS_PER_BAR) {
        this.message.say(`The seed is the first ${bars === 1 ? "whole bar" : `${bars} whole bars`} played (${played} steps): a recording seeds whole bars.`);
      } else {
        this.message.clear();
      }
      await this.onSeed(answer.seed, "rhythm");
    } catch (err) {
      this.fail(recordingProblem(err, name, this.limits));
    }
  }

  /** The tempo read (or given), with halve and double where the server offers them. */
  showTempo(tempo) {
    const { row, read, halve, double } = this.tempo;
    if (!tempo) {
      row.hidden = true;
      return;
    }
    read.textContent = `${tempo.estimated ? "Tempo read" : "Tempo"}: ${Math.round(tempo.bpm * 10) / 10} BPM`;
    for (const [button, ratio, word] of [[halve, 0.5, "Halve"], [double, 2, "Double"]]) {
      const bpm = (tempo.alternatives || []).find((alt) => Math.abs(alt / tempo.bpm - ratio) < 0.01);
      button.hidden = bpm === undefined;
      button.dataset.bpm = bpm ?? "";
      button.title = bpm === undefined ? "" : `${word}: read the recording again at ${bpm} BPM`;
      button.setAttribute("aria-label", button.title || word);
    }
    row.hidden = false;
  }

  async retempo(button) {
    if (!this.last || !button.dataset.bpm) return;
    this.about = button;
    await this.post(this.last.blob, this.last.name, Number(button.dataset.bpm));
  }
}

/** A row after ``after``: "Tempo read: 138 BPM  [½×] [2×]", hidden until a recording is read. */
function tempoRow(after) {
  const row = document.createElement("p");
  row.id = "rhythm-tempo";
  row.className = "rhythm-tempo";
  row.hidden = true;
  const read = document.createElement("span");
  read.id = "rhythm-tempo-read";
  read.setAttribute("aria-live", "polite");
  const button = (id, text) => {
    const b = document.createElement("button");
    Object.assign(b, { id, type: "button", className: "btn", textContent: text });
    return b;
  };
  const halve = button("rhythm-halve", "½×");
  const double = button("rhythm-double", "2×");
  row.append(read, " ", halve, " ", double);
  after.after(row);
  return { row, read, halve, double };
}
