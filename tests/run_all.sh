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
        openssh-server openssh-client tmux procps iproute2 util-linux lvm2 >/dev/null
    # lvm2: the lab's nodes hold real volume groups on loop devices (tests/lab/storage.py).
    # crmsh refuses to run without its log directory (the package does not create it).
    mkdir -p /var/log/crmsh
    # chromium + chromium-driver: tests/serve opens the served wall in a real headless browser;
    # a monospace font of its own, since without recommends it brings none to measure cells with.
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
    # The seed lab builds real Pacemaker 1.0.9 from source (tests/lab/seed/build.sh).
    apt-get install -y -qq --no-install-recommends \
        build-essential autoconf automake libtool libtool-bin pkg-config libglib2.0-dev \
        libxml2-dev libxslt1-dev libbz2-dev uuid-dev libltdl-dev libncurses-dev libgnutls28-dev \
        libpam0g-dev zlib1g-dev libnet1-dev xsltproc docbook-xsl docbook-xml >/dev/null
fi

# The seed stack builds (or is found cached) in the background while lint and the unit tests run;
# the seed fixtures wait for $HATUI_SEED_ROOT/build.status and fail with the log's path if it failed.
export HATUI_SEED_ROOT=/var/tmp/hatui-seed HATUI_SEED_PREFIX=/var/tmp/hatui-seed/prefix
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$HATUI_SEED_ROOT"
    tests/lab/seed/build.sh > "$HATUI_SEED_ROOT/build.log" 2>&1 &
    # Said here too, so that a test starting before the script has written it still waits.
    echo "building $!" > "$HATUI_SEED_ROOT/build.status"
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
if [ "$#" -gt 0 ]; then
    exec .venv/bin/pytest -q --durations=20 "$@"
fi
# Three runs side by side: the two labs spend most of their time waiting for Pacemaker's
# transitions, the rest of the suite is CPU-bound; in sequence they took ~20 minutes. Each lab run
# writes its own log, printed when it ends; the status is the worst of the three.
LOGS=$(mktemp -d /tmp/hatui-tests.XXXXXX)
.venv/bin/pytest -q -p no:cacheprovider --durations=10 tests/lab -m "not seedlab" > "$LOGS/modern-lab.log" 2>&1 &
MODERN=$!
.venv/bin/pytest -q -p no:cacheprovider --durations=10 tests/lab -m seedlab > "$LOGS/seed-lab.log" 2>&1 &
SEED=$!
rc=0
# The rest of the suite runs niced: it is CPU-bound and asserts no timings, while the labs' drills
# time hatui against its limits; niced, it still gets all the CPU the labs leave.
nice -n 10 .venv/bin/pytest -q --durations=20 --ignore=tests/lab || rc=$?
for run in modern:$MODERN seed:$SEED; do
    name=${run%%:*}
    status=0
    wait "${run#*:}" || status=$?
    echo "=== the $name lab's tests (exit status $status) ==="
    cat "$LOGS/$name-lab.log"
    [ "$status" = 0 ] || rc=$status
done
rm -rf "$LOGS"
exit "$rc"
