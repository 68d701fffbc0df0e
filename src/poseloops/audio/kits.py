"""Which kits there are and loading one by name or path (cached).

Kits come from three places:
- ``synth``: the built-in synthesised kit, always there, the default;
- Hydrogen kits in ``/usr/share/hydrogen/data/drumkits`` (system, e.g. Debian's
  ``hydrogen-data``) and ``~/.hydrogen/data/drumkits`` (the user's);
- any folder given as a path: a Hydrogen kit if it holds ``drumkit.xml``, else a
  plain folder of class-named samples.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import KitError
from .drumkit import SAMPLE_RATE, Kit
from .hydrogen import DRUMKIT_FILE, is_hydrogen_kit, load_hydrogen_kit
from .sample_folder import load_folder_kit
from .synth_kit import SYNTH_KIT_NAME, build_synth_kit

SYSTEM_KIT_DIR = Path("/usr/share/hydrogen/data/drumkits")
USER_KIT_DIR = Path("~/.hydrogen/data/drumkits")

_cache: dict[str, tuple[tuple, Kit]] = {}  # resolved folder -> (on-disk stamp, kit)
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class KitInfo:
    """One available kit: what ``--kit`` accepts (``name``), where it lives, where it came from."""

    name: str
    path: Path | None
    source: str  # "built-in", "hydrogen (system)" or "hydrogen (user)"


def kit_dirs() -> tuple[tuple[Path, str], ...]:
    """Folders searched for Hydrogen kits, with the source each stands for (home expanded now)."""
    return ((SYSTEM_KIT_DIR, "hydrogen (system)"), (USER_KIT_DIR.expanduser(), "hydrogen (user)"))


def list_kits() -> list[KitInfo]:
    """The built-in kit, then every Hydrogen kit found, by folder name; a user kit hides a system one of the same name."""
    found: dict[str, KitInfo] = {}
    for folder, source in kit_dirs():
        try:
            children = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            continue  # an unreadable kit folder is not an error for listing
        for child in children:
            if is_hydrogen_kit(child):
                found[child.name.lower()] = KitInfo(child.name, child, source)
    return [KitInfo(SYNTH_KIT_NAME, None, "built-in"), *sorted(found.values(), key=lambda k: k.name.lower())]


def load_kit(name_or_path: str | Path | None = None) -> Kit:
    """A kit by name (see ``list_kits``) or by folder path; ``None`` is the built-in synth kit.

    Loaded once and cached (thread-safe); a kit folder is re-read when its
    ``drumkit.xml`` or listing changes. Raises ``KitError`` for an unknown name,
    a folder without usable samples, a malformed ``drumkit.xml`` or a corrupt sample.
    """
    if name_or_path is None or str(name_or_path).strip().lower() == SYNTH_KIT_NAME:
        return build_synth_kit(SAMPLE_RATE)
    folder = resolve_kit_folder(name_or_path)
    key, stamp = str(folder.resolve()), _stamp(folder)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != stamp:
            loader = load_hydrogen_kit if is_hydrogen_kit(folder) else load_folder_kit
            cached = (stamp, loader(folder, sample_rate=SAMPLE_RATE))  # other render rates resample a cached copy
            _cache[key] = cached
        return cached[1]


def resolve_kit_folder(name_or_path: str | Path) -> Path:
    """The folder a ``--kit`` value means: an existing path, else a known kit's name."""
    text = str(name_or_path).strip()
    if not text:
        raise KitError("kit name is empty")
    path = Path(text).expanduser()
    if path.name == DRUMKIT_FILE and path.is_file():
        return path.parent
    if path.is_dir():
        return path
    if path.exists():
        raise KitError(f"kit {text!r} is a file; give a kit folder (with {DRUMKIT_FILE} or class-named samples)")
    for info in list_kits():
        if info.path is not None and info.name.lower() == text.lower():
            return info.path
    names = ", ".join(info.name for info in list_kits())
    raise KitError(f"unknown kit {text!r} (available: {names}; or give a kit folder's path)")


def _stamp(folder: Path) -> tuple:
    """Changes when files are added, removed or renamed, or drumkit.xml is edited: then the kit is re-read."""
    try:
        xml = folder / DRUMKIT_FILE
        return (folder.stat().st_mtime_ns, xml.stat().st_mtime_ns if xml.exists() else 0)
    except OSError as err:
        raise KitError(f"cannot read kit folder {folder}: {err.strerror}") from None
