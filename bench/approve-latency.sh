#!/bin/sh
# Latency from an approve decision to the next phase's prompt reaching the
# agent (bench/approve-latency.c explains the method). Starts RUNS runs
# (default 5) on branches of a scratch repository with the fake agent, waits
# until each waits at its plan gate, then measures one approve per run.
# Usage: bench/approve-latency.sh [BUILDDIR] [RUNS]
set -eu
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
git -C "$dir" init -q -b main repo
echo x >"$dir/repo/x"
git -C "$dir/repo" add x
git -C "$dir/repo" -c user.name=b -c user.email=b@b commit -q -m x
printf '# Benchmark\n' >"$dir/req.md"
ids=
n=1
while [ $n -le "$runs" ]; do
	git -C "$dir/repo" branch "b$n"
	id=$("$devflow" start --repo "$dir/repo" --base "b$n" --requirements "$dir/req.md" \
		--backend planner=fake --backend implementer=fake --backend reviewer=fake |
		sed -n 's/^started run \([^ ]*\).*/\1/p')
	ids="$ids $id"
	n=$((n + 1))
done
i=0
while [ "$("$devflow" ls | grep -c awaiting_approval)" -lt "$runs" ]; do
	sleep 0.2
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "approve-latency: runs did not reach their gates" >&2; exit 1; }
done
sleep 1
"$bin" "$DEVFLOW_WORKSPACE" $ids
