// The studio page: wires the seed panels, the loop grid, the controls and the player to the
// server's API. Everything musical happens on the server; this page shows, captures and plays.
// Every change lands on the next bar; every change can be undone; after an error, what is
// shown is what plays.

import * as api from "./api.js";
import * as store from "./store.js";
import { DrumGrid } from "./grid.js";
import { LoopPlayer, STEPS_PER_BAR } from "./player.js";
import { Playback, audibleLoop, forServer, silencedDrums } from "./playback.js";
import { Metronome } from "./metronome.js";
import { CameraPanel } from "./camera.js";
import { LiveMode, LiveSocket } from "./live.js";
import { PicturePanel } from "./picture.js";
import { RhythmPanel } from "./rhythm.js";
import { DicePanel } from "./dice.js";
import { GridPanel } from "./grid_panel.js";
import { MixerPanel } from "./mixer.js";
import { VariationStrip } from "./variations.js";
import { TapTempo } from "./tempo.js";
import { MessageSpot, generateProblem, loopProblem, sessionProblem } from "./messages.js";

const $ = (id) => document.getElementById(id);
const HEALTH_POLL_MS = 1000;
const EXPORT_LOOPS = 4;            // a WAV download is the loop four times with its tail
const VARIATIONS = 4;              // previews shown; the API makes up to 8
const DEFAULT_MAX_BARS = 16;
const MAX_RANDOM_SEED = 2 ** 32 - 1;
const NARROW = "(max-width: 600px)";
const TEXT_INPUT_TYPES = new Set(["text", "number", "search", "email", "url", "password"]);
// Space presses these (a button, a checkbox, a cell, the mixer's heading); elsewhere it plays and stops.
const SPACE_PRESSES = "button, a[href], summary, select, textarea, input:not([type='range']), [role='button'], [role='tab'], [role='gridcell'], [contenteditable='true']";
// The settings the first version's session files hold; the server may take more (see capabilities).
const BASE_SESSION_SETTINGS = ["bpm", "swing", "temperature", "steps", "kit", "mixer", "rng_seed"];
const FALLBACK_CAPS = {
  generate: new Set(["seed", "steps", "temperature", "rng_seed", "variations"]),
  render: new Set(["pattern", "bpm", "swing", "kit", "mixer", "format"]),
  exportAudio: new Set(), exportMidi: new Set(["pattern", "bpm"]),
  session: new Set(BASE_SESSION_SETTINGS), pattern: new Set(["pattern", "seed_length", "velocities", "bpm"]),
  paths: new Set(),
};

const player = new LoopPlayer();
const metronome = new Metronome({ context: () => player.context(), output: () => player.output });
const tapper = new TapTempo();
let config = null;
let caps = FALLBACK_CAPS;
let model = null;
let playback = null;
let loopGrid = null;
let variationStrip = null;
let panels = {};
let live = null;
let spots = {};
let ready = false;
let lastHeardSlot = null;
let generating = false;

boot();

async function boot() {
  store.saveOnLeave();
  spots = makeSpots();
  api.onLoading((waiting) => showLoading(waiting));
  try {
    config = await api.getJson("/api/config");
  } catch (err) {
    spots.loop.error(generateProblem(err));
    return;
  }
  caps = await api.capabilities().catch(() => FALLBACK_CAPS);
  const restored = store.restore();
  playback = new Playback({ player, caps, onError: playbackFailed, onPlayed: playbackDone });
  loopGrid = new DrumGrid($("loop-grid"), config.drums, toggleLoopCell, {
    zones: true, onMute: (drum) => toggleMix("mute", drum), onSolo: (drum) => toggleMix("solo", drum),
  });
  variationStrip = new VariationStrip($("variations"), { count: VARIATIONS, onPick: pickVariation });
  bindControls();
  bindPanels();
  bindDownloads();
  bindKeyboard();
  fillBars(DEFAULT_MAX_BARS);
  store.subscribe(() => showAll());
  showAll();
  requestAnimationFrame(frame);
  window.studio = { player, store, config, caps: () => caps, playback: () => playback, audio: () => playback.audio, metronome, live };
  await Promise.all([loadKits(), waitUntilReady()]);
  await loadModelInfo();
  const state = store.getState();
  if (!restored || !state.seed) await panels.dice.rollDice({ play: false });
  else if (state.loop) await playback.sync();
  document.body.dataset.ready = "true";
}

