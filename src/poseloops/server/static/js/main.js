// The studio page: wires the seed panels, the loop grid, the controls and the player to the
// server's API. Everything musical happens on the server; this page shows, captures and plays.

import * as api from "./api.js";
import * as store from "./store.js";
import { DrumGrid } from "./grid.js";
import { LoopPlayer, stepAt } from "./player.js";
import { CameraPanel } from "./camera.js";
import { PicturePanel } from "./picture.js";
import { RhythmPanel } from "./rhythm.js";
import { DicePanel, GridPanel } from "./panels.js";
import { MixerPanel } from "./mixer.js";

const $ = (id) => document.getElementById(id);
const RENDER_DELAY_MS = 60;        // coalesces a slider drag into a few renders
const HEALTH_POLL_MS = 1000;
const EXPORT_LOOPS = 4;            // a WAV download is the loop four times with its tail
const TEXT_FIELDS = new Set(["INPUT", "SELECT", "TEXTAREA"]);
const TEXT_INPUT_TYPES = new Set(["text", "number", "search", "email", "url", "password"]);

const player = new LoopPlayer();
let config = null;
let loopGrid = null;
let panels = {};
let audio = { key: null, buffer: null, meta: null }; // the latest render of the loop
let renderSeq = 0;
let renderTimer = null;
let rendering = null;
let ready = false;

boot();

async function boot() {
  api.onLoading((waiting) => showLoading(waiting));
  try {
    config = await api.getJson("/api/config");
  } catch (err) {
    say(err.message, true);
    return;
  }
  const restored = store.restore();
  loopGrid = new DrumGrid($("loop-grid"), config.drums, toggleLoopCell, { zones: true });
  bindControls();
  bindPanels();
  bindDownloads();
  bindKeyboard();
  reflectSettings();
  showLoop();
  requestAnimationFrame(drawPlayhead);
  window.studio = { player, store, config, audio: () => audio }; // for tests and the curious
  await Promise.all([loadKits(), waitUntilReady()]);
  if (!restored || !store.getState().seed) await panels.dice.rollDice({ play: false });
  else if (store.getState().loop) scheduleRender();
  document.body.dataset.ready = "true";
}

// --- status and loading --------------------------------------------------------------

function say(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function showLoading(waiting, text) {
  $("loading").hidden = !waiting;
  if (text) $("loading-text").textContent = text;
}

async function waitUntilReady() {
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
      say(`The studio could not load: ${broken.map(([n, p]) => `${n}: ${p.detail}`).join("; ")}`, true);
      break;
    }
    if (health) showLoading(true, "Loading the drum model and the pose estimator… you may need to wait a few seconds.");
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  showLoading(false);
  ready = true;
  $("generate").disabled = false;
}

// --- the loop ------------------------------------------------------------------------

function showLoop() {
  const { loop, seed, edits, settings } = store.getState();
  const shown = loop || seed;
  const info = $("loop-info");
  if (!shown) {
    loopGrid.show([], 0);
    info.textContent = "";
    return;
  }
  loopGrid.show(shown.pattern, shown.seed_length ?? shown.pattern.length, new Set(edits));
  const steps = shown.pattern.length;
  const seedSteps = shown.seed_length ?? steps;
  const seconds = (steps * 60) / settings.bpm / 4;
  info.textContent = `${seedSteps} seed + ${steps - seedSteps} generated steps · ${seconds.toFixed(1)} s`;
}

async function onSeed(seed, source, { play = true } = {}) {
  if (source === "rhythm" && seed.bpm) {
    // a recording has its own tempo: the loop plays at it
    store.updateSettings({ bpm: Math.round(Math.min(Math.max(seed.bpm, 10), 300)) });
    reflectSettings();
  }
  store.update({ seed, source, loop: null, edits: [] });
  showLoop();
  await generate({ play });
}

