#!/usr/bin/env bash
# Builds the seed stack (cluster-glue 1.0.6, heartbeat 3.0.6, resource-agents 1.0.3, Pacemaker 1.0.9)
# for the seed lab, once: a stamp holding the hash of the inputs (the four tarballs, the patches and
# build.sh of ../shared/seed-lab) skips the build when the prefix already holds what they make.
# The paths are fixed because LAB is compiled into the binaries (--localstatedir=$LAB/var).
# Progress goes to $SEED/build.status: "building PID", then "ok HASH" or "failed RC" (log: $SEED/build.log).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${HATUI_SHARED:-$(cd "$HERE/../../.." && pwd)/../shared}
SEED=${HATUI_SEED_ROOT:-/var/tmp/hatui-seed}
export BUILD=$SEED/build PREFIX=$SEED/prefix LAB=$SEED/lab
STATUS=$SEED/build.status
S=$SHARED/seed-lab
mkdir -p "$SEED"

inputs_hash() {
    (cd "$S" && sha256sum src/*.tar.gz patches/*.diff build.sh) | sha256sum | cut -d' ' -f1
}
HASH=$(inputs_hash)
if [ -x "$PREFIX/sbin/ptest" ] && [ -d "$LAB/var.template" ] && [ "$(cat "$SEED/stamp" 2>/dev/null)" = "$HASH" ]; then
    echo "seed stack: cached in $PREFIX (inputs $HASH)"
    echo "ok $HASH" > "$STATUS"
    exit 0
fi
echo "building $$" > "$STATUS"
trap 'rc=$?; [ $rc = 0 ] || echo "failed $rc" > "$STATUS"' EXIT
getent group haclient >/dev/null || groupadd -r haclient
id hacluster >/dev/null 2>&1 || useradd -r -g haclient hacluster
rm -f "$SEED/stamp"
GLUE_TGZ=$S/src/cluster-glue-1.0.6.tar.gz HB_TGZ=$S/src/heartbeat-3.0.6.tar.gz \
    AGENTS_TGZ=$S/src/resource-agents-1.0.3.tar.gz PM_TGZ=$S/src/pacemaker-1.0.9.tar.gz \
    JOBS=${JOBS:-$(nproc)} bash "$S/build.sh"
echo "$HASH" > "$SEED/stamp"
echo "ok $HASH" > "$STATUS"
