// Locks: what Regenerate (and a row's or a bar's "new") keeps. A person locks a drum row (its
// name), a bar (its number) or single cells (L on a cell, or the Lock cells mode); the locks
// live in the state as {rows: [drum...], bars: [0-based bar...], cells: ["step:drum"...]} and
// every change of them is one undo step. Locks are kept in the session and survive a reload.

import * as store from "./store.js";
import { STEPS_PER_BAR } from "./grid_parts.js";

const NO_LOCKS = Object.freeze({ rows: [], bars: [], cells: [] });

/** The state's locks, whole (an older saved session may have none). */
export function locksOf(state) {
  const locks = state.locks || NO_LOCKS;
  return { rows: locks.rows || [], bars: locks.bars || [], cells: locks.cells || [] };
}

/**
 * Every cell kept when regenerating the state's loop: each cell of a locked row, of a locked
 * bar, and each locked cell, as [[step, drum]...] sorted by step then drum (the API's `locked`).
 */
export function lockedCells(state, drumCount = 9) {
  const steps = state.loop ? state.loop.pattern.length : 0;
  const { rows, bars, cells } = locksOf(state);
  const kept = new Set();
  for (const drum of rows) for (let step = 0; step < steps; step++) kept.add(step * drumCount + drum);
  for (const bar of bars) {
    for (let step = bar * STEPS_PER_BAR; step < Math.min(steps, (bar + 1) * STEPS_PER_BAR); step++) {
      for (let drum = 0; drum < drumCount; drum++) kept.add(step * drumCount + drum);
    }
  }
  for (const key of cells) {
    const [step, drum] = key.split(":").map(Number);
    if (step < steps && drum < drumCount) kept.add(step * drumCount + drum);
  }
  return [...kept].sort((a, b) => a - b).map((index) => [Math.floor(index / drumCount), index % drumCount]);
}

/** The locked cells as a set of "step:drum" keys, for showing them. */
export function lockedKeys(state, drumCount = 9) {
  return new Set(lockedCells(state, drumCount).map(([step, drum]) => `${step}:${drum}`));
}

function toggled(list, value) {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function commitLocks(patch) {
  store.commit({ locks: { ...locksOf(store.getState()), ...patch } });
}

export function toggleRowLock(drum) {
  commitLocks({ rows: toggled(locksOf(store.getState()).rows, drum) });
}

/** `bar`: 0-based. */
export function toggleBarLock(bar) {
  commitLocks({ bars: toggled(locksOf(store.getState()).bars, bar) });
}

export function toggleCellLock(step, drum) {
  commitLocks({ cells: toggled(locksOf(store.getState()).cells, `${step}:${drum}`) });
}

export function unlockAll() {
  commitLocks({ rows: [], bars: [], cells: [] });
}

export function hasLocks(state) {
  const { rows, bars, cells } = locksOf(state);
  return rows.length + bars.length + cells.length > 0;
}
