// Regenerate: the infilling model draws again everything that is not locked (the Regenerate
// button or R), or just one drum row or one bar (the ↻ beside a row's name or a bar's number),
// keeping every locked cell exactly. The answer lands as every new loop does (loops.js
// playNewLoops): at the next bar, as 4 variations, one undo step. Also here: the grid's lock
// controls (Lock cells mode, Unlock all) and the wiring of the grid's lock, "new" and velocity actions.

import * as api from "./api.js";
import * as store from "./store.js";
import { VARIATIONS, nextRngSeed, playNewLoops } from "./loops.js";
import { forServer } from "./playback.js";
import { generateProblem, MessageSpot } from "./messages.js";
import { $ } from "./studio.js";
import { hasLocks, lockedCells, toggleBarLock, toggleCellLock, toggleRowLock, unlockAll } from "./locks.js";
import { setVelocity } from "./accents.js";

/** The request that draws again `drums` (drum indices) in `bars` (1-based) of the state's loop, locks kept. */
export function regenerateRequest(studio, state, { drums = null, bars = null, rng }) {
  const { settings } = state;
  const body = {
    loop: forServer(state.loop, studio.caps.pattern), temperature: settings.temperature, rng_seed: rng, variations: VARIATIONS,
    density: settings.density ?? 0.5,
  };
  const locked = lockedCells(state, studio.config.drums.length);
  if (locked.length) body.locked = locked;
  if (drums) body.drums = drums;
  if (bars) body.bars = bars;
  if (!$("style-control").hidden) body.style = settings.style;
  if (!drums && !bars && settings.fill_every) body.fill_every = settings.fill_every;
  return body;
}

/** What was drawn again, in words: "the loop (locks kept)", "the kick", "bar 3". */
function what(studio, { drums, bars }) {
  if (drums) return `the ${studio.config.drums[drums[0]]?.name ?? "row"}`;
  if (bars) return `bar ${bars[0]}`;
  return "everything not locked";
}

/** A plain sentence for a refusal: everything asked for is locked, or what generateProblem says. */
function problem(err) {
  if (err instanceof api.ApiError && err.status === 422 && /nothing to regenerate|keeps every cell/.test(err.message)) {
    return "Nothing to draw again: every cell there is locked. Unlock a row, a bar or some cells first.";
  }
  return generateProblem(err);
}

/**
 * Draw again the unlocked cells of the loop (of `drums`, of `bars`: 1-based, when given). The old
 * loop stays until the answer plays; a refusal is said beside Regenerate and changes nothing.
 */
export async function regenerate(studio, { drums = null, bars = null } = {}) {
  const spot = studio.spots.regenerate;
  const state = store.getState();
  if (!state.loop) {
    spot.error("There is no loop to regenerate yet: roll the dice or make a seed first.");
    return false;
  }
  if (studio.regenerating) return false;
  studio.regenerating = true;
  $("regenerate").disabled = true;
  const rng = nextRngSeed();
  const asked = what(studio, { drums, bars });
  spot.say(`Drawing ${asked} again…`);
  let answer;
  try {
    answer = await api.postJson("/api/regenerate", regenerateRequest(studio, state, { drums, bars, rng }));
  } catch (err) {
    spot.error(problem(err));
    return false;
  } finally {
    studio.regenerating = false;
    $("regenerate").disabled = false;
  }
  spot.clear();
  const told = `New ${asked === "everything not locked" ? "loop: everything not locked drawn again" : `${asked} drawn again`}${hasLocks(state) ? ", locked cells kept" : ""}: ${answer.patterns.length} variations, keys 1-${answer.patterns.length} switch.`;
  return playNewLoops(studio, answer.patterns, { origin: "regenerate", rngSeed: rng, told });
}

/** Show the Lock cells mode on its button and on the grid. */
function showLockMode(studio, on) {
  $("lock-cells").setAttribute("aria-pressed", String(on));
  studio.loopGrid.setLockMode(on);
}

/** The grid's options for the loop: locks, a row's and a bar's "new", velocity drags and keys. */
export function loopGridActions(studio) {
  return {
    onLockRow: (drum) => toggleRowLock(drum),
    onLockBar: (bar) => toggleBarLock(bar),
    onLockCell: (step, drum) => toggleCellLock(step, drum),
    onNewRow: (drum) => regenerate(studio, { drums: [drum] }),
    onNewBar: (bar) => regenerate(studio, { bars: [bar + 1] }),
    onVelocity: (step, drum, velocity) => setVelocity(studio, step, drum, velocity),
  };
}

export function bindRegenerate(studio) {
  studio.spots.regenerate = new MessageSpot($("regenerate-message"), $("regenerate"));
  studio.regenerating = false;
  $("regenerate").addEventListener("click", () => regenerate(studio));
  $("lock-cells").addEventListener("click", () => showLockMode(studio, !studio.loopGrid.lockMode));
  $("unlock-all").addEventListener("click", () => unlockAll());
}
