"""Pictures and video frames into RGB arrays, refusing what is not a picture.

``decode_image`` reads JPEG, PNG and WebP bytes with Pillow and checks the size
in the header before decoding anything, so a small file that would expand into
gigabytes (a decompression bomb) is refused cheaply. ``read_video_frames``
reads frames of a video file (Y4M, MP4, ...) through OpenCV, which MediaPipe
brings along.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import InputError, ParameterError

MAX_PIXELS_SIDE = 4096  # the upload limit the server enforces
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")  # what browsers send and cameras save
MAX_VIDEO_FRAMES_SCANNED = 60  # a longer video is sampled evenly, so a search stays a few seconds
VIDEO_SUFFIXES = (".y4m", ".mp4", ".mov", ".avi", ".mkv", ".webm", ".mjpeg", ".mjpg")


def decode_image(data: bytes, *, max_pixels_side: int = MAX_PIXELS_SIDE) -> np.ndarray:
    """An RGB ``(height, width, 3)`` uint8 array from encoded image bytes.

    The orientation a camera wrote in EXIF is applied; transparency is laid
    over white. Raises ``InputError`` for bytes that are not a JPEG, PNG or
    WebP image, a truncated or corrupt one, or one with a side longer than
    ``max_pixels_side`` (checked in the header, before decoding).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParameterError(f"image data must be bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise InputError("the image is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            width, height = image.size
            if max(width, height) > max_pixels_side:
                raise InputError(
                    f"the image is {width}x{height} pixels; the limit is {max_pixels_side} on each side"
                )
            image = ImageOps.exif_transpose(image)  # also decodes the pixels
            return _to_rgb(image)
    except UnidentifiedImageError:
        raise InputError(f"the data is not a {', '.join(IMAGE_FORMATS[:-1])} or {IMAGE_FORMATS[-1]} image") from None
    except Image.DecompressionBombError as err:
        raise InputError(f"the image is too large to decode: {err}") from None
    except (OSError, SyntaxError, ValueError) as err:  # Pillow's errors for truncated and corrupt data
        raise InputError(f"the image is corrupt or truncated: {err}") from None


def read_image_file(path: str | Path, *, max_pixels_side: int = MAX_PIXELS_SIDE) -> np.ndarray:
    """``decode_image`` of a file's bytes; ``InputError`` names the file when it fails."""
    path = Path(path)
    data = read_file_bytes(path)
    try:
        return decode_image(data, max_pixels_side=max_pixels_side)
    except InputError as err:
        raise InputError(f"{path}: {err}") from None


def read_file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def video_frame_count(path: str | Path) -> int:
    """How many frames a video file holds (counted, as containers may not say)."""
    return sum(1 for _ in _frames(path, keep=lambda index: False))


def read_video_frames(
    path: str | Path, *, frames: list[int] | None = None, max_frames: int = MAX_VIDEO_FRAMES_SCANNED
) -> list[tuple[int, np.ndarray]]:
    """``(index, RGB frame)`` pairs of a video file.

    ``frames`` picks frame indices (0-based); ``None`` takes up to
    ``max_frames`` frames spread evenly over the video. Raises ``InputError``
    when the file cannot be read as a video or has no frames, and
    ``ParameterError`` for an index past the end.
    """
    path = Path(path)
    total = video_frame_count(path)
    if total == 0:
        raise InputError(f"{path} has no frames that can be decoded")
    if frames is None:
        wanted = set(np.linspace(0, total - 1, min(total, max_frames)).round().astype(int).tolist())
    else:
        wanted = set(frames)
        outside = sorted(i for i in wanted if not 0 <= i < total)
        if outside:
            raise ParameterError(f"{path} has no frame {outside[0]}: its frames are 0-{total - 1}")
    return [(i, frame) for i, frame in _frames(path, keep=wanted.__contains__) if frame is not None]


def _frames(path: str | Path, *, keep) -> Iterator[tuple[int, np.ndarray | None]]:
    """Every frame's index, with the RGB frame for those ``keep(index)`` accepts (else ``None``)."""
    import cv2  # opencv-contrib-python, installed with mediapipe

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputError(f"{path} cannot be read as a video")
        index = 0
        while capture.grab():  # grab without retrieve skips the colour conversion
            frame = None
            if keep(index):
                ok, bgr = capture.retrieve()
                if not ok or bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
                    raise InputError(f"{path}: frame {index} cannot be decoded as a colour picture")
                frame = np.ascontiguousarray(bgr[:, :, ::-1])  # OpenCV gives BGR
            yield index, frame
            index += 1
    finally:
        capture.release()


def _to_rgb(image) -> np.ndarray:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
