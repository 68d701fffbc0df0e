"""Drum model speed: NumPy generation against the same weights in PyTorch eager, in one process.

Keys: ``generate_ms`` (32 steps after a 10-step seed, one variation),
``generate8_ms`` (the same with 8 variations in one batched call) and
``torch_generate_ms`` (the one-variation job stepped in PyTorch eager with the
same weights and sampling; null when torch is not installed).
"""

from __future__ import annotations

import numpy as np

from bench import median_ms
from poseloops.model import load_default_model
from poseloops.model.events import REST_EVENT, pattern_to_events
from poseloops.pattern import STEPS_PER_BAR, Pattern

SEED = Pattern.from_steps([[0, 2], [], [2], [], [1, 2], [], [2], [0], [0, 2], []])  # 10 steps, like the origin
STEPS = 32


def run(results: dict) -> None:
    model = load_default_model()
    results["generate_ms"] = median_ms(lambda: model.continue_pattern(SEED, steps=STEPS, rng_seed=1))
    results["generate8_ms"] = median_ms(lambda: model.continue_pattern(SEED, steps=STEPS, rng_seed=1, variations=8))
    results["torch_generate_ms"] = _torch_generate_ms(model)


def _torch_generate_ms(model) -> float | None:
    try:
        import torch
    except ModuleNotFoundError:
        return None
    from poseloops.model.train import model_from_arrays
    from poseloops.model.weights import load_weights

    torch.set_num_threads(2)
    spec, arrays, _ = load_weights()
    net = model_from_arrays(spec, arrays)
    seed_events = pattern_to_events(SEED)

    @torch.no_grad()
    def generate_torch() -> list[int]:
        generator = torch.Generator().manual_seed(1)
        state, previous, out = None, REST_EVENT, []
        for t in range(len(seed_events) + STEPS):
            logits, state = net(torch.tensor([[previous]]), torch.tensor([[t % STEPS_PER_BAR]]), state)
            if t < len(seed_events):
                previous = int(seed_events[t])
            else:
                previous = int(torch.multinomial(torch.softmax(logits[0, 0], -1), 1, generator=generator))
                out.append(previous)
        return out

    return median_ms(generate_torch)


if __name__ == "__main__":
    figures: dict = {}
    run(figures)
    print(figures)
    assert np.isfinite(figures["generate_ms"])
