"""Decoding pictures safely, and any picture as a seed."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from poseloops.errors import InputError, ParameterError
from poseloops.pattern import NUM_DRUMS
from poseloops.seeds import decode_image, image_to_pattern, read_image_file
from poseloops.seeds.picture import MAX_HITS_PER_STEP, ROWS_TOP_DOWN
from poseloops.seeds.pose_mapping import CRASH, KICK


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


# --- picture seeds -----------------------------------------------------------


def test_picture_seed_is_deterministic_and_sized(photo):
    seed = image_to_pattern(photo)
    assert seed == image_to_pattern(photo.copy())
    assert len(seed) == 10 and seed.seed_length == 10
    assert seed.num_hits > 0
    assert max(len(step) for step in seed.steps) <= MAX_HITS_PER_STEP
    assert len(image_to_pattern(photo, steps=32)) == 32


def test_density_controls_how_many_cells_play(photo):
    counts = [image_to_pattern(photo, density=d).num_hits for d in (0.1, 0.5, 1.0)]
    assert counts == sorted(counts) and counts[0] < counts[2]
    assert counts[1] == 15  # 0.5 x 3 hits x 10 steps: the photo is busy enough everywhere
    assert all(len(step) <= MAX_HITS_PER_STEP for step in image_to_pattern(photo, density=1.0).steps)


def test_busy_cells_play_and_bottom_rows_kick():
    image = np.full((270, 300, 3), 128, np.uint8)
    image[-30:, 0:30] = np.indices((30, 30)).sum(axis=0)[..., None] % 2 * 255  # checkerboard, bottom left
    image[:30, -30:] = np.indices((30, 30)).sum(axis=0)[..., None] % 2 * 255  # top right
    seed = image_to_pattern(image, steps=10, density=0.1)
    assert set(seed.steps[0]) == {KICK} and set(seed.steps[9]) == {CRASH}
    assert all(not step for step in seed.steps[1:9])


def test_rows_follow_the_pose_height_ladder():
    assert ROWS_TOP_DOWN[0] == CRASH and ROWS_TOP_DOWN[-1] == KICK
    assert sorted(ROWS_TOP_DOWN) == list(range(NUM_DRUMS))


def test_different_pictures_give_different_seeds(pose_dir):
    seeds = [image_to_pattern(read_image_file(p)) for p in sorted(pose_dir.glob("*.jpg"))]
    assert len(set(seeds)) == len(seeds)


def test_flat_picture_has_nothing_to_play():
    ramp = np.tile(np.linspace(0, 255, 640).astype(np.uint8)[None, :, None], (480, 1, 3))  # a smooth sky
    with pytest.raises(InputError, match="flat"):
        image_to_pattern(ramp)


@pytest.mark.parametrize("density", [0, -0.5, 1.5, float("nan"), "0.5"])
def test_bad_density_is_refused(photo, density):
    with pytest.raises(ParameterError, match="density"):
        image_to_pattern(photo, density=density)
