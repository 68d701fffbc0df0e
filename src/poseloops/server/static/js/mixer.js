// The mixer: a volume and a pan per drum, and how much room (reverb) there is. Defaults and
// ranges come from the server's sound engine (GET /api/config); a change is heard from the
// next loop turn, like every other change.

const UI_MAX_GAIN = 2; // +6 dB is as loud as a person needs here; the engine allows more

export class MixerPanel {
  constructor(root, config, { onChange }) {
    this.root = root;
    this.defaults = config.mixer.defaults;
    this.ranges = config.mixer.ranges;
    this.drums = config.drums;
    this.onChange = onChange;
    this.inputs = {};
    this.build();
  }

  build() {
    for (const drum of this.drums) {
      const group = this.group(drum.name); // the drum, not the synth voice that plays it (crash, not "clap")
      this.inputs[`${drum.label}.gain`] = this.slider(group, "volume", 0, Math.min(UI_MAX_GAIN, this.ranges.gain[1]), 0.05);
      this.inputs[`${drum.label}.pan`] = this.slider(group, "pan", this.ranges.pan[0], this.ranges.pan[1], 0.1);
    }
    const room = this.group("room");
    this.inputs.reverb_wet = this.slider(room, "reverb", this.ranges.reverb_wet[0], this.ranges.reverb_wet[1], 0.05);
    const reset = document.createElement("button");
    reset.type = "button";
    reset.className = "btn";
    reset.textContent = "Reset mixer";
    reset.addEventListener("click", () => {
      this.show(null);
      this.onChange(null);
    });
    this.root.append(reset);
  }

  group(title) {
    const group = document.createElement("div");
    group.className = "voice";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", title);
    const name = document.createElement("span");
    name.className = "voice-name";
    name.textContent = title;
    group.append(name);
    this.root.append(group);
    return group;
  }

  slider(group, text, min, max, step) {
    const label = document.createElement("label");
    label.className = "control";
    const name = document.createElement("span");
    name.className = "control-name";
    name.textContent = text;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min, max, step });
    input.setAttribute("aria-label", `${group.getAttribute("aria-label")} ${text}`);
    input.addEventListener("input", () => input.setAttribute("aria-valuetext", describe(text, Number(input.value))));
    input.addEventListener("input", () => this.onChange(this.value()));
    label.append(name, input);
    group.append(label);
    return input;
  }

  /** Show `mixer` (the engine's dict, or null for its defaults). */
  show(mixer) {
    const settings = mixer || this.defaults;
    for (const [label, voice] of Object.entries(this.defaults.voices)) {
      const current = { ...voice, ...((settings.voices || {})[label] || {}) };
      this.inputs[`${label}.gain`].value = current.gain;
      this.inputs[`${label}.pan`].value = current.pan;
    }
    this.inputs.reverb_wet.value = settings.reverb_wet ?? this.defaults.reverb_wet;
    for (const [key, input] of Object.entries(this.inputs)) {
      const text = key.endsWith(".gain") ? "volume" : key.endsWith(".pan") ? "pan" : "reverb";
      input.setAttribute("aria-valuetext", describe(text, Number(input.value)));
    }
  }

  /** The settings shown, as the engine's dict (only what differs from the defaults is needed). */
  value() {
    const voices = {};
    for (const [label, voice] of Object.entries(this.defaults.voices)) {
      const gain = Number(this.inputs[`${label}.gain`].value);
      const pan = Number(this.inputs[`${label}.pan`].value);
      if (gain !== voice.gain || pan !== voice.pan) voices[label] = { gain, pan };
    }
    return { voices, reverb_wet: Number(this.inputs.reverb_wet.value) };
  }
}

/** A slider's value in words: "80%", "left 30%", "centre". */
function describe(kind, value) {
  if (kind !== "pan") return `${Math.round(value * 100)}%`;
  if (Math.abs(value) < 0.05) return "centre";
  return `${value < 0 ? "left" : "right"} ${Math.round(Math.abs(value) * 100)}%`;
}
