// Velocity by dragging a hit up (louder) or down (softer), with a mouse, a pen or a finger, as
// in a DAW's drum editor. A press that does not move is still a click (the cell toggles). While
// dragging the cell shows the new velocity; the change is made once, on release (one undo step).

const MAX_VELOCITY = 127;
const MIN_VELOCITY = 1;
const DRAG_START_PX = 4;          // less than this is a click, not a drag
const PX_PER_FULL_RANGE = 160;    // a drag this long goes from silent to full

export class VelocityDrag {
  /**
   * `grid`: the DrumGrid; `onVelocity(step, drum, velocity)` is called on release of a drag.
   * `onDrag(step, drum, velocity)` (optional) while dragging, to say the value.
   */
  constructor(grid, onVelocity, onDrag = null) {
    Object.assign(this, { grid, onVelocity, onDrag });
    this.drag = null;
    this.clickSuppressed = false;
    const root = grid.root;
    root.addEventListener("pointerdown", (event) => this.down(event));
    root.addEventListener("pointermove", (event) => this.move(event));
    root.addEventListener("pointerup", (event) => this.up(event));
    root.addEventListener("pointercancel", () => this.cancel());
  }

  down(event) {
    if (event.button !== 0 || this.grid.lockMode) return;
    const cell = event.target.closest(".cell.on");
    if (!cell || !this.grid.root.contains(cell)) return;
    this.drag = {
      id: event.pointerId, cell, startY: event.clientY, start: Number(cell.dataset.raw || cell.dataset.velocity), velocity: null,
    };
  }

  move(event) {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.id) return;
    const dy = drag.startY - event.clientY; // up the screen is louder
    if (drag.velocity === null && Math.abs(dy) < DRAG_START_PX) return;
    if (drag.velocity === null) {
      try {
        drag.cell.setPointerCapture(drag.id);
      } catch (_) {
        /* the pointer is gone: the drag still works while it is over the grid */
      }
      drag.cell.classList.add("dragging");
    }
    event.preventDefault();
    const velocity = Math.round(Math.min(MAX_VELOCITY, Math.max(MIN_VELOCITY, drag.start + (dy * MAX_VELOCITY) / PX_PER_FULL_RANGE)));
    drag.velocity = velocity;
    drag.cell.style.setProperty("--vel", (velocity / MAX_VELOCITY).toFixed(3));
    drag.cell.dataset.dragVelocity = String(velocity);
    if (this.onDrag) this.onDrag(Number(drag.cell.dataset.step), Number(drag.cell.dataset.drum), velocity);
  }

  up(event) {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.id) return;
    this.drag = null;
    if (drag.velocity === null) return; // a click: the cell toggles as usual
    drag.cell.classList.remove("dragging");
    delete drag.cell.dataset.dragVelocity;
    this.clickSuppressed = true; // the click that follows a drag's release is not a toggle
    setTimeout(() => (this.clickSuppressed = false), 0);
    this.onVelocity(Number(drag.cell.dataset.step), Number(drag.cell.dataset.drum), drag.velocity);
  }

  cancel() {
    const drag = this.drag;
    this.drag = null;
    if (!drag || drag.velocity === null) return;
    drag.cell.classList.remove("dragging");
    delete drag.cell.dataset.dragVelocity;
    drag.cell.style.setProperty("--vel", (Number(drag.cell.dataset.velocity) / MAX_VELOCITY).toFixed(3));
  }

  /** True once for the click a drag's release makes. */
  takeClick() {
    return this.clickSuppressed;
  }
}