function makeSpots() {
  const spot = (id, control = null) => new MessageSpot($(id), control);
  return {
    controls: spot("controls-message"),
    make: spot("make-message"),
    loop: spot("status"),
    session: spot("session-message"),
    dice: spot("dice-message", $("dice-roll")),
    grid: spot("grid-message", $("grid-use")),
    picture: spot("picture-message", $("picture-file")),
    rhythm: spot("rhythm-message"),
  };
}

/** Where a message about a change from `origin` goes, and the control it is about. */
function spotFor(origin) {
  const controls = { bpm: "bpm", tap: "bpm", swing: "swing", groove: "groove", kit: "kit" };
  if (controls[origin]) return [spots.controls, $(controls[origin])];
  if (origin === "generate") return [spots.controls, $("generate")]; // the top bar, where Generate is
  const make = { bars: "bars", temperature: "temperature", style: "style", fill: "fill-every", rng: "rng-seed" };
  if (make[origin]) return [spots.make, $(make[origin])];
  if (origin === "camera") return [{ error: (text) => panels.camera.say(text, true), clear() {}, showsError: false }, null];
  if (spots[origin]) return [spots[origin], null];
  if (origin === "pose picture") return [spots.picture, null];
  if (origin === "session") return [spots.session, $("load-session")];
  return [spots.loop, null];
}

// --- status and loading --------------------------------------------------------------

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
      spots.loop.error(`The studio could not load ${broken.map(([name]) => name).join(" and ")}. Restart poseloops serve; its window says why.`);
      break;
    }
    if (health) showLoading(true, "Loading the drum model and the pose estimator… you may need to wait a few seconds.");
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  showLoading(false);
  ready = true;
  reflectBusy();
}

/** Which model plays, and the choices it offers (style, fills, bars): shown where the server has them. */
async function loadModelInfo() {
  if (!caps.paths || !caps.paths.has("/api/model")) return; // an older server: no model info to show
  model = await api.getOptionalJson("/api/model").catch(() => null);
  if (!model) return;
  $("model-name").textContent = model.name ? `Model: ${model.name}` : "";
  fillBars(model.max_bars || DEFAULT_MAX_BARS);
  if (caps.generate.has("style") && Array.isArray(model.styles) && model.styles.length) {
    $("style").replaceChildren(...model.styles.map((style) => new Option(style, style)));
    $("style-control").hidden = false;
  }
  if (caps.generate.has("fill_every") && Array.isArray(model.fill_every)) {
    $("fill-every").replaceChildren(...model.fill_every.map((n) => new Option(n ? `a fill every ${n} bars` : "no fills", String(n))));
    $("fill-control").hidden = false;
  }
  reflectSettings();
}

function fillBars(max) {
  const select = $("bars");
  select.replaceChildren(...Array.from({ length: max }, (_, i) => new Option(`${i + 1}`, String(i + 1))));
  select.value = String(store.getState().settings.bars);
}

// --- showing the state -----------------------------------------------------------------

function showAll() {
  reflectSettings();
  showLoop();
  reflectHistory();
}

/** The grid shows what is heard; what is queued for the next bar is marked on it. */
function showLoop() {
  const state = store.getState();
  const heard = player.playing ? player.heard() : null;
  const shown = heard ? heard.loop : state.loop || state.seed;
  const info = $("loop-info");
  if (!shown) {
    loopGrid.show([], 0);
    info.textContent = "";
    return;
  }
  const latest = state.loop;
  const sameLength = latest && latest.pattern.length === shown.pattern.length;
  const queued = heard && latest && sameLength && JSON.stringify(latest.pattern) !== JSON.stringify(shown.pattern) ? latest.pattern : null;
  const groove = caps.render.has("groove") ? (heard ? heard.settings : state.settings).groove : 1;
  loopGrid.show(shown.pattern, shown.seed_length ?? shown.pattern.length, {
    edits: new Set(heard ? heard.edits : state.edits),
    velocities: shown.velocities ? grooved(shown.velocities, groove) : null,
    offsets: shown.offsets ? shown.offsets.map((step) => step.map((o) => o * groove)) : null,
    queued,
    muted: silencedDrums(state.settings, config.drums.length),
  });
  loopGrid.showMix(new Set(state.settings.mute), new Set(state.settings.solo));
  const steps = shown.pattern.length;
  const seedSteps = shown.seed_length ?? steps;
  const bpm = heard ? heard.bpm : state.settings.bpm;
  const bars = steps / STEPS_PER_BAR;
  const barsText = Number.isInteger(bars) ? `${bars} bar${bars === 1 ? "" : "s"}` : `${steps} steps`;
  info.textContent = `${barsText} · ${seedSteps} seed + ${steps - seedSteps} generated steps · ${((steps * 15) / bpm).toFixed(1)} s`;
  showVariations(heard);
}

