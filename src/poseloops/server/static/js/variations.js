// The variations the model made for one seed, as small previews to pick from. A pick (click,
// tap, or the keys 1-4) switches the loop at the next bar; the preview that plays is marked,
// and the one waiting for its bar is marked as queued.

const SEED_COLOUR = "#f4a259";
const GEN_COLOUR = "#5cc8be";
const OFF_COLOUR = "#30455a";
const ROWS = 9;

export class VariationStrip {
  /** `root`: the element holding the previews; `onPick(index)` when a person picks one. */
  constructor(root, { count, onPick }) {
    this.root = root;
    this.onPick = onPick;
    this.buttons = [];
    for (let i = 0; i < count; i++) this.buttons.push(this.preview(i));
    this.drawn = [];
  }

  preview(index) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "variation";
    button.dataset.index = String(index);
    button.setAttribute("aria-pressed", "false");
    const number = document.createElement("span");
    number.className = "variation-number";
    number.textContent = String(index + 1);
    number.setAttribute("aria-hidden", "true");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("aria-hidden", "true");
    button.append(number, canvas);
    button.addEventListener("click", () => this.onPick(index));
    this.root.append(button);
    return button;
  }

  /** Show `variations` (pattern JSON); `playing`/`queued`: indices or null. */
  show(variations, { playing = null, queued = null } = {}) {
    this.root.hidden = variations.length < 2;
    this.buttons.forEach((button, i) => {
      const loop = variations[i];
      button.hidden = !loop;
      if (!loop) return;
      const state = i === playing ? "playing" : i === queued ? "queued" : "";
      button.dataset.state = state;
      button.setAttribute("aria-pressed", String(i === (queued ?? playing)));
      const hits = loop.pattern.reduce((n, step) => n + step.length, 0);
      const bars = Math.ceil(loop.pattern.length / 16);
      const where = state === "playing" ? ", playing" : state === "queued" ? ", starts at the next bar" : "";
      button.setAttribute("aria-label", `Variation ${i + 1}: ${bars} bar${bars === 1 ? "" : "s"}, ${hits} hits${where} (key ${i + 1})`);
      const key = JSON.stringify(loop.pattern);
      if (this.drawn[i] !== key) {
        this.draw(button.querySelector("canvas"), loop);
        this.drawn[i] = key;
      }
    });
  }

  draw(canvas, loop) {
    const steps = loop.pattern.length;
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round((width || 120) * ratio));
    canvas.height = Math.max(1, Math.round((height || 36) * ratio));
    const ctx = canvas.getContext("2d");
    const cellW = canvas.width / steps;
    const cellH = canvas.height / ROWS;
    const seedLength = loop.seed_length ?? 0;
    ctx.fillStyle = OFF_COLOUR;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    loop.pattern.forEach((drums, step) => {
      ctx.fillStyle = step < seedLength ? SEED_COLOUR : GEN_COLOUR;
      for (const drum of drums) {
        const row = ROWS - 1 - drum; // kick at the bottom, as in the grid
        ctx.fillRect(step * cellW, row * cellH, Math.max(1, cellW - ratio * 0.5), Math.max(1, cellH - ratio * 0.5));
      }
    });
  }
}
