// The controls: the sliders (BPM, swing, temperature, groove), tap tempo, the kit, the choices
// the model offers (bars, style, fills), the random seed and its lock, the seed length, and
// the transport buttons. A change the loop can be heard with is rendered for the next bar.

import * as api from "./api.js";
import * as store from "./store.js";
import { generateProblem } from "./messages.js";
import { $ } from "./studio.js";
import { MAX_RANDOM_SEED, generate, nextRngSeed, togglePlay, travel } from "./loops.js";
import { changeBars } from "./loop_length.js";

const DEFAULT_MAX_BARS = 16;

// Swing as a groovebox shows it: where the off-beat 16th falls within its 8th, 50% straight to 75%.
const swingPercent = (v) => `${Math.round(v * 100)}%`;

const SLIDERS = {
  bpm: { shown: (v) => v.toFixed(0), renders: true, text: (v) => `${v} BPM` },
  swing: { shown: swingPercent, renders: true, text: (v) => (v <= 0.5 ? "50%, straight" : `${swingPercent(v)} swing`) },
  temperature: { shown: (v) => v.toFixed(2), renders: false, text: (v) => `${v.toFixed(2)}${v === 0 ? ", always the likeliest" : ""}` },
};

// What a change of each generation control does to the loop playing: nothing until the next loop
// is made (as a synth's patch change waits for the next note). Said beside the control, until then.
const NEXT_LOOP = "applies to the next loop made (Generate, Regenerate or a new seed); the loop playing stays";
const NEXT_LOOP_TEXT = {
  temperature: (s) => `Temperature ${s.temperature.toFixed(2)} ${NEXT_LOOP}.`,
  style: (s) => `Style "${s.style}" ${NEXT_LOOP}.`,
  fill_every: (s) => `${s.fill_every ? `A fill every ${s.fill_every} bars` : "No fills"} ${NEXT_LOOP}.`,
  seed_steps: () => `Seed length ${seedSteps()} steps: the next seed a panel makes (Dice, Grid, Camera, Picture, Rhythm) is this long.`,
};

/** Say beside the Make group what a generation control's new value does, until a new loop is made. */
function sayNextLoop(studio, name) {
  const { take } = store.getState();
  studio.spots.make.say(NEXT_LOOP_TEXT[name](store.getState().settings), { holds: (s) => s.take === take });
}

/** The seed length chosen, in steps: what every seed panel makes. */
export function seedSteps() {
  return Number($("seed-length").value);
}

