"""Four-bar windows of drumming and the masks the infilling model learns to fill (NumPy only).

The infilling model sees a whole window at once: every cell (step x drum) is
either *kept* (its hit, velocity and offset are given) or *asked* (the model
predicts it). One model serves every way a person directs a loop, so training
asks for all of them, each a share of the batches (``MASK_KINDS``):

- ``cells``: a random share of the cells (Coconet's masks);
- ``rows``: one to four drums over the whole window (regenerate the hats);
- ``bars``: one to three whole bars (regenerate bar 3 between bars 2 and 4);
- ``continue``: everything from a step on (a seed continued);
- ``drumify``: every cell, with the window's hits merged into one rhythm given
  (per step, the loudest hit's velocity and offset: Tap2Drum's input);
- ``free``: every cell and nothing given (so a density or style alone steers).

Half the windows keep their cells *flat* (hits only, the touch not given):
people's seeds from dice, a drawn grid or a pose are flat, and the model must
not read "every hit at one velocity on the grid" as a drummer's touch.

Each step is told its bar of the piece (``piece_bars``): drummers hold a
groove tightest in a piece's first bars and vary it more as a piece goes on
(in the train split a bar differs from the next in 6.8 of 144 cells from the
2nd bar to the 3rd, 11.5 over all bars), so a model that is not told where a
window sits learns the average and varies a loop's opening as much as a long
take's eighth minute.

Fill files (Groove's ``fill`` beat type, about a bar each) are laid into a
beat window as its last bar (or another bar, now and then), so the model
learns what a fill bar is from the part label, as a 4-bar phrase with a fill
at its end is what ``fill_every=4`` asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pattern import NUM_DRUMS, STEPS_PER_BAR
from .features import PART_ANY, PART_BEAT, PART_FILL, STYLE_ANY

WINDOW_BARS = 4
WINDOW_STEPS = WINDOW_BARS * STEPS_PER_BAR
MASK_KINDS = ("cells", "rows", "bars", "continue", "drumify", "free")
MASK_SHARES = (0.15, 0.25, 0.15, 0.15, 0.25, 0.05)
FLAT_SHARE = 0.5  # windows whose kept cells are given as hits only
DENSITY_GIVEN_SHARE = 0.7  # windows told their density (the rest learn to play as they would)
FILL_SHARE = 0.25  # beat windows given a fill bar
FILL_LAST_BAR_SHARE = 0.75  # of those, the fill is the last bar (the phrase's end)
CELL_INPUTS = 4  # per drum: hit, velocity, offset, kept
RHYTHM_INPUTS = 4  # hit, velocity, offset, given
GLOBAL_INPUTS = 3  # density, density given, touch given
NUM_INPUTS = CELL_INPUTS * NUM_DRUMS + RHYTHM_INPUTS + GLOBAL_INPUTS
VELOCITY_SCALE = 127.0
PIECE_BARS = 16  # bars of a piece told apart; later ones are told as the last
PIECE_BAR_INDICES = PIECE_BARS + 1  # index 0: not told
PIECE_BAR_UNTOLD_SHARE = 0.2  # windows not told where they sit (so the model can serve "anywhere")
LOOP_OPENING_BAR = 1  # where a person's loop sits: a groove under way; Groove's first bars hold count-ins,
# crashes and pick-ups (bar 1 differs from bar 2 in 10.1 cells, bar 2 from bar 3 in 6.8)


@dataclass
class Windows:
    """``n`` windows of ``WINDOW_STEPS`` steps: velocities ``(n, 64, 9)`` uint8 (0 = silent), offsets
    ``(n, 64, 9)`` float32 16ths, styles ``(n,)``, parts ``(n, 64)``, the bar of its file each starts at
    ``(n,)`` (0-based); fill bars ``(m, 16, 9)`` to lay in."""

    velocities: np.ndarray
    offsets: np.ndarray
    styles: np.ndarray
    parts: np.ndarray
    start_bars: np.ndarray
    fill_velocities: np.ndarray
    fill_offsets: np.ndarray
    fill_styles: np.ndarray

    def __len__(self) -> int:
        return len(self.velocities)


def bar_density(velocities: np.ndarray) -> np.ndarray:
    """Hits per bar of each window ``(n, steps, 9)`` -> ``(n,)``."""
    return (velocities > 0).sum(axis=(1, 2)) / (velocities.shape[1] / STEPS_PER_BAR)


def density_quantiles(windows: Windows, points: int = 101) -> np.ndarray:
    """The train windows' hits-per-bar at quantiles 0, 0.01 .. 1: density X means "as busy as the X-th"."""
    return np.quantile(bar_density(windows.velocities), np.linspace(0.0, 1.0, points)).astype(np.float32)