async function generate({ play = true } = {}) {
  const { seed, settings } = store.getState();
  if (!seed) {
    await panels.dice.rollDice({ play });
    return;
  }
  say("The drum model is continuing your seed…");
  $("generate").disabled = true;
  try {
    const answer = await api.postJson("/api/generate", {
      seed: { pattern: seed.pattern.slice(0, seed.seed_length ?? seed.pattern.length) },
      steps: settings.steps,
      temperature: settings.temperature,
      rng_seed: settings.rng_seed,
    });
    store.update({ loop: answer.patterns[0], edits: [] });
    showLoop();
    say(`New loop from your ${store.getState().source || "seed"}. Click cells to change it.`);
    await renderNow();
    if (play && !player.playing) await startPlayback();
  } catch (err) {
    say(err.message, true);
  } finally {
    $("generate").disabled = !ready;
  }
}

function toggleLoopCell(step, drum) {
  const state = store.getState();
  const loop = state.loop || state.seed;
  if (!loop) return;
  const pattern = loop.pattern.map((drums) => [...drums]);
  const velocities = loop.velocities ? loop.velocities.map((v) => [...v]) : null;
  const at = pattern[step].indexOf(drum);
  if (at >= 0) {
    pattern[step].splice(at, 1);
    if (velocities) velocities[step].splice(at, 1);
  } else {
    const place = pattern[step].findIndex((d) => d > drum);
    const index = place < 0 ? pattern[step].length : place;
    pattern[step].splice(index, 0, drum);
    if (velocities) velocities[step].splice(index, 0, 100);
  }
  const seedLength = loop.seed_length ?? pattern.length;
  const edited = { ...loop, pattern, ...(velocities ? { velocities } : {}) };
  const patch = { loop: edited };
  if (step < seedLength) {
    // an edit in the seed part changes the seed: regenerating keeps it
    patch.seed = { pattern: pattern.slice(0, seedLength), seed_length: seedLength };
  } else {
    const edits = new Set(state.edits);
    const key = `${step}:${drum}`;
    if (edits.has(key)) edits.delete(key);
    else edits.add(key);
    patch.edits = [...edits];
  }
  store.update(patch);
  showLoop();
  scheduleRender();
}

// --- sound ------------------------------------------------------------------------------

function renderRequest() {
  const { loop, settings } = store.getState();
  if (!loop || loop.pattern.length === 0) return null;
  const request = { pattern: loop, bpm: settings.bpm, swing: settings.swing };
  if (settings.kit && settings.kit !== "synth") request.kit = settings.kit;
  if (settings.mixer) request.mixer = settings.mixer;
  return request;
}

function scheduleRender() {
  clearTimeout(renderTimer);
  renderTimer = setTimeout(() => renderNow().catch((err) => say(err.message, true)), RENDER_DELAY_MS);
}

/** Render the loop as it is now (unless that render is what we have) and hand it to the player. */
async function renderNow() {
  const request = renderRequest();
  if (!request) return null;
  const key = JSON.stringify(request);
  if (audio.key === key) return audio;
  if (rendering && rendering.key === key) return rendering.promise;
  const seq = ++renderSeq;
  const promise = (async () => {
    const { bytes } = await api.postForBytes("/api/render", request);
    const buffer = await player.decode(bytes);
    if (seq !== renderSeq) return null; // a newer render is on its way
    audio = { key, buffer, meta: { steps: request.pattern.pattern.length, bpm: request.bpm, swing: request.swing } };
    if (player.playing) player.replace(buffer, audio.meta); // from the next loop boundary
    return audio;
  })();
  rendering = { key, promise };
  try {
    return await promise;
  } finally {
    if (rendering && rendering.promise === promise) rendering = null;
  }
}

async function startPlayback() {
  const rendered = await renderNow();
  if (!rendered) return;
  await player.play(rendered.buffer, rendered.meta);
  reflectPlaying();
}

