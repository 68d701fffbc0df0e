// Drum grids: 9 labelled rows (kick at the bottom, where the feet are), one column per 16th
// step, each cell a toggle button. Used for the loop (seed steps in one colour, generated in
// another, edits in a third, velocity as brightness, timing offsets as a small shift, bar numbers
// and bar lines, a playhead that the view follows, queued changes marked, locks, mute and solo
// in the row headers) and for the seed editor. Where the pieces sit: grid_parts.js.
// Keyboard: one Tab stop for the whole grid; arrow keys move (through the row headers' buttons
// and, up from the top row, the bar headers), Enter or Space presses, Home/End jump along the
// row. On a loop cell: L locks it, A makes it an accent, G a ghost note.

import {
  BAR_HEAD_ROW, FIRST_DRUM_ROW, STEPS_PER_BAR, barLines, cellButton, drumName, headButton, padlock, placed, stepTrack,
  stepTracks, trackSpan, zones,
} from "./grid_parts.js";
import { VelocityDrag } from "./grid_drag.js";

const MAX_VELOCITY = 127;
export const ACCENT_VELOCITY = 120;  // A on a cell: a hit played hard
export const GHOST_VELOCITY = 40;    // G on a cell: a ghost note, felt more than heard
const FOLLOW_PAUSE_MS = 3000; // after a person scrolls the grid, it stops following the playhead this long
const LONG_LOOP_STEPS = 4 * STEPS_PER_BAR; // up to 4 bars fit the screen; longer loops scroll and follow

export class DrumGrid {
  /**
   * @param {HTMLElement} root   the element with role="grid"
   * @param {Array} drums        [{index, label, name}] from /api/config
   * @param {Function} onToggle  called with (step, drum) when a person toggles a cell
   * @param {Object} options     zones: mark seed/generated; onMute/onSolo(drum): row header buttons;
   *   onLockRow/onNewRow(drum), onLockBar/onNewBar(bar, 0-based), onLockCell(step, drum): locks and
   *   redraws (with them, bar headers); onVelocity(step, drum, velocity): drags and the A/G keys
   */
  constructor(root, drums, onToggle, options = {}) {
    const { zones: showZones = false, onMute = null, onSolo = null, onLockRow = null, onNewRow = null,
      onLockBar = null, onNewBar = null, onLockCell = null, onVelocity = null, onDrag = null } = options;
    Object.assign(this, { root, drums, onToggle, onMute, onSolo, onLockRow, onNewRow, onLockBar, onNewBar, onLockCell, onVelocity });
    this.zones = showZones;
    this.mixing = Boolean(onMute && onSolo);
    this.bars = Boolean(onLockBar && onNewBar);
    this.cells = [];      // cells[step][drum]
    this.heads = [];      // heads[drum] = {label, buttons: [lock?, new?, mute?, solo?]}
    this.barButtons = []; // [lock bar 1, new bar 1, lock bar 2, ...]: the arrow keys' header row
    this.numSteps = -1;
    this.seedLength = -1;
    this.playStep = -1;
    this.lockMode = false; // a click locks or unlocks a cell instead of toggling it
    this.focus = { col: 0, drum: 0 }; // col < 0: the row header's buttons; drum === drums.length: the bar headers
    this.userScrolledAt = -Infinity;
    this.drag = onVelocity ? new VelocityDrag(this, onVelocity, onDrag) : null;
    root.addEventListener("click", (event) => this.handleClick(event));
    root.addEventListener("keydown", (event) => this.handleKey(event));
    for (const type of ["wheel", "touchstart", "pointerdown"]) {
      root.addEventListener(type, () => (this.userScrolledAt = performance.now()), { passive: true });
    }
  }

  get headerRow() {
    return this.drums.length;
  }

