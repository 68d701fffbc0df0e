"""Decoding pictures safely (seeds/image_io.py): JPEG, PNG and WEBP to RGB, EXIF orientation,
and refusals of what is not a picture or is too large, named in one line."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from poseloops.errors import InputError, ParameterError
from poseloops.seeds import decode_image, read_image_file


def encode(image: np.ndarray | Image.Image, fmt: str, **options) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width x height`` but holds a few bytes of pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def photo(pose_dir) -> np.ndarray:
    return read_image_file(pose_dir / "COCO_val2014_000000000564.jpg")


def test_jpeg_and_png_decode_to_rgb(photo):
    assert photo.shape == (640, 520, 3) and photo.dtype == np.uint8
    png = decode_image(encode(photo, "PNG"))
    assert np.array_equal(png, photo)
    jpeg = decode_image(encode(photo, "JPEG", quality=95))
    assert jpeg.shape == photo.shape and np.abs(jpeg.astype(int) - photo).mean() < 3


def test_transparency_is_laid_over_white_and_grey_becomes_rgb():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 3] = 0
    assert (decode_image(encode(rgba, "PNG")) == 255).all()
    grey = decode_image(encode(np.full((3, 5), 77, np.uint8), "PNG"))
    assert grey.shape == (3, 5, 3) and (grey == 77).all()


def test_exif_orientation_is_applied():
    image = Image.fromarray(np.zeros((10, 30, 3), np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: a phone held upright
    data = encode(image, "JPEG", exif=exif.tobytes())
    assert decode_image(data).shape == (30, 10, 3)


@pytest.mark.parametrize("width, height", [(5000, 20), (20, 4097)])
def test_oversized_images_are_refused_from_the_header(width, height):
    with pytest.raises(InputError, match=f"{width}x{height} pixels; the limit is 4096"):
        decode_image(png_header_only(width, height))


def test_decompression_bomb_is_refused_without_decoding():
    bomb = png_header_only(200_000, 200_000)  # 40 gigapixels in 100 bytes
    assert len(bomb) < 200
    with pytest.raises(InputError):
        decode_image(bomb)
    with pytest.raises(InputError, match="limit is 100"):
        decode_image(png_header_only(101, 50), max_pixels_side=100)


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"hello, this is text", "not a JPEG, PNG or WEBP image"),
        (b"GIF89a" + b"\0" * 40, "not a JPEG, PNG or WEBP image"),
    ],
)
def test_non_images_are_refused(data, fragment):
    with pytest.raises(InputError, match=fragment):
        decode_image(data)


def test_truncated_and_corrupt_images_are_refused(photo):
    jpeg = encode(photo, "JPEG")
    with pytest.raises(InputError, match="corrupt or truncated"):
        decode_image(jpeg[: len(jpeg) // 2])
    png = bytearray(encode(photo, "PNG"))
    png[200:400] = b"\xff" * 200
    with pytest.raises(InputError, match="corrupt or truncated"):
        decode_image(bytes(png))
    with pytest.raises(ParameterError):
        decode_image("not bytes")


def test_a_file_named_jpg_that_is_not_one(tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_text("definitely not a photo")
    with pytest.raises(InputError, match="photo.jpg"):
        read_image_file(fake)
    with pytest.raises(InputError, match="does not exist"):
        read_image_file(tmp_path / "missing.png")