async function togglePlay() {
  if (player.playing) {
    player.stop();
    reflectPlaying();
    return;
  }
  try {
    if (!store.getState().loop) await generate({ play: true });
    else await startPlayback();
  } catch (err) {
    say(err.message, true);
  }
}

function reflectPlaying() {
  const button = $("play");
  button.setAttribute("aria-pressed", String(player.playing));
  button.querySelector(".play-label").textContent = player.playing ? "Stop" : "Play";
  document.body.dataset.playing = String(player.playing);
}

function drawPlayhead() {
  const position = player.position();
  loopGrid.setPlayStep(position ? stepAt(position.seconds, position.meta) : -1);
  requestAnimationFrame(drawPlayhead);
}

// --- controls ----------------------------------------------------------------------------

const SLIDERS = {
  bpm: { digits: 0, renders: true },
  swing: { digits: 2, renders: true },
  temperature: { digits: 2, renders: false },
};

function bindControls() {
  for (const [name, { digits, renders }] of Object.entries(SLIDERS)) {
    $(name).addEventListener("input", () => {
      const value = Number($(name).value);
      $(`${name}-out`).textContent = value.toFixed(digits);
      store.updateSettings({ [name]: value });
      if (name === "bpm") showLoop();
      if (renders) scheduleRender();
    });
  }
  $("steps").addEventListener("change", () => {
    const input = $("steps");
    const value = Math.round(Number(input.value));
    const max = Number(input.max);
    if (!Number.isFinite(value) || value < 1 || value > max) {
      say(`Steps must be a whole number from 1 to ${max}.`, true);
      input.value = store.getState().settings.steps;
      return;
    }
    store.updateSettings({ steps: value });
  });
  $("kit").addEventListener("change", () => {
    store.updateSettings({ kit: $("kit").value });
    scheduleRender();
  });
  $("seed-length").addEventListener("input", () => {
    $("seed-length-out").textContent = $("seed-length").value;
    store.update({ ui: { ...store.getState().ui, seedLength: Number($("seed-length").value) } });
    panels.grid.resize();
  });
  $("play").addEventListener("click", () => togglePlay());
  $("generate").addEventListener("click", () => generate({ play: true }));
  $("generate").disabled = true;
}

function reflectSettings() {
  const { settings, ui } = store.getState();
  for (const [name, { digits }] of Object.entries(SLIDERS)) {
    $(name).value = settings[name];
    $(`${name}-out`).textContent = Number(settings[name]).toFixed(digits);
  }
  $("steps").value = settings.steps;
  if (ui.seedLength) {
    $("seed-length").value = ui.seedLength;
    $("seed-length-out").textContent = ui.seedLength;
  }
  panels.mixer?.show(settings.mixer);
  panels.grid?.resize();
}

async function loadKits() {
  const select = $("kit");
  try {
    const { kits, default: fallback } = await api.getJson("/api/kits");
    select.replaceChildren(...kits.map((kit) => new Option(kit.source.startsWith("built") ? `${kit.name} (built in)` : kit.name, kit.name)));
    const wanted = store.getState().settings.kit;
    if (!kits.some((kit) => kit.name === wanted)) {
      if (wanted && wanted !== fallback) say(`The kit "${wanted}" is not on this computer; playing the ${fallback} kit.`);
      store.updateSettings({ kit: fallback });
    }
    select.value = store.getState().settings.kit;
  } catch (err) {
    say(err.message, true);
  }
}

function seedSteps() {
  return Number($("seed-length").value);
}

