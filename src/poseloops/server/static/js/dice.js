// The dice panel: a random seed thrown by the server, within the chosen number of drums per
// step and range of drums, with the studio's random seed (so a locked seed throws the same).

import { postJson } from "./api.js";

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
