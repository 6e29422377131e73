#!/usr/bin/env bash
# Installs everything the tests need on a Debian machine (run as root) and runs them all:
# lint, types, and the whole pytest suite (parsers, transport over a real sshd, the namespace lab).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    # pcs: the snapshot benchmark compares hatui --once with `pcs status` (tests/test_bench_smoke.py).
    apt-get install -y -qq --no-install-recommends \
        python3 python3-venv python3-pip \
        pacemaker pacemaker-cli-utils corosync crmsh pcs resource-agents drbd-utils \
        openssh-server openssh-client tmux procps iproute2 util-linux >/dev/null
    # crmsh refuses to run without its log directory (the package does not create it).
    mkdir -p /var/log/crmsh
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'

.venv/bin/ruff check
.venv/bin/ruff format --check
.venv/bin/mypy
# As root with the packages above, the lab and sshd tests must run: a skip there is a failure.
if [ "$(id -u)" = 0 ]; then
    export HATUI_LAB_REQUIRED=1
fi
# The slowest tests are listed so that the suite stays inside its 15-minute budget.
.venv/bin/pytest -q --durations=20 "$@"