function bindPanels() {
  const { ui } = store.getState();
  const common = { seedSteps, onSeed, onError: (text) => say(text, true) };
  panels.dice = new DicePanel(
    {
      length: $("dice-length"), low: $("dice-low"), high: $("dice-high"), roll: $("dice-roll"),
      lengthOut: $("dice-length-out"), lowOut: $("dice-low-out"), highOut: $("dice-high-out"),
    },
    { ...common, drums: config.drums, saved: ui.dice || config.dice, onChange: (dice) => store.update({ ui: { ...store.getState().ui, dice } }) },
  );
  panels.grid = new GridPanel(
    { root: $("seed-grid"), clear: $("grid-clear"), fill: $("grid-fill"), use: $("grid-use") },
    {
      ...common,
      drums: config.drums,
      saved: ui.grid,
      currentLoop: () => store.getState().loop || store.getState().seed,
      onChange: (grid) => store.update({ ui: { ...store.getState().ui, grid } }),
    },
  );
  panels.camera = new CameraPanel(
    {
      stage: $("camera-stage"), video: $("camera-video"), canvas: $("camera-overlay"), message: $("camera-message"),
      countdown: $("countdown"), toggle: $("camera-toggle"), capture: $("camera-capture"),
    },
    common,
  );
  panels.picture = new PicturePanel(
    {
      input: $("picture-file"), preview: $("picture-preview"), overlay: $("picture-overlay"),
      modes: [...document.querySelectorAll('input[name="picture-mode"]')],
    },
    common,
  );
  panels.rhythm = new RhythmPanel(
    { record: $("rhythm-record"), time: $("rhythm-time"), useBpm: $("rhythm-use-bpm"), file: $("rhythm-file") },
    {
      ...common,
      bpm: () => store.getState().settings.bpm,
      onInfo: (text) => say(text),
      decodeContext: () => player.context(),
    },
  );
  panels.mixer = new MixerPanel($("mixer-body"), config, {
    onChange: (mixer) => {
      store.updateSettings({ mixer });
      scheduleRender();
    },
  });
  panels.mixer.show(store.getState().settings.mixer);
  bindTabs(ui.tab || "dice");
}

function bindTabs(initial) {
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
    else panels.camera.stop();
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

// --- downloads and sessions -------------------------------------------------------------

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

function bindDownloads() {
  const needLoop = () => {
    const { loop } = store.getState();
    if (!loop) throw new api.ApiError(0, "Make a loop first: roll the dice or pick another seed.");
    return loop;
  };
  const download = (button, makeRequest, filename) =>
    $(button).addEventListener("click", async () => {
      try {
        const [path, body] = makeRequest();
        const { bytes, type } = await api.postForBytes(path, body);
        saveFile(bytes, type, filename);
        say(`Saved ${filename}.`);
      } catch (err) {
        say(err.message, true);
      }
    });
  download("dl-midi", () => ["/api/export/midi", { pattern: needLoop(), bpm: store.getState().settings.bpm }], "poseloops-loop.mid");
  download("dl-wav", () => {
    needLoop();
    return ["/api/export/audio", { ...renderRequest(), format: "wav", loops: EXPORT_LOOPS }];
  }, "poseloops-loop.wav");
  download("dl-session", () => ["/api/export/session", store.sessionDocument()], "poseloops-session.json");
  $("load-session").addEventListener("change", loadSessionFile);
}

async function loadSessionFile() {
  const input = $("load-session");
  const file = input.files && input.files[0];
  input.value = "";
  if (!file) return;
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch (_) {
    say(`${file.name} is not a session file (it is not JSON).`, true);
    return;
  }
  try {
    const checked = await api.postJson("/api/session/load", doc);
    store.loadSession(checked);
    await loadKits();
    reflectSettings();
    showLoop();
    scheduleRender();
    say(`Loaded ${file.name}.`);
  } catch (err) {
    say(`${file.name}: ${err.message}`, true);
  }
}

// --- keyboard -----------------------------------------------------------------------------

function typingIn(target) {
  if (!target || !TEXT_FIELDS.has(target.tagName)) return false;
  return target.tagName !== "INPUT" || TEXT_INPUT_TYPES.has(target.type);
}

function bindKeyboard() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || typingIn(event.target) || event.repeat) return;
    event.preventDefault(); // Space is play/stop everywhere, not "press the focused button"
    togglePlay();
  });
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && !typingIn(event.target)) event.preventDefault();
  });
}
