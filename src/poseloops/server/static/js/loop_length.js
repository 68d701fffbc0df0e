// Bars: the loop's length, changed on the loop that plays, from the next bar, as a groovebox's
// pattern length is. Shorter: the loop is cut to its first whole bars (edits past the cut go).
// Longer: the model continues what plays (the generate route with the whole loop as its seed,
// so every bar heard stays as it was) up to the new length. With no loop yet, it is the length of
// the next loop made. One undo step either way.

import * as api from "./api.js";
import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { generateProblem, whileUnchanged } from "./messages.js";
import { $ } from "./studio.js";
import { generateRequest, nextRngSeed } from "./loops.js";
import { reflectBusy } from "./loop_view.js";

/** `pattern` (JSON) cut to its first `steps` steps; its seed mark is kept inside it. */
function cut(pattern, steps) {
  if (pattern.pattern.length <= steps) return pattern;
  const out = { ...pattern, pattern: pattern.pattern.slice(0, steps) };
  for (const key of ["velocities", "offsets"]) if (pattern[key]) out[key] = pattern[key].slice(0, steps);
  if (out.seed_length !== undefined && out.seed_length !== null) out.seed_length = Math.min(out.seed_length, steps);
  return out;
}

const within = (steps) => (edits) => (edits || []).filter((key) => Number(key.split(":")[0]) < steps);
let latest = 0; // the last Bars change: a continuation asked for before it is dropped (arrow keys on the select)

export async function changeBars(studio, bars) {
  const ticket = ++latest;
  const state = store.getState();
  const { loop } = state;
  const steps = bars * STEPS_PER_BAR;
  const say = (text) => studio.spots.bars.say(text, { holds: (s) => s.settings.bars === bars });
  if (!loop || loop.pattern.length === steps) {
    store.commitSettings({ bars });
    if (!loop) say(`Bars: ${bars}. The next loop made is ${bars} bar${bars === 1 ? "" : "s"} long.`);
    return;
  }
  const when = studio.player.playing ? " from the next bar" : "";
  if (loop.pattern.length > steps) {
    store.commit({
      settings: { ...state.settings, bars },
      loop: cut(loop, steps),
      variations: state.variations.map((v) => cut(v, steps)),
      variationEdits: state.variationEdits.map(within(steps)),
      edits: within(steps)(state.edits),
    });
    say(`Bars: ${bars}. The loop is cut to its first ${bars} bar${bars === 1 ? "" : "s"}${when}.`);
    studio.playback.schedule({ origin: "bars" });
    return;
  }
  await continueTo(studio, state, bars, when, say, () => ticket === latest);
}

/** The loop continued by the model to `bars` bars: what plays stays, the new bars follow it. */
async function continueTo(studio, state, bars, when, say, current) {
  const { loop } = state;
  const whole = { ...loop, seed_length: loop.pattern.length };
  const request = generateRequest(studio.caps, whole, { ...state.settings, bars }, nextRngSeed());
  request.variations = 1;
  studio.generating = true;
  reflectBusy(studio);
  studio.spots.bars.say(`Bars: ${bars}. The drum model is continuing the loop…`);
  let answer;
  try {
    answer = await api.postJson("/api/generate", request);
  } catch (err) {
    if (!current()) return;
    studio.spots.bars.error(generateProblem(err), $("bars"), whileUnchanged(store.getState()));
    $("bars").value = String(store.getState().settings.bars); // still the loop's length
    return;
  } finally {
    studio.generating = false;
    reflectBusy(studio);
  }
  const now = store.getState();
  if (!current() || now.loop !== loop) return; // a later Bars change, or another change of the loop, wins
  const longer = { ...answer.patterns[0], seed_length: loop.seed_length ?? loop.pattern.length };
  // the other variations were as long as the old loop: only the one continued goes on
  store.commit({
    settings: { ...now.settings, bars }, loop: longer, variations: [longer], variation: 0,
    variationEdits: [now.edits], edits: now.edits,
  });
  say(`Bars: ${bars}. The model continued the loop to ${bars} bars${when ? `; the new bars play${when}` : ""}.`);
  studio.playback.schedule({ origin: "bars" });
}
