// The master volume: one slider for how loud the studio plays (the loop, its tails, the metronome),
// a gain at the player's output. It is a setting, so it is saved with the session and comes back
// on reload. Downloads do not follow it: they are brought to their own level (-16 LUFS, true
// peak -1 dBTP; docs/studio.md), so a file is as loud whatever the page's volume.

import * as store from "./store.js";
import { $ } from "./studio.js";

/** The gain for a slider position `master` (0-1): its square, so equal steps sound about equally far apart. */
export function volumeGain(master) {
  return master * master;
}

function volumeText(master) {
  return master > 0 ? `${(20 * Math.log10(volumeGain(master))).toFixed(1).replace("-0.0", "0.0")} dB` : "off";
}

export function bindVolume(studio) {
  const slider = $("master");
  slider.addEventListener("input", () => store.commitSettings({ master: Number(slider.value) / 100 }, { merge: "master" }));
  const reflect = (state) => {
    const master = state.settings.master ?? 1; // sessions from before the volume play as rendered
    if (Number(slider.value) !== Math.round(master * 100)) slider.value = String(Math.round(master * 100));
    const text = volumeText(master);
    $("master-out").textContent = text;
    slider.setAttribute("aria-valuetext", text);
    if (studio.player.volume !== volumeGain(master)) studio.player.setVolume(volumeGain(master));
  };
  store.subscribe((state) => reflect(state));
  reflect(store.getState());
}
