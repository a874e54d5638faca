#!/bin/sh
# Run the session throughput benchmark (bench/session-throughput.c) in a
# scratch directory: a 64 MiB stream through a session and through tmux.
# Usage: bench/run-session-throughput.sh [BUILDDIR] [extra options]
set -eu
builddir=${1:-.}
[ $# -gt 0 ] && shift
bin="$builddir/bench/session-throughput"
[ -x "$bin" ] || { echo "run-session-throughput: build it first: make bench" >&2; exit 1; }
command -v tmux >/dev/null 2>&1 || { echo "run-session-throughput: tmux is required" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/devflow-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$bin" "$@" "$dir"
