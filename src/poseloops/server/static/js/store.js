// The studio's state: the seed, the loop, the settings. It lives in this page (never on the
// server) and is kept in localStorage, so a reload or a server restart loses nothing.

const STORAGE_KEY = "poseloops.session.v1";
const SAVE_DELAY_MS = 250;

export const DEFAULT_SETTINGS = Object.freeze({
  bpm: 120, swing: 0.5, temperature: 1, steps: 32, kit: "synth", mixer: null, rng_seed: null,
});

function initialState() {
  return {
    seed: null,        // {pattern: [[drums]...], seed_length}
    loop: null,        // seed followed by generated steps
    edits: [],         // "step:drum" cells the person changed in the generated part
    source: null,      // which panel made the seed
    settings: { ...DEFAULT_SETTINGS },
    ui: { tab: "dice", dice: null, grid: null },
  };
}

const listeners = new Set();
let state = initialState();
let saveTimer = null;

export function getState() {
  return state;
}

/** Merge `patch` into the state, tell listeners which keys changed, and save soon. */
export function update(patch) {
  state = { ...state, ...patch };
  for (const listener of listeners) listener(state, Object.keys(patch));
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, SAVE_DELAY_MS);
}

export function updateSettings(patch) {
  update({ settings: { ...state.settings, ...patch } });
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function save() {
  clearTimeout(saveTimer);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch (_) {
    /* storage full or disabled: the session still works, it just won't survive a reload */
  }
}

/** The saved state, or a fresh one when nothing (readable) was saved. */
export function restore() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    if (saved && typeof saved === "object") {
      const fresh = initialState();
      state = {
        ...fresh,
        ...saved,
        settings: { ...fresh.settings, ...(saved.settings || {}) },
        ui: { ...fresh.ui, ...(saved.ui || {}) },
        edits: Array.isArray(saved.edits) ? saved.edits : [],
      };
      return true;
    }
  } catch (_) {
    /* a corrupt entry: start fresh */
  }
  state = initialState();
  return false;
}

/** The session file's content (the server's Session model). */
export function sessionDocument() {
  const doc = { format: "poseloops-session", version: 1, settings: { ...state.settings } };
  if (state.seed) doc.seed = state.seed;
  if (state.loop) doc.loop = state.loop;
  if (state.source) doc.source = state.source;
  for (const key of Object.keys(doc.settings)) if (doc.settings[key] === null) delete doc.settings[key];
  return doc;
}

/** Replace the studio's content with a (server-checked) session document. */
export function loadSession(doc) {
  update({
    seed: doc.seed || null,
    loop: doc.loop || null,
    edits: [],
    source: doc.source || null,
    settings: { ...DEFAULT_SETTINGS, ...(doc.settings || {}) },
  });
}
