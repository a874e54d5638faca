#!/bin/sh
# The kill -9 soak (`make soak`, never part of `make check`): a private
# workspace and the fake agent, many scripted runs with pauses, resumes,
# change requests, approvals and rejections, and the server killed with
# SIGKILL at random moments, sometimes with a command in flight, then
# restarted by the next client as a person's would be. At the end it waits
# for quiescence (deciding gates, resuming paused runs) and checks that
# every run is completed, aborted, or failed WITH a reason, that no run is
# stuck in an active state, that every terminal run has its report, that
# the store passes PRAGMA integrity_check, and that no step failed with
# invalid_argument. Prints its figures: runs, kills, outcomes, max recovery
# time (kill to the next server answering).
#
# Usage: kill-soak.sh [BUILDDIR]; environment:
#   SOAK_SECONDS  how long to drive runs and kill the server (default 180)
#   SOAK_SEED     the random seed (default: the clock); printed, so a
#                 failing sequence of actions and delays can be replayed
#   SOAK_LANES    runs at once, one per branch (default 4, the server's limit)
#   SOAK_QUIESCE  seconds allowed to settle at the end (default 240)
#   SOAK_STEP_MS  the fake agent's step (default 25)
#   SOAK_KEEP     keep the workspace (it is also kept when a check fails)
set -u
builddir=${1:-.}
devflow=$(cd "$builddir" && pwd)/devflow
[ -x "$devflow" ] || { echo "kill-soak: no devflow in $builddir (build first)" >&2; exit 2; }
budget=${SOAK_SECONDS:-180}
seed=${SOAK_SEED:-$(date +%s)}
lanes=${SOAK_LANES:-4}
quiesce=${SOAK_QUIESCE:-240}
W=$(mktemp -d "${TMPDIR:-/tmp}/devflow-soak.XXXXXX")
export DEVFLOW_WORKSPACE="$W/ws" HOME="$W/home" XDG_CONFIG_HOME="$W/home/.config"
export DEVFLOW_FAKE_STEP_MS="${SOAK_STEP_MS:-25}"
mkdir -p "$HOME"
echo "kill-soak: seed $seed, ${budget}s, $lanes lanes, workspace $W"

