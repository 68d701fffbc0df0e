// The studio page: wires the seed panels, the loop grid, the controls and the player to the
// server's API. Everything musical happens on the server; this page shows, captures and plays.
// Every change lands on the next bar; every change can be undone; after an error, what is
// shown is what plays.
//
// This module is the boot: it makes the one object the modules share (studio.js), waits for
// the server, and hands the object to each part: the controls (controls.js), the seed panels
// and tabs (seed_panels.js, live mode in live.js), loop making (loops.js), what is shown
// (loop_view.js), downloads and sessions (session.js) and the keys (keyboard.js).

import * as api from "./api.js";
import * as store from "./store.js";
import { DrumGrid } from "./grid.js";
import { Playback } from "./playback.js";
import { VariationStrip } from "./variations.js";
import { generateProblem } from "./messages.js";
import { $, createStudio, makeSpots, playbackDone, playbackFailed } from "./studio.js";
import { VARIATIONS, pickVariation, toggleLoopCell, toggleMix } from "./loops.js";
import { followPlayhead, reflectBusy, reflectHistory, showLoop } from "./loop_view.js";
import { bindControls, fillBars, loadKits, loadModelInfo, reflectSettings } from "./controls.js";
import { bindPanels } from "./seed_panels.js";
import { bindDownloads } from "./session.js";
import { bindVolume } from "./volume.js";
import { bindKeyboard } from "./keyboard.js";
import { bindRegenerate, loopGridActions } from "./regenerate.js";
import { bindDirectControls } from "./direct_controls.js";
import { LinkFollower } from "./link.js";
import { bindMidiOut } from "./midi_out.js";

const HEALTH_POLL_MS = 1000;

boot(createStudio());

async function boot(studio) {
  const { player } = studio;
  store.saveOnLeave();
  studio.spots = makeSpots();
  api.onLoading((waiting) => showLoading(waiting));
  try {
    studio.config = await api.getJson("/api/config");
  } catch (err) {
    studio.spots.loop.error(generateProblem(err));
    return;
  }
  studio.caps = await api.capabilities().catch(() => studio.caps);
  const restored = store.restore();
  studio.playback = new Playback({
    player, caps: studio.caps,
    onError: (err, about) => playbackFailed(studio, err, about), onPlayed: (origin) => playbackDone(studio, origin),
  });
  studio.loopGrid = new DrumGrid($("loop-grid"), studio.config.drums, (step, drum) => toggleLoopCell(studio, step, drum), {
    zones: true, onMute: (drum) => toggleMix(studio, "mute", drum), onSolo: (drum) => toggleMix(studio, "solo", drum),
    ...loopGridActions(studio),
  });
  bindRegenerate(studio);
  studio.variationStrip = new VariationStrip($("variations"), { count: VARIATIONS, onPick: (index) => pickVariation(studio, index) });
  bindControls(studio);
  bindPanels(studio);
  bindDirectControls(studio);
  studio.link = new LinkFollower({ player, playback: studio.playback });
  studio.link.start(); // with `serve --link`: the tempo and the bars follow the Link session
  bindMidiOut(studio); // the "MIDI out" switch: the server plays this loop to a MIDI port
  bindDownloads(studio);
  bindVolume(studio);
  bindKeyboard(studio);
  fillBars();
  store.subscribe(() => showAll(studio));
  showAll(studio);
  followPlayhead(studio);
  // for the browser tests and the curious: the parts that play, and what plays
  window.studio = {
    player, store, config: studio.config, caps: () => studio.caps, playback: () => studio.playback,
    audio: () => studio.playback.audio, metronome: studio.metronome, live: studio.live, link: studio.link,
  };
  await Promise.all([loadKits(studio), waitUntilReady(studio)]);
  await loadModelInfo(studio);
  const state = store.getState();
  if (!restored || !state.seed) await studio.panels.dice.rollDice({ play: false });
  else if (state.loop) await studio.playback.sync();
  document.body.dataset.ready = "true";
}

function showAll(studio) {
  reflectSettings(studio);
  showLoop(studio);
  reflectHistory();
}

function showLoading(waiting, text) {
  $("loading").hidden = !waiting;
  if (text) $("loading-text").textContent = text;
}

async function waitUntilReady(studio) {
  for (;;) {
    let health = null;
    try {
      health = await api.getJson("/api/health");
    } catch (err) {
      showLoading(true, "Waiting for the studio's server…");
    }
    if (health && health.status === "ready") break;
    if (health && health.status === "failed") {
      const broken = Object.entries(health.parts).filter(([, p]) => p.state === "failed");
      studio.spots.loop.error(`The studio could not load ${broken.map(([name]) => name).join(" and ")}. Restart poseloops serve; its window says why.`);
      break;
    }
    if (health) showLoading(true, "Loading the drum model and the pose estimator… you may need to wait a few seconds.");
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  showLoading(false);
  studio.ready = true;
  reflectBusy(studio);
}
