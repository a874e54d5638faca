#!/bin/sh
# The agent-like stream (bench/agent-stream.c) through a session and through
# tmux at 120x40, REPEAT times (default 3) in one invocation: each run prints
# both times and their ratio, then the median ratio. Then the memory of a
# session screen with a full 10,000-line history (bench/screen-rss.c).
# Usage: bench/run-agent-stream.sh [BUILDDIR] [REPEAT] [MIB]
set -eu
builddir=${1:-.}
repeat=${2:-3}
mib=${3:-64}
for p in agent-stream session-throughput screen-rss; do
	[ -x "$builddir/bench/$p" ] || { echo "run-agent-stream: build it first: make bench" >&2; exit 1; }
done
command -v tmux >/dev/null 2>&1 || { echo "run-agent-stream: tmux is required" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/devflow-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$builddir/bench/agent-stream" -m "$mib" -c 120 "$dir/agent.bin"
i=1
while [ "$i" -le "$repeat" ]; do
	echo "run $i:"
	"$builddir/bench/session-throughput" -r 40 -c 120 -f "$dir/agent.bin" "$dir" |
		tee "$dir/run.out" | sed 's/^/  /'
	sed -n 's/^ratio: *session\/tmux = //p' "$dir/run.out" >>"$dir/ratios"
	i=$((i + 1))
done
sort -n "$dir/ratios" | awk '{ r[NR] = $1 } END {
	if (NR) printf "agent stream: median session/tmux ratio over %d runs = %.2f\n", NR, r[int((NR + 1) / 2)] }'
"$builddir/bench/screen-rss" -n 20 -l 10000 -r 40 -c 120