/** Velocities as heard with the Groove amount: 0 is the straight grid at velocity 100. */
function grooved(velocities, amount) {
  return velocities.map((step) => step.map((v) => Math.round(100 + (v - 100) * amount)));
}

function showVariations(heard) {
  const state = store.getState();
  const playingHere = heard && heard.take === state.take ? heard.variation : null;
  const queued = player.playing && playingHere !== state.variation ? state.variation : null;
  variationStrip.show(state.variations, { current: player.playing ? playingHere : state.variation, queued, playing: player.playing });
}

/** Runs every frame: the playhead, and the grid when the heard loop changed at a bar. */
function frame() {
  const position = player.position();
  const slot = position ? position.slot : null;
  if (slot !== lastHeardSlot) {
    lastHeardSlot = slot;
    showLoop();
  }
  const heard = position ? position.meta.loop : null;
  loopGrid.setPlayStep(position && heard && heard.pattern.length === loopGrid.numSteps ? position.step : -1);
  showQueue();
  requestAnimationFrame(frame);
}

function showQueue() {
  const badge = $("queue-badge");
  let text = "";
  if (player.playing && player.pending) {
    const bar = (playback.queued?.bar ?? 0) + 1;
    text = `Next bar (bar ${bar}): ${describeQueued()}`;
  }
  if (badge.textContent !== text) badge.textContent = text;
  badge.dataset.queued = String(Boolean(text));
}

function describeQueued() {
  const state = store.getState();
  const heard = player.heard();
  if (!heard) return "the change";
  if (heard.take !== state.take) return "the new loop";
  if (heard.variation !== state.variation) return `variation ${state.variation + 1}`;
  return "your change";
}

function reflectHistory() {
  $("undo").disabled = !store.canUndo();
  $("redo").disabled = !store.canRedo();
}

function reflectBusy() {
  $("generate").disabled = !ready || generating;
}

// --- making loops ------------------------------------------------------------------------

/** A new random seed each time, or the locked one. */
function nextRngSeed() {
  const { rng_seed: seed, rng_locked: locked } = store.getState().settings;
  if (locked && Number.isInteger(seed)) return seed;
  return crypto.getRandomValues(new Uint32Array(1))[0] % MAX_RANDOM_SEED;
}

/** The steps to generate so the loop is whole bars (for a server that takes no `bars`). */
function stepsForWholeBars(seedLength, bars) {
  const total = Math.max(bars, Math.ceil(seedLength / STEPS_PER_BAR)) * STEPS_PER_BAR;
  const steps = total - seedLength;
  return steps >= 1 ? steps : steps + STEPS_PER_BAR;
}

function generateRequest(seed, settings, rng) {
  const seedLength = seed.seed_length ?? seed.pattern.length;
  const part = (rows) => rows.slice(0, seedLength);
  const seedPattern = { pattern: part(seed.pattern) };
  if (seed.velocities) seedPattern.velocities = part(seed.velocities);
  if (seed.offsets) seedPattern.offsets = part(seed.offsets);
  const body = {
    seed: forServer(seedPattern, caps.pattern), temperature: settings.temperature, rng_seed: rng, variations: VARIATIONS,
  };
  if (caps.generate.has("bars")) body.bars = settings.bars;
  else body.steps = stepsForWholeBars(seedLength, settings.bars);
  if (caps.generate.has("style") && !$("style-control").hidden) body.style = settings.style;
  if (caps.generate.has("fill_every") && !$("fill-control").hidden) body.fill_every = settings.fill_every;
  return body;
}

