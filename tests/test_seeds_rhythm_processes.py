"""Recordings read by several processes at once, on a fresh install (numba's cache still empty).

CI's stop 25 crashed here: two test workers and the servers they started compiled librosa's
peak picker together, the numba cache they shared was left corrupt, and every later process
that loaded it died with a segfault. Each test gives its processes their own numba cache and
their own cache folder (where the cross-process lock lives), so nothing else on the machine
touches them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import soundfile
from filelock import FileLock

from poseloops.audio import load_kit, render_loop
from poseloops.audio.drumkit import SAMPLE_RATE
from poseloops.pattern import Pattern
from poseloops.seeds.rhythm import LIBROSA_LOCK_NAME

READER = """
import json, sys
import soundfile
from poseloops.seeds import audio_to_pattern

audio, rate = soundfile.read(sys.argv[1])
print("analysing", flush=True)
seed = audio_to_pattern(audio, rate, bpm=120)
print(json.dumps([list(step) for step in seed.steps]), flush=True)
"""
PROCESSES = 3  # the crash needed two writers; three made it likelier (2 runs in 8 without the lock)
RUN_TIMEOUT_S = 300  # three cold compiles on two busy cores, one after another
HELD_S = 3.0  # a warm read takes well under a second; under the lock it must wait this long


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory):
    """An environment whose numba cache and cache folder are empty and ours alone, and a beat
    (kick on the beats, snare on 2 and 4, 8th-note hats) rendered to a WAV file for it to read."""
    root = tmp_path_factory.mktemp("fresh-install")
    (root / "numba").mkdir()
    beat = render_loop(Pattern.from_steps([[0, 2], [2], [1, 2], [2]] * 8), kit=load_kit(None))
    soundfile.write(root / "beat.wav", beat, SAMPLE_RATE)
    return {**os.environ, "NUMBA_CACHE_DIR": str(root / "numba"), "XDG_CACHE_HOME": str(root / "cache"),
            "PYTHONWARNINGS": "ignore", "BEAT": str(root / "beat.wav")}


def start_reader(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", READER, env["BEAT"]], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(reader: subprocess.Popen) -> tuple[int, list[str], str]:
    out, err = reader.communicate(timeout=RUN_TIMEOUT_S)
    return reader.returncode, out.splitlines(), err


def test_processes_that_read_at_once_on_a_fresh_install_all_read_and_leave_the_cache_sound(fresh_install):
    readers = [start_reader(fresh_install) for _ in range(PROCESSES)]
    results = [finish(reader) for reader in readers]
    for code, _, err in results:
        assert code == 0, f"a reader exited with {code}: {err[-2000:]}"
    steps = {out[-1] for _, out, _ in results}
    assert len(steps) == 1, f"the readers disagree: {steps}"
    kicks_on_beats = [i for i, step in enumerate(json.loads(steps.pop())) if 0 in step]
    assert kicks_on_beats == list(range(0, 32, 4)), kicks_on_beats

    cache = os.listdir(fresh_install["NUMBA_CACHE_DIR"])
    assert cache, "numba cached nothing: this test did not exercise the shared cache"
    code, out, err = finish(start_reader(fresh_install))  # a later process loads what they wrote
    assert code == 0 and out[-1] == results[0][1][-1], err[-2000:]


def test_a_reader_waits_while_another_process_holds_the_librosa_lock(fresh_install):
    lock_path = os.path.join(fresh_install["XDG_CACHE_HOME"], LIBROSA_LOCK_NAME)
    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    with FileLock(lock_path):
        reader = start_reader(fresh_install)
        assert reader.stdout.readline().strip() == "analysing", reader.stderr.read()[-2000:]
        time.sleep(HELD_S)
        assert reader.poll() is None, "the reader analysed while another process held the lock"
    code, out, err = finish(reader)
    assert code == 0 and out[-1].startswith("[["), err[-2000:]
