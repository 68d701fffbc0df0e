// Downloads and sessions: the loop as MIDI or WAV, the session saved as a JSON file and loaded
// back (checked by the server first, so a broken file changes nothing).

import * as api from "./api.js";
import * as store from "./store.js";
import { audibleLoop } from "./playback.js";
import { generateProblem, sessionProblem } from "./messages.js";
import { $, BASE_SESSION_SETTINGS } from "./studio.js";
import { loadKits } from "./controls.js";
import { reflectPlaying } from "./loop_view.js";

const EXPORT_LOOPS = 4;            // a WAV download is the loop four times with its tail

function saveFile(bytes, type, filename) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The MIDI request: the loop as heard (mutes too), with swing and groove where the server takes them. */
function midiRequest(caps, state) {
  const { settings } = state;
  const request = { pattern: audibleLoop(state.loop, settings, caps.pattern), bpm: settings.bpm };
  if (caps.exportMidi.has("swing")) request.swing = settings.swing;
  if (caps.exportMidi.has("groove")) request.groove = settings.groove;
  return request;
}

function sessionSettings(caps) {
  return caps.session.size ? caps.session : new Set(BASE_SESSION_SETTINGS);
}

export function bindDownloads(studio) {
  const { spots } = studio;
  const download = (button, makeRequest, filename) =>
    $(button).addEventListener("click", async () => {
      const state = store.getState();
      if (!state.loop) {
        spots.session.error("Make a loop first: roll the dice or pick another seed.");
        return;
      }
      try {
        const [path, body] = makeRequest(state);
        const { bytes, type } = await api.postForBytes(path, body);
        saveFile(bytes, type, filename);
        spots.session.say(`Saved ${filename}.`);
      } catch (err) {
        spots.session.error(`${filename} could not be made. ${generateProblem(err)}`);
      }
    });
  download("dl-midi", (state) => ["/api/export/midi", midiRequest(studio.caps, state)], "poseloops-loop.mid");
  download("dl-wav", (state) => ["/api/export/audio", { ...studio.playback.request(state), format: "wav", loops: EXPORT_LOOPS }], "poseloops-loop.wav");
  // stems: the same four loops, one WAV per drum heard, in a zip (where this server makes them)
  $("dl-stems").hidden = !studio.caps.paths.has("/api/export/stems");
  download("dl-stems", (state) => ["/api/export/stems", { ...studio.playback.request(state), loops: EXPORT_LOOPS }], "poseloops-stems.zip");
  download("dl-session", () => ["/api/export/session", store.sessionDocument(sessionSettings(studio.caps), studio.caps.sessionFields || new Set())], "poseloops-session.json");
  $("load-session").addEventListener("change", () => loadSessionFile(studio));
  $("new-session").addEventListener("click", () => newSession(studio));
}

/** An empty studio: the loop stops and goes (one undo step: Undo brings it back). The settings stay. */
export function newSession(studio) {
  if (!store.getState().loop && !store.getState().seed) return;
  store.newSession();
  if (studio.player.playing) {
    studio.player.stop();
    reflectPlaying(studio);
  }
  studio.spots.loop.say("New session: the studio is empty. Roll the dice or use a panel to make a seed; Undo brings the last loop back.",
    { holds: (s) => !s.loop && !s.seed });
}

async function loadSessionFile(studio) {
  const { spots } = studio;
  const input = $("load-session");
  const file = input.files && input.files[0];
  input.value = "";
  if (!file) return;
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch (_) {
    spots.session.error(`${file.name} is not a session file (it is not JSON). Choose a file saved with Save session.`, input);
    return;
  }
  try {
    const checked = await api.postJson("/api/session/load", doc);
    store.loadSession(checked);
    await loadKits(studio);
    studio.panels.mixer.show(store.getState().settings.mixer);
    spots.session.say(`Loaded ${file.name}.`);
    await studio.playback.sync({ from: "start", origin: "session" });
  } catch (err) {
    spots.session.error(sessionProblem(err, file.name), input);
  }
}
