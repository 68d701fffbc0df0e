"""Shared fixtures: where the real data lives, and the CLI as users run it.

Data: the full Groove MIDI Dataset and the pose photos in ../shared/data when a
checkout has them beside it, else the small fixture set in tests/data (see its
README), so the suite passes from a bare clone. The fixture set holds the files
the tests read first from the full dataset, so most tests read the same files
either way; tests about a whole split assert what holds on both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: speed is the benchmark's to measure (benchmarks/bench.py), and the
# suite runs on both cores at once (scripts/test.sh), where a busy moment must not fail a property.
settings.register_profile("poseloops", deadline=None)
settings.load_profile("poseloops")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GROOVE = SHARED / "data" / "groove"
POSE_DATA = SHARED / "data" / "pose"
TEST_DATA = REPO / "tests" / "data"
GROOVE_SAMPLE = TEST_DATA / "groove"
POSE_SAMPLE = TEST_DATA / "pose"
HYDROGEN_KITS = Path("/usr/share/hydrogen/data/drumkits")
POSELOOPS = Path(sys.executable).parent / "poseloops"


def full_or_sample(full: Path, sample: Path, marker: str) -> Path:
    """``full`` when ``full / marker`` is there, else the checked-in ``sample``."""
    chosen = full if (full / marker).exists() else sample
    assert (chosen / marker).exists(), f"the test data is missing: {chosen / marker}"
    return chosen


@pytest.fixture(scope="session")
def groove_dir() -> Path:
    """The Groove MIDI Dataset (train and validation splits): all of it, or the fixture set."""
    return full_or_sample(GROOVE, GROOVE_SAMPLE, "info.csv")


@pytest.fixture(scope="session")
def groove_train(groove_dir):
    """The train split, read once (16 s for all 887 files): tests only read it."""
    from poseloops.model.corpus import load_split

    return load_split(groove_dir, "train")


@pytest.fixture(scope="session")
def pose_dir() -> Path:
    """Photos of people, named as in COCO: all seven, or the six of the fixture set."""
    return full_or_sample(POSE_DATA, POSE_SAMPLE, "COCO_val2014_000000000241.jpg")


@pytest.fixture(scope="session")
def pose_clips(tmp_path_factory) -> Path:
    """A folder with person-webcam.y4m and people-slideshow.y4m: ../shared's, or made from the photos."""
    from .pose_clips import CLIPS, write_clips

    if all((POSE_DATA / name).is_file() for name in CLIPS):
        return POSE_DATA
    return write_clips(POSE_SAMPLE, tmp_path_factory.mktemp("pose_clips"))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed ``poseloops`` command as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(POSELOOPS), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 2, one line on stderr naming the problem, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])


# --- the browser tests: Chromium and pages of the studio (helpers: browser_harness.py) -----------
# The server and the browser are expensive: one server for the session, one browser per test file.


@pytest.fixture(scope="module")
def server():
    """The studio's server on loopback, started once for the whole session (server_harness.py)."""
    from .server_harness import shared_server

    return shared_server()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright, pose_clips):
    """Debian's Chromium whose webcam plays person-webcam.y4m (../shared's, or made from the photos)."""
    from .browser_harness import CHROMIUM, CHROMIUM_ARGS

    clip = (pose_clips / "person-webcam.y4m").resolve()
    args = [arg.format(webcam_clip=clip) for arg in CHROMIUM_ARGS]
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield chromium
    chromium.close()


@pytest.fixture
def studio(browser, server):
    """A desktop page of the studio in a fresh context (its own localStorage), not yet opened."""
    from .browser_harness import new_studio

    page, context = new_studio(browser, server)
    yield page
    context.close()


@pytest.fixture
def tapped(browser, server):
    """A desktop studio whose audio output a test can record (see ``Studio.start_tap``), not yet opened."""
    from .browser_harness import new_studio

    page, context = new_studio(browser, server, bypass_csp=True)
    yield page
    context.close()


@pytest.fixture(scope="module")
def desk(browser, server):
    """An opened desktop page (1280x720), shared by the tests of one file, used with mouse and keys."""
    from .browser_harness import new_studio

    page, context = new_studio(browser, server)
    page.open()
    yield page
    context.close()


@pytest.fixture(scope="module")
def phone(browser, server):
    """An opened 390x844 phone page with touch events, shared by the tests of one file."""
    from .browser_harness import PHONE, new_studio

    page, context = new_studio(browser, server, PHONE)
    page.open()
    yield page
    context.close()
