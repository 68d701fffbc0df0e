// The picture panel: any photo or painting becomes a seed, by its shapes or by the pose of
// the person in it. A picture over the server's limits (bytes or pixels) is shrunk here
// first, so a big phone photo just works. Switching the mode reads the picture on screen again,
// even while it is being read (the last choice wins: the radio and the loop agree). A picture
// with nobody in it stays on screen, so "read it by its shapes" reads that one; a file that is
// no picture leaves the screen to the last picture that worked. The picture stays in this
// page's memory only.

import { upload } from "./api.js";
import { pictureProblem } from "./messages.js";
import { drawPose } from "./skeleton.js";

const SHRUNK_SIDE = 2048;   // a shrunk picture's longest side: plenty for a pose or its shapes
const SHRUNK_QUALITY = 0.9; // JPEG quality of a shrunk picture

export class PicturePanel {
  constructor({ input, preview, overlay, modes }, { seedSteps, onSeed, message, limits }) {
    Object.assign(this, { input, preview, overlay, modes, seedSteps, onSeed, message, limits });
    this.accepted = null;  // {file, url}: the picture on screen, a readable one (it made a seed, or had nobody in it)
    this.shown = null;     // the object URL in the preview
    this.reading = null;   // {file, url}: the picture being read now
    this.readCount = 0;    // the latest read: an older one's answer is dropped
    input.addEventListener("change", () => this.chosen());
    for (const radio of modes) radio.addEventListener("change", () => this.modeChanged());
  }

  mode() {
    const checked = this.modes.find((radio) => radio.checked);
    return checked ? checked.value : "image";
  }

  async chosen() {
    const file = this.input.files && this.input.files[0];
    this.input.value = ""; // choosing the same file again still fires
    if (file) await this.read(file);
  }

  /** The mode changed: the picture on screen (or the one being read) is read the new way. */
  async modeChanged() {
    const picture = this.reading || this.accepted;
    if (picture) await this.read(picture.file, picture.url);
  }

  /** Read `file` (shown from `url` when it is on screen already) the way the radio says now. */
  async read(file, url = null) {
    const count = ++this.readCount;
    const mode = this.mode();
    const stale = () => count !== this.readCount; // a newer read (another file, another mode) took over
    this.message.say(`Reading ${file.name}…`);
    if (url && url === this.shown) this.overlay.hidden = true; // on screen already: read again
    else this.showPreview(url || URL.createObjectURL(file));
    this.reading = { file, url: this.shown };
    try {
      if (file.size === 0) throw Object.assign(new Error("empty"), { status: 422 });
      const body = await this.withinLimits(file);
      const steps = this.seedSteps();
      const answer = mode === "pose"
        ? await upload("/api/seeds/pose", body, { steps, mirror: false })
        : await upload("/api/seeds/image", body, { steps });
      if (stale()) return;
      this.reading = null;
      this.accept(file);
      if (mode === "pose") this.drawOverlay(answer.pose);
      await this.onSeed(answer.seed, mode === "pose" ? "pose picture" : "picture");
      if (!stale()) this.message.say(body === file ? "" : `${file.name} was large, so it was made smaller before reading.`);
    } catch (err) {
      if (stale()) return;
      this.reading = null;
      // a picture with nobody in it is still a picture: it stays, to be read by its shapes
      if (err?.status === 422 && /no person|nobody|no one/i.test(String(err.message))) this.accept(file);
      else this.restorePreview();
      this.message.error(pictureProblem(err, file.name, this.limits));
    }
  }

  accept(file) {
    if (this.accepted && this.accepted.url !== this.shown) URL.revokeObjectURL(this.accepted.url);
    this.accepted = { file, url: this.shown };
  }

  /** The file as it is when the server takes it, or a smaller JPEG of it when it would not. */
  async withinLimits(file) {
    const tooBig = file.size > this.limits.max_image_bytes;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (_) {
      return file; // not a picture the browser reads: the server says what is wrong with it
    }
    const side = Math.max(bitmap.width, bitmap.height);
    if (!tooBig && side <= this.limits.max_image_side) {
      bitmap.close();
      return file;
    }
    const scale = Math.min(1, SHRUNK_SIDE / side);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", SHRUNK_QUALITY));
  }

  showPreview(url) {
    if (this.shown && this.shown !== this.accepted?.url) URL.revokeObjectURL(this.shown);
    this.shown = url;
    this.overlay.hidden = true;
    this.preview.hidden = false;
    this.preview.onerror = () => (this.preview.hidden = true);
    this.preview.src = url;
  }

  /** A refused picture leaves the screen: the last one that worked (or nothing) is shown again. */
  restorePreview() {
    if (this.shown && this.shown !== this.accepted?.url) URL.revokeObjectURL(this.shown);
    this.overlay.hidden = true;
    if (this.accepted) {
      this.shown = this.accepted.url;
      this.preview.src = this.accepted.url;
      this.preview.hidden = false;
    } else {
      this.shown = null;
      this.preview.removeAttribute("src");
      this.preview.hidden = true;
    }
  }

  drawOverlay(pose) {
    const draw = () => {
      this.overlay.width = this.preview.naturalWidth;
      this.overlay.height = this.preview.naturalHeight;
      const ctx = this.overlay.getContext("2d");
      ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
      this.overlay.dataset.keypoints = String(drawPose(ctx, pose));
      this.overlay.hidden = false;
    };
    if (this.preview.complete && this.preview.naturalWidth) draw();
    else this.preview.addEventListener("load", draw, { once: true });
  }
}