/** A seed from a panel: a new loop from it, heard from the next bar (or now when stopped). */
async function onSeed(seed, source, { play = true, rng = null } = {}) {
  if (source === "rhythm" && seed.bpm) {
    // a recording has its own tempo: the loop plays at it
    store.commitSettings({ bpm: Math.round(Math.min(Math.max(seed.bpm, 10), 300)) });
  }
  const made = await generate({ play, origin: source, seed, source, rng });
  if (made && play) showLoopOnPhone();
}

/**
 * Continue the seed with the model: 4 variations, the first plays from the next bar.
 * `seed`/`source`: a new seed from a panel (kept for retrying if the model fails).
 */
async function generate({ play = true, origin = "generate", seed = null, source = null, rng = null } = {}) {
  const state = store.getState();
  const theSeed = seed || state.seed;
  if (!theSeed) {
    await panels.dice.rollDice({ play });
    return false;
  }
  const [spot] = spotFor(origin);
  const rngSeed = rng ?? nextRngSeed();
  generating = true;
  reflectBusy();
  spots.loop.say("The drum model is continuing your seed…");
  let answer;
  try {
    answer = await api.postJson("/api/generate", generateRequest(theSeed, state.settings, rngSeed));
  } catch (err) {
    if (seed) store.update({ seed, source }); // the new seed stays: Generate tries it again
    spots.loop.clear();
    spot.error(generateProblem(err));
    return false;
  } finally {
    generating = false;
    reflectBusy();
  }
  const patterns = answer.patterns;
  const now = store.getState();
  store.commit({
    ...(seed ? { seed, source } : {}),
    loop: patterns[0], variations: patterns, variation: 0, variationEdits: patterns.map(() => []), edits: [],
    take: now.take + 1, settings: { ...now.settings, rng_seed: rngSeed },
  });
  spots.loop.say(`New loop from your ${source || now.source || "seed"}${patterns.length > 1 ? `: ${patterns.length} variations, keys 1-${patterns.length} switch` : ""}. Click cells to change it.`);
  const audio = await playback.sync({ from: "start", origin });
  if (audio && play && !player.playing) await startPlayback();
  return Boolean(audio);
}

/** On a phone, the loop and Play come into view after a panel made a loop (the panel is below). */
function showLoopOnPhone() {
  if (!window.matchMedia(NARROW).matches) return;
  const top = $("loop").getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.5) $("loop").scrollIntoView({ block: "start", behavior: "smooth" });
}

/** A hit added (velocity 100, on the grid) or taken away; a new loop object, the old one untouched. */
function toggledHit(loop, step, drum) {
  const pattern = loop.pattern.map((drums) => [...drums]);
  const rows = ["velocities", "offsets"].filter((key) => loop[key]);
  const copies = Object.fromEntries(rows.map((key) => [key, loop[key].map((values) => [...values])]));
  const at = pattern[step].indexOf(drum);
  if (at >= 0) {
    pattern[step].splice(at, 1);
    for (const key of rows) copies[key][step].splice(at, 1);
  } else {
    const place = pattern[step].findIndex((d) => d > drum);
    const index = place < 0 ? pattern[step].length : place;
    pattern[step].splice(index, 0, drum);
    if (copies.velocities) copies.velocities[step].splice(index, 0, 100);
    if (copies.offsets) copies.offsets[step].splice(index, 0, 0);
  }
  return { ...loop, pattern, ...copies };
}

