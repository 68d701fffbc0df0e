"""Turn a request's sound settings into the sound engine's arguments, refusing what it must not do.

The kit must be one ``list_kits()`` offers (a client may not make the server
read arbitrary folders), and a render may not be longer than the settings
allow (1024 steps at 10 BPM would be 25 minutes of audio in memory).
"""

from __future__ import annotations

from ..pattern import STEPS_PER_BEAT, Pattern
from .errors import ApiError, blame
from .schemas import SoundSettings

SECONDS_PER_MINUTE = 60.0


def loop_seconds(pattern: Pattern, bpm: float) -> float:
    return len(pattern) * SECONDS_PER_MINUTE / bpm / STEPS_PER_BEAT


def check_duration(pattern: Pattern, bpm: float, *, loops: int = 1, max_seconds: float) -> None:
    seconds = loop_seconds(pattern, bpm) * loops
    if seconds > max_seconds:
        raise ApiError(
            422,
            f"{len(pattern)} steps x {loops} at {bpm:g} BPM would be {seconds:.0f} s of audio; "
            f"the server renders at most {max_seconds:g} s (use fewer steps or a faster BPM)",
            field="pattern",
        )


def played_pattern(pattern: Pattern, sound: SoundSettings) -> Pattern:
    """``pattern`` with the share of its velocities and offsets that ``sound.groove`` asks for."""
    from ..timing import apply_groove

    return apply_groove(pattern, sound.groove)


def engine_options(sound: SoundSettings) -> dict:
    """``bpm``, ``swing``, ``kit`` and ``mixer`` as ``render_loop`` takes them."""
    from ..audio import MixerSettings, list_kits, load_kit

    kit = None
    if sound.kit is not None:
        names = [k.name for k in list_kits()]
        if sound.kit not in names:
            raise ApiError(422, f"kit {sound.kit!r} is not one of: {', '.join(names)}", field="kit")
        with blame("kit"):
            kit = load_kit(sound.kit)
    mixer = None
    if sound.mixer is not None:
        with blame("mixer"):
            try:
                mixer = MixerSettings.from_dict(sound.mixer)
            except (TypeError, KeyError, AttributeError) as err:
                raise ApiError(422, f"mixer settings are not valid: {err}", field="mixer") from None
    return {"bpm": sound.bpm, "swing": sound.swing, "kit": kit, "mixer": mixer}
