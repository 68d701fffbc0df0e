#!/usr/bin/env bash
# Sets up .venv and starts the PoseLoops studio. Extra arguments go to `poseloops serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
exec .venv/bin/poseloops serve "$@"