  /**
   * Show `steps` (lists of drum indices); cells before `seedLength` are the seed.
   * `velocities`/`offsets`: same shape as steps, as heard; `raw`: the velocities stored (what a
   * drag starts from). `queued`: the steps that will play from the next bar (marked where they
   * differ). `muted`: drums not heard. `locked`: "step:drum" cells kept when regenerating;
   * `locks`: {rows, bars} locked as wholes.
   */
  show(steps, seedLength, { edits = new Set(), velocities = null, raw = null, offsets = null, queued = null, muted = new Set(),
    locked = new Set(), locks = { rows: [], bars: [] } } = {}) {
    if (steps.length !== this.numSteps || seedLength !== this.seedLength) this.build(steps.length, seedLength);
    for (let step = 0; step < steps.length; step++) {
      const on = steps[step];
      const next = queued && queued[step] ? new Set(queued[step]) : null;
      for (let drum = 0; drum < this.drums.length; drum++) {
        const cell = this.cells[step][drum];
        const index = on.indexOf(drum);
        const isOn = index >= 0;
        const isLocked = locked.has(`${step}:${drum}`);
        cell.classList.toggle("on", isOn);
        cell.classList.toggle("edited", edits.has(`${step}:${drum}`));
        cell.classList.toggle("queued-on", Boolean(next) && !isOn && next.has(drum));
        cell.classList.toggle("queued-off", Boolean(next) && isOn && !next.has(drum));
        cell.classList.toggle("muted", muted.has(drum));
        cell.classList.toggle("locked", isLocked);
        cell.setAttribute("aria-pressed", String(isOn));
        const velocity = isOn && velocities ? velocities[step][index] : MAX_VELOCITY;
        const offset = isOn && offsets ? offsets[step][index] : 0;
        cell.style.setProperty("--vel", (velocity / MAX_VELOCITY).toFixed(3));
        cell.style.setProperty("--shift", offset.toFixed(3));
        cell.dataset.velocity = String(velocity);
        cell.dataset.raw = String(isOn && raw ? raw[step][index] : velocity);
        cell.dataset.offset = String(offset);
        cell.dataset.locked = String(isLocked);
        const label = `${cell.dataset.name}${isLocked ? ", locked" : ""}`;
        if (cell.getAttribute("aria-label") !== label) cell.setAttribute("aria-label", label);
        if (isOn && velocities) cell.setAttribute("aria-description", `velocity ${velocity}`);
        else cell.removeAttribute("aria-description");
      }
    }
    this.showLocks(new Set(locks.rows), new Set(locks.bars));
  }

  /** Reflect the locked rows and bars on their headers' lock buttons. */
  showLocks(rows, bars) {
    for (const drum of this.drums) {
      const lock = this.heads[drum.index]?.lock;
      if (lock) lock.setAttribute("aria-pressed", String(rows.has(drum.index)));
    }
    this.barButtons.forEach((button) => {
      if (button.dataset.action === "lock-bar") button.setAttribute("aria-pressed", String(bars.has(Number(button.dataset.bar))));
    });
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
    this.root.style.setProperty("--step-tracks", stepTracks(Math.max(numSteps, 1)));
    this.root.dataset.long = String(numSteps > LONG_LOOP_STEPS);
    this.root.classList.toggle("mixing", this.mixing);
    this.root.classList.toggle("with-bars", this.bars);
    this.cells = Array.from({ length: numSteps }, () => []);
    this.heads = [];
    this.barButtons = [];
    this.numSteps = numSteps;
    this.seedLength = seedLength;
    this.playStep = -1;
    if (this.zones && numSteps > 0) this.root.append(...zones(numSteps, seedLength));
    if (this.bars && numSteps > 0) this.root.append(this.barHeaders(numSteps), ...barLines(numSteps));
    // Drums are rows on wide screens (--row); on phones the grid is turned and they are columns (--lane).
    const firstLane = this.bars ? 3 : 2; // phones: zones, then bar headers, then the drums
    [...this.drums].reverse().forEach((drum, i) => { // kick at the bottom
      const row = document.createElement("div");
      row.setAttribute("role", "row");
      row.className = "grid-row";
      const where = { row: FIRST_DRUM_ROW + i, lane: firstLane + drum.index };
      row.append(placed(this.rowHeader(drum), { col: 1, ...where }));
      for (let step = 0; step < numSteps; step++) {
        const cell = placed(cellButton(drum, step, seedLength), { col: stepTrack(step), ...where });
        this.cells[step][drum.index] = cell;
        row.append(cell);
      }
      this.root.append(row);
    });
    this.focus = this.clampFocus(this.focus);
    const target = this.focusable(this.focus.col, this.focus.drum);
    if (target) {
      target.tabIndex = 0;
      if (hadFocus) target.focus();
    }
  }

