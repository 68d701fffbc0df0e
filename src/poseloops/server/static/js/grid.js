// Drum grids: 9 labelled rows (kick at the bottom, where the feet are), one column per
// 16th step, each cell a toggle button. Used for the loop (seed steps in one colour,
// generated in another, edits in a third, velocity as brightness, timing offsets as a small
// shift, a playhead that the view follows, queued changes marked, mute and solo in the row
// headers) and for the seed editor.
// Keyboard: one Tab stop for the whole grid; arrow keys move (through the row headers' mute
// and solo buttons too), Enter or Space presses, Home/End jump along the row.

const BEAT_STEPS = 4; // a gap before every beat makes bars readable at a glance
const STEPS_PER_BAR = 16;
const MAX_VELOCITY = 127;
const FOLLOW_PAUSE_MS = 3000; // after a person scrolls the grid, it stops following the playhead this long
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
   * @param {Object} options     zones: mark seed/generated; onMute/onSolo(drum): row header buttons
   */
  constructor(root, drums, onToggle, { zones = false, onMute = null, onSolo = null } = {}) {
    Object.assign(this, { root, zones, drums, onToggle, onMute, onSolo });
    this.mixing = Boolean(onMute && onSolo);
    this.cells = [];      // cells[step][drum]
    this.heads = [];      // heads[drum] = {label, mute, solo}
    this.numSteps = -1;
    this.seedLength = -1;
    this.playStep = -1;
    this.focus = { col: 0, drum: 0 }; // col < 0: the row header's buttons (-2 mute, -1 solo)
    this.userScrolledAt = -Infinity;
    root.addEventListener("click", (event) => this.handleClick(event));
    root.addEventListener("keydown", (event) => this.handleKey(event));
    for (const type of ["wheel", "touchstart", "pointerdown"]) {
      root.addEventListener(type, () => (this.userScrolledAt = performance.now()), { passive: true });
    }
  }

  /**
   * Show `steps` (lists of drum indices); cells before `seedLength` are the seed.
   * `velocities`/`offsets`: same shape as steps. `queued`: the steps that will play from the
   * next bar (marked where they differ). `muted`: drums not heard.
   */
  show(steps, seedLength, { edits = new Set(), velocities = null, offsets = null, queued = null, muted = new Set() } = {}) {
    if (steps.length !== this.numSteps || seedLength !== this.seedLength) this.build(steps.length, seedLength);
    for (let step = 0; step < steps.length; step++) {
      const on = steps[step];
      const next = queued && queued[step] ? new Set(queued[step]) : null;
      for (let drum = 0; drum < this.drums.length; drum++) {
        const cell = this.cells[step][drum];
        const index = on.indexOf(drum);
        const isOn = index >= 0;
        cell.classList.toggle("on", isOn);
        cell.classList.toggle("edited", edits.has(`${step}:${drum}`));
        cell.classList.toggle("queued-on", Boolean(next) && !isOn && next.has(drum));
        cell.classList.toggle("queued-off", Boolean(next) && isOn && !next.has(drum));
        cell.classList.toggle("muted", muted.has(drum));
        cell.setAttribute("aria-pressed", String(isOn));
        const velocity = isOn && velocities ? velocities[step][index] : MAX_VELOCITY;
        const offset = isOn && offsets ? offsets[step][index] : 0;
        cell.style.setProperty("--vel", (velocity / MAX_VELOCITY).toFixed(3));
        cell.style.setProperty("--shift", offset.toFixed(3));
        cell.dataset.velocity = String(velocity);
        cell.dataset.offset = String(offset);
      }
    }
  }

  /** Reflect mute and solo on the row headers. */
  showMix(muted, soloed) {
    for (const drum of this.drums) {
      const head = this.heads[drum.index];
      if (!head || !head.mute) continue;
      head.mute.setAttribute("aria-pressed", String(muted.has(drum.index)));
      head.solo.setAttribute("aria-pressed", String(soloed.has(drum.index)));
    }
  }

  build(numSteps, seedLength) {
    const hadFocus = this.root.contains(document.activeElement);
    this.root.replaceChildren();
    this.root.style.setProperty("--steps", String(Math.max(numSteps, 1)));
    this.root.classList.toggle("mixing", this.mixing);
    this.cells = Array.from({ length: numSteps }, () => []);
    this.heads = [];
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
      const head = this.rowHeader(drum);
      place(head);
      row.append(head);
      for (let step = 0; step < numSteps; step++) {
        const cell = this.cell(drum, step, seedLength, numSteps);
        place(cell);
        this.cells[step][drum.index] = cell;
        row.append(cell);
      }
      this.root.append(row);
    });
    const first = this.mixing ? -2 : 0;
    this.focus = {
      col: numSteps > 0 ? Math.max(first, Math.min(this.focus.col, numSteps - 1)) : first,
      drum: this.focus.drum,
    };
    const target = this.focusable(this.focus.col, this.focus.drum);
    if (target) {
      target.tabIndex = 0;
      if (hadFocus) target.focus();
    }
  }

  rowHeader(drum) {
    const head = document.createElement("div");
    head.className = "label";
    head.setAttribute("role", "rowheader");
    const name = document.createElement("span");
    name.className = "label-name";
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = DRUM_COLOURS[drum.index]; // set through the CSSOM, which the page's CSP allows
    const long = document.createElement("span");
    long.className = "long";
    long.textContent = drum.label;
    const short = document.createElement("span");
    short.className = "short";
    short.textContent = SHORT_LABELS[drum.label] || drum.label.slice(0, 2);
    name.append(dot, long, short);
    name.title = drum.name;
    head.append(name);
    const parts = { label: head, mute: null, solo: null };
    if (this.mixing) {
      parts.mute = this.headButton("M", `Mute ${drum.name}`, "mute", drum.index);
      parts.solo = this.headButton("S", `Solo ${drum.name}`, "solo", drum.index);
      const buttons = document.createElement("span");
      buttons.className = "mix-buttons";
      buttons.append(parts.mute, parts.solo);
      head.append(buttons);
    }
    this.heads[drum.index] = parts;
    return head;
  }

  headButton(text, label, kind, drum) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `mix-btn mix-${kind}`;
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-pressed", "false");
    button.dataset.drum = String(drum);
    button.dataset.col = kind === "mute" ? "-2" : "-1";
    button.tabIndex = -1;
    return button;
  }

  cell(drum, step, seedLength, numSteps) {
    const cell = document.createElement("button");
    cell.type = "button";
    cell.className = "cell " + (step < seedLength ? "seed" : "gen");
    if (step % BEAT_STEPS === 0 && step > 0) cell.classList.add("beat");
    if (step === seedLength - 1 && seedLength < numSteps) cell.classList.add("seed-end");
    cell.dataset.step = String(step);
    cell.dataset.drum = String(drum.index);
    cell.dataset.col = String(step);
    cell.setAttribute("role", "gridcell");
    cell.setAttribute("aria-label", `${drum.name}, step ${step + 1}${step < seedLength ? " (seed)" : ""}`);
    cell.setAttribute("aria-pressed", "false");
    cell.tabIndex = -1;
    cell.style.setProperty("--col", String(step + 2));
    return cell;
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

  /** Mark the column being heard (-1 clears it) and keep it in view. */
  setPlayStep(step) {
    if (step === this.playStep) return;
    if (this.playStep >= 0 && this.cells[this.playStep]) for (const c of this.cells[this.playStep]) c.classList.remove("now");
    this.playStep = step < this.numSteps ? step : -1;
    if (this.playStep >= 0) {
      for (const c of this.cells[this.playStep]) c.classList.add("now");
      this.follow(this.playStep);
    }
    this.root.dataset.playStep = String(this.playStep);
  }

  /**
   * Scroll the grid so the playhead stays on screen: when it leaves the view, the view jumps so
   * the playhead's bar starts it (like a DAW's page follow). Not while a person scrolls it.
   */
  follow(step) {
    if (performance.now() - this.userScrolledAt < FOLLOW_PAUSE_MS) return;
    const root = this.root;
    const view = root.getBoundingClientRect();
    const head = this.heads[0]?.label.getBoundingClientRect();
    const box = this.cells[step][0].getBoundingClientRect();
    const barStart = this.cells[step - (step % STEPS_PER_BAR)][0].getBoundingClientRect();
    if (root.scrollWidth > root.clientWidth + 1) {
      const left = view.left + (head ? head.width : 0); // the sticky row labels cover the left edge
      if (box.left < left || box.right > view.left + root.clientWidth) root.scrollLeft += barStart.left - left;
    }
    if (root.scrollHeight > root.clientHeight + 1) {
      const top = view.top + (head ? head.height : 0); // on phones the drum names are a sticky header row
      if (box.top < top || box.bottom > view.top + root.clientHeight) root.scrollTop += barStart.top - top;
    }
  }

  focusable(col, drum) {
    if (col >= 0) return this.cells[col]?.[drum] ?? null;
    const head = this.heads[drum];
    if (!head) return null;
    return col === -2 ? head.mute : head.solo;
  }

  handleClick(event) {
    const target = event.target.closest(".cell, .mix-btn");
    if (!target || !this.root.contains(target)) return;
    const drum = Number(target.dataset.drum);
    this.moveFocus(Number(target.dataset.col), drum, false);
    if (target.classList.contains("mix-mute")) this.onMute(drum);
    else if (target.classList.contains("mix-solo")) this.onSolo(drum);
    else this.onToggle(Number(target.dataset.step), drum);
  }

  handleKey(event) {
    const target = event.target.closest(".cell, .mix-btn");
    if (!target) return;
    let col = Number(target.dataset.col);
    let drum = Number(target.dataset.drum);
    const first = this.mixing ? -2 : 0;
    const last = this.numSteps - 1;
    switch (event.key) {
      case "ArrowRight": col = Math.min(col + 1, last); break;
      case "ArrowLeft": col = Math.max(col - 1, first); break;
      case "ArrowUp": drum = Math.min(drum + 1, this.drums.length - 1); break; // up the screen = higher drum
      case "ArrowDown": drum = Math.max(drum - 1, 0); break;
      case "Home": col = 0; break;
      case "End": col = last; break;
      default: return; // Enter and Space press the button natively
    }
    event.preventDefault();
    this.moveFocus(col, drum, true);
  }

  moveFocus(col, drum, focus) {
    const previous = this.focusable(this.focus.col, this.focus.drum);
    if (previous) previous.tabIndex = -1;
    this.focus = { col, drum };
    const target = this.focusable(col, drum);
    if (!target) return;
    target.tabIndex = 0;
    if (focus) {
      target.focus();
      this.userScrolledAt = performance.now(); // moving through the grid: let the person look where they are
    }
  }
}
