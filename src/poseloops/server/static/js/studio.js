// What the studio page's modules share: one object, made by the boot (main.js) and passed to
// every module that needs it, so what each one reads and changes is visible at the call. The
// musical state (seed, loop, settings, history) is not here: it lives in store.js. Also here:
// where a message about a change goes, next to the control that made the change.

import { LoopPlayer } from "./player.js";
import { Metronome } from "./metronome.js";
import { TapTempo } from "./tempo.js";
import { MessageSpot, loopProblem, whileUnchanged } from "./messages.js";
import * as store from "./store.js";

export const $ = (id) => document.getElementById(id);

// The settings the first version's session files hold; the server may take more (see capabilities).
export const BASE_SESSION_SETTINGS = ["bpm", "swing", "temperature", "steps", "kit", "mixer", "rng_seed"];
// What the first version's server takes: assumed when the server's schema (/openapi.json) cannot be read.
const FALLBACK_CAPS = {
  generate: new Set(["seed", "steps", "temperature", "rng_seed", "variations"]),
  render: new Set(["pattern", "bpm", "swing", "kit", "mixer", "format"]),
  exportAudio: new Set(), exportMidi: new Set(["pattern", "bpm"]),
  session: new Set(BASE_SESSION_SETTINGS), pattern: new Set(["pattern", "seed_length", "velocities", "bpm"]),
  paths: new Set(),
};

/** The shared object; the boot fills in what needs the server (config, caps) and the page's parts. */
export function createStudio() {
  const player = new LoopPlayer();
  return {
    player,
    metronome: new Metronome({ context: () => player.context(), output: () => player.output }),
    tapper: new TapTempo(),
    config: null,          // GET /api/config: drums, limits, mixer and dice defaults
    caps: FALLBACK_CAPS,   // the fields each route of this server takes
    playback: null,        // Playback: the state rendered and queued on the player
    loopGrid: null,        // the loop's DrumGrid
    variationStrip: null,
    panels: {},            // dice, grid, camera, picture, rhythm, mixer
    live: null,            // LiveMode
    spots: {},             // MessageSpots by name (see makeSpots)
    ready: false,          // the server has loaded the model and the pose estimator
    generating: false,     // a Generate request is under way
  };
}

export function makeSpots() {
  const spot = (id, control = null) => new MessageSpot($(id), control);
  return {
    controls: spot("controls-message"),
    make: spot("make-message"),
    bars: spot("bars-message", $("bars")),  // Bars changes the playing loop: its news and refusals beside it
    loop: spot("status"),
    session: spot("session-message"),
    dice: spot("dice-message", $("dice-roll")),
    grid: spot("grid-message", $("grid-use")),
    picture: spot("picture-message", $("picture-file")),
    rhythm: spot("rhythm-message"),
  };
}

/** Where a message about a change from `origin` goes, and the control it is about. */
export function spotFor(studio, origin) {
  const { spots, panels } = studio;
  const controls = { bpm: "bpm", tap: "bpm", swing: "swing", groove: "groove", kit: "kit" };
  if (controls[origin]) return [spots.controls, $(controls[origin])];
  if (origin === "generate") return [spots.controls, $("generate")]; // the top bar, where Generate is
  if (origin === "bars") return [spots.bars, $("bars")];
  const make = { temperature: "temperature", style: "style", fill: "fill-every", rng: "rng-seed" };
  if (make[origin]) return [spots.make, $(make[origin])];
  if (origin === "camera") return [{ error: (text) => panels.camera.say(text, true), clear() {}, showsError: false }, null];
  if (spots[origin]) return [spots[origin], null];
  if (origin === "pose picture") return [spots.picture, null];
  if (origin === "session") return [spots.session, $("load-session")];
  return [spots.loop, null];
}

export function playbackFailed(studio, err, { origin, request }) {
  // the state is back to what plays; say why next to what was changed
  const [spot, control] = spotFor(studio, origin);
  spot.error(loopProblem(err, { steps: request.pattern.pattern.length, bpm: request.bpm, maxSeconds: studio.config.limits.max_render_seconds }), control,
    whileUnchanged(store.getState())); // it goes once something else plays (another variation picked, say)
  studio.panels.mixer.show(store.getState().settings.mixer);
}

export function playbackDone(studio, origin) {
  const [spot] = spotFor(studio, origin);
  if (spot.showsError && spot !== studio.spots.loop) spot.clear();
}
