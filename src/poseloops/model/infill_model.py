"""``InfillModel``: direct a loop as a drummer is directed: regenerate part of it, drumify a rhythm, blend two.

Every call takes patterns and returns new ones; what is kept stays bit-exact
(hits, velocities, offsets). Loops are whole bars: a pattern that ends inside
a bar is read with silent steps to the bar line, which are kept silent unless
asked for. ``density`` 0-1 steers how busy the drawn cells are (0.5, or None:
as the model plays); ``style`` is one of ``styles``; ``fill_every`` N plays
the last bar of every N as a fill; ``temperature`` 0 draws the likeliest cells.
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..pattern import MAX_STEPS, NUM_DRUMS, STEPS_PER_BAR, Pattern
from .cell_selection import check_something_kept
from .drum_model import check_fill_every
from .features import PART_BEAT, fill_parts
from .infill_data import merge_rhythm
from .infill_net import NumpyInfillNet
from .infill_sampling import Ask, InfillSampler
from .infill_spec import INFILL_WEIGHTS, InfillSpec, load_infill
from .loaded_once import LoadedOnce
from .sampling import check_sampling_arguments

MIN_DENSITY, MAX_DENSITY = 0.0, 1.0
DEFAULT_DENSITY = 0.5  # as the model plays
BLEND_BARS = (2, 4, 8, 16)
BLEND_ANCHORS = 0.5  # share of the cells where the two grooves differ that a middle bar keeps from one of them
BLEND_CANDIDATES = 4  # phrases drawn; the one that moves most steadily from a to b is kept


def check_density(density: float | None) -> float | None:
    """``density`` or None; raises ``ParameterError`` outside 0-1."""
    if density is None:
        return None
    if isinstance(density, bool) or not isinstance(density, Real) or not MIN_DENSITY <= density <= MAX_DENSITY:
        raise ParameterError(f"density {density!r} is outside {MIN_DENSITY:g}-{MAX_DENSITY:g}", argument="density")
    return float(density)


def _whole_bars(pattern: Pattern) -> tuple[np.ndarray, np.ndarray]:
    """The pattern's velocity and offset matrices, padded with silent steps to a whole bar."""
    steps = -(-max(len(pattern), 1) // STEPS_PER_BAR) * STEPS_PER_BAR
    velocities = np.zeros((steps, NUM_DRUMS), np.float32)
    offsets = np.zeros((steps, NUM_DRUMS), np.float32)
    velocities[:len(pattern)] = pattern.to_matrix()
    offsets[:len(pattern)] = pattern.offset_matrix()
    return velocities, offsets


def _has_touch(velocities: np.ndarray, offsets: np.ndarray) -> bool:
    """True when the hits carry a drummer's touch: velocities that differ or offsets off the grid."""
    hits = velocities > 0
    return bool(hits.any() and (np.ptp(velocities[hits]) > 0 or np.any(offsets[hits] != 0)))


class InfillModel:
    """A loaded infilling model. Load once (``load_infill_model`` / ``load_default_infill_model``), call often."""

    def __init__(self, spec: InfillSpec, arrays: dict[str, np.ndarray], training: dict | None = None,
                 path: Path | None = None):
        self.spec = spec
        self.training = training or {}
        self.path = path
        self.sampler = InfillSampler(NumpyInfillNet(spec, arrays))

    @property
    def styles(self) -> tuple[str, ...]:
        return ("any", *self.spec.styles)

    def style_index(self, style: str | None) -> int:
        if style is None or style == "any":
            return 0
        if style not in self.spec.styles:
            raise ParameterError(f"style {style!r} is not one this model knows: any, {', '.join(self.spec.styles)}",
                                 argument="style")
        return 1 + self.spec.styles.index(style)

    def regenerate(self, pattern: Pattern, asked: np.ndarray, *, temperature: float = 1.0,
                   rng_seed: int | None = None, variations: int = 1, style: str | None = None,
                   density: float | None = None, fill_every: int = 0) -> list[Pattern]:
        """``variations`` loops: ``pattern`` with the cells ``asked`` ``(steps, 9)`` drawn again.

        Cells not asked are returned exactly as given. Raises ``ParameterError``
        when ``asked`` has the wrong shape, asks nothing or asks every cell.
        """
        if not isinstance(pattern, Pattern):
            raise TypeError(f"pattern must be a Pattern, got {type(pattern).__name__}")
        asked = np.asarray(asked, bool)
        if asked.shape != (len(pattern), NUM_DRUMS):
            raise ParameterError(f"asked cells have shape {asked.shape}, the loop ({len(pattern)}, {NUM_DRUMS})",
                                 argument="asked")
        if not asked.any():
            raise ParameterError("nothing to regenerate: every cell is kept", argument="asked")
        check_something_kept(asked)
        velocities, offsets = _whole_bars(pattern)
        kept = np.ones(velocities.shape, bool)
        kept[:len(pattern)] = ~asked
        ask = Ask(velocities, offsets, kept, self._parts(len(velocities), fill_every), self.style_index(style),
                  touch_given=_has_touch(velocities, offsets), density=check_density(density))
        drawn = self._draw(ask, temperature, rng_seed, variations)
        return [_pattern(v[:len(pattern)], o[:len(pattern)], pattern) for v, o in zip(*drawn)]

    def drumify(self, rhythm: Pattern, *, temperature: float = 1.0, rng_seed: int | None = None,
                variations: int = 1, style: str | None = None, density: float | None = None,
                fill_every: int = 0) -> list[Pattern]:
        """Full-kit loops that play ``rhythm``: all its hits, whatever the drums, taken as one rhythm.

        Per step the loudest hit's velocity and offset are the rhythm's touch.
        The loops are the rhythm's length in whole bars. Raises
        ``ParameterError`` for a rhythm with no hits.
        """
        if not isinstance(rhythm, Pattern):
            raise TypeError(f"rhythm must be a Pattern, got {type(rhythm).__name__}")
        if rhythm.num_hits == 0:
            raise ParameterError("the rhythm has no hits to drumify", argument="rhythm")
        velocities, offsets = _whole_bars(rhythm)
        rhythm_velocity, rhythm_offset = merge_rhythm(velocities, offsets)
        empty = np.zeros_like(velocities)
        ask = Ask(empty, empty, np.zeros(velocities.shape, bool), self._parts(len(velocities), fill_every),
                  self.style_index(style), rhythm_velocity=rhythm_velocity, rhythm_offset=rhythm_offset,
                  density=check_density(density))
        drawn = self._draw(ask, temperature, rng_seed, variations)
        return [Pattern.from_matrix(v.astype(np.uint8), offsets=o, seed_length=0, bpm=rhythm.bpm) for v, o in zip(*drawn)]

    def continue_pattern(self, seed: Pattern, *, bars: int, temperature: float = 1.0, rng_seed: int | None = None,
                         variations: int = 1, style: str | None = None, density: float | None = None,
                         fill_every: int = 0) -> list[Pattern]:
        """``variations`` loops of ``bars`` bars: ``seed`` kept as it is, every step after it drawn."""
        steps = bars * STEPS_PER_BAR
        if len(seed) > steps:
            raise ParameterError(f"a seed of {len(seed)} steps does not fit in {bars} bars", argument="bars")
        velocities = np.zeros((steps, NUM_DRUMS), np.float32)
        offsets = np.zeros((steps, NUM_DRUMS), np.float32)
        velocities[:len(seed)] = seed.to_matrix()
        offsets[:len(seed)] = seed.offset_matrix()
        kept = np.zeros(velocities.shape, bool)
        kept[:len(seed)] = True
        ask = Ask(velocities, offsets, kept, self._parts(steps, fill_every), self.style_index(style),
                  touch_given=_has_touch(velocities, offsets), density=check_density(density))
        drawn = self._draw(ask, temperature, rng_seed, variations)
        return [Pattern.from_matrix(v.astype(np.uint8), offsets=o, seed_length=len(seed), bpm=seed.bpm)
                for v, o in zip(*drawn)]

    def blend(self, a: Pattern, b: Pattern, *, bars: int = 4, temperature: float = 1.0, rng_seed: int | None = None,
              style: str | None = None) -> Pattern:
        """A phrase of ``bars`` bars that moves from ``a``'s groove (its first bar) to ``b``'s, bar by bar.

        Bar 1 is ``a``'s first bar and the last is ``b``'s, as they are. Each bar
        between keeps a share of the cells where the two differ, taken from
        ``a`` or ``b`` as far as the bar is along the phrase, and the model plays
        the rest as a groove around them (not a cell-wise crossfade). Of
        ``BLEND_CANDIDATES`` phrases drawn, the one whose bars' distances to the
        two grooves best follow the way from ``a`` to ``b`` is returned.
        """
        if bars not in BLEND_BARS:
            raise ParameterError(f"bars {bars!r} is not one of {', '.join(map(str, BLEND_BARS))}", argument="bars")
        for name, loop in (("a", a), ("b", b)):
            if not isinstance(loop, Pattern):
                raise TypeError(f"{name} must be a Pattern, got {type(loop).__name__}")
            if not loop.slice(0, STEPS_PER_BAR).num_hits:
                raise ParameterError(f"loop {name}'s first bar has no hits to blend", argument=name)
        (a_vel, a_off), (b_vel, b_off) = (_whole_bars(a.slice(0, STEPS_PER_BAR)), _whole_bars(b.slice(0, STEPS_PER_BAR)))
        rng = np.random.default_rng(rng_seed)
        steps = bars * STEPS_PER_BAR
        velocities = np.zeros((steps, NUM_DRUMS), np.float32)
        offsets = np.zeros((steps, NUM_DRUMS), np.float32)
        kept = np.zeros((steps, NUM_DRUMS), bool)
        along = np.arange(bars) / (bars - 1)
        differ = (a_vel > 0) != (b_vel > 0)
        # One draw per cell for the whole phrase, so the cells taken from b only grow bar by bar and the
        # anchors are the same cells in every bar: the way from a to b is steady, not a new coin each bar.
        turn, anchor = rng.random(a_vel.shape), differ & (rng.random(a_vel.shape) < BLEND_ANCHORS)
        for bar, t in enumerate(along):
            span = slice(bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR)
            from_b = turn < t
            velocities[span] = np.where(from_b, b_vel, a_vel)
            offsets[span] = np.where(from_b, b_off, a_off)
            if bar in (0, bars - 1):
                kept[span] = True
            else:  # the cells both play, and a share of those where they differ
                kept[span] = ((a_vel > 0) & (b_vel > 0)) | anchor
        ask = Ask(velocities, offsets, kept, np.full(steps, PART_BEAT, np.int64), self.style_index(style),
                  touch_given=_has_touch(a_vel, a_off) or _has_touch(b_vel, b_off))
        drawn_velocities, drawn_offsets = self._draw(ask, temperature, int(rng.integers(2**32)), BLEND_CANDIDATES)
        hits = drawn_velocities.reshape(BLEND_CANDIDATES, bars, STEPS_PER_BAR, NUM_DRUMS) > 0
        to_a = (hits != (a_vel > 0)).sum(axis=(2, 3))
        to_b = (hits != (b_vel > 0)).sum(axis=(2, 3))
        share = to_a / np.maximum(to_a + to_b, 1)
        strays = np.abs(share - along).sum(axis=1) + np.maximum(0, -np.diff(to_a, axis=1)).sum(axis=1)
        best = int(np.argmin(strays))
        return Pattern.from_matrix(drawn_velocities[best].astype(np.uint8), offsets=drawn_offsets[best],
                                   seed_length=0, bpm=a.bpm)

    def _parts(self, num_steps: int, fill_every: int) -> np.ndarray:
        return fill_parts(num_steps, fill_every=check_fill_every(fill_every)) if fill_every else np.full(
            num_steps, PART_BEAT, np.int64)

    def _draw(self, ask: Ask, temperature, rng_seed, variations):
        if ask.num_steps > MAX_STEPS:
            raise ParameterError(f"a loop of {ask.num_steps} steps is longer than {MAX_STEPS}", argument="pattern")
        _, temperature, rng_seed, variations = check_sampling_arguments(
            seed_length=0, steps=ask.num_steps, temperature=temperature, rng_seed=rng_seed, variations=variations)
        return self.sampler.draw(ask, variations=variations, temperature=temperature,
                                 rng=np.random.default_rng(rng_seed))


def _pattern(velocities: np.ndarray, offsets: np.ndarray, like: Pattern) -> Pattern:
    return Pattern.from_matrix(velocities.astype(np.uint8), offsets=offsets, seed_length=like.seed_length,
                               bpm=like.bpm)


def load_infill_model(path: str | Path = INFILL_WEIGHTS) -> InfillModel:
    spec, arrays, training = load_infill(path)
    return InfillModel(spec, arrays, training, Path(path))


# The shipped infilling model, loaded on first use and then shared (thread-safe).
load_default_infill_model: LoadedOnce[InfillModel] = LoadedOnce(lambda: load_infill_model(INFILL_WEIGHTS))
