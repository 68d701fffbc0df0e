// Accents and ghost notes: a hit's velocity set by a drag on its cell or by a key on the focused
// cell (A accent, G ghost note; grid.js). A key on an empty cell adds the hit at that velocity.
// The change is a loop edit like a toggled cell: one undo step, heard from the next bar.

import * as store from "./store.js";
import { commitLoopEdit } from "./loops.js";

const DEFAULT_VELOCITY = 100; // a hit without a stored velocity (the renderer plays it at this)

/** The loop with the hit (step, drum) at `velocity` (added when absent); a new loop, the old one untouched. */
export function withVelocity(loop, step, drum, velocity) {
  const pattern = loop.pattern.map((drums) => [...drums]);
  const velocities = loop.velocities
    ? loop.velocities.map((values) => [...values])
    : loop.pattern.map((drums) => drums.map(() => DEFAULT_VELOCITY));
  const offsets = loop.offsets ? loop.offsets.map((values) => [...values]) : null;
  let at = pattern[step].indexOf(drum);
  if (at < 0) {
    const place = pattern[step].findIndex((d) => d > drum);
    at = place < 0 ? pattern[step].length : place;
    pattern[step].splice(at, 0, drum);
    velocities[step].splice(at, 0, velocity);
    if (offsets) offsets[step].splice(at, 0, 0);
  }
  velocities[step][at] = velocity;
  return { ...loop, pattern, velocities, ...(offsets ? { offsets } : {}) };
}

/** Set the velocity of the loop's hit at (step, drum); nothing when it already has it. */
export function setVelocity(studio, step, drum, velocity) {
  const loop = store.getState().loop;
  if (!loop || step >= loop.pattern.length) return;
  const at = loop.pattern[step].indexOf(drum);
  if (at >= 0 && loop.velocities && loop.velocities[step][at] === velocity) return;
  commitLoopEdit(studio, withVelocity(loop, step, drum, velocity), step, drum);
  const name = studio.config.drums[drum]?.name ?? `drum ${drum}`;
  studio.spots.loop.say(`${name}, step ${step + 1}: velocity ${velocity}${studio.player.playing ? ", heard from the next bar" : ""}.`);
}
