"""Drum model speed and silence: NumPy generation against the same weights in PyTorch eager, in one process.

Keys: ``generate_ms`` (32 steps after a 10-step seed, one variation, events and
groove), ``generate8_ms`` (the same with 8 variations in one batched call),
``generate_loop_ms`` (the default loop: 4 bars after the same seed),
``torch_generate_ms`` (the one-variation job stepped in PyTorch eager with the
same weights and inputs; null when torch is not installed) and
``silent_bar_rate`` (silent bars among all generated bars, over pose seeds of
every photo, sparse hand seeds and dice seeds, temperatures 0.5, 1.0 and 1.5,
8 variations each; want 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench import median_ms
from poseloops.model import load_default_model
from poseloops.model.events import pattern_to_events
from poseloops.model.features import PART_BEAT, lookback_features
from poseloops.model.loop_metrics import silent_bars
from poseloops.pattern import STEPS_PER_BAR, Pattern

SEED = Pattern.from_steps([[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], []])  # 10 steps, like the origin
STEPS = 32
TEMPERATURES = (0.5, 1.0, 1.5)
VARIATIONS = 8
SPARSE_SEEDS = {"one kick": [[0]], "a snare then rests": [[1], [], [], [], [], [], [], []],
                "a crash then 7 rests": [[7], [], [], [], [], [], [], []]}
REPO = Path(__file__).resolve().parent.parent
PHOTO_DIRS = (REPO.parent / "shared" / "data" / "pose", REPO / "tests" / "data" / "pose")


def run(results: dict) -> None:
    model = load_default_model()
    results["generate_ms"] = median_ms(lambda: model.continue_pattern(SEED, steps=STEPS, rng_seed=1))
    results["generate8_ms"] = median_ms(lambda: model.continue_pattern(SEED, steps=STEPS, rng_seed=1, variations=8))
    results["generate_loop_ms"] = median_ms(lambda: model.continue_pattern(SEED, rng_seed=1))
    results["torch_generate_ms"] = _torch_generate_ms(model)
    results.update(silent_bar_figures(model))


def silent_bar_figures(model) -> dict:
    """``silent_bar_rate`` and how many seeds and bars it counts."""
    silent = bars = 0
    seeds = benchmark_seeds()
    for seed in seeds:
        for k, temperature in enumerate(TEMPERATURES):
            for loop in model.continue_pattern(seed, temperature=temperature, rng_seed=k, variations=VARIATIONS):
                silent += silent_bars(loop)
                bars += len(loop) // STEPS_PER_BAR
    return {"silent_bar_rate": round(silent / bars, 5), "silent_bar_seeds": len(seeds), "silent_bar_bars": bars}


def benchmark_seeds() -> list[Pattern]:
    """Pose seeds of every photo found, the sparse hand seeds and 10 dice rolls; each with a hit."""
    from poseloops.seeds import roll_dice

    seeds = [Pattern.from_steps(steps) for steps in SPARSE_SEEDS.values()]
    seeds += [roll_dice(rng_seed=k) for k in range(10)]
    photos = next((d for d in PHOTO_DIRS if d.is_dir()), None)
    if photos is not None:
        from poseloops.errors import NoPersonError
        from poseloops.seeds import pose_to_pattern, read_image_file

        for path in sorted(photos.glob("*.jpg")):
            try:
                seeds.append(pose_to_pattern(read_image_file(path), steps=10, mirror=True)[0])
            except NoPersonError:
                continue
    return [seed for seed in seeds if seed.num_hits]


def _torch_generate_ms(model) -> float | None:
    try:
        import torch
    except ModuleNotFoundError:
        return None
    from poseloops.model.sampling import Played, draw_groove
    from poseloops.model.train import model_from_arrays
    from poseloops.model.weights import load_weights

    torch.set_num_threads(2)
    spec, arrays, _ = load_weights()
    net = model_from_arrays(spec, arrays)
    total = len(SEED) + STEPS

    @torch.no_grad()
    def generate_torch() -> Played:
        rng = np.random.default_rng(1)
        played = Played.empty(1, total)
        played.events[0, :len(SEED)] = pattern_to_events(SEED)
        played.velocities[0, :len(SEED)] = SEED.to_matrix()
        state = None
        for t in range(total):
            lookback = lookback_features(played.events, played.velocities, played.offsets, np.array([t]),
                                         spec.far_bars)
            batch = {"previous": torch.tensor([[played.events[0, t - 1] if t else 0]]),
                     "positions": torch.tensor([[t % STEPS_PER_BAR]]), "lookback": torch.from_numpy(lookback),
                     "styles": torch.tensor([[0]]), "parts": torch.tensor([[PART_BEAT]])}
            x = torch.cat([net.embed(batch["previous"]), net.position_table[batch["positions"]], batch["lookback"],
                           net.style(batch["styles"]), net.part(batch["parts"])], dim=-1)
            y, state = net.lstm(x, state)
            if t < len(SEED):
                continue
            event = torch.multinomial(torch.softmax(net.out(y[0, 0]), -1), 1)
            groove = net.groove(y[0], event).numpy()
            velocities, offsets = draw_groove(groove, event.numpy(), 1.0, rng)
            played.events[0, t], played.velocities[0, t], played.offsets[0, t] = int(event), velocities[0], offsets[0]
        return played

    return median_ms(generate_torch)


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
    assert np.isfinite(figures["generate_ms"])
