// The pieces a drum grid is built from, and where each one sits. The columns are laid out as
// tracks: one per 16th step, with a narrow gap track before every beat and a wider one (holding
// the bar line) before every bar, so a beat's gap never shrinks a cell. The grid's CSS takes the
// track list from --step-tracks; grid.js places each piece with --col (its first track),
// --span, --row (its drum row) and --lane (its drum column when the grid is turned on a phone).

export const STEPS_PER_BEAT = 4;
export const STEPS_PER_BAR = 16;
export const FIRST_STEP_TRACK = 2;   // track 1 holds the row labels
export const BAR_HEAD_ROW = 2;       // row 1: the seed/generated zones; row 2: the bar numbers
export const FIRST_DRUM_ROW = 3;
// Two-letter names for the phone layout, where a drum is a narrow column.
const SHORT_LABELS = {
  kick: "K", snare: "S", "hh-closed": "CH", "hh-open": "OH", "tom-low": "LT", "tom-mid": "MT", "tom-high": "HT", crash: "CR", ride: "RD",
};
const DRUM_COLOURS = ["#f4a259", "#e86a8c", "#5cc8be", "#7fd4f0", "#b39ddb", "#9fa8da", "#80cbc4", "#ffd54f", "#c5e1a5"];

/** The grid track (1-based CSS line) of `step`: one gap track before every beat but the first. */
export function stepTrack(step) {
  return FIRST_STEP_TRACK + step + Math.floor(step / STEPS_PER_BEAT);
}

/** The column tracks of `numSteps` steps, with beat and bar gaps, sized by the grid's CSS variables. */
export function stepTracks(numSteps) {
  const tracks = [];
  for (let step = 0; step < numSteps; step++) {
    if (step > 0 && step % STEPS_PER_BEAT === 0) tracks.push(step % STEPS_PER_BAR === 0 ? "var(--bar-gap)" : "var(--beat-gap)");
    tracks.push("var(--step)");
  }
  return tracks.join(" ") || "var(--step)";
}

/** A span of steps [first, first + count) as grid tracks (gap tracks inside it included). */
export function trackSpan(first, count) {
  return count <= 0 ? 0 : stepTrack(first + count - 1) - stepTrack(first) + 1;
}

export function placed(element, { col, span = 1, row = null, lane = null }) {
  element.style.setProperty("--col", String(col));
  element.style.setProperty("--span", String(span));
  if (row !== null) element.style.setProperty("--row", String(row));
  if (lane !== null) element.style.setProperty("--lane", String(lane));
  return element;
}

/** A small button of a row or bar header; `col` is where the arrow keys find it. */
export function headButton({ text, label, action, drum, col, title = "" }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `head-btn head-${action}`;
  button.textContent = text;
  button.setAttribute("aria-label", label);
  if (title) button.title = title;
  button.dataset.action = action;
  button.dataset.drum = String(drum);
  button.dataset.col = String(col);
  button.tabIndex = -1;
  return button;
}

/** A drawn padlock (no icon font needed): shown where a row, bar or cell is locked. */
export function padlock() {
  const icon = document.createElement("span");
  icon.className = "padlock";
  icon.setAttribute("aria-hidden", "true");
  return icon;
}

/** The drum's name with its colour dot, long on wide screens and two letters on phones. */
export function drumName(drum, element = document.createElement("span")) {
  element.classList.add("label-name");
  const dot = document.createElement("span");
  dot.className = "dot";
  dot.style.background = DRUM_COLOURS[drum.index]; // set through the CSSOM, which the page's CSP allows
  const long = document.createElement("span");
  long.className = "long";
  long.textContent = drum.label;
  const short = document.createElement("span");
  short.className = "short";
  short.textContent = SHORT_LABELS[drum.label] || drum.label.slice(0, 2);
  element.append(dot, long, short);
  element.title = drum.name;
  return element;
}

export function cellButton(drum, step, seedLength) {
  const cell = document.createElement("button");
  cell.type = "button";
  cell.className = "cell " + (step < seedLength ? "seed" : "gen");
  if (step % STEPS_PER_BAR === 0) cell.classList.add("bar-start");
  cell.dataset.step = String(step);
  cell.dataset.drum = String(drum.index);
  cell.dataset.col = String(step);
  cell.dataset.name = `${drum.name}, step ${step + 1}${step < seedLength ? " (seed)" : ""}`;
  cell.setAttribute("role", "gridcell");
  cell.setAttribute("aria-label", cell.dataset.name);
  cell.setAttribute("aria-pressed", "false");
  cell.tabIndex = -1;
  return placed(cell, { col: stepTrack(step) });
}

/** Headers over the columns: which steps are the seed and which the model made. */
export function zones(numSteps, seedLength) {
  const zone = (className, text, first, count) => {
    const element = document.createElement("div");
    element.className = `zone ${className}`;
    element.textContent = text;
    element.setAttribute("aria-hidden", "true");
    return placed(element, { col: stepTrack(first), span: trackSpan(first, count) });
  };
  const parts = [];
  if (seedLength > 0) parts.push(zone("zone-seed", "seed", 0, Math.min(seedLength, numSteps)));
  if (numSteps > seedLength) parts.push(zone("zone-gen", "generated", seedLength, numSteps - seedLength));
  return parts;
}

/** A line down the gap track before each bar after the first. */
export function barLines(numSteps) {
  const lines = [];
  for (let step = STEPS_PER_BAR; step < numSteps; step += STEPS_PER_BAR) {
    const line = document.createElement("div");
    line.className = "bar-line";
    line.setAttribute("aria-hidden", "true");
    lines.push(placed(line, { col: stepTrack(step) - 1 }));
  }
  return lines;
}
