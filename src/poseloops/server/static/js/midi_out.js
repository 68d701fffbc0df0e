// MIDI out: the server plays the page's loop live to a virtual MIDI port on this machine
// (PoseLoops:studio, on JACK or ALSA), with MIDI clock, so a DAW records or follows what the
// page plays. The switch turns it on (POST /api/midi-out); from then on every loop the page
// plays (after mute and solo, with its tempo, swing and groove: what the render gets) goes to
// the server (PUT /api/midi-out/loop), whose player takes it at its next bar line.

import * as store from "./store.js";
import { $ } from "./studio.js";

const SEND_DELAY_MS = 80; // a slider drag sends one loop, not fifty
const PORT = "studio";

export function bindMidiOut(studio) {
  const toggle = $("midi-out");
  const status = $("midi-out-status");
  if (!toggle) return;
  let enabled = false;
  let lastSent = null;
  let timer = null;

  const send = async () => {
    const request = enabled && studio.playback ? studio.playback.request(store.getState()) : null;
    if (!request) return;
    const body = JSON.stringify({ pattern: request.pattern, bpm: request.bpm, swing: request.swing,
                                  groove: request.groove ?? 1 });
    if (body === lastSent) return;
    lastSent = body;
    const response = await fetch("/api/midi-out/loop", { method: "PUT", headers: { "Content-Type": "application/json" }, body })
      .catch(() => null);
    if (!response || !response.ok) lastSent = null; // try again with the next change
  };

  store.subscribe(() => {
    if (!enabled) return;
    clearTimeout(timer);
    timer = setTimeout(send, SEND_DELAY_MS);
  });

  toggle.addEventListener("change", async () => {
    const response = await fetch("/api/midi-out", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ enabled: toggle.checked, port: PORT, clock: true }),
    }).catch(() => null);
    const answer = response ? await response.json().catch(() => ({})) : { detail: "the server cannot be reached" };
    enabled = Boolean(response && response.ok && answer.enabled);
    toggle.checked = enabled;
    status.hidden = false;
    status.textContent = enabled ? `MIDI → ${answer.port}` : (response && response.ok ? "" : answer.detail || "MIDI out failed");
    lastSent = null;
    if (enabled) send();
  });
}