  clampFocus({ col, drum }) {
    if (drum === this.headerRow) {
      if (this.barButtons.length) return { col: Math.min(col, this.barButtons.length - 1), drum };
      return { col: 0, drum: this.drums.length - 1 };
    }
    const first = this.firstCol(drum);
    return { col: this.numSteps > 0 ? Math.max(first, Math.min(col, this.numSteps - 1)) : first, drum };
  }

  firstCol(drum) {
    return -(this.heads[drum]?.buttons.length ?? 0);
  }

  rowHeader(drum) {
    const head = document.createElement("div");
    head.className = "label";
    head.setAttribute("role", "rowheader");
    const parts = { label: head, buttons: [], lock: null, mute: null, solo: null };
    const add = (spec) => {
      const button = headButton({ ...spec, drum: drum.index, col: 0 });
      parts.buttons.push(button);
      return button;
    };
    if (this.onLockRow) {
      parts.lock = drumName(drum, add({ text: "", label: `Lock ${drum.name}`, action: "lock-row", title: `${drum.name}: lock the row (Regenerate keeps it)` }));
      parts.lock.classList.add("row-lock");
      parts.lock.setAttribute("aria-pressed", "false");
      parts.lock.append(padlock());
      head.append(parts.lock);
    } else {
      head.append(drumName(drum));
    }
    const buttons = document.createElement("span");
    buttons.className = "mix-buttons";
    if (this.onNewRow) buttons.append(add({ text: "↻", label: `New ${drum.name}`, action: "new-row", title: `Draw the ${drum.name} row again (locked cells stay)` }));
    if (this.mixing) {
      parts.mute = add({ text: "M", label: `Mute ${drum.name}`, action: "mute" });
      parts.solo = add({ text: "S", label: `Solo ${drum.name}`, action: "solo" });
      parts.mute.classList.add("mix-mute");
      parts.solo.classList.add("mix-solo");
      for (const button of [parts.mute, parts.solo]) {
        button.classList.add("mix-btn");
        button.setAttribute("aria-pressed", "false");
      }
      buttons.append(parts.mute, parts.solo);
    }
    if (buttons.childElementCount) head.append(buttons);
    parts.buttons.forEach((button, i) => (button.dataset.col = String(i - parts.buttons.length)));
    this.heads[drum.index] = parts;
    return head;
  }

  /** The row of bar numbers: each a lock for its bar, with its own "new" button. */
  barHeaders(numSteps) {
    const row = document.createElement("div");
    row.setAttribute("role", "row");
    row.className = "grid-row bar-heads";
    const corner = document.createElement("div");
    corner.className = "bar-corner";
    corner.setAttribute("role", "columnheader");
    corner.textContent = "bar";
    row.append(placed(corner, { col: 1, row: BAR_HEAD_ROW }));
    for (let bar = 0; bar * STEPS_PER_BAR < numSteps; bar++) {
      const first = bar * STEPS_PER_BAR;
      const head = document.createElement("div");
      head.className = "bar-head";
      head.setAttribute("role", "columnheader");
      const lock = headButton({ text: String(bar + 1), label: `Lock bar ${bar + 1}`, action: "lock-bar", drum: this.headerRow,
        col: this.barButtons.length, title: `Bar ${bar + 1}: lock it (Regenerate keeps it)` });
      lock.setAttribute("aria-pressed", "false");
      lock.append(padlock());
      const redraw = headButton({ text: "↻", label: `New bar ${bar + 1}`, action: "new-bar", drum: this.headerRow,
        col: this.barButtons.length + 1, title: `Draw bar ${bar + 1} again (locked cells stay)` });
      for (const button of [lock, redraw]) {
        button.dataset.bar = String(bar);
        this.barButtons.push(button);
      }
      head.append(lock, redraw);
      row.append(placed(head, { col: stepTrack(first), span: trackSpan(first, Math.min(STEPS_PER_BAR, numSteps - first)), row: BAR_HEAD_ROW }));
    }
    return row;
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
    if (drum === this.headerRow) return this.barButtons[col] ?? null;
    if (col >= 0) return this.cells[col]?.[drum] ?? null;
    const buttons = this.heads[drum]?.buttons ?? [];
    return buttons[buttons.length + col] ?? null;
  }

