#!/bin/sh
# Server CPU while idle: 20 runs waiting at their first gate, each with a
# live fake-agent session at its prompt, and nothing else happening. The
# server's utime + stime (from /proc/<pid>/stat) are read before and after
# SECONDS seconds (default 60); the result is CPU seconds and % of one core.
# Usage: bench/server-idle-cpu.sh [BUILDDIR] [SECONDS] [SESSIONS]
set -eu
. "$(dirname "$0")/lib.sh"
builddir=$(cd "${1:-.}" && pwd)
secs=${2:-60}
nsess=${3:-20}
devflow="$builddir/devflow"
dir=$(mktemp -d "${TMPDIR:-/tmp}/dfb.XXXXXX")
export DEVFLOW_WORKSPACE="$dir/ws" DEVFLOW_FAKE_STEP_MS=10
"$devflow" server --max-runs "$nsess" >"$dir/server.out" 2>&1 &
spid=$!
trap '"$devflow" kill-server >/dev/null 2>&1 || kill $spid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
while [ ! -S "$DEVFLOW_WORKSPACE/devflow.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

bench_repo "$dir"
bench_start_runs "$dir" "$nsess" >/dev/null
# Wait until every run waits at its gate (its agent idle at the prompt).
bench_wait_gates "$nsess" 600 server-idle-cpu
live=$("$devflow" --json sessions | grep -c '"live":[[:space:]]*true')
sleep 2 # let the last redraws settle
ticks() { awk '{ print $14 + $15 }' "/proc/$spid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$secs"
t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" -v n="$live" 'BEGIN {
	cpu = (b - a) / hz
	printf "server-idle-cpu: %d live fake-agent sessions, %d s idle: %.2f s of CPU (%.3f%% of one core)\n", n, s, cpu, 100 * cpu / s
}'
