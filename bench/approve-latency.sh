#!/bin/sh
# Latency from an approve decision to the next phase's prompt reaching the
# agent (bench/approve-latency.c explains the method). Starts RUNS runs
# (default 5) on branches of a scratch repository with the fake agent, waits
# until each waits at its plan gate, then measures one approve per run.
# Usage: bench/approve-latency.sh [BUILDDIR] [RUNS]
set -eu
. "$(dirname "$0")/lib.sh"
builddir=$(cd "${1:-.}" && pwd)
runs=${2:-5}
devflow="$builddir/devflow"
bin="$builddir/bench/approve-latency"
[ -x "$bin" ] || { echo "approve-latency: build it first: make bench" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/dfb.XXXXXX")
export DEVFLOW_WORKSPACE="$dir/ws" DEVFLOW_FAKE_STEP_MS=${DEVFLOW_FAKE_STEP_MS:-10}
"$devflow" server --max-runs "$runs" >"$dir/server.out" 2>&1 &
spid=$!
trap '"$devflow" kill-server >/dev/null 2>&1 || kill $spid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
while [ ! -S "$DEVFLOW_WORKSPACE/devflow.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
bench_repo "$dir"
ids=$(bench_start_runs "$dir" "$runs")
bench_wait_gates "$runs" 600 approve-latency
sleep 1
"$bin" "$DEVFLOW_WORKSPACE" $ids
