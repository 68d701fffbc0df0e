"""The fake-webcam clips, made from the fixture photos at test time (never checked in).

As ../shared/README.md describes its copies: 640x480 at 5 fps, each photo
scaled to fit and centred on black. ``person-webcam.y4m`` is photo 241 for 2 s
(Chromium's ``--use-file-for-fake-video-capture`` plays it as the camera);
``people-slideshow.y4m`` is 241, 474 and 564 for 1 s each.

OpenCV scales and converts to YUV 4:2:0 (BT.601, limited range, as the
``C420jpeg`` header says); the Y4M container, a text header and one
``FRAME`` line before each frame's planes, is written here because neither
Pillow nor the FFmpeg inside OpenCV's wheel writes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WIDTH, HEIGHT, FPS = 640, 480, 5
HEADER = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n"
# clip name -> (photo number, seconds shown) in order
CLIPS = {
    "person-webcam.y4m": (("241", 2),),
    "people-slideshow.y4m": (("241", 1), ("474", 1), ("564", 1)),
}


def photo_path(folder: Path, number: str) -> Path:
    return folder / f"COCO_val2014_000000000{number}.jpg"


def letterbox(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` scaled to fit WIDTH x HEIGHT, centred on black."""
    import cv2

    scale = min(WIDTH / rgb.shape[1], HEIGHT / rgb.shape[0])
    width, height = round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    left, top = (WIDTH - width) // 2, (HEIGHT - height) // 2
    frame[top : top + height, left : left + width] = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    return frame


def yuv420_frame(rgb: np.ndarray) -> bytes:
    """One frame's Y, U and V planes, one after the other."""
    import cv2

    return cv2.cvtColor(letterbox(rgb), cv2.COLOR_RGB2YUV_I420).tobytes()


def write_y4m(path: Path, frames: list[bytes]) -> Path:
    with path.open("wb") as handle:
        handle.write(HEADER.encode("ascii"))
        for frame in frames:
            handle.write(b"FRAME\n" + frame)
    return path


def write_clips(photos: Path, folder: Path) -> Path:
    """Both clips, made from ``photos``, in ``folder``; returns ``folder``."""
    from poseloops.seeds import read_image_file

    for name, shots in CLIPS.items():
        frames = []
        for number, seconds in shots:
            frames += [yuv420_frame(read_image_file(photo_path(photos, number)))] * (seconds * FPS)
        write_y4m(folder / name, frames)
    return folder
