"""Drawing the asked cells of a loop from the infilling model, a few cells at a time.

The model gives, for every asked cell, the odds of a hit given everything
kept. Drawing all asked cells at once from those odds would make each choice
blind to the others (a hat here, a hat there, no groove), so cells are drawn
over ``PASSES`` passes: each pass draws a share of the cells still open from
the odds given everything kept *and* drawn so far (MaskGIT's schedule,
Coconet's orderless sampling). The order is bar by bar, as a drummer plays,
and random within a bar (at temperature 0: the surest cells of the bar
first). A bar drawn before the bars after it are known holds the groove
kept before it better: on the validation split a flat seed's next bar
strayed 1.33x the drummer's, against 1.43x in a random order over all
bars, with regenerate's, drumify's and blend's figures unchanged or
better. A hit's velocity and offset are drawn with it from the model's
Laplace distributions.

Windows: the model reads 4 bars. A loop of up to 4 bars is laid into one
window over and over (a loop repeats: bar 1 follows its last bar), and the
odds of a cell are the mean of its copies' logits. A longer loop is read
through windows every 2 bars, each cell taking the odds from the window that
has it nearest its middle. Each window is told its bars of the piece: a
loop opens at ``LOOP_OPENING_BAR`` (a groove under way, held as a drummer
holds a piece's first bars) and its later windows sit further on.

Every bar sounds: a bar that comes out with no hit at all is drawn again
(``MAX_REDRAWS``), and then, if it is still silent, its likeliest asked cell
plays, as the LSTM's sampler does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..pattern import MAX_OFFSET, MAX_VELOCITY, MIN_OFFSET, MIN_VELOCITY, NUM_DRUMS, STEPS_PER_BAR
from .infill_data import LOOP_OPENING_BAR, WINDOW_BARS, WINDOW_STEPS, density_rank, model_inputs, piece_bar_indices
from .infill_net import NumpyInfillNet
from .infill_rhythm import carry_touch, missing_steps, play_missing, silenced_cells

PASSES = 6
MAX_REDRAWS = 8
NEUTRAL_DENSITY = 0.5  # the density at which the model plays as it would (not told any)
DENSITY_SPAN = 2.0  # density 0-1 moves the rank the model is told from its own by -1 to +1
_TOP_OFFSET = MAX_OFFSET - 1e-4


@dataclass
class Ask:
    """A loop of whole bars and what of it to draw.

    ``velocities``/``offsets`` ``(steps, 9)`` (MIDI 0-127, 16ths) hold the kept cells (others are ignored);
    ``kept`` ``(steps, 9)`` bool; ``parts`` ``(steps,)``; ``rhythm_velocity``/``rhythm_offset`` ``(steps,)``
    or None (drumify's rhythm); ``touch_given``: the kept cells' velocities and offsets are a drummer's (not
    flat); ``density`` 0-1 or None (as the model plays).
    """

    velocities: np.ndarray
    offsets: np.ndarray
    kept: np.ndarray
    parts: np.ndarray
    style: int = 0
    rhythm_velocity: np.ndarray | None = None
    rhythm_offset: np.ndarray | None = None
    touch_given: bool = False
    density: float | None = None

    @property
    def num_steps(self) -> int:
        return len(self.kept)


def window_layout(num_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``(windows, 64)`` loop step read at each window position, and ``(windows, 64)`` weight of that
    position's odds for its step (each step's weights sum to 1)."""
    bars = num_steps // STEPS_PER_BAR
    if bars <= WINDOW_BARS:
        steps = (np.arange(WINDOW_STEPS) % num_steps)[None]
        copies = np.bincount(steps[0], minlength=num_steps)
        return steps, (1.0 / copies[steps]).astype(np.float32)
    starts = list(range(0, bars - WINDOW_BARS + 1, 2))
    if starts[-1] != bars - WINDOW_BARS:
        starts.append(bars - WINDOW_BARS)
    steps = np.array([np.arange(s * STEPS_PER_BAR, s * STEPS_PER_BAR + WINDOW_STEPS) for s in starts])
    middles = np.array(starts) * STEPS_PER_BAR + WINDOW_STEPS / 2
    owner = np.abs(np.arange(num_steps)[:, None] + 0.5 - middles[None]).argmin(axis=1)
    weights = (owner[steps] == np.arange(len(starts))[:, None]).astype(np.float32)
    return steps, weights


class InfillSampler:
    def __init__(self, net: NumpyInfillNet):
        self.net = net
        self.quantiles = np.asarray(net.spec.density_quantiles, np.float32)

    def predict(self, ask: Ask, velocities: np.ndarray, offsets: np.ndarray, known: np.ndarray,
                density: np.ndarray | None) -> np.ndarray:
        """``(rows, steps, 9, 5)`` outputs for every cell of ``rows`` loops given their ``known`` cells."""
        rows, num_steps, _ = velocities.shape
        layout, weights = window_layout(num_steps)
        windows = len(layout)
        flat = lambda a: a[:, layout].reshape(rows * windows, WINDOW_STEPS, *a.shape[2:])  # noqa: E731
        if ask.rhythm_velocity is not None:
            rhythm_v, rhythm_o = ask.rhythm_velocity[layout], ask.rhythm_offset[layout]
        else:
            rhythm_v = rhythm_o = np.zeros((windows, WINDOW_STEPS), np.float32)
        given = np.full(rows * windows, ask.rhythm_velocity is not None)
        density_given = np.full(rows * windows, density is not None)
        density_value = np.zeros(rows * windows, np.float32) if density is None else np.repeat(density, windows)
        inputs = model_inputs(flat(velocities), flat(offsets), flat(known),
                              rhythm_velocity=np.tile(rhythm_v, (rows, 1)), rhythm_offset=np.tile(rhythm_o, (rows, 1)),
                              rhythm_given=given, density=density_value, density_given=density_given,
                              touch_given=np.full(rows * windows, ask.touch_given))
        piece_bars = np.tile(piece_bar_indices(LOOP_OPENING_BAR + layout[:, 0] // STEPS_PER_BAR), (rows, 1))
        out = self.net.forward(inputs, np.full(rows * windows, ask.style), np.tile(ask.parts[layout], (rows, 1)),
                               piece_bars)
        out = out.reshape(rows, windows * WINDOW_STEPS, NUM_DRUMS, -1) * np.tile(weights.reshape(-1), rows).reshape(
            rows, -1)[..., None, None]
        summed = np.zeros((rows, num_steps, NUM_DRUMS, out.shape[-1]), np.float32)
        np.add.at(summed, (slice(None), layout.reshape(-1)), out)
        return summed

    def draw(self, ask: Ask, *, variations: int, temperature: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(variations, steps, 9)`` velocities and offsets: the kept cells as given, the asked ones drawn."""
        steps = ask.num_steps
        if ask.rhythm_velocity is not None:  # drumify: the kit plays on the rhythm (see infill_rhythm)
            ask = replace(ask, kept=ask.kept | silenced_cells(ask.rhythm_velocity, NUM_DRUMS))
        velocities = np.where(ask.kept, ask.velocities, 0.0).astype(np.float32)[None].repeat(variations, 0)
        offsets = np.where(ask.kept, ask.offsets, 0.0).astype(np.float32)[None].repeat(variations, 0)
        density = self._density(ask, velocities, offsets, variations)
        open_cells = np.broadcast_to(~ask.kept, velocities.shape).copy()
        self._fill(ask, velocities, offsets, open_cells, density, temperature, rng)
        for _ in range(MAX_REDRAWS):
            silent = self._silent_asked_bars(ask, velocities)
            if not silent.any():
                break
            reopen = np.repeat(silent, STEPS_PER_BAR, axis=1)[..., None] & ~ask.kept[None]
            velocities[reopen], offsets[reopen] = 0.0, 0.0
            self._fill(ask, velocities, offsets, reopen, density, temperature, rng)
        self._last_resort(ask, velocities, offsets, density)
        if ask.rhythm_velocity is not None:
            self._keep_rhythm(ask, velocities, offsets, density)
        return velocities[:, :steps], offsets[:, :steps]

    def _keep_rhythm(self, ask: Ask, velocities, offsets, density) -> None:
        missing = missing_steps(ask.rhythm_velocity, velocities)
        if missing.any():
            known = ~np.repeat(missing[..., None], NUM_DRUMS, axis=2)
            play_missing(velocities, missing, self.predict(ask, velocities, offsets, known, density)[..., 0])
        carry_touch(velocities, offsets, ask.rhythm_velocity, ask.rhythm_offset)

    def _density(self, ask: Ask, velocities, offsets, rows: int) -> np.ndarray | None:
        """The density rank each row is told: None for the neutral setting, else the model's own rank for
        this loop moved by ``(ask.density - 0.5) * DENSITY_SPAN``: down is sparser, up busier."""
        if ask.density is None or ask.density == NEUTRAL_DENSITY:
            return None
        out = self.predict(ask, velocities[:1], offsets[:1], ask.kept[None], None)
        probability = 1.0 / (1.0 + np.exp(-out[0, ..., 0]))
        expected = np.where(ask.kept, velocities[0] > 0, probability).sum() / (ask.num_steps / STEPS_PER_BAR)
        own = float(density_rank(np.array([expected]), self.quantiles)[0])
        # The rank goes past Groove's ends (0, 1) at the knob's ends: the model reads it through one linear
        # layer and follows it there (told -0.5 it plays 7.6 hits a bar, 1.5: 32; Groove's bars span 3-37),
        # and a seed that is held keeps the loop from the rank's extremes on its own.
        target = own + (float(ask.density) - NEUTRAL_DENSITY) * DENSITY_SPAN
        return np.full(rows, target, np.float32)

    def _fill(self, ask, velocities, offsets, open_cells, density, temperature, rng) -> None:
        rows = len(velocities)
        bar = (np.arange(open_cells.shape[1]) // STEPS_PER_BAR)[None, :, None]  # bar by bar; in a bar, at random
        order = np.where(open_cells, bar + rng.random(open_cells.shape), np.inf)
        total = open_cells.reshape(rows, -1).sum(axis=1)
        done = np.zeros(rows, np.int64)
        ranks = order.reshape(rows, -1).argsort(axis=1).argsort(axis=1).reshape(open_cells.shape)
        for p in range(1, PASSES + 1):
            upto = np.ceil(total * (1 - np.cos(np.pi / 2 * p / PASSES))).astype(np.int64) if p < PASSES else total
            count, done = upto - done, upto
            if not count.any():  # few cells asked: this pass draws none
                continue
            out = self.predict(ask, velocities, offsets, ~open_cells, density)
            if temperature > 0:
                now = open_cells & (ranks < upto[:, None, None]) & (ranks >= (upto - count)[:, None, None])
            else:  # the likeliest loop: bar by bar, the surest cells first (MaskGIT's order), the same every time
                sureness = 1.0 / (1.0 + np.abs(out[..., 0]))  # in (0, 1]: the bar number leads the order
                key = np.where(open_cells, bar + sureness, np.inf).reshape(rows, -1)
                order_now = np.argsort(key, axis=1, kind="stable").argsort(axis=1, kind="stable")
                now = open_cells & (order_now < count[:, None]).reshape(open_cells.shape)
            self._draw_cells(out, now, velocities, offsets, temperature, rng)
            open_cells &= ~now

    @staticmethod
    def _draw_cells(out, now, velocities, offsets, temperature, rng) -> None:
        logits = out[..., 0][now]
        if temperature > 0:
            hit = rng.random(logits.shape) < 1.0 / (1.0 + np.exp(-logits / temperature))
        else:
            hit = logits > 0
        velocity, offset = out[..., 1][now].astype(np.float64), out[..., 3][now].astype(np.float64)
        if temperature > 0:
            velocity = velocity + rng.laplace(0.0, 1.0, velocity.shape) * np.exp(out[..., 2][now]) * temperature
            offset = offset + rng.laplace(0.0, 1.0, offset.shape) * np.exp(out[..., 4][now]) * temperature
        velocities[now] = np.where(hit, np.clip(np.round(velocity * MAX_VELOCITY), MIN_VELOCITY, MAX_VELOCITY), 0.0)
        offsets[now] = np.where(hit, np.clip(offset, MIN_OFFSET, _TOP_OFFSET), 0.0)

    @staticmethod
    def _silent_asked_bars(ask: Ask, velocities) -> np.ndarray:
        """``(rows, bars)``: bars with no hit at all that have asked cells (a bar kept silent stays so)."""
        rows, steps, _ = velocities.shape
        bars = steps // STEPS_PER_BAR
        sounding = (velocities > 0).reshape(rows, bars, -1).any(axis=2)
        asked = (~ask.kept).reshape(bars, -1).any(axis=1)
        return ~sounding & asked[None]

    def _last_resort(self, ask, velocities, offsets, density) -> None:
        silent = self._silent_asked_bars(ask, velocities)
        if not silent.any():
            return
        known = np.ones(velocities.shape, bool)
        for row, bar in zip(*np.nonzero(silent)):
            span = slice(bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR)
            known[row, span] = ask.kept[span]
        out = self.predict(ask, velocities, offsets, known, density)
        for row, bar in zip(*np.nonzero(silent)):
            span = slice(bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR)
            logits = np.where(ask.kept[span], -np.inf, out[row, span, :, 0])
            step, drum = np.unravel_index(int(np.argmax(logits)), logits.shape)
            cell = out[row, bar * STEPS_PER_BAR + step, drum]
            velocities[row, bar * STEPS_PER_BAR + step, drum] = np.clip(round(float(cell[1]) * MAX_VELOCITY),
                                                                          MIN_VELOCITY, MAX_VELOCITY)
            offsets[row, bar * STEPS_PER_BAR + step, drum] = np.clip(cell[3], MIN_OFFSET, _TOP_OFFSET)
