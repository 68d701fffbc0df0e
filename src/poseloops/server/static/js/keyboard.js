// The studio's keys: Space plays and stops, 1-4 pick a variation, T taps the tempo, M turns the
// metronome on and off, R regenerates what is not locked, Ctrl+Z / Ctrl+Y (or Ctrl+Shift+Z) undo
// and redo (on a focused grid cell, grid.js adds L lock, A accent, G ghost note). Never while
// typing, and never instead of what a focused control does with its key.

import { VARIATIONS, pickVariation, togglePlay, travel } from "./loops.js";
import { tapTempo } from "./controls.js";
import { regenerate } from "./regenerate.js";
import { toggleMetronome } from "./direct_controls.js";

const TEXT_INPUT_TYPES = new Set(["text", "number", "search", "email", "url", "password"]);
// Space presses these (a button, a checkbox, a cell, the mixer's heading); elsewhere it plays and stops.
const SPACE_PRESSES = "button, a[href], summary, select, textarea, input:not([type='range']), [role='button'], [role='tab'], [role='gridcell'], [contenteditable='true']";

function typingIn(target) {
  if (!target || !target.tagName) return false;
  if (target.tagName === "TEXTAREA" || target.isContentEditable) return true;
  return target.tagName === "INPUT" && TEXT_INPUT_TYPES.has(target.type);
}

export function bindKeyboard(studio) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || typingIn(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey) {
      if (key === "z" || key === "y") {
        event.preventDefault();
        travel(studio, key === "y" || event.shiftKey ? "redo" : "undo");
      }
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (key !== " " && event.target.tagName === "SELECT") return; // letters and digits pick options there
    if (key === " ") {
      if (event.target.closest && event.target.closest(SPACE_PRESSES)) return; // the control does what it does
      event.preventDefault();
      if (!event.repeat) togglePlay(studio);
    } else if (/^[1-9]$/.test(key) && Number(key) <= VARIATIONS) {
      event.preventDefault();
      pickVariation(studio, Number(key) - 1);
    } else if (key === "t" && !event.repeat) {
      event.preventDefault();
      tapTempo(studio, event.timeStamp);
    } else if (key === "m" && !event.repeat) {
      event.preventDefault();
      toggleMetronome(studio);
    } else if (key === "r" && !event.repeat) {
      event.preventDefault();
      regenerate(studio);
    }
  });
}
