#!/bin/sh
# Landing a run's work: the per-phase commits on the run's branch, then
# devflow land (fast-forward, merge commit, squash), its refusals (a
# conflicting base, a dirty checkout, a missing base), idempotence (twice,
# and after a crash between the merge and its event), and --push.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

G="git -c user.name=t -c user.email=t@t"

# finish_run REPO: a run approved through both gates to completed; prints its id.
finish_run() {
	_run=$(start_run "$1") || return 1
	wait_until 30 state_is "$_run" awaiting_approval || return 1
	dj approve "$_run" || return 1
	wait_until 30 state_is "$_run" awaiting_approval || return 1
	dj approve "$_run" || return 1
	wait_until 30 state_is "$_run" completed || return 1
	echo "$_run"
}

# ---- per-phase commits ------------------------------------------------------
make_repo "$T_TMP/repo"
run=$(finish_run "$T_TMP/repo")
ok $? "a run completes ($run)"
br="devflow/$run/main"
log=$(git -C "$T_TMP/repo" log --format=%s "main..$br")
like "$log" "run $run, phase implement, attempt 1" "the implement phase's work is a commit of its own"
is "$(git -C "$T_TMP/repo" log --format=%s "main..$br" | wc -l)" 1 \
	"one commit: the plan and the review changed nothing but their artifacts"
is "$(git -C "$T_TMP/repo" show --name-only --format= "$br")" NOTES.md \
	"the commit holds the agent's change, not devflow's artifact files"
like "$(git -C "$T_TMP/repo" log -1 --format=%B "$br")" "Devflow-Step: " "... with its step trailer"
dj status "$run"
wt=$(jv result.run.worktreeRoot)
is "$(git -C "$wt" status --porcelain -- NOTES.md)" "" "the worktree has nothing of the agent's left uncommitted"
dj logs "$run"
like "$(cat "$T_TMP/out.json")" '"phase.committed"' "phase.committed is an event"
like "$(cat "$T_TMP/out.json")" "\"commit\":\"$(git -C "$T_TMP/repo" rev-parse "$br")\"" \
	"... with the commit id"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the user's checkout is untouched"
is "$(git -C "$T_TMP/repo" rev-list --count main)" 1 "... and so is its branch"

done_testing
