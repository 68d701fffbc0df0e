// Drawing a pose: thick limbs and big joints, so a person a few metres away sees it.

const VISIBLE = 0.5;          // keypoints less visible than this are not drawn
const LIMB = "#5cc8be";
const JOINT = "#f4a259";
const OUTLINE = "rgba(14, 21, 28, 0.85)";
// Small landmarks (face, fingers, toes) get small dots, so the big joints read from afar.
const SMALL_POINT = /eye|ear|mouth|nose|pinky|index|thumb|heel/;

/**
 * Draw `pose` ({keypoints: [{x, y, visibility}], edges: [[i, j]]}, x/y in 0-1) on a canvas.
 * Returns how many keypoints were drawn.
 */
export function drawPose(ctx, pose, { scale = 1 } = {}) {
  const { width, height } = ctx.canvas;
  if (!pose) return 0;
  const size = Math.max(width, height);
  const limb = Math.max(4, size * 0.014) * scale;
  const joint = Math.max(4, size * 0.011) * scale;
  const points = pose.keypoints.map((k) => ({
    x: k.x * width, y: k.y * height, seen: k.visibility >= VISIBLE, small: SMALL_POINT.test(k.name || ""),
  }));
  ctx.lineCap = "round";
  for (const [colour, widthOf] of [[OUTLINE, limb + 4 * scale], [LIMB, limb]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = widthOf;
    ctx.beginPath();
    for (const [a, b] of pose.edges) {
      const p = points[a];
      const q = points[b];
      if (!p || !q || !p.seen || !q.seen) continue;
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(q.x, q.y);
    }
    ctx.stroke();
  }
  let drawn = 0;
  for (const p of points) {
    if (!p.seen) continue;
    ctx.beginPath();
    ctx.arc(p.x, p.y, p.small ? joint * 0.45 : joint, 0, 2 * Math.PI);
    ctx.fillStyle = JOINT;
    ctx.fill();
    ctx.lineWidth = 2 * scale;
    ctx.strokeStyle = OUTLINE;
    ctx.stroke();
    drawn++;
  }
  return drawn;
}

/** Move `shown` keypoints part of the way to `target` (smooth motion between pose updates). */
export function easePose(shown, target, amount) {
  if (!target) return null;
  if (!shown || shown.keypoints.length !== target.keypoints.length) return structuredClone(target);
  const keypoints = shown.keypoints.map((k, i) => {
    const t = target.keypoints[i];
    return { ...t, x: k.x + (t.x - k.x) * amount, y: k.y + (t.y - k.y) * amount };
  });
  return { ...target, keypoints };
}

const FLASH = "#fff3b0";

/** A joint lit up on its hit: a bright disc and ring at `point` ({x, y} in 0-1), big enough to see from afar. */
export function drawHitFlash(ctx, point, { scale = 1 } = {}) {
  const { width, height } = ctx.canvas;
  const radius = Math.max(10, Math.max(width, height) * 0.035) * scale;
  const x = point.x * width;
  const y = point.y * height;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = "rgba(255, 243, 176, 0.45)";
  ctx.fill();
  ctx.lineWidth = 4 * scale;
  ctx.strokeStyle = FLASH;
  ctx.stroke();
}
