#!/bin/sh
# TUI benchmarks against the real server, with RUNS finished runs of
# EVENTS events each in the database (defaults 1000 and 100: 100,000 events,
# filled through the store API by bench/tui-fill) plus LIVE runs of the
# fake agent waiting at their plan gate (default 3):
#  1. time to the first full screen: from the TUI's start to the moment it
#     is idle with everything drawn (hello, subscribe, ls, the statuses of
#     the runs going on, one frame), 120x40, five times;
#  2. key `a` -> decision recorded (the decide reply) -> screen updated (the
#     gate gone from the screen), once per live run.
# Times are the TUI's own marks (DEVFLOW_TUI_MARKS, monotonic ms).
# Usage: bench/tui-bench.sh [BUILDDIR] [RUNS] [EVENTS] [LIVE]
set -eu
. "$(dirname "$0")/lib.sh"
builddir=$(cd "${1:-.}" && pwd)
runs=${2:-1000}
events=${3:-100}
live=${4:-3}
devflow="$builddir/devflow"
fill="$builddir/bench/tui-fill"
[ -x "$fill" ] || { echo "tui-bench: build it first: make bench" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/dftb.XXXXXX")
export DEVFLOW_WORKSPACE="$dir/ws" HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/.config"
export DEVFLOW_FAKE_STEP_MS=${DEVFLOW_FAKE_STEP_MS:-10}
mkdir -p "$HOME"
trap '"$devflow" kill-server >/dev/null 2>&1; rm -rf "$dir"' EXIT

"$devflow" ls >/dev/null # starts the server once: the catalog goes into the database
"$devflow" kill-server >/dev/null
sleep 0.5
"$fill" "$DEVFLOW_WORKSPACE" "$runs" "$events"

bench_repo "$dir"
ids=$(bench_start_runs "$dir" "$live")
bench_wait_gates "$live" 300 tui-bench

# elapsed MARKS FROM TO: milliseconds between two marks.
elapsed() {
	awk -v a="$2" -v b="$3" '$1 == a { t0 = $2 } $1 == b { t1 = $2 } END { print t1 - t0 }' "$1"
}

echo "database: $runs finished runs, $((runs * events)) events; $live live runs at their gate"
printf ':mark screen\n' >"$dir/first.script"
for k in 1 2 3 4 5; do
	rm -f "$dir/marks"
	DEVFLOW_TUI_MARKS="$dir/marks" DEVFLOW_TUI_SIZE=120x40 DEVFLOW_TUI_SCRIPT="$dir/first.script" \
		"$devflow"
	echo "first full screen: $(elapsed "$dir/marks" start screen) ms"
done
for id in $ids; do
	short=$(printf %s "$id" | cut -c1-8)
	cat >"$dir/approve.script" <<EOS
/
:type $short
Enter
:wait-for ⚑ $short plan_review
:sleep 200
:mark key
a
:wait-gone ⚑ $short
:mark screen
EOS
	rm -f "$dir/marks"
	DEVFLOW_TUI_MARKS="$dir/marks" DEVFLOW_TUI_SIZE=120x40 DEVFLOW_TUI_SCRIPT="$dir/approve.script" \
		"$devflow"
	echo "key a -> decision recorded: $(elapsed "$dir/marks" key decided) ms," \
		"-> screen updated: $(elapsed "$dir/marks" key screen) ms"
done
