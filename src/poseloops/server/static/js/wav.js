// A mono 16-bit WAV from decoded audio: what the page sends for a recording, since the
// browser records WebM/Opus, which the server's audio reader does not take.

const TARGET_RATE = 22050; // plenty for onsets and drum classes, half the bytes of 44.1 kHz

/** Mix `buffer` (an AudioBuffer) to mono at 22.05 kHz and encode it as a WAV Blob. */
export async function audioBufferToWav(buffer) {
  const frames = Math.ceil(buffer.duration * TARGET_RATE);
  const offline = new OfflineAudioContext(1, Math.max(frames, 1), TARGET_RATE);
  const source = offline.createBufferSource();
  source.buffer = buffer;
  source.connect(offline.destination);
  source.start();
  const mono = (await offline.startRendering()).getChannelData(0);
  return encodeWav(mono, TARGET_RATE);
}

export function encodeWav(samples, sampleRate) {
  const bytes = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(bytes);
  const text = (offset, value) => [...value].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);          // fmt chunk size
  view.setUint16(20, 1, true);           // PCM
  view.setUint16(22, 1, true);           // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);           // bytes per frame
  view.setUint16(34, 16, true);          // bits per sample
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([bytes], { type: "audio/wav" });
}
