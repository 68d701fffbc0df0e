// Making loops: a seed from a panel continued by the model into a few variations, the first
// heard from the next bar (or at once when nothing plays); the edits a person clicks on the
// loop, the variation picked, mute and solo, undo and redo; and Play, which makes a loop
// first when there is none.

import * as api from "./api.js";
import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { forServer } from "./playback.js";
import { generateProblem, whileUnchanged } from "./messages.js";
import { $, spotFor } from "./studio.js";
import { reflectBusy, reflectPlaying } from "./loop_view.js";

export const VARIATIONS = 4;              // previews shown; the API makes up to 8
export const MAX_RANDOM_SEED = 2 ** 32 - 1;
const NARROW = "(max-width: 600px)";

/** A new random seed each time, or the locked one. */
export function nextRngSeed() {
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

export function generateRequest(caps, seed, settings, rng) {
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
  if (caps.generate.has("density")) body.density = settings.density ?? 0.5; // the Density knob (direct_controls.js)
  return body;
}

/** A seed from a panel: a new loop from it, heard from the next bar (or now when stopped). */
export async function onSeed(studio, seed, source, { play = true, rng = null } = {}) {
  if (source === "rhythm" && seed.bpm) {
    // a recording has its own tempo: the loop plays at it
    store.commitSettings({ bpm: Math.round(Math.min(Math.max(seed.bpm, 10), 300)) });
  }
  const made = await generate(studio, { play, origin: source, seed, source, rng });
  if (made && play) showLoopOnPhone();
}

/**
 * Continue the seed with the model: 4 variations, the first plays from the next bar.
 * `seed`/`source`: a new seed from a panel (kept for retrying if the model fails).
 */
export async function generate(studio, { play = true, origin = "generate", seed = null, source = null, rng = null } = {}) {
  const { spots } = studio;
  const state = store.getState();
  const theSeed = seed || state.seed;
  if (!theSeed) {
    await studio.panels.dice.rollDice({ play });
    return false;
  }
  const [spot, control] = spotFor(studio, origin);
  const rngSeed = rng ?? nextRngSeed();
  studio.generating = true;
  reflectBusy(studio);
  spots.loop.say("The drum model is continuing your seed…");
  let answer;
  try {
    answer = await api.postJson("/api/generate", generateRequest(studio.caps, theSeed, state.settings, rngSeed));
  } catch (err) {
    if (seed) store.update({ seed, source }); // the new seed stays: Generate tries it again
    spots.loop.clear();
    // marks the control (Generate, or the panel's), and goes once something else plays
    spot.error(generateProblem(err), control, whileUnchanged(store.getState()));
    return false;
  } finally {
    studio.generating = false;
    reflectBusy(studio);
  }
  return playNewLoops(studio, answer.patterns, { play, origin, seed, source, rngSeed });
}

/**
 * The model's answer becomes the loop (one undo step): the first of `patterns` plays from its
 * start at the next bar (or at once when `play` and nothing plays), the others are variations.
 * Generate, Drumify and Blend all land this way. `seed`/`source`: what the loop was made from.
 */
export async function playNewLoops(studio, patterns, { play = true, origin = "generate", seed = null, source = null, rngSeed = null, told = null } = {}) {
  const now = store.getState();
  store.commit({
    ...(seed ? { seed } : {}), ...(source ? { source } : {}),
    loop: patterns[0], variations: patterns, variation: 0, variationEdits: patterns.map(() => []), edits: [],
    take: now.take + 1, settings: { ...now.settings, ...(rngSeed === null ? {} : { rng_seed: rngSeed }) },
  });
  const take = now.take + 1;
  const audio = await studio.playback.sync({ from: "start", origin });
  // said only of a loop that plays (a refused render went back to the old one), and only while it plays
  if (audio) {
    studio.spots.loop.say(told || `New loop from your ${source || now.source || "seed"}${patterns.length > 1 ? `: ${patterns.length} variations, keys 1-${patterns.length} switch` : ""}. Click cells to change it.`,
      { holds: (s) => s.take === take && s.variation === 0 && !studio.live?.on });
  } else studio.spots.loop.clear();
  if (audio && play && !studio.player.playing) await startPlayback(studio);
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

export function toggleLoopCell(studio, step, drum) {
  const loop = store.getState().loop;
  if (!loop || step >= loop.pattern.length) return;
  commitLoopEdit(studio, toggledHit(loop, step, drum), step, drum, { toggle: true });
}

/**
 * A person's change of the loop at (step, drum), `edited` the whole new loop: one undo step,
 * heard from the next bar. In the generated part the cell is marked as edited (`toggle`: a
 * second change of the cell takes the mark away, as a hit toggled back is as the model made it).
 */
export function commitLoopEdit(studio, edited, step, drum, { toggle = false } = {}) {
  const state = store.getState();
  const seedLength = edited.seed_length ?? edited.pattern.length;
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
    if (toggle && edits.has(key)) edits.delete(key);
    else edits.add(key);
    patch.edits = [...edits];
    patch.variationEdits = state.variations.map((_, i) => (i === state.variation ? patch.edits : state.variationEdits[i] || []));
  }
  store.commit(patch);
  studio.playback.schedule({ origin: "edit" });
}

export function pickVariation(studio, index) {
  const state = store.getState();
  if (!state.variations[index] || index === state.variation) return;
  store.commit({ variation: index, loop: state.variations[index], edits: state.variationEdits[index] || [] });
  const { take } = store.getState();
  studio.spots.loop.say(`Variation ${index + 1} ${studio.player.playing ? "starts at the next bar" : "chosen"}.`,
    { holds: (s) => s.take === take && s.variation === index });
  studio.playback.schedule({ origin: "variation" });
}

export function toggleMix(studio, kind, drum) {
  const settings = store.getState().settings;
  const drums = new Set(settings[kind]);
  if (drums.has(drum)) drums.delete(drum);
  else drums.add(drum);
  store.commitSettings({ [kind]: [...drums].sort((a, b) => a - b) });
  studio.playback.schedule({ origin: "mix" });
}

export function travel(studio, direction) {
  const moved = direction === "undo" ? store.undo() : store.redo();
  if (!moved) return;
  const state = store.getState();
  studio.panels.mixer.show(state.settings.mixer);
  studio.spots.loop.say(direction === "undo" ? "Undone." : "Redone.", { holds: whileUnchanged(state) });
  if (!state.loop && studio.player.playing) {
    studio.player.stop(); // back to an empty studio (before New session): nothing is left to play
    reflectPlaying(studio);
  }
  studio.playback.schedule({ origin: "loop" });
}

// --- play and stop ------------------------------------------------------------------------

export async function startPlayback(studio) {
  if (!(await studio.playback.start())) return;
  reflectPlaying(studio);
}

export async function togglePlay(studio) {
  const { player } = studio;
  if (player.playing) {
    player.stop();
    reflectPlaying(studio);
    return;
  }
  if (!store.getState().loop) await generate(studio, { play: true });
  else await startPlayback(studio);
}