function toggleLoopCell(step, drum) {
  const state = store.getState();
  const loop = state.loop;
  if (!loop || step >= loop.pattern.length) return;
  const edited = toggledHit(loop, step, drum);
  const seedLength = loop.seed_length ?? loop.pattern.length;
  const variations = state.variations.map((v, i) => (i === state.variation ? edited : v));
  const patch = { loop: edited, variations };
  if (step < seedLength) {
    // an edit in the seed part changes the seed: regenerating keeps it
    const seed = { pattern: edited.pattern.slice(0, seedLength), seed_length: seedLength };
    for (const key of ["velocities", "offsets"]) if (edited[key]) seed[key] = edited[key].slice(0, seedLength);
    patch.seed = seed;
  } else {
    const edits = new Set(state.edits);
    const key = `${step}:${drum}`;
    if (edits.has(key)) edits.delete(key);
    else edits.add(key);
    patch.edits = [...edits];
    patch.variationEdits = state.variations.map((_, i) => (i === state.variation ? patch.edits : state.variationEdits[i] || []));
  }
  store.commit(patch);
  playback.schedule({ origin: "edit" });
}

function pickVariation(index) {
  const state = store.getState();
  if (!state.variations[index] || index === state.variation) return;
  store.commit({ variation: index, loop: state.variations[index], edits: state.variationEdits[index] || [] });
  spots.loop.say(`Variation ${index + 1} ${player.playing ? "starts at the next bar" : "chosen"}.`);
  playback.schedule({ origin: "variation" });
}

function toggleMix(kind, drum) {
  const settings = store.getState().settings;
  const drums = new Set(settings[kind]);
  if (drums.has(drum)) drums.delete(drum);
  else drums.add(drum);
  store.commitSettings({ [kind]: [...drums].sort((a, b) => a - b) });
  playback.schedule({ origin: "mix" });
}

function travel(direction) {
  const moved = direction === "undo" ? store.undo() : store.redo();
  if (!moved) return;
  panels.mixer.show(store.getState().settings.mixer);
  spots.loop.say(direction === "undo" ? "Undone." : "Redone.");
  playback.schedule({ origin: "loop" });
}

// --- sound ------------------------------------------------------------------------------

function playbackFailed(err, { origin, request }) {
  // the state is back to what plays; say why next to what was changed
  const [spot, control] = spotFor(origin);
  spot.error(loopProblem(err, { steps: request.pattern.pattern.length, bpm: request.bpm, maxSeconds: config.limits.max_render_seconds }), control);
  panels.mixer.show(store.getState().settings.mixer);
}

function playbackDone(origin) {
  const [spot] = spotFor(origin);
  if (spot.showsError && spot !== spots.loop) spot.clear();
}

async function startPlayback() {
  if (!(await playback.start())) return;
  reflectPlaying();
}

async function togglePlay() {
  if (player.playing) {
    player.stop();
    reflectPlaying();
    return;
  }
  if (!store.getState().loop) await generate({ play: true });
  else await startPlayback();
}

function reflectPlaying() {
  const button = $("play");
  button.setAttribute("aria-pressed", String(player.playing));
  button.querySelector(".play-label").textContent = player.playing ? "Stop" : "Play";
  document.body.dataset.playing = String(player.playing);
  showLoop();
}

// --- controls ----------------------------------------------------------------------------

const SLIDERS = {
  bpm: { digits: 0, renders: true, text: (v) => `${v} BPM` },
  swing: { digits: 2, renders: true, text: (v) => (v <= 0.5 ? "straight" : `${Math.round((v - 0.5) * 400)}% swing`) },
  temperature: { digits: 2, renders: false, text: (v) => `${v.toFixed(2)}${v === 0 ? ", always the likeliest" : ""}` },
};

