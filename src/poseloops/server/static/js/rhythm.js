// The rhythm panel: record from the microphone (or upload a file), and the server hears
// the hits, finds the tempo and turns them into a seed.

import { ApiError, upload } from "./api.js";
import { audioBufferToWav } from "./wav.js";

const MAX_SECONDS = 60; // the server's limit; recording stops by itself there
const SERVER_READS = ["audio/wav", "audio/x-wav", "audio/wave", "audio/flac", "audio/x-flac", "audio/ogg"];

export class RhythmPanel {
  constructor({ record, time, useBpm, file }, { bpm, onSeed, onError, onInfo, decodeContext }) {
    Object.assign(this, { record, time, useBpm, file, bpm, onSeed, onError, onInfo, decodeContext });
    this.recorder = null;
    record.addEventListener("click", () => (this.recorder ? this.finish() : this.begin()));
    file.addEventListener("change", () => this.uploaded());
  }

  async begin() {
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      this.onError("This browser cannot record here; upload a recording instead.");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (err) {
      this.onError(err && err.name === "NotAllowedError"
        ? "The microphone is blocked. Allow it for this page in the browser's settings, or upload a recording."
        : "No microphone found. Upload a recording instead.");
      return;
    }
    const chunks = [];
    this.recorder = new MediaRecorder(stream);
    this.recorder.ondataavailable = (event) => chunks.push(event.data);
    this.recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      this.send(new Blob(chunks, { type: this.recorder.mimeType }));
      this.recorder = null;
    };
    this.recorder.start();
    this.started = performance.now();
    this.record.classList.add("recording");
    this.record.lastChild.textContent = " Stop";
    this.tick();
  }

  tick() {
    if (!this.recorder) return;
    const seconds = (performance.now() - this.started) / 1000;
    this.time.textContent = `${seconds.toFixed(1)} s`;
    if (seconds >= MAX_SECONDS) this.finish();
    else requestAnimationFrame(() => this.tick());
  }

  finish() {
    if (!this.recorder) return;
    this.record.classList.remove("recording");
    this.record.lastChild.textContent = " Record";
    this.recorder.stop();
  }

  async uploaded() {
    const file = this.file.files && this.file.files[0];
    this.file.value = "";
    if (!file) return;
    if (SERVER_READS.includes(file.type)) await this.post(file);
    else await this.send(file); // other formats (MP3, WebM, M4A): the browser decodes them
  }

  /** Decode in the browser, send as WAV. */
  async send(blob) {
    let wav;
    try {
      const decoded = await this.decodeContext().decodeAudioData(await blob.arrayBuffer());
      if (decoded.duration > MAX_SECONDS) {
        this.onError(`The recording is ${decoded.duration.toFixed(0)} s long; the limit is ${MAX_SECONDS} s.`);
        return;
      }
      wav = await audioBufferToWav(decoded);
    } catch (_) {
      this.onError("That file could not be read as audio (try WAV, FLAC or OGG).");
      return;
    }
    await this.post(wav);
  }

  async post(blob) {
    this.onInfo("Listening to the rhythm…");
    try {
      const answer = await upload("/api/seeds/audio", blob, { bpm: this.useBpm.checked ? this.bpm() : null });
      await this.onSeed(answer.seed, "rhythm");
    } catch (err) {
      this.onError(err instanceof ApiError ? err.message : String(err));
    }
  }
}
