#!/usr/bin/env bash
# Runs the whole test suite after setting up .venv. Extra arguments go to pytest, in both passes:
# 1. every test not marked `quiet`, on both cores (pytest-xdist; a file's tests stay on one
#    worker, so its server and browser start once);
# 2. the `quiet` tests alone: they time MIDI and Link against the machine's clock, and a second
#    worker beside them would be measured too.
# POSELOOPS_TEST_WORKERS sets pass 1's workers (2: this project's machines have 2 cores).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test || exit 1

# --maxfail: a broken install fails hundreds of tests, each waiting out its timeouts (stop 25's CI
# ran past 90 minutes that way); 25 failures say enough.
.venv/bin/python -m pytest -m "not quiet" -n "${POSELOOPS_TEST_WORKERS:-2}" --dist loadfile --maxfail 25 "$@"
parallel=$?
.venv/bin/python -m pytest -m quiet --maxfail 25 "$@"
alone=$?

# pytest exits 5 when it collected no tests. The whole suite must run tests in both passes; with
# arguments that pick some tests, one pass may have none of them, but not both.
for status in "$parallel" "$alone"; do
    if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
        exit "$status"
    fi
done
if [ "$parallel" -eq 5 ] && [ "$alone" -eq 5 ]; then
    echo "no tests were collected" >&2
    exit 1
fi
if [ "$#" -eq 0 ] && { [ "$parallel" -eq 5 ] || [ "$alone" -eq 5 ]; }; then
    echo "a pass of the whole suite collected no tests" >&2
    exit 1
fi
exit 0