export function bindControls(studio) {
  for (const [name, { renders }] of Object.entries(SLIDERS)) {
    $(name).addEventListener("input", () => {
      store.commitSettings({ [name]: Number($(name).value) }, { merge: name });
      if (renders) studio.playback.schedule({ origin: name });
      else sayNextLoop(studio, name);
    });
  }
  // a message describes what plays now, or goes
  store.subscribe((state) => Object.values(studio.spots).forEach((spot) => spot.recheck?.(state)));
  $("groove").addEventListener("input", () => {
    store.commitSettings({ groove: Number($("groove").value) / 100 }, { merge: "groove" });
    studio.playback.schedule({ origin: "groove" });
  });
  $("tap").addEventListener("click", (event) => tapTempo(studio, event.timeStamp));
  $("kit").addEventListener("change", () => {
    store.commitSettings({ kit: $("kit").value });
    studio.playback.schedule({ origin: "kit" });
  });
  $("bars").addEventListener("change", () => changeBars(studio, Number($("bars").value)));
  $("style").addEventListener("change", () => {
    store.commitSettings({ style: $("style").value });
    sayNextLoop(studio, "style");
  });
  $("fill-every").addEventListener("change", () => {
    store.commitSettings({ fill_every: Number($("fill-every").value) });
    sayNextLoop(studio, "fill_every");
  });
  $("rng-seed").addEventListener("change", () => {
    const input = $("rng-seed");
    const value = Number(input.value);
    if (input.value === "") {
      store.commitSettings({ rng_seed: null, rng_locked: false });
    } else if (!Number.isInteger(value) || value < 0 || value > MAX_RANDOM_SEED) {
      studio.spots.make.error(`The random seed is a whole number from 0 to ${MAX_RANDOM_SEED}.`, input);
      reflectSettings(studio);
    } else {
      studio.spots.make.clear();
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
    studio.panels.grid.resize();
    studio.live.socket.configure({ steps: seedSteps() });
    sayNextLoop(studio, "seed_steps");
  });
  $("play").addEventListener("click", () => togglePlay(studio));
  $("generate").addEventListener("click", () => generate(studio, { play: true }));
  $("undo").addEventListener("click", () => travel(studio, "undo"));
  $("redo").addEventListener("click", () => travel(studio, "redo"));
  $("generate").disabled = true;
}

export function tapTempo(studio, time) {
  const button = $("tap");
  button.classList.remove("tapped");
  void button.offsetWidth; // restart the flash
  button.classList.add("tapped");
  const bpm = studio.tapper.tap(time);
  if (bpm === null) {
    studio.spots.controls.say("Tap tempo: keep tapping (T) at the tempo you want.");
    return;
  }
  const [low, high] = studio.config.limits.bpm;
  const rounded = Math.round(Math.min(Math.max(bpm, low), high));
  studio.spots.controls.say(`Tap tempo: ${rounded} BPM.`, { holds: (s) => s.settings.bpm === rounded });
  if (rounded === store.getState().settings.bpm) return;
  store.commitSettings({ bpm: rounded }, { merge: "bpm" });
  studio.playback.schedule({ origin: "tap" });
}

export function reflectSettings(studio) {
  const { settings, ui } = store.getState();
  for (const [name, { shown, text }] of Object.entries(SLIDERS)) {
    const value = Number(settings[name]);
    if (Number($(name).value) !== value) $(name).value = value;
    $(`${name}-out`).textContent = shown(value);
    $(name).setAttribute("aria-valuetext", text(value));
  }
  const groove = Math.round(settings.groove * 100);
  $("groove").value = groove;
  $("groove-out").textContent = `${groove}%`;
  $("groove").setAttribute("aria-valuetext", `${groove}%`);
  $("groove-control").hidden = !studio.caps.render.has("groove");
  $("bars").value = String(settings.bars);
  if ([...$("style").options].some((o) => o.value === settings.style)) $("style").value = settings.style;
  $("fill-every").value = String(settings.fill_every);
  if (document.activeElement !== $("rng-seed")) $("rng-seed").value = settings.rng_seed ?? "";
  $("rng-lock").setAttribute("aria-pressed", String(Boolean(settings.rng_locked)));
  $("rng-lock").textContent = settings.rng_locked ? "Locked" : "Lock";
  if (ui.seedLength && Number($("seed-length").value) !== ui.seedLength) {
    $("seed-length").value = ui.seedLength;
    $("seed-length-out").textContent = ui.seedLength;
    studio.panels.grid?.resize();
  }
  $("seed-length").setAttribute("aria-valuetext", `${$("seed-length").value} steps`);
  if (ui.liveBars && $("live-bars").value !== String(ui.liveBars)) $("live-bars").value = String(ui.liveBars);
  if ($("kit").value !== settings.kit && [...$("kit").options].some((o) => o.value === settings.kit)) $("kit").value = settings.kit;
}

export async function loadKits(studio) {
  const select = $("kit");
  try {
    const { kits, default: fallback } = await api.getJson("/api/kits");
    select.replaceChildren(...kits.map((kit) => new Option(kit.source.startsWith("built") ? `${kit.name} (built in)` : kit.name, kit.name)));
    const wanted = store.getState().settings.kit;
    if (!kits.some((kit) => kit.name === wanted)) {
      if (wanted && wanted !== fallback) studio.spots.controls.say(`The kit "${wanted}" is not on this computer; playing the ${fallback} kit.`);
      store.update({ settings: { ...store.getState().settings, kit: fallback } });
    }
    select.value = store.getState().settings.kit;
  } catch (err) {
    studio.spots.controls.error(generateProblem(err), select);
  }
}

/** Which model plays, and the choices it offers (style, fills, bars): shown where the server has them. */
export async function loadModelInfo(studio) {
  const { caps } = studio;
  if (!caps.paths || !caps.paths.has("/api/model")) return; // an older server: no model info to show
  const model = await api.getOptionalJson("/api/model").catch(() => null);
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
  reflectSettings(studio);
}

/** The Bars choices, 1 to `max` (the model's longest loop, or the default until the model says). */
export function fillBars(max = DEFAULT_MAX_BARS) {
  const select = $("bars");
  select.replaceChildren(...Array.from({ length: max }, (_, i) => new Option(`${i + 1}`, String(i + 1))));
  select.value = String(store.getState().settings.bars);
}
