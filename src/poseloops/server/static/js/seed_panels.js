// The seed panels (dice, grid, camera, picture, rhythm) and the mixer, made and wired to the
// studio, and the tabs that show one panel at a time. Each panel's own work is in its file.

import * as store from "./store.js";
import { DicePanel } from "./dice.js";
import { GridPanel } from "./grid_panel.js";
import { CameraPanel } from "./camera.js";
import { PicturePanel } from "./picture.js";
import { RhythmPanel } from "./rhythm.js";
import { MixerPanel } from "./mixer.js";
import { bindLive, setLive } from "./live.js";
import { $ } from "./studio.js";
import { seedSteps } from "./controls.js";
import { nextRngSeed, onSeed, togglePlay } from "./loops.js";

export function bindPanels(studio) {
  const { config, spots, panels, player } = studio;
  const { ui } = store.getState();
  const saveUi = (key) => (value) => store.update({ ui: { ...store.getState().ui, [key]: value } });
  const seeded = (seed, source, options) => onSeed(studio, seed, source, options);
  panels.dice = new DicePanel(
    {
      length: $("dice-length"), low: $("dice-low"), high: $("dice-high"), roll: $("dice-roll"),
      lengthOut: $("dice-length-out"), lowOut: $("dice-low-out"), highOut: $("dice-high-out"),
    },
    { drums: config.drums, seedSteps, rngSeed: nextRngSeed, onSeed: seeded, message: spots.dice, saved: ui.dice || config.dice, onChange: saveUi("dice") },
  );
  panels.grid = new GridPanel(
    { root: $("seed-grid"), clear: $("grid-clear"), fill: $("grid-fill"), use: $("grid-use") },
    {
      drums: config.drums, seedSteps, onSeed: seeded, message: spots.grid, saved: ui.grid, onChange: saveUi("grid"),
      currentLoop: () => store.getState().loop || store.getState().seed,
    },
  );
  panels.camera = new CameraPanel(
    {
      stage: $("camera-stage"), video: $("camera-video"), canvas: $("camera-overlay"), message: $("camera-message"),
      countdown: $("countdown"), toggle: $("camera-toggle"), capture: $("camera-capture"),
    },
    { seedSteps, onSeed: seeded },
  );
  bindLive(studio, ui);
  panels.picture = new PicturePanel(
    {
      input: $("picture-file"), preview: $("picture-preview"), overlay: $("picture-overlay"),
      modes: [...document.querySelectorAll('input[name="picture-mode"]')],
    },
    { seedSteps, onSeed: seeded, message: spots.picture, limits: config.limits },
  );
  panels.rhythm = new RhythmPanel(
    {
      record: $("rhythm-record"), time: $("rhythm-time"), useBpm: $("rhythm-use-bpm"), click: $("rhythm-click"),
      level: $("rhythm-level"), file: $("rhythm-file"),
    },
    {
      bpm: () => store.getState().settings.bpm, seedSteps, onSeed: seeded, message: spots.rhythm, limits: config.limits,
      audio: { context: () => player.context(), metronome: studio.metronome },
      // the loop would be heard by the microphone: it stops while a rhythm is recorded
      onRecording: (recording) => recording && player.playing && togglePlay(studio),
    },
  );
  panels.mixer = new MixerPanel($("mixer-body"), config, {
    onChange: (mixer) => {
      store.commitSettings({ mixer }, { merge: "mixer" });
      studio.playback.schedule({ origin: "mixer" });
    },
  });
  panels.mixer.show(store.getState().settings.mixer);
  bindTabs(studio, ui.tab || "dice");
}

function bindTabs(studio, initial) {
  const { panels } = studio;
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus = false) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    const name = tab.id.replace("tab-", "");
    store.update({ ui: { ...store.getState().ui, tab: name } });
    if (name === "camera") panels.camera.start();
    else {
      setLive(studio, false);
      panels.camera.stop();
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      select(tabs[(i + step + tabs.length) % tabs.length], true);
    });
  });
  const first = tabs.find((tab) => tab.id === `tab-${initial}`) || tabs[0];
  // the camera starts only when a person opens its tab, not on page load
  select(first.id === "tab-camera" ? tabs[0] : first);
}
