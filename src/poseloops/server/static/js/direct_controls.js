// Directing the loop without a seed panel's help: the Density knob, Drumify (a rhythm tapped
// on the pad, or the rhythm recorded in the Rhythm panel, played by a full kit), and the
// metronome during playback. Blending two loops is in blend.js. A new loop lands the way a
// generated one does (loops.js playNewLoops): at the next bar, one undo step.

import * as api from "./api.js";
import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { forServer } from "./playback.js";
import { MessageSpot, whileUnchanged } from "./messages.js";
import { $ } from "./studio.js";
import { VARIATIONS, nextRngSeed, playNewLoops } from "./loops.js";
import { DrumifyPad } from "./drumify_pad.js";
import { bindBlend } from "./blend.js";

const FOLLOW_MS = 100;          // how often the metronome checks what the player plays
const AS_THE_MODEL_PLAYS = 0.5;  // the density the model was trained at: neither thinned nor thickened

export function bindDirectControls(studio) {
  studio.spots.drumify = new MessageSpot($("drumify-message"), $("drumify-pad"));
  studio.spots.blend = new MessageSpot($("blend-message"), $("blend-go"));
  bindDensity(studio);
  bindMetronome(studio);
  studio.panels.drumify = new DrumifyPad(
    { pad: $("drumify-pad"), bars: $("drumify-bars"), label: $("drumify-pad-label") },
    {
      player: studio.player, metronome: studio.metronome, bpm: () => store.getState().settings.bpm,
      onMode: (mode) => {
        studio.drumifying = mode !== "idle";
        if (mode === "counting") studio.spots.drumify.say("Count-in: tap from the next bar's first beat. Escape calls it off.");
        if (mode === "tapping") studio.spots.drumify.say("Tapping… the take ends by itself.");
      },
      onTake: (rhythm, bars) => {
        if (!rhythm) {
          studio.spots.drumify.error("No taps heard after the count-in: tap the pad again and play on the clicks. The loop is unchanged.",
            null, whileUnchanged(store.getState()));
          return;
        }
        drumify(studio, rhythm, { origin: "drumify", what: `your taps (${bars} bar${bars === 1 ? "" : "s"})` });
      },
    },
  );
  $("rhythm-drumify").addEventListener("click", () => drumifyRecording(studio));
  bindBlend(studio);
}

// --- density ---------------------------------------------------------------------------

function bindDensity(studio) {
  const slider = $("density");
  // a server whose Generate takes no density (the first version's LSTM has no input for it) says so
  const makes = studio.caps.generate.has("density") ? "Generate, Regenerate and Drumify" : "Regenerate and Drumify; Generate does not take it";
  $("density-help").textContent = `Sparse (0) to busy (1); 0.50 plays as the model plays. Applies to the next ${makes}.`;
  slider.addEventListener("input", () => store.commitSettings({ density: Number(slider.value) }, { merge: "density" }));
  store.subscribe(() => reflectDensity());
  reflectDensity();
}

function reflectDensity() {
  const slider = $("density");
  const value = Number(store.getState().settings.density ?? 0.5);
  if (Number(slider.value) !== value) slider.value = value;
  $("density-out").textContent = value.toFixed(2);
  const word = value === AS_THE_MODEL_PLAYS ? "as the model plays" : value < AS_THE_MODEL_PLAYS
    ? (value <= 0.2 ? "sparse" : "sparser") : (value >= 0.8 ? "busy" : "busier");
  slider.setAttribute("aria-valuetext", `${value.toFixed(2)}, ${word}`);
}

// --- drumify ----------------------------------------------------------------------------

