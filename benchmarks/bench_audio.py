"""Sound engine speed: `python benchmarks/bench.py --json --only bench_audio`.

- ``render_ms``: a 32-step loop at 120 BPM, built-in synth kit, default mix (reverb
  on), median of warm renders (kit and hit responses cached, as in the server).
- ``render_hydrogen_ms``: the same with GMRockKit (5 velocity layers, long
  sampled tails), when it is installed.
- ``render_reference_fftconvolve_ms``: the same loop made the straightforward
  way, as a reference: mix dry and send buses, then convolve the send bus with
  the room IR per render (``scipy.signal.fftconvolve``) and fold the tail.
- ``render_cold_ms``: the first render after a mixer change (hit responses rebuilt).
- ``render_realtime_x``: loop duration / ``render_ms``.
- ``render_stems_ms``: the same loop as an export with stems (one bus per sounding drum, the
  master gain computed on the mix and applied to each), at the raw level; ``render_ms`` is the
  plain render beside it.
- ``export_normalised_ms``: the same loop as a normalised export (-16 LUFS, true peak -1 dBTP:
  pyloudnorm measures and a 4x-oversampled true-peak limiter), without stems.
"""

from __future__ import annotations

import numpy as np

from bench import median_ms

BPM = 120.0
# A busy two-bar groove of the kind the model writes: 8th hats, kick/snare, open hats, a tom fill, claps, rims.
GROOVE = (
    [[0, 2], [], [2], [8], [1, 2], [], [2], [0], [0, 2], [], [2, 3], [], [1, 2], [8], [2], [7]]
    + [[0, 2], [], [2], [0], [1, 2], [], [2], [8], [0, 2], [3], [2], [0], [1, 6], [6], [5], [4, 7]]
)


def run(results: dict) -> None:
    from poseloops import Pattern
    from poseloops.audio import MixerSettings, list_kits, load_kit, render_loop
    from poseloops.audio.render import hit_responses

    pattern = Pattern.from_steps(GROOVE)
    synth = load_kit(None)
    results["render_ms"] = median_ms(lambda: render_loop(pattern, bpm=BPM, kit=synth), repeats=50)
    if any(kit.name == "GMRockKit" for kit in list_kits()):
        rock = load_kit("GMRockKit")
        results["render_hydrogen_ms"] = median_ms(lambda: render_loop(pattern, bpm=BPM, kit=rock), repeats=30)
    results["render_reference_fftconvolve_ms"] = median_ms(lambda: reference_render(pattern, synth), repeats=20)

    def cold() -> None:
        hit_responses.cache_clear()
        render_loop(pattern, bpm=BPM, kit=synth, mixer=MixerSettings())

    results["render_cold_ms"] = median_ms(cold, repeats=5, warmup=1)
    from poseloops.audio.export import render_export

    results["render_stems_ms"] = median_ms(
        lambda: render_export(pattern, stems=True, loudness_lufs="raw", bpm=BPM, kit=synth), repeats=10)
    results["export_normalised_ms"] = median_ms(lambda: render_export(pattern, bpm=BPM, kit=synth), repeats=10)
    seconds = len(pattern) * 60.0 / (BPM * 4)
    results["render_realtime_x"] = round(seconds * 1000.0 / results["render_ms"], 1)


def reference_render(pattern, kit, sample_rate: int = 44100) -> np.ndarray:
    """The textbook renderer: per hit, add the panned voice to a dry and a send bus; then one
    FFT convolution of the send bus with the room per render; fold tails; no caches of mixed work."""
    from scipy.signal import fftconvolve

    from poseloops.audio import MixerSettings, loop_frames, step_frames
    from poseloops.audio.mixer import pan_gains
    from poseloops.audio.reverb import room_impulse_response

    mixer = MixerSettings()
    ir = room_impulse_response(sample_rate, mixer.reverb_decay_s)
    period = loop_frames(len(pattern), bpm=BPM, sample_rate=sample_rate)
    starts = step_frames(len(pattern), bpm=BPM, sample_rate=sample_rate)
    tail = max(len(v.layers[0].samples) for v in kit.voices)
    dry = np.zeros((period + tail, 2), np.float32)
    send = np.zeros((period + tail, 2), np.float32)
    for step, (drums, velocities) in enumerate(zip(pattern.steps, pattern.velocities)):
        for drum, velocity in zip(drums, velocities):
            voice, mix = kit.voices[drum], mixer.voices[drum]
            samples = voice.layers[voice.layer_index(velocity)].samples * (velocity / 127 * mixer.master_gain)
            panned = samples[:, None] * np.array(pan_gains(mix.pan), np.float32)
            wet = mix.reverb_send * mixer.reverb_wet
            begin = starts[step]
            dry[begin : begin + len(samples)] += panned * (1 - wet)
            send[begin : begin + len(samples)] += panned * wet
    room = np.stack([fftconvolve(send[:, c], ir[:, c]) for c in range(2)], axis=1)
    mix = np.zeros((len(room), 2), np.float32)
    mix[: len(dry)] += dry
    mix += room
    loop = np.zeros((period, 2), np.float32)
    for start in range(0, len(mix), period):
        chunk = mix[start : start + period]
        loop[: len(chunk)] += chunk
    return loop
