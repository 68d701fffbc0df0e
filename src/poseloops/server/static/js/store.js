// The studio's state: the seed, the loop and its variations, the settings. It lives in this
// page (never on the server) and is kept in localStorage with its undo history, so a reload
// or a server restart loses nothing.
//
// Two kinds of change: `commit` is a change a person can undo (the loop, a setting), and
// remembers the state before it; `update` is bookkeeping (which tab is open) that is not.

const STORAGE_KEY = "poseloops.session.v1";
const HISTORY_KEY = "poseloops.history.v1";
const SAVE_DELAY_MS = 250;
const MAX_HISTORY = 60;           // undo steps kept (each a few kB with its variations)
const MERGE_WINDOW_MS = 1000;     // a slider drag or a run of arrow keys is one undo step

export const DEFAULT_SETTINGS = Object.freeze({
  bpm: 120, swing: 0.5, temperature: 1, steps: 32, bars: 4, kit: "synth", mixer: null,
  rng_seed: null, rng_locked: false, style: "any", fill_every: 0, groove: 1, mute: [], solo: [],
  density: 0.5, master: 1,
});

// What undo brings back: everything that makes the sound. Tabs and panel state are not undone.
const MUSICAL_KEYS = ["seed", "loop", "variations", "variation", "variationEdits", "edits", "take", "source", "settings",
  "locks"];

function initialState() {
  return {
    seed: null,          // {pattern: [[drums]...], seed_length, velocities?, offsets?}
    loop: null,          // the variation that plays: seed followed by generated steps, with edits
    variations: [],      // every variation the model made for this seed (edits kept in each)
    variation: 0,        // which one plays
    variationEdits: [],  // per variation, the "step:drum" cells a person changed
    edits: [],           // the playing variation's changed cells
    take: 0,             // counts generations, so a variation is known across them
    source: null,        // which panel made the seed
    locks: { rows: [], bars: [], cells: [] }, // kept when regenerating: drums, 0-based bars, "step:drum" cells
    settings: { ...DEFAULT_SETTINGS },
    ui: { tab: "dice", dice: null, grid: null },
  };
}

const listeners = new Set();
let state = initialState();
let history = { past: [], future: [] };
let saveTimer = null;
let lastMerge = { key: null, at: 0 };
let leaving = false; // the page is going away: its last state is saved

export function getState() {
  return state;
}

function tell(keys) {
  for (const listener of listeners) listener(state, keys);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, SAVE_DELAY_MS);
}

/** Merge `patch` into the state without an undo step (panel state, a failed seed kept for retrying). */
export function update(patch) {
  state = { ...state, ...patch };
  tell(Object.keys(patch));
}

/** The musical part of the state: what undo restores and what playback renders. */
export function snapshot(from = state) {
  const snap = {};
  for (const key of MUSICAL_KEYS) snap[key] = from[key];
  return structuredClone(snap);
}

/**
 * A change a person can undo. Changes with the same `merge` key within a second (one slider
 * drag) make one undo step.
 */
export function commit(patch, { merge = null } = {}) {
  const now = Date.now();
  const merging = merge !== null && lastMerge.key === merge && now - lastMerge.at < MERGE_WINDOW_MS;
  // an empty studio (a fresh page before its first loop) is nothing to go back to
  const empty = !state.loop && !state.seed;
  if (!merging && !empty) {
    history.past.push(snapshot());
    if (history.past.length > MAX_HISTORY) history.past.shift();
  }
  history.future = [];
  lastMerge = { key: merge, at: now };
  update(patch);
}

export function commitSettings(patch, options) {
  commit({ settings: { ...state.settings, ...patch } }, options);
}

/** The loops in the undo history, newest first, each once (the one playing now left out). */
export function pastLoops() {
  const seen = new Set([state.loop ? JSON.stringify(state.loop.pattern) : ""]);
  const loops = [];
  for (let i = history.past.length - 1; i >= 0; i--) {
    const loop = history.past[i].loop;
    const key = loop ? JSON.stringify(loop.pattern) : "";
    if (seen.has(key)) continue;
    seen.add(key);
    loops.push(loop);
  }
  return loops;
}

export function canUndo() {
  return history.past.length > 0;
}

export function canRedo() {
  return history.future.length > 0;
}

function travel(from, to) {
  if (from.length === 0) return false;
  to.push(snapshot());
  const previous = from.pop();
  lastMerge = { key: null, at: 0 };
  update(previous);
  return true;
}

export function undo() {
  return travel(history.past, history.future);
}

export function redo() {
  return travel(history.future, history.past);
}

/**
 * Go back to `snap` (what plays) after a change that could not be played, and forget that
 * change: it is not a step to redo.
 */
export function revertTo(snap) {
  const top = history.past[history.past.length - 1];
  if (top && JSON.stringify(top) === JSON.stringify(snap)) history.past.pop();
  lastMerge = { key: null, at: 0 };
  update(structuredClone(snap));
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function save() {
  clearTimeout(saveTimer);
  if (leaving) return;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  } catch (_) {
    /* storage full or disabled: the session still works, it just won't survive a reload */
  }
}

