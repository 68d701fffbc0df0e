// Blend: "Blend from [A] to [B] over [4|8] bars". A and B are the loop playing, one of its
// variations, a loop from the undo history or the loop of a saved session file; the model plays
// a phrase that moves from A's groove to B's (POST /api/blend), heard as the new loop from the
// next bar, one undo step.

import * as api from "./api.js";
import * as store from "./store.js";
import { STEPS_PER_BAR } from "./player.js";
import { forServer } from "./playback.js";
import { whileUnchanged } from "./messages.js";
import { $ } from "./studio.js";
import { nextRngSeed, playNewLoops } from "./loops.js";

const MAX_HISTORY_CHOICES = 8; // loops offered from the undo history, newest first
const PLAYING = "playing";

/** Every loop that can be blended now: [{value, label, loop}], the loop playing first. */
function choices(file) {
  const state = store.getState();
  const list = [];
  const bars = (loop) => `${Math.round((loop.pattern.length / STEPS_PER_BAR) * 10) / 10} bars`;
  if (state.loop) list.push({ value: PLAYING, label: `the loop playing (${bars(state.loop)})`, loop: state.loop });
  state.variations.forEach((loop, i) => {
    if (i !== state.variation) list.push({ value: `variation:${i}`, label: `variation ${i + 1} (${bars(loop)})`, loop });
  });
  store.pastLoops().slice(0, MAX_HISTORY_CHOICES).forEach((loop, i) => {
    if (loop) list.push({ value: `history:${i}`, label: `${i + 1} ${i === 0 ? "loop" : "loops"} back in the history`, loop });
  });
  if (file) list.push({ value: "file", label: `${file.name} (session file)`, loop: file.loop });
  return list;
}

export function bindBlend(studio) {
  const a = $("blend-a"), b = $("blend-b");
  let file = null; // {name, loop}: a session file read for blending
  let offered = [];
  const refresh = () => {
    offered = choices(file);
    for (const [select, fallback] of [[a, () => PLAYING], [b, () => offered.find((c) => c.value !== a.value)?.value]]) {
      const keep = select.value;
      select.replaceChildren(...offered.map((c) => new Option(c.label, c.value)));
      select.value = offered.some((c) => c.value === keep) ? keep : fallback() ?? "";
    }
  };
  store.subscribe((_, keys) => {
    if (keys.includes("loop") || keys.includes("variations") || keys.includes("variation")) refresh();
  });
  refresh();
  $("blend-file").addEventListener("change", async () => {
    const input = $("blend-file");
    const chosen = input.files && input.files[0];
    input.value = "";
    if (!chosen) return;
    try {
      const doc = JSON.parse(await chosen.text());
      if (!doc || !doc.loop || !Array.isArray(doc.loop.pattern)) throw new Error("no loop");
      file = { name: chosen.name, loop: doc.loop };
    } catch (_) {
      studio.spots.blend.error(`${chosen.name} is not a PoseLoops session with a loop. Choose a file saved with Save session.`, $("blend-file"));
      return;
    }
    refresh();
    b.value = "file";
    studio.spots.blend.say(`${chosen.name}'s loop is B.`);
  });
  $("blend-go").addEventListener("click", () => {
    const pick = (select) => offered.find((c) => c.value === select.value);
    blend(studio, pick(a), pick(b), Number($("blend-bars").value));
  });
}

/** A phrase of `bars` bars from `from`'s groove to `to`'s, as the new loop. */
async function blend(studio, from, to, bars) {
  const spot = studio.spots.blend;
  if (!from || !to) {
    spot.error("Make a loop first: blending needs two loops (the variations, the history or a session file).");
    return false;
  }
  if (from.value === to.value) {
    spot.error("A and B are the same loop: choose two different loops.", $("blend-b"));
    return false;
  }
  const { settings } = store.getState();
  const rngSeed = nextRngSeed();
  const body = { a: forServer(from.loop, studio.caps.pattern), b: forServer(to.loop, studio.caps.pattern), bars,
    temperature: settings.temperature, rng_seed: rngSeed };
  if (!$("style-control").hidden) body.style = settings.style;
  spot.say(`Blending ${from.label} into ${to.label}…`);
  let answer;
  try {
    answer = await api.postJson("/api/blend", body);
  } catch (err) {
    spot.error(blendProblem(err), null, whileUnchanged(store.getState()));
    return false;
  }
  const when = studio.player.playing ? "from the next bar" : "playing";
  const played = playNewLoops(studio, answer.patterns, { // the new loop is committed at once, then rendered
    origin: "blend", source: "blend", rngSeed,
    told: `A ${bars}-bar blend from ${from.label} to ${to.label}. Undo brings back the loop before.`,
  });
  const take = store.getState().take;
  spot.say(`Blend: ${bars} bars from ${from.label} to ${to.label}, ${when}.`, { holds: (s) => s.take === take });
  return played;
}

function blendProblem(err) {
  if (err.status === 0) return "The studio's server does not answer. Start it again (poseloops serve), then retry.";
  if (err.status === 503) return "The blending model is still loading. Wait a moment and try again.";
  if (err.status === 404) return "This studio's server cannot blend (it is an older version).";
  if (err.status === 422 && (err.field === "a" || err.field === "b")) {
    return `Loop ${err.field.toUpperCase()}'s first bar has no hits: a blend moves from one first bar to the other. Choose another loop.`;
  }
  return "The model could not blend those loops. Try again; the loop is unchanged.";
}
