"""Rendering: loop length, hit timing, swing, the seam, the master stage, velocities.

Every check measures the rendered audio (onsets found by level, peaks, sample
values); expected times come from the musical definition (a 16th lasts
60 / (bpm x 4) s; swing moves odd 16ths by (swing - 0.5) x one 8th), never from
the renderer's own schedule.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from poseloops import Pattern
from poseloops.audio import MixerSettings, render_loop, render_oneshot
from poseloops.errors import ParameterError

from .audio_measure import SAMPLE_RATE, detect_onsets, rms

RIM, KICK, OPEN_HAT, LOW_TOM = 8, 0, 3, 4
DRY = MixerSettings.from_dict({"reverb_wet": 0.0})
CEILING = 10 ** (-0.3 / 20)
ONSET_TOLERANCE_S = 0.001


def sixteenth_s(bpm: float) -> float:
    return 60.0 / (bpm * 4)


def expected_frames(steps: int, bpm: float, sample_rate: int = SAMPLE_RATE) -> int:
    """steps x 16th in frames, exactly, rounded half up (the documented rule)."""
    exact = Fraction(steps * sample_rate * 15) / Fraction(str(bpm))
    return math.floor(exact + Fraction(1, 2))


def hits(drum: int, steps: int, on: list[int], velocity: int = 100) -> Pattern:
    return Pattern.from_steps([[drum] if i in on else [] for i in range(steps)],
                              velocities=[[velocity] if i in on else [] for i in range(steps)])


@pytest.mark.parametrize("steps", [1, 10, 32, 37])
@pytest.mark.parametrize("bpm", [10, 97.3, 120, 133.33, 300])
def test_loop_is_exactly_steps_sixteenths_long(steps, bpm):
    audio = render_loop(hits(KICK, steps, [0]), bpm=bpm)
    assert audio.shape == (expected_frames(steps, bpm), 2)
    assert audio.dtype == np.float32


def test_loop_length_at_another_sample_rate():
    audio = render_loop(hits(RIM, 16, [0, 4]), bpm=111, sample_rate=48000)
    assert len(audio) == expected_frames(16, 111, 48000)


@pytest.mark.parametrize("bpm", [72.5, 120, 173])
@pytest.mark.parametrize("drum", [RIM, KICK])
def test_each_hit_starts_within_1ms_of_its_step(bpm, drum):
    on = [0, 3, 6, 9, 12, 15] if drum == RIM else [0, 4, 8, 12]  # the kick rings longer: space it out
    audio = render_loop(hits(drum, 16, on), bpm=bpm, mixer=DRY)
    onsets = detect_onsets(audio)
    expected = np.array(on) * sixteenth_s(bpm)
    assert len(onsets) == len(on), onsets
    assert np.max(np.abs(onsets - expected)) <= ONSET_TOLERANCE_S


@pytest.mark.parametrize("swing", [0.55, 0.62, 0.75])
def test_swing_moves_only_offbeat_sixteenths_by_swing_minus_half_an_eighth(swing):
    bpm = 100
    pattern = hits(RIM, 16, list(range(16)))
    straight = detect_onsets(render_loop(pattern, bpm=bpm, mixer=DRY))
    swung = detect_onsets(render_loop(pattern, bpm=bpm, swing=swing, mixer=DRY))
    assert len(straight) == len(swung) == 16
    shift = swung - straight
    eighth = 2 * sixteenth_s(bpm)
    assert np.max(np.abs(shift[0::2])) <= ONSET_TOLERANCE_S  # on-beat 16ths stay
    assert np.max(np.abs(shift[1::2] - (swing - 0.5) * eighth)) <= ONSET_TOLERANCE_S
    assert np.max(np.abs(straight - np.arange(16) * sixteenth_s(bpm))) <= ONSET_TOLERANCE_S


@pytest.mark.parametrize("swing", [0.5, 0.6])
def test_each_hit_is_displaced_by_its_offset_times_a_sixteenth(swing):
    """Offsets from the definition: a hit at step s with offset o sounds at (s + swing shift + o) 16ths."""
    bpm = 100
    on = {0: 0.3, 3: 0.2, 6: -0.25, 9: -0.5, 12: 0.45}
    pattern = Pattern.from_steps([[RIM] if i in on else [] for i in range(16)],
                                 offsets=[[on[i]] if i in on else [] for i in range(16)])
    onsets = detect_onsets(render_loop(pattern, bpm=bpm, swing=swing, mixer=DRY))
    shift = [(swing - 0.5) * 2 if step % 2 else 0.0 for step in on]
    expected = (np.array(list(on)) + shift + np.array(list(on.values()))) * sixteenth_s(bpm)
    assert len(onsets) == len(on), onsets
    assert np.max(np.abs(onsets - expected)) <= ONSET_TOLERANCE_S
    # an early downbeat of a loop sounds at the end of the cycle before, where a repeating loop hears it
    early = Pattern.from_steps([[RIM]] + [[]] * 7, offsets=[[-0.25]] + [[]] * 7)
    onsets = detect_onsets(render_oneshot(early, bpm=bpm, loops=3, mixer=DRY), threshold=0.3)
    np.testing.assert_allclose(onsets[1:], (np.array([8, 16]) - 0.25) * sixteenth_s(bpm), atol=ONSET_TOLERANCE_S)
    loop_onsets = detect_onsets(render_loop(early, bpm=bpm, mixer=DRY))
    np.testing.assert_allclose(loop_onsets, [(8 - 0.25) * sixteenth_s(bpm)], atol=ONSET_TOLERANCE_S)


def seam_jump_and_typical_step(audio: np.ndarray) -> tuple[float, float]:
    """The jump from the last sample to the first when the buffer repeats, and the
    99th percentile of sample-to-sample jumps inside the loop."""
    seam = float(np.max(np.abs(audio[0] - audio[-1])))
    inside = np.abs(np.diff(audio, axis=0)).max(axis=1)
    return seam, float(np.percentile(inside, 99))


@pytest.fixture(scope="module")
def ringing_over_the_end() -> Pattern:
    """Nothing on step 0; a kick, a low tom and an open hat on the last steps, so tails cross the seam."""
    steps = [[] for _ in range(16)]
    steps[4], steps[8], steps[14], steps[15] = [1], [2], [KICK, LOW_TOM], [OPEN_HAT]
    return Pattern.from_steps(steps)


def test_repeating_the_loop_has_no_jump_at_the_seam(ringing_over_the_end):
    audio = render_loop(ringing_over_the_end, bpm=140)
    seam, typical = seam_jump_and_typical_step(audio)
    assert seam <= typical


def test_seam_check_tells_a_wrapped_loop_from_a_cut_one():
    """Low, smooth tails (kick and tom on the last step) make any cut at the seam stand out."""
    pattern = Pattern.from_steps([[] for _ in range(15)] + [[KICK, LOW_TOM]])
    audio = render_loop(pattern, bpm=140)
    seam, typical = seam_jump_and_typical_step(audio)
    assert seam <= typical
    cut = render_oneshot(pattern, bpm=140)[: len(audio)]  # what a renderer that drops tails would make
    cut_seam, cut_typical = seam_jump_and_typical_step(cut)
    assert cut_seam > 10 * cut_typical


def test_tails_wrap_into_the_start_as_a_repeated_loop_hears_them(ringing_over_the_end):
    loop = render_loop(ringing_over_the_end, bpm=140)
    played = render_oneshot(ringing_over_the_end, bpm=140, loops=3)
    n = len(loop)
    assert rms(loop[: n // 32]) > 1e-3  # step 0 is empty, yet the tails sound there
    np.testing.assert_allclose(loop, played[n : 2 * n], atol=1e-6)  # the second cycle of three
    np.testing.assert_allclose(loop, played[2 * n : 3 * n], atol=1e-6)


def test_oneshot_is_k_loops_then_the_tail():
    pattern = hits(OPEN_HAT, 8, [7])
    loop_frames = expected_frames(8, 120)
    one = render_oneshot(pattern, loops=1)
    four = render_oneshot(pattern, loops=4)
    assert len(four) - len(one) == 3 * loop_frames
    tail = four[4 * loop_frames :]
    assert len(tail) > 0.2 * SAMPLE_RATE and rms(tail[:2000]) > 1e-3  # the last hit rings out past the loops
    assert np.max(np.abs(four[-10:])) < 1e-5  # and fades to silence
    onsets = detect_onsets(four, threshold=0.3)
    np.testing.assert_allclose(onsets, (7 + 8 * np.arange(4)) * sixteenth_s(120), atol=ONSET_TOLERANCE_S)


def textbook_loop(pattern: Pattern, bpm: float) -> np.ndarray:
    """The loop made the plain way: voices added to a dry and a reverb-send bus at the step
    times (from the musical definition), the send bus convolved with the room per render,
    everything past the end folded onto the start. No caching, no precomputed responses."""
    from scipy.signal import fftconvolve

    from poseloops.audio import load_kit
    from poseloops.audio.mixer import pan_gains
    from poseloops.audio.reverb import room_impulse_response

    kit, mixer = load_kit(None), MixerSettings()
    room = room_impulse_response(SAMPLE_RATE, mixer.reverb_decay_s)
    frames = expected_frames(len(pattern), bpm)
    dry, send = np.zeros((3 * frames, 2)), np.zeros((3 * frames, 2))
    for step, (drums, velocities) in enumerate(zip(pattern.steps, pattern.velocities)):
        start = math.floor(step * sixteenth_s(bpm) * SAMPLE_RATE + 0.5)
        for drum, velocity in zip(drums, velocities):
            samples = kit.voices[drum].layers[0].samples * velocity / 127 * mixer.master_gain
            panned = samples[:, None] * np.array(pan_gains(mixer.voices[drum].pan))
            wet = mixer.voices[drum].reverb_send * mixer.reverb_wet
            dry[start : start + len(samples)] += (1 - wet) * panned
            send[start : start + len(samples)] += wet * panned
    mix = dry + np.stack([fftconvolve(send[:, c], room[:, c])[: 3 * frames] for c in range(2)], axis=1)
    return mix[:frames] + mix[frames : 2 * frames] + mix[2 * frames :]


def test_loop_equals_the_textbook_mix_and_convolution(ringing_over_the_end):
    """The fast path (cached per-hit responses with the room convolved in) sounds the same
    as mixing and convolving from scratch: differences stay below -90 dB."""
    busy = Pattern.from_steps([[0, 2], [2], [1, 2, 8], [3], [0, 4], [5, 7], [1, 6], [2]] * 2)
    for pattern in (busy, ringing_over_the_end):
        fast = render_loop(pattern, bpm=131)
        reference = textbook_loop(pattern, 131)
        assert np.max(np.abs(fast - reference)) < 3e-5 * np.max(np.abs(reference))


@pytest.fixture(scope="module")
def dense_loud() -> Pattern:
    return Pattern.from_steps([list(range(9))] * 16, velocities=[[127] * 9] * 16)


@pytest.mark.parametrize("kit", [None, "GMRockKit"])
def test_dense_loud_loop_peaks_at_or_below_the_ceiling(dense_loud, kit):
    loud_mix = MixerSettings.from_dict({"master_gain": 2.0})
    for audio in (render_loop(dense_loud, kit=kit, mixer=loud_mix), render_oneshot(dense_loud, kit=kit, mixer=loud_mix, loops=2)):
        peak = float(np.max(np.abs(audio)))
        assert peak <= CEILING
        assert peak > 10 ** (-1.0 / 20)  # limited to the ceiling, not crushed far below it
    seam, typical = seam_jump_and_typical_step(render_loop(dense_loud, kit=kit, mixer=loud_mix))
    assert seam <= typical  # the limiter wraps around with the loop


def test_quiet_loop_is_not_pumped_up():
    pattern = Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 4)
    quiet = Pattern.from_steps(pattern.steps, velocities=[[8] * len(s) for s in pattern.steps])
    loud_peak = np.max(np.abs(render_loop(pattern)))
    quiet_peak = np.max(np.abs(render_loop(quiet)))
    assert quiet_peak < 0.05
    assert quiet_peak / loud_peak == pytest.approx(8 / 100, rel=1e-3)


@pytest.mark.parametrize("velocity", [1, 40, 64, 127])
def test_velocity_scales_a_hit_linearly(velocity):
    reference = np.max(np.abs(render_oneshot(hits(KICK, 4, [0], velocity=127))))
    peak = np.max(np.abs(render_oneshot(hits(KICK, 4, [0], velocity=velocity))))
    assert peak / reference == pytest.approx(velocity / 127, rel=1e-4)


def test_silent_pattern_renders_silence_of_the_right_length():
    audio = render_loop(Pattern.empty(12), bpm=90)
    assert audio.shape == (expected_frames(12, 90), 2) and not audio.any()


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda p: render_loop(p, bpm=9), "bpm"),
        (lambda p: render_loop(p, bpm=301), "bpm"),
        (lambda p: render_loop(p, swing=0.49), "swing"),
        (lambda p: render_loop(p, swing=0.8), "swing"),
        (lambda p: render_loop(p, sample_rate=1000), "sample_rate"),
        (lambda p: render_oneshot(p, loops=0), "loops"),
        (lambda p: render_oneshot(p, loops=65), "loops"),
        (lambda p: render_loop(Pattern.empty(0)), "no steps"),
        (lambda p: render_loop(Pattern.empty(1024), bpm=10), "limit"),
        (lambda p: render_loop(p, mixer={"reverb_wet": 0.2}), "mixer"),
    ],
)
def test_bad_render_parameters_raise_parameter_error(call, fragment):
    with pytest.raises(ParameterError, match=fragment):
        call(hits(KICK, 4, [0]))


# --- the tail a loop leaves at a switch -----------------------------------------------------------

CRASH, CLOSED_HAT = 7, 2
ROCK_KIT = "GMRockKit"  # Debian hydrogen-data: its crash rings 2.5 s
TAIL_ATOL = 5e-5  # -86 dBFS: renders that sum the same hits in another order (float32) differ by this


def rings_at(pattern: Pattern, step: int, *, bpm: float, kit, passes: int = 6) -> np.ndarray:
    """What a loop that has played ``passes`` times, then up to ``step``, still rings from that
    step on: a one-shot of the pattern repeated and cut at the step, read after it."""
    played = pattern
    for _ in range(passes - 1):
        played = played.concat(pattern)
    played = played.concat(pattern.slice(0, step)) if step else played
    audio = render_oneshot(played, bpm=bpm, kit=kit)
    boundary = expected_frames(passes * len(pattern) + step, bpm)
    return audio[boundary:]


@pytest.mark.parametrize("step", [0, 16])
def test_a_tail_is_what_rings_on_after_the_hits_before_the_switch(step):
    """A crash on the last 8th before each bar boundary of a 2-bar loop (GMRockKit's crash rings
    2.5 s): the tail at the boundary is what a loop that had played on, then stopped there,
    rings, sample for sample; the hits from the switch on are not in it."""
    from poseloops.audio import TAIL_LEAD_S, render_tail

    steps = [[CRASH] if i in (14, 30) else [KICK] if i % 4 == 0 else [] for i in range(32)]
    pattern = Pattern.from_steps(steps, velocities=[[100 if CRASH in s else 60] * len(s) for s in steps])
    tail = render_tail(pattern, step=step, bpm=120, kit=ROCK_KIT)
    lead = round(TAIL_LEAD_S * SAMPLE_RATE)
    truth = rings_at(pattern, step, bpm=120, kit=ROCK_KIT)
    after = tail[lead:]
    assert len(after) == pytest.approx(len(truth), abs=2)
    n = min(len(after), len(truth))
    np.testing.assert_allclose(after[:n], truth[:n], atol=TAIL_ATOL)
    assert rms(after[: SAMPLE_RATE // 10]) > 0.01  # the crash is loud across the switch
    assert len(after) > SAMPLE_RATE  # and rings on for over a second


def test_a_tail_starts_as_the_loop_itself_so_the_cross_fade_is_seamless():
    from poseloops.audio import TAIL_LEAD_S, render_tail

    steps = [[CRASH, KICK] if i == 0 else [CLOSED_HAT] if i % 2 == 0 else [] for i in range(16)]
    pattern = Pattern.from_steps(steps)
    loop = render_loop(pattern, bpm=300, kit=ROCK_KIT)  # 0.8 s: shorter than the crash's ring
    lead = round(TAIL_LEAD_S * SAMPLE_RATE)
    tail = render_tail(pattern, step=0, bpm=300, kit=ROCK_KIT)
    np.testing.assert_allclose(tail[:lead], loop[len(loop) - lead :], atol=TAIL_ATOL)
    # the loop's own downbeat (crash and kick) is left out: the tail falls from there on
    truth = rings_at(pattern, 0, bpm=300, kit=ROCK_KIT)
    n = min(len(tail) - lead, len(truth))
    np.testing.assert_allclose(tail[lead : lead + n], truth[:n], atol=TAIL_ATOL)


@pytest.mark.parametrize("step, fragment", [(1, "off-beat"), (16, "outside"), (-2, "outside"), (True, "outside")])
def test_a_tail_at_a_step_the_loop_cannot_switch_at_is_refused(step, fragment):
    from poseloops.audio import render_tail

    with pytest.raises(ParameterError, match=fragment):
        render_tail(hits(KICK, 16, [0]), step=step)
