// Showing the loop: the grid shows what is heard, with what is queued for the next bar marked
// on it; the variations, the queue badge, Play, Undo/Redo and Generate follow the state.

import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { silencedDrums } from "./playback.js";
import { $ } from "./studio.js";
import { lockedKeys, locksOf } from "./locks.js";

/** The grid shows what is heard; what is queued for the next bar is marked on it. */
export function showLoop(studio) {
  const { player, loopGrid, caps, config } = studio;
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
    raw: shown.velocities,
    queued,
    muted: silencedDrums(state.settings, config.drums.length),
    locked: lockedKeys({ loop: shown, locks: state.locks }, config.drums.length),
    locks: locksOf(state),
  });
  loopGrid.showMix(new Set(state.settings.mute), new Set(state.settings.solo));
  const steps = shown.pattern.length;
  const seedSteps = shown.seed_length ?? steps;
  const bpm = heard ? heard.bpm : state.settings.bpm;
  const bars = steps / STEPS_PER_BAR;
  const barsText = Number.isInteger(bars) ? `${bars} bar${bars === 1 ? "" : "s"}` : `${steps} steps`;
  info.textContent = `${barsText} · ${seedSteps} seed + ${steps - seedSteps} generated steps · ${((steps * 15) / bpm).toFixed(1)} s`;
  showVariations(studio, heard);
}

/** Velocities as heard with the Groove amount: 0 is the straight grid at velocity 100. */
function grooved(velocities, amount) {
  return velocities.map((step) => step.map((v) => Math.round(100 + (v - 100) * amount)));
}

function showVariations(studio, heard) {
  const { player } = studio;
  const state = store.getState();
  const playingHere = heard && heard.take === state.take ? heard.variation : null;
  const queued = player.playing && playingHere !== state.variation ? state.variation : null;
  studio.variationStrip.show(state.variations, { current: player.playing ? playingHere : state.variation, queued, playing: player.playing });
}

/** Every frame from now on: the playhead, and the grid when the heard loop changed at a bar. */
export function followPlayhead(studio) {
  const { player, loopGrid } = studio;
  let lastHeardSlot = null;
  const frame = () => {
    const position = player.position();
    const slot = position ? position.slot : null;
    if (slot !== lastHeardSlot) {
      lastHeardSlot = slot;
      showLoop(studio);
    }
    const heard = position ? position.meta.loop : null;
    loopGrid.setPlayStep(position && heard && heard.pattern.length === loopGrid.numSteps ? position.step : -1);
    showQueue(studio);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function showQueue(studio) {
  const { player } = studio;
  const badge = $("queue-badge");
  let text = "";
  if (player.playing && player.pending) {
    const bar = (studio.playback.queued?.bar ?? 0) + 1;
    text = `Next bar (bar ${bar}): ${describeQueued(player)}`;
  }
  if (badge.textContent !== text) badge.textContent = text;
  badge.dataset.queued = String(Boolean(text));
}

function describeQueued(player) {
  const state = store.getState();
  const heard = player.heard();
  if (!heard) return "the change";
  if (heard.take !== state.take) return "the new loop";
  if (heard.variation !== state.variation) return `variation ${state.variation + 1}`;
  return "your change";
}

export function reflectHistory() {
  $("undo").disabled = !store.canUndo();
  $("redo").disabled = !store.canRedo();
}

export function reflectBusy(studio) {
  $("generate").disabled = !studio.ready || studio.generating;
}

export function reflectPlaying(studio) {
  const { player } = studio;
  const button = $("play");
  button.setAttribute("aria-pressed", String(player.playing));
  button.querySelector(".play-label").textContent = player.playing ? "Stop" : "Play";
  document.body.dataset.playing = String(player.playing);
  showLoop(studio);
}
