"""Shared fixtures: where the real data lives, and the CLI as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GROOVE = SHARED / "data" / "groove"
POSE_DATA = SHARED / "data" / "pose"
HYDROGEN_KITS = Path("/usr/share/hydrogen/data/drumkits")
POSELOOPS = Path(sys.executable).parent / "poseloops"


@pytest.fixture(scope="session")
def groove_dir() -> Path:
    assert (GROOVE / "info.csv").is_file(), f"the Groove MIDI Dataset is expected at {GROOVE}"
    return GROOVE


@pytest.fixture(scope="session")
def pose_dir() -> Path:
    assert POSE_DATA.is_dir(), f"the pose photos are expected at {POSE_DATA}"
    return POSE_DATA


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