# --- a seeded generator (the same seed replays the same choices) ---
rng=$seed
rand() { # rand N: R in 0..N-1
	rng=$(((rng * 1103515245 + 12345) % 2147483648))
	R=$(((rng / 65536) % $1))
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- the repository: lanes are branches b1..bN (one active run each) ---
git -C "$W" init -q -b main repo
echo x >"$W/repo/x"
git -C "$W/repo" add x
git -C "$W/repo" -c user.name=s -c user.email=s@s commit -q -m x
i=1
while [ $i -le "$lanes" ]; do
	git -C "$W/repo" branch "b$i"
	i=$((i + 1))
done
printf '# Soak\n\nAdd a line to NOTES.md.\n' >"$W/req.md"

server_pid() { [ -s "$DEVFLOW_WORKSPACE/server.lock" ] && tr -dc '0-9' <"$DEVFLOW_WORKSPACE/server.lock"; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
cleanup() {
	p=$(server_pid)
	if alive "$p"; then "$devflow" kill-server >/dev/null 2>&1 || kill -9 "$p"; fi
	[ -n "${SOAK_KEEP:-}" ] || [ "${failed:-0}" -ne 0 ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The runs: "id state lane" per line, from `devflow ls`.
list_runs() {
	"$devflow" ls 2>/dev/null | awk 'NR > 1 { n = split($NF, a, "@"); print $1, $2, a[n] }'
}

# pick STATE-ERE: a random run id in a matching state (R=0 when none) into $pick.
pick() {
	list_runs | awk -v re="^($1)\$" '$2 ~ re { print $1 }' >"$W/cand"
	n=$(wc -l <"$W/cand")
	pick=
	[ "$n" -gt 0 ] || return 1
	rand "$n"
	pick=$(sed -n "$((R + 1))p" "$W/cand")
}

scenario() { # a scenario for one phase, mostly well-behaved
	rand 20
	case $R in
	0) S=crash ;;
	1 | 2 | 3 | 4) S=invalid-then-ok ;;
	*) S=ok ;;
	esac
}

kills=0 actions=0 max_rec=0 inflight=0
# act CMD...: run a devflow verb; now and then leave it in flight for the next kill.
act() {
	rand 4
	if [ "$R" -eq 0 ] && [ "$inflight" -eq 0 ]; then
		"$devflow" "$@" >>"$W/actions.log" 2>&1 &
		inflight=$!
		return 0
	fi
	"$devflow" "$@" >>"$W/actions.log" 2>&1
}
start_run() {
	list_runs | awk '$2 !~ /^(completed|failed|aborted)$/ { print $3 }' >"$W/busy"
	i=1
	free=
	while [ $i -le "$lanes" ]; do
		grep -qx "b$i" "$W/busy" || free="$free b$i"
		i=$((i + 1))
	done
	set -- $free
	[ $# -gt 0 ] || return 0
	rand $#
	shift "$R"
	scenario; s1=$S; scenario; s2=$S; scenario; s3=$S
	act start --repo "$W/repo" --base "$1" --requirements "$W/req.md" \
		--backend planner=fake --backend implementer=fake --backend reviewer=fake \
		--scenario "plan=$s1" --scenario "implement=$s2" --scenario "review=$s3"
}

# decide: approve, request changes or (rarely) reject a run at its gate.
decide() {
	pick awaiting_approval || return 0
	rand 20
	if [ "$R" -lt 12 ]; then set -- approve "$pick"
	elif [ "$R" -lt 19 ]; then set -- changes "$pick" --comment "soak change $actions"
	else set -- reject "$pick"
	fi
	act "$@"
}

# kill9: SIGKILL the server after a random delay, then the next client restarts it.
kill9() {
	p=$(server_pid)
	alive "$p" || return 0
	rand 300
	sleep "0.$(printf '%03d' "$R")"
	kill -9 "$p" 2>/dev/null || return 0
	t0=$(now_ms)
	kills=$((kills + 1))
	while alive "$p"; do sleep 0.02; done
	if [ "$inflight" -ne 0 ]; then wait "$inflight" 2>/dev/null; inflight=0; fi
	tries=0
	until "$devflow" ls >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 200 ] || { echo "kill-soak: the server did not come back" >&2; failed=1; exit 1; }
		sleep 0.05
	done
	rec=$(($(now_ms) - t0))
	[ "$rec" -le "$max_rec" ] || max_rec=$rec
	echo "$(date +%T) kill $kills: server $p, back in ${rec} ms" >>"$W/actions.log"
}

"$devflow" ls >/dev/null || { echo "kill-soak: no server" >&2; exit 1; }
end=$(($(date +%s) + budget))
rand 8000
next_kill=$(($(now_ms) + 2000 + R))
while [ "$(date +%s)" -lt "$end" ]; do
	actions=$((actions + 1))
	rand 100
	if [ "$R" -lt 25 ]; then start_run
	elif [ "$R" -lt 60 ]; then decide
	elif [ "$R" -lt 68 ]; then pick 'executing|planning|awaiting_approval' && act pause "$pick"
	elif [ "$R" -lt 80 ]; then pick paused && act resume "$pick"
	else rand 5; sleep "0.$((R * 2))"
	fi
	if [ "$(now_ms)" -ge "$next_kill" ]; then
		kill9
		rand 10000
		next_kill=$(($(now_ms) + 1500 + R))
	fi
	if [ "$inflight" -ne 0 ] && ! alive "$inflight"; then wait "$inflight" 2>/dev/null; inflight=0; fi
done
[ "$inflight" -eq 0 ] || wait "$inflight" 2>/dev/null

# --- quiescence: decide what waits for a person, until every run is terminal ---
t0=$(date +%s)
while :; do
	list_runs >"$W/runs"
	left=$(awk '$2 !~ /^(completed|failed|aborted)$/' "$W/runs" | wc -l)
	[ "$left" -gt 0 ] || break
	[ $(($(date +%s) - t0)) -lt "$quiesce" ] || break
	awk '$2 == "awaiting_approval" { print $1 }' "$W/runs" | while read -r r; do
		"$devflow" approve "$r" >>"$W/actions.log" 2>&1 ||
			echo "$r: a gate that cannot be decided" >>"$W/problems"
	done
	awk '$2 == "paused" { print $1 }' "$W/runs" | while read -r r; do
		"$devflow" resume "$r" >>"$W/actions.log" 2>&1 ||
			"$devflow" reject "$r" >>"$W/actions.log" 2>&1 ||
			echo "$r: paused and can be neither resumed nor rejected" >>"$W/problems"
	done
	sleep 1
done
settle=$(($(date +%s) - t0))

# --- checks ---
failed=0
problem() { echo "PROBLEM: $*"; failed=1; }
list_runs >"$W/runs"
awk '$2 !~ /^(completed|failed|aborted)$/ { print $1, $2 }' "$W/runs" | while read -r r st; do
	echo "$r stuck in $st after ${settle}s"
done >"$W/stuck"
[ -s "$W/stuck" ] && problem "runs stuck in an active state: $(cat "$W/stuck")"
[ -s "$W/problems" ] && problem "$(sort -u "$W/problems")"
: >"$W/reasons"
while read -r r st lane; do
	case $st in completed | failed | aborted) ;; *) continue ;; esac
	[ -s "$DEVFLOW_WORKSPACE/$r/$r.report.json" ] || problem "$r ($st) has no report"
	if [ "$st" = failed ]; then
		reason=$("$devflow" logs "$r" 2>/dev/null | grep ' run.failed ' |
			sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' | tail -1)
		[ -n "$reason" ] || problem "$r failed without a reason"
		echo "${reason:-none}" >>"$W/reasons"
	fi
done <"$W/runs"
if command -v sqlite3 >/dev/null 2>&1; then
	ic=$(sqlite3 "$DEVFLOW_WORKSPACE/devflow.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] || problem "integrity_check: $ic"
	restarts=$(sqlite3 "$DEVFLOW_WORKSPACE/devflow.db" "SELECT count(*) FROM run_events
		WHERE type = 'phase.started' AND payload LIKE '%\"process_restart\"%'")
else
	ic="not checked (no sqlite3)" restarts="?"
fi
bad=$(grep 'step failed' "$DEVFLOW_WORKSPACE/server.log" | grep -c 'invalid_argument')
[ "$bad" -eq 0 ] || problem "$bad steps failed with invalid_argument (see server.log)"

echo "kill-soak: seed $seed"
echo "  runs           $(wc -l <"$W/runs")"
echo "  kills          $kills"
echo "  actions        $actions"
echo "  outcomes       $(awk '{ print $2 }' "$W/runs" | sort | uniq -c | awk '{ printf "%s %s  ", $2, $1 }')"
echo "  fail reasons   $(sort "$W/reasons" | uniq -c | awk '{ printf "%s %s  ", $2, $1 }')"
echo "  phase restarts $restarts (cause process_restart)"
echo "  self-checks    $(grep -c 'self-check: run' "$DEVFLOW_WORKSPACE/server.log") stranded runs found"
echo "  recovery       max ${max_rec} ms (kill -9 to the next server answering)"
echo "  settled in     ${settle}s"
echo "  integrity      $ic"
if [ "$failed" -ne 0 ]; then
	echo "kill-soak: FAILED (seed $seed; workspace kept in $W)"
	exit 1
fi
echo "kill-soak: ok"
