#!/usr/bin/env bash
# Runs the whole test suite after setting up .venv. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test || exit 1
.venv/bin/python -m pytest "$@"
status=$?
# pytest exits 5 when it collected no tests: that is a failure, not a pass.
if [ "$status" -eq 5 ]; then
    echo "no tests were collected" >&2
    exit 1
fi
exit "$status"