def density_rank(hits_per_bar: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Where hits per bar fall among the train windows, 0-1 (the inverse of ``density_quantiles``)."""
    return np.interp(hits_per_bar, quantiles, np.linspace(0.0, 1.0, len(quantiles))).astype(np.float32)


def cut_windows(velocities: list[np.ndarray], offsets: list[np.ndarray], styles: list[int], fills: list[bool | None],
                *, stride_bars: int = 1) -> Windows:
    """Every whole 4-bar window of the beat files (one every ``stride_bars``), and one bar of each fill file."""
    wv, wo, ws, wb, fv, fo, fs = [], [], [], [], [], [], []
    for vel, off, style, fill in zip(velocities, offsets, styles, fills):
        if fill:
            bar_v = np.zeros((STEPS_PER_BAR, NUM_DRUMS), np.uint8)
            bar_o = np.zeros((STEPS_PER_BAR, NUM_DRUMS), np.float32)
            n = min(STEPS_PER_BAR, len(vel))
            bar_v[:n], bar_o[:n] = vel[:n], off[:n]
            if bar_v.any():
                fv.append(bar_v), fo.append(bar_o), fs.append(style)
            continue
        bars = len(vel) // STEPS_PER_BAR
        for start in range(0, bars - WINDOW_BARS + 1, stride_bars):
            window = slice(start * STEPS_PER_BAR, start * STEPS_PER_BAR + WINDOW_STEPS)
            if not (vel[window] > 0).any(axis=(1,)).reshape(WINDOW_BARS, STEPS_PER_BAR).any(axis=1).all():
                continue  # a window with a silent bar: trimmed data has none inside a piece
            wv.append(vel[window]), wo.append(off[window]), ws.append(style), wb.append(start)
    n = len(wv)
    return Windows(
        velocities=np.array(wv, np.uint8).reshape(n, WINDOW_STEPS, NUM_DRUMS),
        offsets=np.array(wo, np.float32).reshape(n, WINDOW_STEPS, NUM_DRUMS),
        styles=np.array(ws, np.int64), parts=np.full((n, WINDOW_STEPS), PART_BEAT, np.int64),
        start_bars=np.array(wb, np.int64),
        fill_velocities=np.array(fv, np.uint8).reshape(len(fv), STEPS_PER_BAR, NUM_DRUMS),
        fill_offsets=np.array(fo, np.float32).reshape(len(fo), STEPS_PER_BAR, NUM_DRUMS),
        fill_styles=np.array(fs, np.int64))


def piece_bar_indices(start_bars: np.ndarray, steps: int = WINDOW_STEPS) -> np.ndarray:
    """``(n, steps)`` embedding index of each step's bar of the piece, for windows starting at ``start_bars``
    ``(n,)`` (0-based; negative: not told, index 0)."""
    start_bars = np.asarray(start_bars, np.int64)
    bars = start_bars[:, None] + np.arange(steps)[None] // STEPS_PER_BAR
    return np.where(start_bars[:, None] < 0, 0, 1 + np.minimum(bars, PIECE_BARS - 1)).astype(np.int64)


def merge_rhythm(velocities: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One rhythm of ``(..., steps, 9)`` cells: per step the loudest hit's velocity and offset (0 where silent)."""
    loudest = velocities.argmax(axis=-1)[..., None]
    return (np.take_along_axis(velocities, loudest, -1)[..., 0],
            np.take_along_axis(offsets, loudest, -1)[..., 0] * (velocities.max(axis=-1) > 0))


@dataclass
class Batch:
    """What one batch shows the model and what it is scored on."""

    inputs: np.ndarray  # (n, 64, NUM_INPUTS) float32
    styles: np.ndarray  # (n,) int64
    parts: np.ndarray  # (n, 64) int64
    piece_bars: np.ndarray  # (n, 64) int64 (``piece_bar_indices``)
    asked: np.ndarray  # (n, 64, 9) bool: the cells scored
    hits: np.ndarray  # (n, 64, 9) float32 0/1 targets
    velocities: np.ndarray  # (n, 64, 9) float32 0-1 targets
    offsets: np.ndarray  # (n, 64, 9) float32 16ths targets


def model_inputs(velocities: np.ndarray, offsets: np.ndarray, kept: np.ndarray, *, rhythm_velocity: np.ndarray,
                 rhythm_offset: np.ndarray, rhythm_given: np.ndarray, density: np.ndarray,
                 density_given: np.ndarray, touch_given: np.ndarray) -> np.ndarray:
    """The ``(n, steps, NUM_INPUTS)`` inputs: the kept cells, the rhythm, and the window's settings.

    ``velocities``/``offsets`` ``(n, steps, 9)`` (MIDI 0-127, 16ths; only kept cells are read), ``kept``
    ``(n, steps, 9)`` bool, ``rhythm_*`` ``(n, steps)``, ``rhythm_given``, ``density`` (0-1 rank),
    ``density_given`` and ``touch_given`` ``(n,)``. Asked cells read as zeros, told apart by ``kept``.
    """
    n, steps, _ = velocities.shape
    kept = kept.astype(np.float32)
    hit = (velocities > 0) * kept
    touch = touch_given.astype(np.float32)[:, None, None]
    cells = np.concatenate([hit, hit * touch * velocities / VELOCITY_SCALE, hit * touch * offsets, kept], axis=-1)
    given = rhythm_given.astype(np.float32)[:, None]
    rhythm_hit = (rhythm_velocity > 0) * given
    rhythm = np.stack([rhythm_hit, rhythm_hit * rhythm_velocity / VELOCITY_SCALE, rhythm_hit * rhythm_offset,
                       np.broadcast_to(given, (n, steps))], axis=-1)
    settings = np.stack([density * density_given, density_given.astype(np.float32), touch_given.astype(np.float32)],
                        axis=-1)
    return np.concatenate([cells, rhythm, np.broadcast_to(settings[:, None, :], (n, steps, GLOBAL_INPUTS))],
                          axis=-1).astype(np.float32)


def training_batch(windows: Windows, rows: np.ndarray, rng: np.random.Generator, quantiles: np.ndarray) -> Batch:
    """The windows ``rows`` with fills laid in, each with a mask of one of ``MASK_KINDS``."""
    velocities = windows.velocities[rows].copy()
    offsets = windows.offsets[rows].copy()
    styles = windows.styles[rows].copy()
    parts = windows.parts[rows].copy()
    n = len(rows)
    _lay_in_fills(windows, velocities, offsets, parts, rng)
    kinds = rng.choice(len(MASK_KINDS), size=n, p=MASK_SHARES)
    kept = np.ones((n, WINDOW_STEPS, NUM_DRUMS), bool)
    for i, kind in enumerate(kinds):
        kept[i] = _kept_cells(MASK_KINDS[kind], rng)
    drumify = kinds == MASK_KINDS.index("drumify")
    rhythm_velocity, rhythm_offset = merge_rhythm(velocities.astype(np.float32), offsets)
    density = density_rank(bar_density(velocities), quantiles)
    styles[rng.random(n) < 0.2] = STYLE_ANY  # "any" is asked for too
    parts[rng.random(n) < 0.1] = PART_ANY
    start_bars = np.where(rng.random(n) < PIECE_BAR_UNTOLD_SHARE, -1, windows.start_bars[rows])
    inputs = model_inputs(velocities, offsets, kept, rhythm_velocity=rhythm_velocity, rhythm_offset=rhythm_offset,
                          rhythm_given=drumify, density=density, density_given=rng.random(n) < DENSITY_GIVEN_SHARE,
                          touch_given=rng.random(n) >= FLAT_SHARE)
    return Batch(inputs, styles, parts, piece_bar_indices(start_bars), ~kept, (velocities > 0).astype(np.float32),
                 velocities.astype(np.float32) / VELOCITY_SCALE, offsets)


def _kept_cells(kind: str, rng: np.random.Generator) -> np.ndarray:
    kept = np.ones((WINDOW_STEPS, NUM_DRUMS), bool)
    if kind == "cells":
        kept = rng.random((WINDOW_STEPS, NUM_DRUMS)) >= rng.uniform(0.1, 1.0)
    elif kind == "rows":
        kept[:, rng.choice(NUM_DRUMS, size=rng.integers(1, 5), replace=False)] = False
    elif kind == "bars":
        for bar in rng.choice(WINDOW_BARS, size=rng.integers(1, WINDOW_BARS), replace=False):
            kept[bar * STEPS_PER_BAR:(bar + 1) * STEPS_PER_BAR] = False
    elif kind == "continue":
        # mostly from a bar line (a seed of whole bars), else from a step inside the first bar or two
        start = rng.integers(1, WINDOW_BARS) * STEPS_PER_BAR if rng.random() < 0.6 else rng.integers(2, 32)
        kept[start:] = False
    else:  # drumify, free
        kept[:] = False
    if kept.all():
        kept[rng.integers(WINDOW_STEPS), rng.integers(NUM_DRUMS)] = False
    return kept


def _lay_in_fills(windows: Windows, velocities, offsets, parts, rng: np.random.Generator) -> None:
    if not len(windows.fill_velocities):
        return
    for i in np.flatnonzero(rng.random(len(velocities)) < FILL_SHARE):
        bar = WINDOW_BARS - 1 if rng.random() < FILL_LAST_BAR_SHARE else rng.integers(WINDOW_BARS - 1)
        fill = rng.integers(len(windows.fill_velocities))
        span = slice(bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR)
        velocities[i, span] = windows.fill_velocities[fill]
        offsets[i, span] = windows.fill_offsets[fill]
        parts[i, span] = PART_FILL
