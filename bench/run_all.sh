#!/bin/sh
# Runs every benchmark (as root, for the Pacemaker lab and the sshd nodes) and writes bench/results/.
# Arguments go to `python -m bench` (e.g. --quick, --only scale,fanout, --tui-minutes 60).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
exec "$PYTHON" -m bench "$@"