/**
 * Save at once when the page goes away: an edit just before a reload is kept. From then on the
 * saved state stays as it was: leaving aborts the renders in flight, and the revert after a
 * failed render must not overwrite the edit that render was for.
 */
export function saveOnLeave(target = window) {
  const leave = () => {
    save();
    leaving = true;
  };
  target.addEventListener("beforeunload", leave);
  target.addEventListener("pagehide", leave);
  target.addEventListener("pageshow", () => (leaving = false)); // back from the back-forward cache
  target.document.addEventListener("visibilitychange", () => {
    if (target.document.visibilityState === "hidden") save();
  });
}

/** The saved state, or a fresh one when nothing (readable) was saved. */
export function restore() {
  history = { past: [], future: [] };
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    if (saved && typeof saved === "object") {
      state = normalise(saved);
      const past = JSON.parse(localStorage.getItem(HISTORY_KEY) || "null");
      if (past && Array.isArray(past.past) && Array.isArray(past.future)) history = past;
      return true;
    }
  } catch (_) {
    /* a corrupt entry: start fresh */
  }
  state = initialState();
  return false;
}

function normalise(saved) {
  const fresh = initialState();
  const merged = {
    ...fresh,
    ...saved,
    settings: { ...fresh.settings, ...(saved.settings || {}) },
    ui: { ...fresh.ui, ...(saved.ui || {}) },
    edits: Array.isArray(saved.edits) ? saved.edits : [],
  };
  if (!Array.isArray(merged.variations) || merged.variations.length === 0) {
    merged.variations = merged.loop ? [merged.loop] : [];
    merged.variation = 0;
  }
  if (!Array.isArray(merged.variationEdits)) merged.variationEdits = merged.variations.map(() => []);
  return merged;
}

// What a session file holds beyond the settings: every variation (edits kept in each), which one
// plays, the edited cells and the locks. The page's own choices that shape the sound are settings
// there too: the seed length (ui.seedLength), the bars per live change (ui.liveBars) and the
// metronome switch (ui.metronome).
const UI_SETTINGS = { seed_steps: "seedLength", live_bars: "liveBars", metronome: "metronome" };

/**
 * The session file's content (the server's Session model): everything the page shows. `accepted`:
 * the settings and fields this server's Session takes (an older server takes fewer).
 */
export function sessionDocument(accepted, fields = null) {
  const settings = {};
  const all = { ...state.settings };
  for (const [key, uiKey] of Object.entries(UI_SETTINGS)) if (state.ui[uiKey] !== undefined) all[key] = state.ui[uiKey];
  for (const [key, value] of Object.entries(all)) {
    if (value !== null && (!accepted || accepted.has(key))) settings[key] = value;
  }
  const doc = { format: "poseloops-session", version: 1, settings };
  if (state.seed) doc.seed = state.seed;
  if (state.loop) doc.loop = state.loop;
  if (state.source) doc.source = state.source;
  const more = {
    variations: state.variations.length > 1 ? state.variations : null, variation: state.variation,
    variation_edits: state.variationEdits, edits: state.edits, locks: state.locks,
  };
  for (const [key, value] of Object.entries(more)) if (value !== null && (!fields || fields.has(key))) doc[key] = value;
  return doc;
}

/** Replace the studio's content with a (server-checked) session document; undo brings back what was. */
export function loadSession(doc) {
  const variations = Array.isArray(doc.variations) && doc.variations.length ? doc.variations : doc.loop ? [doc.loop] : [];
  const variation = Number.isInteger(doc.variation) && doc.variation < variations.length ? doc.variation : 0;
  const variationEdits = variations.map((_, i) => (doc.variation_edits && doc.variation_edits[i]) || []);
  if (Array.isArray(doc.edits)) variationEdits[variation] = doc.edits;
  const saved = { ...(doc.settings || {}) };
  const ui = { ...state.ui };
  for (const [key, uiKey] of Object.entries(UI_SETTINGS)) {
    if (saved[key] !== undefined) ui[uiKey] = saved[key];
    delete saved[key];
  }
  commit({
    seed: doc.seed || null,
    loop: doc.loop || variations[variation] || null,
    variations,
    variation,
    variationEdits,
    edits: variationEdits[variation] || [],
    take: state.take + 1,
    source: doc.source || null,
    locks: { rows: [], bars: [], cells: [], ...(doc.locks || {}) },
    settings: { ...DEFAULT_SETTINGS, ...saved },
  });
  update({ ui });
}

/** "New session": no seed, no loop, no locks (the settings stay); undo brings the loop back. */
export function newSession() {
  commit({
    seed: null, loop: null, variations: [], variation: 0, variationEdits: [], edits: [], source: null,
    take: state.take + 1, locks: { rows: [], bars: [], cells: [] },
  });
}
