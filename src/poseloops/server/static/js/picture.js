// The picture panel: any photo or painting becomes a seed, by its shapes or by the pose of
// the person in it. The file goes to the server as it is; the server checks its type and size.

import { ApiError, upload } from "./api.js";
import { drawPose } from "./skeleton.js";

export class PicturePanel {
  constructor({ input, preview, overlay, modes }, { seedSteps, onSeed, onError }) {
    Object.assign(this, { input, preview, overlay, modes, seedSteps, onSeed, onError });
    input.addEventListener("change", () => this.chosen());
  }

  mode() {
    const checked = this.modes.find((radio) => radio.checked);
    return checked ? checked.value : "image";
  }

  async chosen() {
    const file = this.input.files && this.input.files[0];
    this.input.value = ""; // choosing the same file again still fires
    if (!file) return;
    this.showPreview(file);
    try {
      if (this.mode() === "pose") {
        const answer = await upload("/api/seeds/pose", file, { steps: this.seedSteps(), mirror: false });
        this.drawOverlay(answer.pose);
        await this.onSeed(answer.seed, "pose picture");
      } else {
        const answer = await upload("/api/seeds/image", file, { steps: this.seedSteps() });
        await this.onSeed(answer.seed, "picture");
      }
    } catch (err) {
      this.overlay.hidden = true;
      this.onError(err instanceof ApiError ? err.message : String(err));
    }
  }

  showPreview(file) {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = URL.createObjectURL(file);
    this.overlay.hidden = true;
    this.preview.hidden = false;
    this.preview.onerror = () => (this.preview.hidden = true);
    this.preview.src = this.url;
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
