// What the page says when something goes wrong: in plain words, what was wrong and what to
// do, shown next to the control that caused it. The server's `detail` is written for
// developers (it names fields and content types); here it becomes a sentence for a person.

const MB = 1024 * 1024;

/**
 * A message place: the element beside a group of controls that shows what happened there.
 * An error marks the control it is about (aria-invalid, described by the message).
 *
 * A message describes what plays now, or goes: `holds(state)` (optional) says whether it is
 * still true of the studio's state, and `recheck(state)` (called on every change) clears it
 * once it is not ("Tap tempo: 116 BPM" after Undo brought back 120).
 */
export class MessageSpot {
  constructor(element, control = null) {
    this.element = element;
    this.control = control;
    this.marked = null;
    this.holds = null;
  }

  say(text, { error = false, control = null, holds = null } = {}) {
    this.element.textContent = text;
    this.element.classList.toggle("error", error);
    this.holds = text ? holds : null;
    if (this.marked) {
      this.marked.removeAttribute("aria-invalid");
      this.marked.removeAttribute("aria-describedby");
      this.marked = null;
    }
    const about = control || this.control;
    if (error && about) {
      about.setAttribute("aria-invalid", "true");
      about.setAttribute("aria-describedby", this.element.id);
      this.marked = about;
    }
  }

  error(text, control = null, holds = null) {
    this.say(text, { error: true, control, holds });
  }

  /** Clear the message when the state no longer matches what it says. */
  recheck(state) {
    if (this.holds && !this.holds(state)) this.clear();
  }

  get showsError() {
    return this.element.classList.contains("error");
  }

  clear() {
    this.say("");
  }
}

function megabytes(bytes) {
  return `${Math.round(bytes / MB)} MB`;
}

function kind(err) {
  return { status: err?.status ?? 0, field: err?.field ?? null, detail: String(err?.message ?? err ?? "") };
}

/**
 * A `holds` for a message about the state as it is now: true while the loop, the seed and the
 * settings are the same objects (every change makes new ones; bookkeeping such as the open tab does not).
 */
export function whileUnchanged(state) {
  const { loop, seed, settings, variation } = state;
  return (now) => now.loop === loop && now.seed === seed && now.settings === settings && now.variation === variation;
}

/** The server is down, or a part failed to load: the same words wherever it happens. */
function serverProblem({ status, detail }) {
  if (status === 0) return "The studio's server does not answer. Start it again (poseloops serve), then retry.";
  if (status === 503) return "The studio is still loading or a part of it failed to load. Wait a moment and try again.";
  if (status >= 500) return "Something went wrong in the studio's server. Try again; what you made is still here.";
  return null;
}

/** A picture that was refused. */
export function pictureProblem(err, name, limits) {
  const e = kind(err);
  const problem = serverProblem(e);
  if (problem) return problem;
  if (e.status === 415) return `${name} is not a picture the studio reads. Choose a JPEG or PNG photo.`;
  if (e.status === 413) return `${name} is larger than ${megabytes(limits.max_image_bytes)}. Choose a smaller picture.`;
  if (/no person|nobody|no one/i.test(e.detail)) {
    return `No person found in ${name}. Choose a picture where a whole body is in view, or read it by its shapes.`;
  }
  if (/pixels|too large/i.test(e.detail)) {
    return `${name} is too large to read. Choose a picture under ${limits.max_image_side} pixels on each side.`;
  }
  if (/empty/i.test(e.detail)) return `${name} is empty. Choose another picture.`;
  return `${name} could not be read as a picture (it may be damaged). Choose a JPEG or PNG photo.`;
}

/** A recording that was refused. */
export function recordingProblem(err, name, limits) {
  const e = kind(err);
  const problem = serverProblem(e);
  if (problem) return problem;
  const seconds = limits.max_audio_seconds;
  if (e.status === 413) return `${name} is larger than ${megabytes(limits.max_audio_bytes)}. Record or choose a shorter one.`;
  if (/long|limit/i.test(e.detail)) return `${name} is longer than ${seconds} s. Record or choose a shorter one.`;
  if (/silent/i.test(e.detail)) return `${name} is silent. Check the microphone, then tap, clap or beatbox louder.`;
  if (/no hits/i.test(e.detail)) return `No hits heard in ${name}. Tap, clap or beatbox with short, clear sounds.`;
  if (/empty|no samples/i.test(e.detail)) return `${name} is empty. Record again or choose another file.`;
  return `${name} could not be read as audio. Choose a WAV, FLAC, OGG or MP3 recording.`;
}

/** A session file that was refused. */
export function sessionProblem(err, name) {
  const e = kind(err);
  const problem = serverProblem(e);
  if (problem) return problem;
  return `${name} is not a PoseLoops session (or it is damaged). Choose a file saved with Save session.`;
}

/** A loop that could not be played: `steps` long at `bpm`. */
export function loopProblem(err, { steps, bpm, maxSeconds }) {
  const e = kind(err);
  const problem = serverProblem(e);
  if (problem) return problem;
  if (/would be \d+ s of audio|renders at most/i.test(e.detail)) {
    const bars = Math.round((steps / 16) * 10) / 10;
    const seconds = (steps * 15) / bpm;
    const slowest = Math.ceil((steps * 15) / maxSeconds);
    return `At ${bpm} BPM, ${bars} bars would last ${Math.round(seconds)} s; a loop can last at most ${maxSeconds} s. ` +
      `Set the BPM to ${slowest} or more, or use fewer bars. The loop plays on as before.`;
  }
  if (e.field === "kit") return "That kit is not on this computer any more. Choose another kit.";
  if (e.field === "mixer") return "The mixer settings could not be used. Press Reset mixer.";
  return "That change could not be played; the loop plays on as before. Try again, or undo it.";
}

/** The model could not continue the seed. */
export function generateProblem(err) {
  return serverProblem(kind(err)) || "The drum model could not continue this seed. Try another seed or fewer bars.";
}