function bindControls() {
  for (const [name, { renders }] of Object.entries(SLIDERS)) {
    $(name).addEventListener("input", () => {
      store.commitSettings({ [name]: Number($(name).value) }, { merge: name });
      if (renders) playback.schedule({ origin: name });
    });
  }
  $("groove").addEventListener("input", () => {
    store.commitSettings({ groove: Number($("groove").value) / 100 }, { merge: "groove" });
    playback.schedule({ origin: "groove" });
  });
  $("tap").addEventListener("click", (event) => tapTempo(event.timeStamp));
  $("kit").addEventListener("change", () => {
    store.commitSettings({ kit: $("kit").value });
    playback.schedule({ origin: "kit" });
  });
  $("bars").addEventListener("change", () => store.commitSettings({ bars: Number($("bars").value) }));
  $("style").addEventListener("change", () => store.commitSettings({ style: $("style").value }));
  $("fill-every").addEventListener("change", () => store.commitSettings({ fill_every: Number($("fill-every").value) }));
  $("rng-seed").addEventListener("change", () => {
    const input = $("rng-seed");
    const value = Number(input.value);
    if (input.value === "") {
      store.commitSettings({ rng_seed: null, rng_locked: false });
    } else if (!Number.isInteger(value) || value < 0 || value > MAX_RANDOM_SEED) {
      spots.make.error(`The random seed is a whole number from 0 to ${MAX_RANDOM_SEED}.`, input);
      reflectSettings();
    } else {
      spots.make.clear();
      store.commitSettings({ rng_seed: value, rng_locked: true }); // typing a seed means: use this one
    }
  });
  $("rng-lock").addEventListener("click", () => {
    const { rng_locked: locked, rng_seed: seed } = store.getState().settings;
    store.commitSettings({ rng_locked: !locked, rng_seed: seed ?? nextRngSeed() });
  });
  $("seed-length").addEventListener("input", () => {
    store.update({ ui: { ...store.getState().ui, seedLength: Number($("seed-length").value) } });
    $("seed-length-out").textContent = $("seed-length").value;
    panels.grid.resize();
    live.socket.configure({ steps: seedSteps() });
  });
  $("play").addEventListener("click", () => togglePlay());
  $("generate").addEventListener("click", () => generate({ play: true }));
  $("undo").addEventListener("click", () => travel("undo"));
  $("redo").addEventListener("click", () => travel("redo"));
  $("generate").disabled = true;
}

function tapTempo(time) {
  const button = $("tap");
  button.classList.remove("tapped");
  void button.offsetWidth; // restart the flash
  button.classList.add("tapped");
  const bpm = tapper.tap(time);
  if (bpm === null) {
    spots.controls.say("Tap tempo: keep tapping (T) at the tempo you want.");
    return;
  }
  const [low, high] = config.limits.bpm;
  const rounded = Math.round(Math.min(Math.max(bpm, low), high));
  spots.controls.say(`Tap tempo: ${rounded} BPM.`);
  if (rounded === store.getState().settings.bpm) return;
  store.commitSettings({ bpm: rounded }, { merge: "bpm" });
  playback.schedule({ origin: "tap" });
}

function reflectSettings() {
  const { settings, ui } = store.getState();
  for (const [name, { digits, text }] of Object.entries(SLIDERS)) {
    const value = Number(settings[name]);
    if (Number($(name).value) !== value) $(name).value = value;
    $(`${name}-out`).textContent = value.toFixed(digits);
    $(name).setAttribute("aria-valuetext", text(value));
  }
  const groove = Math.round(settings.groove * 100);
  $("groove").value = groove;
  $("groove-out").textContent = `${groove}%`;
  $("groove").setAttribute("aria-valuetext", `${groove}%`);
  $("groove-control").hidden = !caps.render.has("groove");
  $("bars").value = String(settings.bars);
  if ([...$("style").options].some((o) => o.value === settings.style)) $("style").value = settings.style;
  $("fill-every").value = String(settings.fill_every);
  if (document.activeElement !== $("rng-seed")) $("rng-seed").value = settings.rng_seed ?? "";
  $("rng-lock").setAttribute("aria-pressed", String(Boolean(settings.rng_locked)));
  $("rng-lock").textContent = settings.rng_locked ? "Locked" : "Lock";
  if (ui.seedLength && Number($("seed-length").value) !== ui.seedLength) {
    $("seed-length").value = ui.seedLength;
    $("seed-length-out").textContent = ui.seedLength;
    panels.grid?.resize();
  }
  $("seed-length").setAttribute("aria-valuetext", `${$("seed-length").value} steps`);
  if ($("kit").value !== settings.kit && [...$("kit").options].some((o) => o.value === settings.kit)) $("kit").value = settings.kit;
}

async function loadKits() {
  const select = $("kit");
  try {
    const { kits, default: fallback } = await api.getJson("/api/kits");
    select.replaceChildren(...kits.map((kit) => new Option(kit.source.startsWith("built") ? `${kit.name} (built in)` : kit.name, kit.name)));
    const wanted = store.getState().settings.kit;
    if (!kits.some((kit) => kit.name === wanted)) {
      if (wanted && wanted !== fallback) spots.controls.say(`The kit "${wanted}" is not on this computer; playing the ${fallback} kit.`);
      store.update({ settings: { ...store.getState().settings, kit: fallback } });
    }
    select.value = store.getState().settings.kit;
  } catch (err) {
    spots.controls.error(generateProblem(err), select);
  }
}

