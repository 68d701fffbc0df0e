"""Reading the caller's files: one place turns a missing or unreadable file into a one-line ``InputError``.

The CLI reads patterns, keypoint JSON, recordings and pictures through these, so every
command says the same thing for the same problem ("x.json does not exist").
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError


def read_input_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``; raises ``InputError`` when it is missing, a folder or unreadable."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


def read_input_text(path: str | Path) -> str:
    """The UTF-8 text of ``path``, newlines as ``\\n`` (as ``open`` reads text); ``InputError`` as
    ``read_input_bytes``, and for a file that is not UTF-8 text."""
    data = read_input_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a UTF-8 text file") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
