#!/usr/bin/env bash
# Sets up .venv in the repository root. Usage: scripts/setup.sh runtime|test
# runtime: the package and what it needs to run. test: also the training extra
# (torch, pinned), the test tools, and the Debian packages the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"
python="$(command -v python3.11 || command -v python3)"

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi

extras=""
[ "$profile" = "test" ] && extras="[train,test]"

# Reinstall only when the package metadata or the pins changed.
stamp=".venv/.poseloops-$profile"
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".$extras"
    # numba compiles librosa's onset code at the first recording read (about 20 s) and caches
    # it for every later process: compile it now, so that no first recording waits.
    .venv/bin/python -c "from poseloops.seeds.rhythm import warm_up; warm_up()"
    echo "$want" > "$stamp"
fi

if [ "$profile" = "test" ]; then
    missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -d /usr/share/hydrogen/data/drumkits/GMRockKit ] || missing+=(hydrogen-data)
    [ -x /usr/bin/sox ] || missing+=(sox)  # mixes drum recordings our engine did not make
    [ -x /usr/bin/jackd ] || missing+=(jackd2)  # a real MIDI system without hardware (jackd -d dummy)
    if [ "${#missing[@]}" -gt 0 ]; then
        sudo_cmd=""
        [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi
