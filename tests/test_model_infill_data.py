"""The infilling model's windows and the bar of the piece each step is told (``model/infill_data.py``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from poseloops.model.infill_data import (
    LOOP_OPENING_BAR,
    PIECE_BAR_INDICES,
    PIECE_BAR_UNTOLD_SHARE,
    PIECE_BARS,
    WINDOW_STEPS,
    cut_windows,
    density_quantiles,
    piece_bar_indices,
    training_batch,
)
from poseloops.model.infill_sampling import Ask, InfillSampler
from poseloops.pattern import NUM_DRUMS, STEPS_PER_BAR


def _file(bars: int, silent_bars: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    velocities = np.zeros((bars * STEPS_PER_BAR, NUM_DRUMS), np.uint8)
    velocities[::4, 0] = 90  # a kick on every beat
    velocities[np.arange(bars) * STEPS_PER_BAR, 1] = 10 + np.arange(bars)  # each bar's number on its downbeat
    for bar in silent_bars:
        velocities[bar * STEPS_PER_BAR:(bar + 1) * STEPS_PER_BAR] = 0
    return velocities, np.zeros(velocities.shape, np.float32)


def test_each_window_knows_the_bar_of_its_file_it_starts_at():
    seven, nine = _file(7), _file(9, silent_bars=(5,))
    windows = cut_windows([seven[0], nine[0]], [seven[1], nine[1]], [1, 2], [False, False])
    # 7 bars: windows at bars 0-3; 9 bars with bar 5 silent: only those at 0 and 1 have no silent bar
    assert windows.start_bars.tolist() == [0, 1, 2, 3, 0, 1]
    assert windows.styles.tolist() == [1, 1, 1, 1, 2, 2]
    downbeats = windows.velocities[:, ::STEPS_PER_BAR, 1][:, 0] - 10
    assert downbeats.tolist() == windows.start_bars.tolist()  # the start bar is the window's own


@given(st.lists(st.integers(-3, 40), min_size=1, max_size=6), st.sampled_from([16, 48, 64]))
def test_piece_bar_indices_count_bars_from_the_window_start_and_stop_at_the_last_told_apart(starts, steps):
    indices = piece_bar_indices(np.array(starts), steps)
    assert indices.shape == (len(starts), steps)
    for row, start in zip(indices, starts):
        if start < 0:
            assert (row == 0).all()  # not told
            continue
        for step in range(steps):
            assert row[step] == 1 + min(start + step // STEPS_PER_BAR, PIECE_BARS - 1)
    assert indices.min() >= 0 and indices.max() < PIECE_BAR_INDICES


def test_training_batches_tell_most_windows_their_bars_and_leave_a_share_untold():
    velocities, offsets = _file(24)
    windows = cut_windows([velocities], [offsets], [1], [False])
    quantiles = density_quantiles(windows)
    rng = np.random.default_rng(5)
    rows = rng.integers(0, len(windows), 4000)
    batch = training_batch(windows, rows, rng, quantiles)
    assert batch.piece_bars.shape == (len(rows), WINDOW_STEPS)
    untold = (batch.piece_bars == 0).all(axis=1)
    # 4000 windows: the untold share's standard error is 0.0063, so +-0.03 is more than 4 of them
    assert abs(untold.mean() - PIECE_BAR_UNTOLD_SHARE) < 0.03
    told = ~untold
    expected = piece_bar_indices(windows.start_bars[rows[told]])
    assert np.array_equal(batch.piece_bars[told], expected)
    assert (batch.piece_bars[told] > 0).all()


class _Recording:
    """The real NumPy net, noting the bars of the piece it is told."""

    def __init__(self, net):
        self.net, self.spec, self.told = net, net.spec, []

    def forward(self, inputs, styles, parts, piece_bars):
        self.told.append(piece_bars.copy())
        return self.net.forward(inputs, styles, parts, piece_bars)


def test_a_loop_opens_at_the_loop_opening_bar_and_its_later_windows_sit_further_on():
    from poseloops.model.infill_model import load_default_infill_model

    net = _Recording(load_default_infill_model().sampler.net)
    sampler = InfillSampler(net)
    for bars, starts in ((1, [0]), (4, [0]), (8, [0, 2, 4]), (9, [0, 2, 4, 5])):
        steps = bars * STEPS_PER_BAR
        velocities, offsets = np.zeros((2, steps, NUM_DRUMS), np.float32), np.zeros((2, steps, NUM_DRUMS), np.float32)
        ask = Ask(velocities[0], offsets[0], np.zeros((steps, NUM_DRUMS), bool), np.ones(steps, np.int64))
        net.told.clear()
        sampler.predict(ask, velocities, offsets, np.zeros(velocities.shape, bool), None)
        told = net.told[-1]
        expected = piece_bar_indices(np.array(starts) + LOOP_OPENING_BAR)
        assert np.array_equal(told, np.tile(expected, (2, 1))), bars
