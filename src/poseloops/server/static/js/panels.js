// The two seed panels that need no upload: the dice and the hand-drawn grid.

import { postJson } from "./api.js";
import { DrumGrid } from "./grid.js";

export class DicePanel {
  constructor({ length, low, high, roll, lengthOut, lowOut, highOut }, { drums, seedSteps, rngSeed, onSeed, message, saved, onChange }) {
    Object.assign(this, { length, low, high, roll, lengthOut, lowOut, highOut, drums, seedSteps, rngSeed, onSeed, message, onChange });
    if (saved) {
      length.value = saved.length;
      low.value = saved.low;
      high.value = saved.high;
    }
    for (const input of [length, low, high]) input.addEventListener("input", () => this.changed(input));
    roll.addEventListener("click", () => this.rollDice());
    this.show();
  }

  values() {
    return { length: Number(this.length.value), low: Number(this.low.value), high: Number(this.high.value) };
  }

  changed(input) {
    // keep low <= high by moving the other slider, as a person expects
    if (Number(this.low.value) > Number(this.high.value)) {
      if (input === this.low) this.high.value = this.low.value;
      else this.low.value = this.high.value;
    }
    this.show();
    this.onChange(this.values());
  }

  show() {
    const { length, low, high } = this.values();
    this.lengthOut.textContent = String(length);
    this.lowOut.textContent = this.drums[low].name;
    this.highOut.textContent = this.drums[high].name;
    // a screen reader says the drum, not its index
    this.length.setAttribute("aria-valuetext", `${length} drum${length === 1 ? "" : "s"} per step`);
    this.low.setAttribute("aria-valuetext", this.drums[low].name);
    this.high.setAttribute("aria-valuetext", this.drums[high].name);
  }

  /** Throw the dice with the studio's random seed (a new one unless it is locked). */
  async rollDice(options = {}) {
    const rng = this.rngSeed();
    try {
      const answer = await postJson("/api/seeds/dice", { steps: this.seedSteps(), ...this.values(), rng_seed: rng });
      this.message.clear();
      await this.onSeed(answer.seed, "dice", { ...options, rng });
    } catch (err) {
      this.message.error("The dice could not be thrown: the studio's server does not answer. Start it again, then Roll.");
    }
  }
}

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
