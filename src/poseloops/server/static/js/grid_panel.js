// The grid panel: a seed drawn by hand on a drum grid (or copied from the loop that plays).

import { postJson } from "./api.js";
import { DrumGrid } from "./grid.js";

export class GridPanel {
  constructor({ root, clear, fill, use }, { drums, seedSteps, currentLoop, onSeed, message, saved, onChange }) {
    Object.assign(this, { seedSteps, currentLoop, onSeed, message, onChange });
    this.steps = Array.isArray(saved) ? saved.map((s) => [...s]) : [];
    this.grid = new DrumGrid(root, drums, (step, drum) => this.toggle(step, drum));
    clear.addEventListener("click", () => this.setSteps([]));
    fill.addEventListener("click", () => this.fillFromLoop());
    use.addEventListener("click", () => this.useAsSeed());
    this.resize();
  }

  /** Match the seed length chosen in the studio, keeping what was drawn. */
  resize() {
    const length = this.seedSteps();
    this.steps = Array.from({ length }, (_, i) => (this.steps[i] ? [...this.steps[i]] : []));
    this.grid.show(this.steps, length);
  }

  setSteps(steps) {
    this.steps = steps.map((s) => [...s]);
    this.resize();
    this.onChange(this.steps);
  }

  toggle(step, drum) {
    const drums = new Set(this.steps[step]);
    if (drums.has(drum)) drums.delete(drum);
    else drums.add(drum);
    this.steps[step] = [...drums].sort((a, b) => a - b);
    this.grid.show(this.steps, this.steps.length);
    this.onChange(this.steps);
  }

  fillFromLoop() {
    const loop = this.currentLoop();
    if (!loop) {
      this.message.error("There is no loop yet to copy from. Roll the dice or draw a seed first.");
      return;
    }
    this.message.clear();
    this.setSteps(loop.pattern.slice(0, this.seedSteps()));
  }

  async useAsSeed() {
    if (this.steps.every((step) => step.length === 0)) {
      this.message.error("The grid is empty. Click a few cells to draw a seed, then press Use as seed.");
      return;
    }
    try {
      const answer = await postJson("/api/seeds/grid", { cells: this.steps });
      this.message.clear();
      await this.onSeed(answer.seed, "grid");
    } catch (err) {
      this.message.error("The grid could not be used: the studio's server does not answer. Start it again, then retry.");
    }
  }
}
