"""A plain folder of one-shot samples named by drum class, as a kit.

``kick.wav``, ``snare.flac``, ``closed-hat.ogg``, ``open_hat.wav``, ``low-tom.wav``,
``mid-tom.wav``, ``high-tom.wav``, ``clap.wav`` (class 7), ``rim.wav`` (class 8):
the file's stem, lower-cased with spaces, dashes and underscores dropped, is
looked up in ``STEM_TO_DRUM``. Classes without a file stay silent. One layer
per class: velocity only scales the sample.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import KitError
from ..pattern import DRUM_LABELS, DRUM_NAMES, DRUM_VOICES, NUM_DRUMS
from .drumkit import SAMPLE_RATE, SAMPLE_SUFFIXES, Kit, Layer, Voice, read_sample

# Extra names people give these files, beyond our labels, names and voicings.
EXTRA_STEMS = {
    "bd": 0, "bassdrum": 0,
    "sd": 1,
    "hh": 2, "hihat": 2, "chh": 2, "closedhat": 2, "hatclosed": 2, "hihatclosed": 2,
    "ohh": 3, "openhat": 3, "hatopen": 3, "hihatopen": 3,
    "lowtom": 4, "tomlow": 4, "floortom": 4,
    "midtom": 5, "tommid": 5,
    "hightom": 6, "tomhigh": 6, "hitom": 6, "tomhi": 6,
    "cp": 7, "handclap": 7,
    "rimshot": 8, "sidestick": 8, "rs": 8,
}  # fmt: skip


def _normalise(stem: str) -> str:
    return re.sub(r"[^a-z0-9]", "", stem.lower())


# The origin's voicings (clap, rim) come first so they win over the class names (crash, ride).
STEM_TO_DRUM = {
    **EXTRA_STEMS,
    **{_normalise(n): d for d, n in enumerate(DRUM_NAMES)},
    **{_normalise(n): d for d, n in enumerate(DRUM_LABELS)},
    **{_normalise(n): d for d, n in enumerate(DRUM_VOICES)},
}
EXPECTED_NAMES = ", ".join(v.replace(" ", "-") for v in DRUM_VOICES)


def find_class_samples(folder: Path) -> dict[int, Path]:
    """Which file in ``folder`` plays which class (the first by name where several match)."""
    found: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SAMPLE_SUFFIXES or not path.is_file():
            continue
        drum = STEM_TO_DRUM.get(_normalise(path.stem))
        if drum is not None and (drum not in found or _prefer(path, found[drum], drum)):
            found[drum] = path
    return found


def _prefer(candidate: Path, current: Path, drum: int) -> bool:
    """The origin's voicing (``clap``/``rim``) beats the class name (``crash``/``ride``)."""
    voicing = _normalise(DRUM_VOICES[drum])
    return _normalise(candidate.stem) == voicing and _normalise(current.stem) != voicing


def load_folder_kit(folder: str | Path, *, sample_rate: int = SAMPLE_RATE) -> Kit:
    """The kit made of the class-named samples in ``folder``.

    Raises ``KitError`` if the folder cannot be read, has no class-named sample,
    or a sample is corrupt.
    """
    folder = Path(folder)
    try:
        samples = find_class_samples(folder)
    except OSError as err:
        raise KitError(f"cannot read kit folder {folder}: {err.strerror}") from None
    if not samples:
        raise KitError(
            f"kit folder {folder} has no usable samples: expected files named like "
            f"{EXPECTED_NAMES} ({', '.join(s.lstrip('.') for s in SAMPLE_SUFFIXES)})"
        )
    voices = [None] * NUM_DRUMS
    for drum, path in samples.items():
        layer = Layer(read_sample(path, sample_rate=sample_rate), source=path.name)
        voices[drum] = Voice(path.name, (layer,))
    return Kit(folder.name, "folder", folder, sample_rate, tuple(voices))
