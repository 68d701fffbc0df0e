"""Camera frames as the studio page sends them in live mode, made from the photos and clips
in ../shared/data/pose, for the live tests and scripts/measure_live_seeds.py.

- ``held_still``: a photo as a webcam would see a person holding still: the
  picture sways by a pixel or two (a slow random walk, as a body breathing and
  a hand-held camera do), sensor noise is added, and each frame is JPEG
  encoded like the page's canvas snapshots.
- ``clip_frames``: a Y4M clip (5 fps) repeated up to 30 fps, as Chromium's fake
  camera delivers it, each frame JPEG encoded.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

FPS = 30  # what the page sends at most
JPEG_QUALITY = 80  # the page's canvas.toBlob("image/jpeg", 0.8)
SWAY_PX = 1.5  # standard deviation of the picture's drift, pixels
SWAY_MEMORY = 0.9  # how much of last frame's drift remains: a slow sway, not a shake
SCALE_SWAY = 0.003  # and of its scale (leaning 0.3% nearer and away)
SENSOR_NOISE = 2.0  # grey levels of Gaussian noise per pixel


def jpeg(image_rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image_rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def held_still(image_rgb: np.ndarray, frames: int, *, rng: np.random.Generator) -> list[bytes]:
    """``frames`` JPEG frames of the picture held still in front of a webcam."""
    height, width = image_rgb.shape[:2]
    picture = Image.fromarray(image_rgb)
    innovation = np.sqrt(1 - SWAY_MEMORY**2)
    drift = rng.normal(0, 1, 3)
    out = []
    for _ in range(frames):
        drift = SWAY_MEMORY * drift + innovation * rng.normal(0, 1, 3)
        dx, dy = drift[:2] * SWAY_PX
        scale = 1 + drift[2] * SCALE_SWAY
        # Image.transform maps output to input pixels: scale about the centre, then shift.
        cx, cy = width / 2, height / 2
        matrix = (1 / scale, 0, cx - (cx + dx) / scale, 0, 1 / scale, cy - (cy + dy) / scale)
        moved = np.asarray(picture.transform((width, height), Image.AFFINE, matrix, Image.BILINEAR), np.float32)
        noisy = np.clip(moved + rng.normal(0, SENSOR_NOISE, moved.shape), 0, 255).astype(np.uint8)
        out.append(jpeg(noisy))
    return out


def clip_frames(path: Path, *, seconds: float | None = None) -> list[bytes]:
    """A clip's frames at ``FPS`` (each repeated), JPEG encoded; the clip loops to fill ``seconds``."""
    from poseloops.seeds import read_video_frames

    frames = [frame for _, frame in read_video_frames(path)]
    clip_fps = _y4m_fps(path)
    repeat = round(FPS / clip_fps)
    encoded = [jpeg(frame) for frame in frames]
    one_pass = [data for data in encoded for _ in range(repeat)]
    total = len(one_pass) if seconds is None else round(seconds * FPS)
    return [one_pass[i % len(one_pass)] for i in range(total)]


def _y4m_fps(path: Path) -> float:
    with open(path, "rb") as file:
        header = file.readline().decode("ascii").split()
    rate = next(token[1:] for token in header if token.startswith("F"))
    numerator, denominator = rate.split(":")
    return int(numerator) / int(denominator)
