"""Hydrogen drum kits: a folder with ``drumkit.xml`` and the samples it names.

Reads the instrument list (name, General MIDI note, volume, gain, velocity
layers with their sample files), maps instruments to the nine classes and
loads only the samples of the instruments it uses.

Mapping, by General MIDI note where the kit gives one, else by name:
- toms are ranked by pitch (GM tom notes rise with the drum's pitch) and spread
  over low / mid / high, because kits number their toms differently
  (GMRockKit: 41/43/45; TR808EmulationKit: 43/45/48);
- for other classes several instruments may match (two kicks, three rides):
  the one on our own export note wins (``DRUM_TO_PITCH``), else the first;
- a class the kit lacks borrows what the origin voiced it as (crash -> clap,
  ride -> side stick, claves or cowbell), else a related class; if nothing
  fits it stays silent and ``Kit.missing`` says so.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from ..errors import KitError
from ..midi_io import DRUM_TO_PITCH, SEED_PITCH_TO_DRUM
from ..pattern import NUM_DRUMS
from .drumkit import SAMPLE_RATE, Kit, Layer, Voice, read_sample

DRUMKIT_FILE = "drumkit.xml"
KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE = range(NUM_DRUMS)
TOMS = (LOW_TOM, MID_TOM, HIGH_TOM)
GM_TOM_NOTES = (41, 43, 45, 47, 48, 50)  # the six General MIDI toms, low floor to high
GM_NOTE_RANGE = range(0, 128)

# Name keywords per class, tried in this order (open hat before hat, and so on).
NAME_KEYWORDS = (
    (OPEN_HAT, ("open",)),
    (CLOSED_HAT, ("hat", "hh", "hihat")),
    (KICK, ("kick", "bass drum", "bassdrum", "bd")),
    (SNARE, ("snare", "sd", "rim", "stick", "clap")),
    (LOW_TOM, ("tom", "floor")),
    (CRASH, ("crash", "splash", "china", "cymbal")),
    (RIDE, ("ride", "bell")),
)
TOM_NAME_RANK = (("floor", 0), ("low", 0), ("lo", 0), ("mid", 1), ("high", 2), ("hi", 2))

# What stands in for a missing class: GM notes and name keywords first, then another class.
STAND_INS = {
    CRASH: ((39,), ("clap",), RIDE),
    RIDE: ((37, 75, 56), ("rim", "stick", "clave", "cowbell"), CRASH),
    OPEN_HAT: ((), (), CLOSED_HAT),
    CLOSED_HAT: ((44,), ("pedal",), OPEN_HAT),
    SNARE: ((40, 37), ("rim", "stick"), None),
}


@dataclass(frozen=True)
class LayerSpec:
    filename: str
    min_velocity: float
    max_velocity: float
    gain: float


@dataclass(frozen=True)
class Instrument:
    name: str
    note: int | None
    gain: float  # instrument volume x gain x component gain
    layers: tuple[LayerSpec, ...]


def is_hydrogen_kit(path: Path) -> bool:
    return (path / DRUMKIT_FILE).is_file()


def load_hydrogen_kit(path: str | Path, *, sample_rate: int = SAMPLE_RATE) -> Kit:
    """The Hydrogen kit in folder ``path`` (or its ``drumkit.xml``).

    Raises ``KitError`` for a missing or malformed ``drumkit.xml``, a kit with no
    usable instruments, or a sample file that is missing or corrupt.
    """
    path = Path(path)
    folder = path.parent if path.name == DRUMKIT_FILE else path
    name, instruments = read_drumkit_xml(folder / DRUMKIT_FILE)
    chosen = map_instruments(instruments)
    if all(entry is None for entry in chosen):
        raise KitError(f"{folder / DRUMKIT_FILE}: no instrument maps to a drum (kick, snare, hats, toms, cymbals)")
    loaded: dict[int, Voice] = {}
    voices = []
    for drum, entry in enumerate(chosen):
        if entry is None:
            voices.append(None)
            continue
        instrument, label = entry
        if id(instrument) not in loaded:
            loaded[id(instrument)] = _load_voice(folder, instrument, sample_rate)
        voice = loaded[id(instrument)]
        voices.append(Voice(label, voice.layers, voice.gain))
    return Kit(name or folder.name, "hydrogen", folder, sample_rate, tuple(voices))


def read_drumkit_xml(xml_path: Path) -> tuple[str, list[Instrument]]:
    """The kit's name and its instruments (with at least one sample layer each)."""
    try:
        root = ElementTree.parse(xml_path).getroot()
    except FileNotFoundError:
        raise KitError(f"{xml_path} does not exist") from None
    except ElementTree.ParseError as err:
        raise KitError(f"{xml_path} is malformed XML: {err}") from None
    except OSError as err:
        raise KitError(f"cannot read {xml_path}: {err.strerror}") from None
    _strip_namespaces(root)
    if root.tag != "drumkit_info":
        raise KitError(f"{xml_path} is not a Hydrogen drum kit (its root element is <{root.tag}>, not <drumkit_info>)")
    instruments = [_instrument(element, xml_path) for element in root.iter("instrument")]
    return _text(root, "name") or "", [i for i in instruments if i.layers]