  handleClick(event) {
    const target = event.target.closest(".cell, .head-btn");
    if (!target || !this.root.contains(target)) return;
    if (this.drag && this.drag.takeClick()) return; // the end of a velocity drag
    const drum = Number(target.dataset.drum);
    this.moveFocus(Number(target.dataset.col), drum, false);
    const bar = Number(target.dataset.bar);
    switch (target.dataset.action) {
      case "mute": this.onMute(drum); break;
      case "solo": this.onSolo(drum); break;
      case "lock-row": this.onLockRow(drum); break;
      case "new-row": this.onNewRow(drum); break;
      case "lock-bar": this.onLockBar(bar); break;
      case "new-bar": this.onNewBar(bar); break;
      default:
        if (this.lockMode && this.onLockCell) this.onLockCell(Number(target.dataset.step), drum);
        else this.onToggle(Number(target.dataset.step), drum);
    }
  }

  handleKey(event) {
    const target = event.target.closest(".cell, .head-btn");
    if (!target) return;
    if (target.classList.contains("cell") && this.cellKey(event, target)) return;
    const next = this.arrowTarget(event.key, Number(target.dataset.col), Number(target.dataset.drum));
    if (!next) return; // Enter and Space press the button natively
    event.preventDefault();
    this.moveFocus(next.col, next.drum, true);
  }

  /** L, A and G on a loop cell: lock it, make it an accent, make it a ghost note. */
  cellKey(event, cell) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return false;
    const step = Number(cell.dataset.step);
    const drum = Number(cell.dataset.drum);
    const key = event.key.toLowerCase();
    if (key === "l" && this.onLockCell) this.onLockCell(step, drum);
    else if (key === "a" && this.onVelocity) this.onVelocity(step, drum, ACCENT_VELOCITY);
    else if (key === "g" && this.onVelocity) this.onVelocity(step, drum, GHOST_VELOCITY);
    else return false;
    event.preventDefault();
    return true;
  }

  /** Where an arrow (Home, End) key goes from (col, drum), or null for any other key. */
  arrowTarget(key, col, drum) {
    const top = this.drums.length - 1;
    if (drum === this.headerRow) {
      const last = this.barButtons.length - 1;
      switch (key) {
        case "ArrowRight": return { col: Math.min(col + 1, last), drum };
        case "ArrowLeft": return { col: Math.max(col - 1, 0), drum };
        case "ArrowUp": return { col, drum };
        case "ArrowDown": return { col: Math.floor(col / 2) * STEPS_PER_BAR, drum: top };
        case "Home": return { col: 0, drum };
        case "End": return { col: last, drum };
        default: return null;
      }
    }
    const last = this.numSteps - 1;
    switch (key) {
      case "ArrowRight": return { col: Math.min(col + 1, last), drum };
      case "ArrowLeft": return { col: Math.max(col - 1, this.firstCol(drum)), drum };
      case "ArrowUp":
        if (drum === top && col >= 0 && this.barButtons.length) return { col: Math.floor(col / STEPS_PER_BAR) * 2, drum: this.headerRow };
        return { col, drum: Math.min(drum + 1, top) }; // up the screen = higher drum
      case "ArrowDown": return { col, drum: Math.max(drum - 1, 0) };
      case "Home": return { col: 0, drum };
      case "End": return { col: last, drum };
      default: return null;
    }
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

  /** Lock mode on or off: while on, a click or tap on a cell locks or unlocks it. */
  setLockMode(on) {
    this.lockMode = on;
    this.root.classList.toggle("locking", on);
  }
}
