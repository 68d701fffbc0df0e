// The picture panel: any photo or painting becomes a seed, by its shapes or by the pose of
// the person in it. A picture over the server's limits (bytes or pixels) is shrunk here
// first, so a big phone photo just works. Switching the mode reads the same picture again.
// The picture stays in this page's memory only.

import { upload } from "./api.js";
import { pictureProblem } from "./messages.js";
import { drawPose } from "./skeleton.js";

const SHRUNK_SIDE = 2048;   // a shrunk picture's longest side: plenty for a pose or its shapes
const SHRUNK_QUALITY = 0.9; // JPEG quality of a shrunk picture

export class PicturePanel {
  constructor({ input, preview, overlay, modes }, { seedSteps, onSeed, message, limits }) {
    Object.assign(this, { input, preview, overlay, modes, seedSteps, onSeed, message, limits });
    this.accepted = null;  // {file, url}: the last picture that made a seed
    this.shown = null;     // the object URL in the preview
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

  /** The mode changed: the picture on screen is read the new way. */
  async modeChanged() {
    if (this.accepted) await this.read(this.accepted.file);
  }

  async read(file) {
    this.message.say(`Reading ${file.name}…`);
    this.showPreview(URL.createObjectURL(file));
    try {
      if (file.size === 0) throw Object.assign(new Error("empty"), { status: 422 });
      const body = await this.withinLimits(file);
      const steps = this.seedSteps();
      if (this.mode() === "pose") {
        const answer = await upload("/api/seeds/pose", body, { steps, mirror: false });
        this.drawOverlay(answer.pose);
        this.accept(file);
        await this.onSeed(answer.seed, "pose picture");
      } else {
        const answer = await upload("/api/seeds/image", body, { steps });
        this.accept(file);
        await this.onSeed(answer.seed, "picture");
      }
      this.message.say(body === file ? "" : `${file.name} was large, so it was made smaller before reading.`);
    } catch (err) {
      this.restorePreview();
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