def map_instruments(instruments: list[Instrument]) -> list[tuple[Instrument, str] | None]:
    """For each drum class, the instrument that plays it and a label saying why (or ``None``)."""
    classes = [_instrument_class(instrument) for instrument in instruments]
    chosen: list[tuple[Instrument, str] | None] = [None] * NUM_DRUMS
    for drum in (KICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH, RIDE):
        matches = [i for i, c in zip(instruments, classes) if c == drum]
        preferred = [i for i in matches if i.note == DRUM_TO_PITCH[drum]]
        if matches:
            chosen[drum] = ((preferred or matches)[0], (preferred or matches)[0].name)
    for drum, instrument in zip(TOMS, _spread_toms([i for i, c in zip(instruments, classes) if c in TOMS])):
        chosen[drum] = (instrument, instrument.name)
    for drum, (notes, keywords, other_class) in STAND_INS.items():
        if chosen[drum] is not None:
            continue
        stand_in = _first_stand_in(instruments, notes, keywords)
        if stand_in is not None:
            chosen[drum] = (stand_in, f"{stand_in.name} (standing in)")
        elif other_class is not None and chosen[other_class] is not None:
            instrument = chosen[other_class][0]
            chosen[drum] = (instrument, f"{instrument.name} (standing in)")
    return chosen


def _first_stand_in(instruments: list[Instrument], notes: tuple[int, ...], keywords: tuple[str, ...]) -> Instrument | None:
    """The first instrument on ``notes`` (in their order of preference), else the first named like ``keywords``."""
    for note in notes:
        for instrument in instruments:
            if instrument.note == note:
                return instrument
    return next((i for i in instruments if _has_keyword(i.name, keywords)), None)


def _instrument_class(instrument: Instrument) -> int | None:
    if instrument.note is not None and instrument.note in SEED_PITCH_TO_DRUM:
        return SEED_PITCH_TO_DRUM[instrument.note]
    for drum, keywords in NAME_KEYWORDS:
        if _has_keyword(instrument.name, keywords):
            return drum
    return None


def _spread_toms(toms: list[Instrument]) -> list[Instrument]:
    """Low, mid and high tom from the kit's toms, ranked by pitch."""
    real = [t for t in toms if t.note in GM_TOM_NOTES or (t.note is None and "tom" in t.name.lower())]
    toms = real or toms  # congas and timbales only when the kit has no toms
    if not toms:
        return []
    if all(t.note is not None for t in toms):
        ranked = sorted(toms, key=lambda t: t.note)
    else:
        ranked = sorted(toms, key=_tom_name_rank)  # stable: listing order breaks ties
    last = len(ranked) - 1
    return [ranked[int(last * fraction + 0.5)] for fraction in (0.0, 0.5, 1.0)]


def _tom_name_rank(instrument: Instrument) -> int:
    words = re.findall(r"[a-z]+", instrument.name.lower())
    return next((rank for word, rank in TOM_NAME_RANK if word in words), 1)


def _has_keyword(name: str, keywords: tuple[str, ...]) -> bool:
    text = name.lower()
    words = set(re.findall(r"[a-z]+", text))
    return any((" " in k and k in text) or k in words or (len(k) >= 3 and k in text) for k in keywords)


def _instrument(element: ElementTree.Element, xml_path: Path) -> Instrument:
    name = _text(element, "name") or f"instrument {_text(element, 'id')}"
    note_text = _text(element, "midiOutNote")
    note = None
    if note_text:
        try:
            note = int(note_text)
        except ValueError:
            raise KitError(f"{xml_path}: instrument {name!r} has a bad midiOutNote {note_text!r}") from None
        if note not in GM_NOTE_RANGE:
            note = None
    gain = _number(element, "volume", 1.0, xml_path) * _number(element, "gain", 1.0, xml_path)
    component = element.find("instrumentComponent")
    holder = component if component is not None else element  # Hydrogen < 0.9.7 put layers directly inside
    if component is not None:
        gain *= _number(component, "gain", 1.0, xml_path)
    layers = tuple(
        LayerSpec(
            filename=_text(layer, "filename") or "",
            min_velocity=_number(layer, "min", 0.0, xml_path),
            max_velocity=_number(layer, "max", 1.0, xml_path),
            gain=_number(layer, "gain", 1.0, xml_path),
        )
        for layer in holder.findall("layer")
        if _text(layer, "filename")
    )
    if not layers and _text(element, "filename"):  # the oldest format: one sample per instrument
        layers = (LayerSpec(_text(element, "filename") or "", 0.0, 1.0, 1.0),)
    return Instrument(name, note, gain, layers)


def _load_voice(folder: Path, instrument: Instrument, sample_rate: int) -> Voice:
    layers = tuple(
        Layer(
            read_sample(folder / spec.filename, sample_rate=sample_rate),
            spec.min_velocity,
            spec.max_velocity,
            spec.gain,
            spec.filename,
        )
        for spec in instrument.layers
    )
    return Voice(instrument.name, layers, instrument.gain)


def _strip_namespaces(root: ElementTree.Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def _text(element: ElementTree.Element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None or child.text is None else child.text.strip()


def _number(element: ElementTree.Element, tag: str, default: float, xml_path: Path) -> float:
    text = _text(element, tag)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise KitError(f"{xml_path}: <{tag}> {text!r} is not a number") from None
    if not 0.0 <= value < 1e6:
        raise KitError(f"{xml_path}: <{tag}> {text!r} is out of range")
    return value
