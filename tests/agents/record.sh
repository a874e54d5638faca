#!/bin/sh
# tests/agents/record.sh BACKEND [OUTDIR]: record the screen fixtures of a
# backend again (tests/fixtures/screens/BACKEND/ by default) with the CLI at
# its testedVersion (tests/agents/install.sh) and its model played by
# tests/agents/model-server.js. Run it from the build tree after changing
# testedVersion in data/backends/BACKEND.json, then run
# tests/unit/test_backend_fixtures and fix the patterns it reports.
#
# It records, at 100x30 and 80x24, the screens the rig can reach:
#   ready                  the idle input screen, fresh start
#   busy                   a prompt submitted, the model holding its answer
#   ready-done             a prompt answered with a file write and a text
#   needsInput-permission  a prompt answered with a shell command the CLI asks about
# with the backend's own command line (data/backends/BACKEND.json argv,
# {worktree} replaced; no hooks) in a private HOME set up as
# tests/agents/e2e.sh does. The first-run screens (login, API key, trust)
# are not recorded again: they need a CLI without that setup (see the
# backend's README in the fixtures).
set -u
B=${1:?usage: record.sh BACKEND [OUTDIR]}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
OUT=${2:-$top_srcdir/tests/fixtures/screens/$B}
AGENTS_CACHE=${DEVFLOW_AGENTS_CACHE:-$top_builddir/tests/agents/cache}
case $B in
claude | codex | gemini) ;;
*) echo "record.sh: no recording recipe for '$B' (claude, codex, gemini)" >&2; exit 2 ;;
esac
DEVFLOW_AGENTS_CACHE=$AGENTS_CACHE sh "$here/install.sh" "$B" || exit $?
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/agents-record.XXXXXX")
HOME=$T_TMP/home
mkdir -p "$HOME"
export HOME
MS_PID=
trap 'for s in $SIZES; do tmux -L "rec-$B-$s" kill-server 2>/dev/null; done; [ -n "$MS_PID" ] && kill "$MS_PID"; rm -rf "$T_TMP"' EXIT
SIZES="100x30 80x24"
wait_until() { # wait_until SECONDS COMMAND...
	_n=$(($1 * 5)); shift
	while [ $_n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; _n=$((_n - 1)); done
	return 1
}
# shellcheck source=tests/agents/e2e-lib.sh
. "$here/e2e-lib.sh"
trap 'for s in $SIZES; do tmux -L "rec-$B-$s" kill-server 2>/dev/null; done; [ -n "$MS_PID" ] && kill "$MS_PID"; rm -rf "$T_TMP"' EXIT
ms_start || { echo "record.sh: the model endpoint did not start" >&2; exit 1; }
e2e_env

repo=$T_TMP/repo
mkdir -p "$repo" && git -C "$repo" init -q -b main &&
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
# Folder trust, as devflow's configFiles would have it.
node -e '
	const fs = require("fs"), f = process.env.HOME + "/.claude.json";
	const j = JSON.parse(fs.readFileSync(f, "utf8"));
	j.projects = { [process.argv[1]]: { hasTrustDialogAccepted: true } };
	fs.writeFileSync(f, JSON.stringify(j));
' "$repo"
# The backend's argv, {worktree} replaced, one word a line.
node -e '
	const j = require(process.argv[1]);
	for (const a of j.argv) console.log(a.split("{worktree}").join(process.argv[2]));
' "$top_srcdir/data/backends/$B.json" "$repo" >"$T_TMP/argv"
node -e 'for (const p of require(process.argv[1]).screen.ready) console.log(p)' \
	"$top_srcdir/data/backends/$B.json" >"$T_TMP/ready"
delay=$(node -e 'console.log(require(process.argv[1]).prompt.submitDelayMs / 1000)' \
	"$top_srcdir/data/backends/$B.json")
printf 'devflow phase: plan — Plan the work\nRun: rec\nRole: planner (persona planner@1)\nAttempt: 1\nArtifact path: plan.json\nArtifact schema: dev/phase-plan@1\n\nRequirements:\n# Add a greeting\n\nInstructions:\nPlan the work.\n\nSchema:\n```json\n{}\n```\n\nWhen you are done, write the artifact as JSON to the artifact path.\n' >"$T_TMP/prompt"

t() { _s=$1; shift; tmux -L "rec-$B-$_s" -f /dev/null "$@"; }
# start SIZE: the CLI in a fresh tmux server of that size.
start() {
	_s=$1
	t "$_s" kill-server 2>/dev/null && sleep 0.5
	set -f
	_ifs=$IFS
	IFS='
'
	# shellcheck disable=SC2046
	set -- $(cat "$T_TMP/argv")
	IFS=$_ifs
	set +f
	t "$_s" new -d -s rec -x "${_s%x*}" -y "${_s#*x}" -c "$repo" env -u TMUX TERM=xterm-256color \
		DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
		GEMINI_TELEMETRY_ENABLED=false COLORTERM=truecolor "$@"
	settle "$_s" 3 60
}
# settle SIZE QUIET MAX: until the screen is unchanged for QUIET seconds.
settle() {
	_prev= _same=0 _i=0
	while [ $_i -lt $(($3 * 2)) ]; do
		_cur=$(t "$1" capture-pane -p -t rec 2>/dev/null)
		if [ "$_cur" = "$_prev" ]; then _same=$((_same + 1)); else _same=0 _prev=$_cur; fi
		# A blank screen is a CLI still starting, not a settled one.
		[ $_same -ge $(($2 * 2)) ] && [ -n "$(printf %s "$_cur" | tr -d ' \n')" ] && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}
# ready SIZE: the screen matches one of the backend's ready patterns (as
# devflow waits for before it pastes; a CLI still starting drops a paste).
ready() {
	t "$1" capture-pane -p -t rec | grep -Eq -f "$T_TMP/ready"
}
submit() {
	_n=0
	until ready "$1"; do
		_n=$((_n + 1))
		[ $_n -ge 150 ] && { echo "record.sh: $1: the screen never looked ready" >&2; break; }
		sleep 0.2
	done
	settle "$1" 2 30
	t "$1" load-buffer "$T_TMP/prompt"
	t "$1" paste-buffer -p -t rec
	sleep "$delay"
	t "$1" send-keys -t rec Enter
}
cap() {
	t "$1" capture-pane -p -t rec >"$T_TMP/cap" && [ -s "$T_TMP/cap" ] &&
		mv "$T_TMP/cap" "$OUT/$2-$1.txt" && echo "recorded $OUT/$2-$1.txt" ||
		echo "record.sh: $2-$1 not recorded (the CLI's tmux pane is gone)" >&2
}

for s in $SIZES; do
	start "$s"
	cap "$s" ready
	scenario '{"*": "slow", "slowSeconds": 600}'
	submit "$s"
	sleep 8
	cap "$s" busy
	start "$s"
	scenario '{"*": "ok"}'
	submit "$s"
	sleep 2
	settle "$s" 3 60
	cap "$s" ready-done
	rm -f "$repo/plan.json"
	start "$s"
	scenario '{"*": "permission"}'
	submit "$s"
	sleep 2
	settle "$s" 3 60
	cap "$s" needsInput-permission
	t "$s" kill-server
done
echo "now: make tests/unit/test_backend_fixtures && tests/unit/test_backend_fixtures"
