// Drum grids: 9 labelled rows (kick at the bottom, where the feet are), one column per
// 16th step, each cell a toggle button. Used for the loop (seed steps in one colour,
// generated in another, edits in a third, a playhead) and for the seed editor.
// Keyboard: arrow keys move, Enter toggles, Home/End jump along the row.

const BEAT_STEPS = 4; // a gap before every beat makes bars readable at a glance
// Two-letter names for the phone layout, where a drum is a narrow column.
const SHORT_LABELS = {
  kick: "K", snare: "S", "hh-closed": "CH", "hh-open": "OH", "tom-low": "LT", "tom-mid": "MT", "tom-high": "HT", crash: "CR", ride: "RD",
};
const DRUM_COLOURS = ["#f4a259", "#e86a8c", "#5cc8be", "#7fd4f0", "#b39ddb", "#9fa8da", "#80cbc4", "#ffd54f", "#c5e1a5"];

export class DrumGrid {
  /**
   * @param {HTMLElement} root   the element with role="grid"
   * @param {Array} drums        [{index, label, name}] from /api/config
   * @param {Function} onToggle  called with (step, drum) when a person toggles a cell
   */
  constructor(root, drums, onToggle, { zones = false } = {}) {
    this.root = root;
    this.zones = zones;
    this.drums = drums;
    this.onToggle = onToggle;
    this.cells = [];      // cells[step][drum]
    this.numSteps = -1;
    this.seedLength = -1;
    this.playStep = -1;
    this.focus = { step: 0, drum: 0 };
    root.addEventListener("click", (event) => this.handleClick(event));
    root.addEventListener("keydown", (event) => this.handleKey(event));
  }

  /** Show `steps` (a list of lists of drum indices); cells before `seedLength` are the seed. */
  show(steps, seedLength, edits = new Set()) {
    if (steps.length !== this.numSteps || seedLength !== this.seedLength) this.build(steps.length, seedLength);
    for (let step = 0; step < steps.length; step++) {
      const on = new Set(steps[step]);
      for (let drum = 0; drum < this.drums.length; drum++) {
        const cell = this.cells[step][drum];
        const isOn = on.has(drum);
        cell.classList.toggle("on", isOn);
        cell.classList.toggle("edited", edits.has(`${step}:${drum}`));
        cell.setAttribute("aria-pressed", String(isOn));
      }
    }
  }

  build(numSteps, seedLength) {
    this.root.replaceChildren();
    this.root.style.setProperty("--steps", String(Math.max(numSteps, 1)));
    this.cells = Array.from({ length: numSteps }, () => []);
    this.numSteps = numSteps;
    this.seedLength = seedLength;
    this.playStep = -1;
    if (this.zones && numSteps > 0) this.addZones(numSteps, seedLength);
    // Cells are placed by CSS variables: --row/--col on wide screens (drums are rows),
    // --lane/--col on phones, where the grid is turned so the steps run down the page.
    const rows = [...this.drums].reverse(); // kick at the bottom
    rows.forEach((drum, i) => {
      const row = document.createElement("div");
      row.setAttribute("role", "row");
      row.className = "grid-row";
      const place = (element) => {
        element.style.setProperty("--row", String(i + 2));
        element.style.setProperty("--lane", String(drum.index + 2));
      };
      const label = document.createElement("div");
      label.className = "label";
      label.setAttribute("role", "rowheader");
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = DRUM_COLOURS[drum.index]; // set through the CSSOM, which the page's CSP allows
      const long = document.createElement("span");
      long.className = "long";
      long.textContent = drum.label;
      const short = document.createElement("span");
      short.className = "short";
      short.textContent = SHORT_LABELS[drum.label] || drum.label.slice(0, 2);
      label.append(dot, long, short);
      label.title = drum.name;
      place(label);
      row.append(label);
      for (let step = 0; step < numSteps; step++) {
        const cell = document.createElement("button");
        cell.type = "button";
        cell.className = "cell " + (step < seedLength ? "seed" : "gen");
        if (step % BEAT_STEPS === 0 && step > 0) cell.classList.add("beat");
        if (step === seedLength - 1 && seedLength < numSteps) cell.classList.add("seed-end");
        cell.dataset.step = String(step);
        cell.dataset.drum = String(drum.index);
        cell.setAttribute("role", "gridcell");
        cell.setAttribute("aria-label", `${drum.name}, step ${step + 1}${step < seedLength ? " (seed)" : ""}`);
        cell.setAttribute("aria-pressed", "false");
        cell.tabIndex = -1;
        place(cell);
        cell.style.setProperty("--col", String(step + 2));
        this.cells[step][drum.index] = cell;
        row.append(cell);
      }
      this.root.append(row);
    });
    this.focus = { step: Math.max(0, Math.min(this.focus.step, numSteps - 1)), drum: this.focus.drum };
    if (numSteps > 0) this.cells[this.focus.step][this.focus.drum].tabIndex = 0;
  }

  /** A header over the columns: which steps are the seed and which the model made. */
  addZones(numSteps, seedLength) {
    const zone = (className, text, first, span) => {
      if (span <= 0) return;
      const element = document.createElement("div");
      element.className = `zone ${className}`;
      element.textContent = text;
      element.style.setProperty("--col", String(first));
      element.style.setProperty("--span", String(span));
      element.setAttribute("aria-hidden", "true");
      this.root.append(element);
    };
    zone("zone-seed", "seed", 2, seedLength);
    zone("zone-gen", "generated", seedLength + 2, numSteps - seedLength);
  }

  /** Mark the column being heard; -1 clears it. */
  setPlayStep(step) {
    if (step === this.playStep) return;
    if (this.playStep >= 0 && this.cells[this.playStep]) for (const c of this.cells[this.playStep]) c.classList.remove("now");
    this.playStep = step < this.numSteps ? step : -1;
    if (this.playStep >= 0) for (const c of this.cells[this.playStep]) c.classList.add("now");
    this.root.dataset.playStep = String(this.playStep);
  }

  handleClick(event) {
    const cell = event.target.closest(".cell");
    if (!cell || !this.root.contains(cell)) return;
    this.moveFocus(Number(cell.dataset.step), Number(cell.dataset.drum), false);
    this.onToggle(Number(cell.dataset.step), Number(cell.dataset.drum));
  }

  handleKey(event) {
    const cell = event.target.closest(".cell");
    if (!cell) return;
    let step = Number(cell.dataset.step);
    let drum = Number(cell.dataset.drum);
    const last = this.numSteps - 1;
    switch (event.key) {
      case "ArrowRight": step = Math.min(step + 1, last); break;
      case "ArrowLeft": step = Math.max(step - 1, 0); break;
      case "ArrowUp": drum = Math.min(drum + 1, this.drums.length - 1); break; // up the screen = higher drum
      case "ArrowDown": drum = Math.max(drum - 1, 0); break;
      case "Home": step = 0; break;
      case "End": step = last; break;
      default: return; // Enter clicks the button natively
    }
    event.preventDefault();
    this.moveFocus(step, drum, true);
  }

  moveFocus(step, drum, focus) {
    const previous = this.cells[this.focus.step]?.[this.focus.drum];
    if (previous) previous.tabIndex = -1;
    this.focus = { step, drum };
    const cell = this.cells[step][drum];
    cell.tabIndex = 0;
    if (focus) cell.focus();
  }
}
