"""Render the example loops and the pictures in docs/audio/ (run from the repository root).

    .venv/bin/python docs/audio/make_examples.py [--look /tmp/audio-plots]

Writes a two-bar loop per installed kit (Ogg Vorbis, small enough to keep in the repository) and two PNGs: every
synth voice as waveform and spectrogram, and the three kits' loops side by
side. ``--look DIR`` also writes per-kit voice sheets there for checking by eye.
matplotlib is only used here, never by the package.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from poseloops import Pattern  # noqa: E402
from poseloops.audio import MixerSettings, list_kits, load_kit, render_loop, render_oneshot, write_audio  # noqa: E402
from poseloops.pattern import DRUM_VOICES  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE_RATE = 44100
BPM = 120.0
SWING = 0.55
# Two bars in the style the model writes: a rock beat with open hats, a tom fill, claps and rims.
GROOVE = (
    [[0, 2], [], [2], [8], [1, 2], [], [2], [0], [0, 2], [], [2, 3], [], [1, 2], [8], [2], [7]]
    + [[0, 2], [], [2], [0], [1, 2], [], [2], [8], [0, 2], [3], [2], [0], [1, 6], [6], [5], [4, 7]]
)
# Softer off-beat hats, as a drummer plays them.
VELOCITIES = [[100 if (i % 2 == 0 or d != 2) else 70 for d in step] for i, step in enumerate(GROOVE)]


def spectrogram(ax, signal: np.ndarray, title: str, seconds: float | None = None) -> None:
    """Spectrogram on a log frequency axis (kick and toms live in the bottom octaves)."""
    from scipy.signal import spectrogram as stft_power

    if seconds:
        signal = np.pad(signal, (0, max(0, int(seconds * SAMPLE_RATE) - len(signal))))
    freqs, times, power = stft_power(signal, fs=SAMPLE_RATE, nperseg=2048, noverlap=1792)
    level = 10 * np.log10(power + 1e-20)
    top = level.max()
    ax.pcolormesh(times, freqs[1:], level[1:], cmap="magma", vmin=top - 90, vmax=top, shading="auto",
                  rasterized=True)
    ax.set_yscale("log")
    ax.set_ylim(30, SAMPLE_RATE / 2)
    ax.set_ylabel("Hz")
    ax.set_title(title, fontsize=9)
    if seconds:
        ax.set_xlim(0, seconds)


def voice_sheet(kit_name: str | None, path: Path) -> None:
    kit = load_kit(kit_name)
    dry = MixerSettings.from_dict({"reverb_wet": 0.0})
    fig, axes = plt.subplots(9, 2, figsize=(12, 16), gridspec_kw={"width_ratios": [1, 1.3]})
    for drum in range(9):
        hit = render_oneshot(Pattern.from_steps([[drum]] + [[]] * 7, velocities=[[127]] + [[]] * 7), kit=kit, mixer=dry)
        signal = hit.mean(axis=1)
        t = np.arange(len(signal)) / SAMPLE_RATE
        name = kit.voices[drum].name if kit.voices[drum] else "(silent)"
        axes[drum, 0].plot(t, signal, lw=0.4, color="tab:blue")
        axes[drum, 0].set_xlim(0, 0.6)
        axes[drum, 0].set_title(f"{DRUM_VOICES[drum]}: {name}", fontsize=9)
        spectrogram(axes[drum, 1], signal, "", seconds=0.6)
    axes[-1, 0].set_xlabel("s")
    axes[-1, 1].set_xlabel("s")
    fig.suptitle(f"{kit.name} kit: each voice alone, dry, velocity 127 (waveform | spectrogram)")
    fig.tight_layout()
    fig.savefig(path, dpi=60)
    plt.close(fig)


def render_examples() -> dict[str, np.ndarray]:
    pattern = Pattern.from_steps(GROOVE, velocities=VELOCITIES)
    loops = {}
    for info in list_kits():
        if info.name not in ("synth", "GMRockKit", "TR808EmulationKit"):
            continue  # only kits every reader can have
        audio = render_loop(pattern, bpm=BPM, swing=SWING, kit=info.name)
        write_audio(HERE / f"loop_{info.name}.ogg", audio)
        loops[info.name] = audio
    return loops


def loops_sheet(loops: dict[str, np.ndarray], path: Path) -> None:
    fig, axes = plt.subplots(len(loops), 2, figsize=(11, 2.8 * len(loops)), gridspec_kw={"width_ratios": [1, 1.3]})
    axes = np.atleast_2d(axes)
    for row, (name, audio) in enumerate(loops.items()):
        t = np.arange(len(audio)) / SAMPLE_RATE
        axes[row, 0].plot(t, audio[:, 0], lw=0.3, label="left")
        axes[row, 0].plot(t, audio[:, 1], lw=0.3, alpha=0.7, label="right")
        axes[row, 0].set_ylim(-1, 1)
        axes[row, 0].set_title(f"{name}: peak {20 * np.log10(np.abs(audio).max()):.1f} dBFS, {len(audio)} frames", fontsize=9)
        spectrogram(axes[row, 1], audio.mean(axis=1), f"{name}: spectrogram")
    axes[0, 0].legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("s")
    axes[-1, 1].set_xlabel("s")
    fig.suptitle(f"The same two bars at {BPM:g} BPM, swing {SWING:g}, default mix, one seamless cycle")
    fig.tight_layout()
    fig.savefig(path, dpi=60)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--look", type=Path, help="also write per-kit voice sheets to this folder")
    args = parser.parse_args()
    loops = render_examples()
    loops_sheet(loops, HERE / "loops_spectrogram.png")
    voice_sheet(None, HERE / "synth_voices.png")
    if args.look:
        args.look.mkdir(parents=True, exist_ok=True)
        for name in loops:
            voice_sheet(name, args.look / f"voices_{name}.png")
    for path in sorted(HERE.glob("*.ogg")) + sorted(HERE.glob("*.png")):
        print(f"{path.relative_to(HERE.parent.parent)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