function seedSteps() {
  return Number($("seed-length").value);
}

function bindPanels() {
  const { ui } = store.getState();
  const saveUi = (key) => (value) => store.update({ ui: { ...store.getState().ui, [key]: value } });
  panels.dice = new DicePanel(
    {
      length: $("dice-length"), low: $("dice-low"), high: $("dice-high"), roll: $("dice-roll"),
      lengthOut: $("dice-length-out"), lowOut: $("dice-low-out"), highOut: $("dice-high-out"),
    },
    { drums: config.drums, seedSteps, rngSeed: nextRngSeed, onSeed, message: spots.dice, saved: ui.dice || config.dice, onChange: saveUi("dice") },
  );
  panels.grid = new GridPanel(
    { root: $("seed-grid"), clear: $("grid-clear"), fill: $("grid-fill"), use: $("grid-use") },
    {
      drums: config.drums, seedSteps, onSeed, message: spots.grid, saved: ui.grid, onChange: saveUi("grid"),
      currentLoop: () => store.getState().loop || store.getState().seed,
    },
  );
  panels.camera = new CameraPanel(
    {
      stage: $("camera-stage"), video: $("camera-video"), canvas: $("camera-overlay"), message: $("camera-message"),
      countdown: $("countdown"), toggle: $("camera-toggle"), capture: $("camera-capture"),
    },
    { seedSteps, onSeed },
  );
  bindLive(ui);
  panels.picture = new PicturePanel(
    {
      input: $("picture-file"), preview: $("picture-preview"), overlay: $("picture-overlay"),
      modes: [...document.querySelectorAll('input[name="picture-mode"]')],
    },
    { seedSteps, onSeed, message: spots.picture, limits: config.limits },
  );
  panels.rhythm = new RhythmPanel(
    {
      record: $("rhythm-record"), time: $("rhythm-time"), useBpm: $("rhythm-use-bpm"), click: $("rhythm-click"),
      level: $("rhythm-level"), file: $("rhythm-file"),
    },
    {
      bpm: () => store.getState().settings.bpm, seedSteps, onSeed, message: spots.rhythm, limits: config.limits,
      audio: { context: () => player.context(), metronome },
      // the loop would be heard by the microphone: it stops while a rhythm is recorded
      onRecording: (recording) => recording && player.playing && togglePlay(),
    },
  );
  panels.mixer = new MixerPanel($("mixer-body"), config, {
    onChange: (mixer) => {
      store.commitSettings({ mixer }, { merge: "mixer" });
      playback.schedule({ origin: "mixer" });
    },
  });
  panels.mixer.show(store.getState().settings.mixer);
  bindTabs(ui.tab || "dice");
}

// --- live mode ------------------------------------------------------------------------------

function bindLive(ui) {
  const socket = new LiveSocket({ grabFrame: (options) => panels.camera.grabFrame(options) });
  live = new LiveMode({
    player, socket, camera: panels.camera, continueSeed: continueLive,
    barsPerChange: () => Number($("live-bars").value),
    say: (text, isError = false) => panels.camera.say(text, isError),
  });
  $("live-bars").value = String(ui.liveBars || 1);
  $("live-bars").addEventListener("change", () => store.update({ ui: { ...store.getState().ui, liveBars: Number($("live-bars").value) } }));
  $("live-toggle").addEventListener("change", () => setLive($("live-toggle").checked));
}

async function setLive(on) {
  $("live-toggle").checked = on;
  if (!on) {
    live.stop();
    return;
  }
  player.context().resume?.(); // this click lets the page play sound when the first pose comes
  await panels.camera.start();
  if (!panels.camera.running) {
    $("live-toggle").checked = false; // the camera said why
    return;
  }
  live.start({ steps: seedSteps(), mirror: true });
}