/** The model plays a full kit on `rhythm` (any pattern: all its hits are one rhythm). */
export async function drumify(studio, rhythm, { origin, what }) {
  const spot = studio.spots[origin];
  const { settings } = store.getState();
  const rngSeed = nextRngSeed();
  const body = {
    rhythm: forServer(rhythm, studio.caps.pattern), density: settings.density, temperature: settings.temperature,
    rng_seed: rngSeed, variations: VARIATIONS,
  };
  if (!$("style-control").hidden) body.style = settings.style;
  if (!$("fill-control").hidden) body.fill_every = settings.fill_every;
  spot.say(`Drumifying ${what}…`);
  let answer;
  try {
    answer = await api.postJson("/api/drumify", body);
  } catch (err) {
    spot.error(drumifyProblem(err), null, whileUnchanged(store.getState()));
    return false;
  }
  const bars = answer.patterns[0].pattern.length / STEPS_PER_BAR;
  const when = studio.player.playing ? "from the next bar" : "playing";
  const played = playNewLoops(studio, answer.patterns, { // the new loop is committed at once, then rendered
    origin, seed: rhythm, source: "drumify", rngSeed,
    told: `Drumified ${what}: ${answer.patterns.length} variations, keys 1-${answer.patterns.length} switch. Undo brings back the loop before.`,
  });
  const take = store.getState().take;
  spot.say(`A full kit on ${what}: ${bars} bar${bars === 1 ? "" : "s"}, ${when}.`, { holds: (s) => s.take === take });
  return played;
}

/** The Rhythm panel's recording, drumified instead of continued. */
function drumifyRecording(studio) {
  const { seed, source } = store.getState();
  const spot = studio.spots.rhythm;
  if (source !== "rhythm" || !seed) {
    spot.error("Record or upload a rhythm first; then Drumify plays a full kit on it.", $("rhythm-drumify"));
    return;
  }
  if (!seed.pattern.some((drums) => drums.length > 0)) {
    spot.error("The recording has no hits to drumify. Record again with short, clear taps.", $("rhythm-drumify"));
    return;
  }
  drumify(studio, seed, { origin: "rhythm", what: "your recording" });
}

function drumifyProblem(err) {
  if (err.status === 0) return "The studio's server does not answer. Start it again (poseloops serve), then retry.";
  if (err.status === 503) return "The drumify model is still loading. Wait a moment and try again.";
  if (err.status === 404) return "This studio's server cannot drumify (it is an older version).";
  if (err.status === 422 && /no hits/i.test(err.message)) return "That rhythm has no hits to drumify. The loop is unchanged.";
  return "The model could not drumify that rhythm. Try again; the loop is unchanged.";
}

// --- the metronome during playback -----------------------------------------------------------

function bindMetronome(studio) {
  const button = $("metronome");
  button.addEventListener("click", () => toggleMetronome(studio));
  const { player, metronome } = studio;
  let mine = null; // the clicks of the metronome's run this started (a count-in or a recording has its own)
  setInterval(() => {
    const on = Boolean(store.getState().ui.metronome);
    button.setAttribute("aria-pressed", String(on));
    const ours = mine !== null && metronome.clicks === mine && metronome.running;
    const slot = player.playing ? player.pending || player.current : null;
    if (!on || !slot || studio.drumifying) {
      if (ours) metronome.stop();
      mine = null;
      return;
    }
    if (metronome.running && !ours) return;
    if (!ours) {
      metronome.start(slot.meta.bpm, nextBeatOf(player));
      mine = metronome.clicks;
    } else if (slot.meta.bpm !== metronome.bpm && (!metronome.change || metronome.change.bpm !== slot.meta.bpm)) {
      metronome.retime(slot.meta.bpm, slot === player.pending ? slot.at : player.nextBarTime());
    }
  }, FOLLOW_MS);
}

/** The next beat of the loop heard and its place in the bar, so the clicks fall on the loop's beats. */
function nextBeatOf(player) {
  const slot = player.current;
  const beat = 60 / slot.meta.bpm;
  const soon = player.context().currentTime + 0.05;
  const into = player.turnAt(slot, soon).into;
  const beats = Math.ceil(into / beat - 1e-6);
  const at = soon - into + beats * beat;
  return { at, beat: beats % (STEPS_PER_BAR / 4) };
}

export function toggleMetronome(studio) {
  const on = !store.getState().ui.metronome;
  store.update({ ui: { ...store.getState().ui, metronome: on } });
  $("metronome").setAttribute("aria-pressed", String(on));
  studio.spots.controls.say(on ? `Metronome on${studio.player.playing ? "" : ": it clicks while the loop plays"}.` : "Metronome off.");
}
