"""What the model trains on: each global batch's plan, and its rows as padded NumPy arrays (no torch here).

Every process of a run draws the same plan from the same RNG (``plan_batch``) and builds only its own
rows (``rows_of_rank``), so N processes together train on exactly the batch one process would. A row is a
window of one file (with or without the bars before it), a window opening like a person's sparse seed, or
a few bars of a beat joined to a fill of the same style. ``train.py`` turns the arrays into tensors.
"""

from __future__ import annotations

import numpy as np

from ..pattern import STEPS_PER_BAR
from .features import PART_ANY, PART_BEAT, PART_FILL, STYLE_ANY, history_steps, teacher_inputs
from .training_files import TrainingFiles

STYLE_DROPOUT = 0.3  # share of rows trained without their style: the "any style" model
PART_DROPOUT = 0.3
FILL_JOIN = 0.3  # share of rows that are a few bars of beat and then a fill
# Share of rows that start with no history: the model sees them as a person's seed is seen, a groove
# already under way with nothing before it (otherwise only a file's first bar has no history, and the
# model learns that what follows a first bar changes, as a drummer's intro does).
NO_HISTORY = 0.5
MAX_OPENING_HITS = 3  # a sparse opening (``TrainConfig.sparse_openings``) keeps 1 to this many hits
MAX_JOIN_BARS = 4