/** Whole bars of what plays, to prime the model on (the music evolves instead of restarting). */
function contextBars(loop) {
  const steps = Math.floor(loop.pattern.length / STEPS_PER_BAR) * STEPS_PER_BAR;
  if (steps === 0) return null;
  const bars = { pattern: loop.pattern.slice(0, steps) };
  for (const key of ["velocities", "offsets"]) if (loop[key]) bars[key] = loop[key].slice(0, steps);
  return forServer(bars, caps.pattern);
}

/**
 * Live mode's change: the pose's seed continued over `bars` bars from what plays, queued for the
 * next bar of every `every` (or played at once when nothing plays). Resolves to the loop's take, or null.
 */
async function continueLive(pose, { bars, every }) {
  const seed = { pattern: pose.pattern, seed_length: pose.pattern.length };
  const state = store.getState();
  const body = generateRequest(seed, { ...state.settings, bars }, nextRngSeed());
  body.variations = 1;
  const heard = player.playing ? player.heard() : null;
  const context = heard && caps.generate.has("context") ? contextBars(heard.loop) : null;
  if (context) body.context = context;
  let answer;
  try {
    answer = await api.postJson("/api/generate", body);
  } catch (err) {
    panels.camera.say(generateProblem(err), true);
    return null;
  }
  const loop = answer.patterns[0];
  const now = store.getState();
  const take = now.take + 1;
  store.commit({ seed, source: "live", loop, variations: [loop], variation: 0, variationEdits: [[]], edits: [], take });
  const audio = await playback.sync({ from: "start", origin: "camera", every });
  if (!audio) return null;
  if (!player.playing) await startPlayback();
  return take;
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
    else {
      setLive(false);
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

/** The MIDI request: the loop as heard (mutes too), with swing and groove where the server takes them. */
function midiRequest(state) {
  const { settings } = state;
  const request = { pattern: audibleLoop(state.loop, settings, caps.pattern), bpm: settings.bpm };
  if (caps.exportMidi.has("swing")) request.swing = settings.swing;
  if (caps.exportMidi.has("groove")) request.groove = settings.groove;
  return request;
}

function sessionSettings() {
  return caps.session.size ? caps.session : new Set(BASE_SESSION_SETTINGS);
}

function bindDownloads() {
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
  download("dl-midi", (state) => ["/api/export/midi", midiRequest(state)], "poseloops-loop.mid");
  download("dl-wav", (state) => ["/api/export/audio", { ...playback.request(state), format: "wav", loops: EXPORT_LOOPS }], "poseloops-loop.wav");
  download("dl-session", () => ["/api/export/session", store.sessionDocument(sessionSettings())], "poseloops-session.json");
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
    spots.session.error(`${file.name} is not a session file (it is not JSON). Choose a file saved with Save session.`, input);
    return;
  }
  try {
    const checked = await api.postJson("/api/session/load", doc);
    store.loadSession(checked);
    await loadKits();
    panels.mixer.show(store.getState().settings.mixer);
    spots.session.say(`Loaded ${file.name}.`);
    await playback.sync({ from: "start", origin: "session" });
  } catch (err) {
    spots.session.error(sessionProblem(err, file.name), input);
  }
}

// --- keyboard -----------------------------------------------------------------------------

function typingIn(target) {
  if (!target || !target.tagName) return false;
  if (target.tagName === "TEXTAREA" || target.isContentEditable) return true;
  return target.tagName === "INPUT" && TEXT_INPUT_TYPES.has(target.type);
}

function bindKeyboard() {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || typingIn(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey) {
      if (key === "z" || key === "y") {
        event.preventDefault();
        travel(key === "y" || event.shiftKey ? "redo" : "undo");
      }
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (key !== " " && event.target.tagName === "SELECT") return; // letters and digits pick options there
    if (key === " ") {
      if (event.target.closest && event.target.closest(SPACE_PRESSES)) return; // the control does what it does
      event.preventDefault();
      if (!event.repeat) togglePlay();
    } else if (/^[1-9]$/.test(key) && Number(key) <= VARIATIONS) {
      event.preventDefault();
      pickVariation(Number(key) - 1);
    } else if (key === "t" && !event.repeat) {
      event.preventDefault();
      tapTempo(event.timeStamp);
    }
  });
}