def plan_batch(files: TrainingFiles, rng: np.random.Generator, *, batch: int, window: int,
               sparse_openings: float = 0.0) -> list[dict]:
    """What each row of one global batch holds; every process draws the same plan from the same RNG.

    ``sparse_openings``: share of rows that open like a person's sparse seed (a kick; a snare, then
    rests): their first steps keep one to three of the drummer's hits and are read, not learned; the
    drummer's real playing after them is learned. Groove files never open that sparsely.
    """
    beats = np.flatnonzero(files.parts != PART_FILL)
    fills = np.flatnonzero(files.parts == PART_FILL)
    plans = []
    for _ in range(batch):
        plan = {"style_drop": bool(rng.random() < STYLE_DROPOUT), "part_drop": bool(rng.random() < PART_DROPOUT)}
        if len(fills) and len(beats) and rng.random() < FILL_JOIN:
            fill = int(rng.choice(fills))
            same = beats[files.styles[beats] == files.styles[fill]]
            beat = int(rng.choice(same if len(same) else beats))
            bars = int(rng.integers(1, MAX_JOIN_BARS + 1))
            last_bar = max(0, int(files.lengths[beat]) // STEPS_PER_BAR - bars)
            plan.update(kind="join", beat=beat, fill=fill, bars=bars,
                        bar=int(rng.integers(0, last_bar + 1)))
        else:
            f = int(rng.choice(len(files), p=files.lengths / files.lengths.sum()))
            plan.update(kind="window", file=f, start=int(rng.integers(0, int(files.lengths[f]))),
                        no_history=bool(rng.random() < NO_HISTORY))
            if sparse_openings and rng.random() < sparse_openings:
                # A seed fills the start of bar 1: the opening starts on a bar line and is 1-16 steps long.
                bar_start = plan["start"] - plan["start"] % STEPS_PER_BAR
                plan.update(kind="opening", start=bar_start, no_history=True,
                            opening=int(rng.integers(1, STEPS_PER_BAR + 1)), thin_seed=int(rng.integers(2**31)))
        plans.append(plan)
    return plans


def rows_of_rank(plans: list[dict], rank: int, size: int) -> list[dict]:
    """The rows process ``rank`` of ``size`` builds: every ``size``-th from its rank, so each row is one
    process's and the processes together build the whole batch once."""
    return plans[rank::size]


def batch_arrays(files: TrainingFiles, plans: list[dict], window: int) -> dict[str, np.ndarray]:
    """The planned rows as zero-padded arrays ``(rows, window, ...)`` with a ``mask`` of learned steps."""
    return pad_arrays([make_row(files, plan, window) for plan in plans], window)


def make_row(files: TrainingFiles, plan: dict, window: int) -> dict[str, np.ndarray]:
    if plan["kind"] == "window":
        f = plan["file"]
        row = files.file_inputs(f, start=plan["start"], stop=plan["start"] + window, history=not plan["no_history"])
        label_style = files.styles[f]
    elif plan["kind"] == "opening":
        row = _sparse_opening(files, plan, window)
        label_style = files.styles[plan["file"]]
    else:
        row = _joined(files, plan, window)
        label_style = files.styles[plan["fill"]]
    if plan["style_drop"]:
        row["styles"][:] = STYLE_ANY
    else:
        row["styles"][:] = label_style
    if plan["part_drop"]:
        row["parts"][:] = PART_ANY
    row.setdefault("learn", np.ones(len(row["events"]), bool))
    return row


def _sparse_opening(files: TrainingFiles, plan: dict, window: int) -> dict[str, np.ndarray]:
    """A window whose first ``opening`` steps keep 1-3 of their hits, read but not learned."""
    f, start = plan["file"], plan["start"]
    stop = min(start + window, len(files.events[f]))
    velocities = np.array(files.velocities[f][start:stop])
    offsets = np.array(files.offsets[f][start:stop])
    opening = min(plan["opening"], stop - start)
    hits = np.argwhere(velocities[:opening] > 0)
    rng = np.random.default_rng(plan["thin_seed"])
    keep = hits[rng.choice(len(hits), size=min(len(hits), int(rng.integers(1, MAX_OPENING_HITS + 1))),
                           replace=False)] if len(hits) else hits
    thinned = np.zeros_like(velocities[:opening])
    thinned[tuple(keep.T)] = velocities[:opening][tuple(keep.T)]
    velocities[:opening] = thinned
    offsets[:opening] = np.where(thinned > 0, offsets[:opening], 0.0)
    events = ((velocities > 0) << np.arange(velocities.shape[1])).sum(axis=1)
    parts = np.full(stop - start, files.parts[f], np.int64)
    row = teacher_inputs(events, velocities, offsets, parts, origin=start, far_bars=files.far_bars)
    row["styles"] = np.zeros(stop - start, np.int64)
    row["learn"] = np.arange(stop - start) >= opening
    return row


def _joined(files: TrainingFiles, plan: dict, window: int) -> dict[str, np.ndarray]:
    """``bars`` bars of a beat file, then a fill file, as one sequence (the beat's history before it kept)."""
    beat, fill = plan["beat"], plan["fill"]
    begin = plan["bar"] * STEPS_PER_BAR
    end = min(begin + plan["bars"] * STEPS_PER_BAR, len(files.events[beat]))
    origin = max(0, begin - history_steps(files.far_bars))  # a multiple of 16 when begin is: positions stay right
    pieces = (slice(origin, end), slice(0, len(files.events[fill])))
    sources = (beat, fill)
    events = np.concatenate([files.events[f][p] for f, p in zip(sources, pieces)])
    velocities = np.concatenate([files.velocities[f][p] for f, p in zip(sources, pieces)])
    offsets = np.concatenate([files.offsets[f][p] for f, p in zip(sources, pieces)])
    parts = np.concatenate([np.full(end - origin, PART_BEAT), np.full(len(files.events[fill]), PART_FILL)])
    start = begin - origin
    stop = min(len(events), start + window)
    row = teacher_inputs(events, velocities, offsets, parts, origin=origin, start=start, stop=stop,
                         far_bars=files.far_bars)
    row["styles"] = np.zeros(stop - start, np.int64)
    return row


def pad_arrays(rows: list[dict[str, np.ndarray]], length: int) -> dict[str, np.ndarray]:
    """Rows of teacher-forced inputs as zero-padded arrays ``(rows, length, ...)``, with a ``mask`` of real steps
    (less the steps a row only reads, its ``learn`` False)."""
    out = {}
    for key in rows[0]:
        first = rows[0][key]
        array = np.zeros((len(rows), length, *first.shape[1:]), first.dtype)
        for r, row in enumerate(rows):
            array[r, :len(row[key])] = row[key]
        out[key] = array
    lengths = np.array([len(r["events"]) for r in rows])
    out["mask"] = np.arange(length)[None, :] < lengths[:, None]
    if "learn" in out:  # steps that are read as a seed is, not predicted
        out["mask"] &= out.pop("learn")
    return out
