#!/bin/sh
# The commit at the end of each phase runs off the server's loop: while a
# slow one runs (DEVFLOW_TEST_FAULT=commit-slow) the server answers at once,
# the next phase waits for it, landing waits for it, and run.completed
# comes after every phase.committed; a server killed after phase.completed
# but before the commit (phase-completed), or after the commit but before
# its event (phase-committed), loses nothing: the next server commits once
# and the run goes on.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

SLOW=4000
now_ms() { date +%s%3N; }
# seq RUN PATTERN: the seq of the run's first event line matching PATTERN ("" when none).
seq_of() { "$DEVFLOW" logs "$1" | grep -m1 -- "$2" | awk '{print $1}'; }
count_of() { "$DEVFLOW" logs "$1" | grep -c -- "$2"; }
branch_log() { git -C "$T_TMP/repo" log --format=%s "main..devflow/$1/main"; }

make_repo "$T_TMP/repo"

# ---- a slow commit does not hold the loop ----------------------------------
run=$(DEVFLOW_TEST_FAULT=commit-slow:$SLOW start_run "$T_TMP/repo")
ok $? "started $run with phase commits that take $SLOW ms"
wait_until 60 state_is "$run" awaiting_approval
ok $? "the plan waits at its gate"
t0=$(now_ms)
dj approve "$run"
st=$?
t1=$(now_ms)
is $st 0 "approve the plan"
ok $([ $((t1 - t0)) -lt 2000 ]; echo $?) "... answered at once ($((t1 - t0)) ms), not after the commit"
"$DEVFLOW" logs "$run" >"$T_TMP/log"
like "$(grep phase.completed "$T_TMP/log")" '"phaseKey":"plan"' "the plan phase completed"
is "$(grep -c phase.committed "$T_TMP/log")" 0 "... and its commit still runs"
t0=$(now_ms)
"$DEVFLOW" ls >/dev/null
st1=$?
"$DEVFLOW" status "$run" >/dev/null
st2=$?
t1=$(now_ms)
is "$st1 $st2" "0 0" "ls and status answer while the commit runs"
ok $([ $((t1 - t0)) -lt 2000 ]; echo $?) "... at once ($((t1 - t0)) ms)"
is "$(count_of "$run" phase.started)" 1 "the implement phase waits for the plan's commit"
wait_until 30 sh -c "'$DEVFLOW' logs '$run' | grep -q 'phase.started.*implement'"
ok $? "... then starts"
ok $([ "$(seq_of "$run" 'phase.committed.*"plan"')" -lt "$(seq_of "$run" 'phase.started.*implement')" ]; echo $?) \
	"phase.committed (plan) comes before phase.started (implement)"
like "$("$DEVFLOW" logs "$run" | grep -m1 'phase.committed.*"plan"')" '"empty":true' \
	"the plan changed nothing but its artifact: an empty commit, recorded"

# The implement phase's commit: the review starts only once it is made.
wait_until 30 sh -c "'$DEVFLOW' logs '$run' | grep -q 'phase.completed.*implement'"
ok $? "the implement phase completed"
is "$(count_of "$run" 'phase.started.*review')" 0 "the review waits for the implement phase's commit"
wait_until 60 state_is "$run" awaiting_approval
ok $? "the review waits at the final gate"
ok $([ "$(seq_of "$run" 'phase.committed.*implement')" -lt "$(seq_of "$run" 'phase.started.*review')" ]; echo $?) \
	"phase.committed (implement) comes before phase.started (review)"
is "$(branch_log "$run")" "devflow: run $run, phase implement, attempt 1" "the implement phase's commit is on the branch"

# The final gate: the run completes only once the review's commit is recorded.
dj approve "$run"
ok $? "approve the review"
is "$(run_state "$run")" executing "the run is not completed while its last commit runs"
err=$("$DEVFLOW" land "$run" 2>&1)
ok $([ $? -ne 0 ]; echo $?) "landing it now is refused"
like "$err" "committing the work of its phase review" "... saying a commit is under way"
like "$err" "devflow wait $run --until end" "... and what to do"
wait_until 30 state_is "$run" completed
ok $? "then the run completes"
is "$(count_of "$run" phase.committed)" 3 "one phase.committed per phase"
ok $([ "$(seq_of "$run" 'phase.committed.*review')" -lt "$(seq_of "$run" run.completed)" ]; echo $?) \
	"run.completed comes after the last phase.committed"
dj land "$run"
ok $? "and lands"

# ---- a run aborted while its commit runs: clean waits for it ---------------
runc=$(start_run "$T_TMP/repo")
wait_until 60 state_is "$runc" awaiting_approval && dj approve "$runc"
ok $? "approve the plan of $runc (its commit takes $SLOW ms)"
"$DEVFLOW" abort "$runc" >/dev/null
ok $? "abort it while the commit runs"
err=$("$DEVFLOW" clean "$runc" --force 2>&1)
ok $([ $? -ne 0 ]; echo $?) "cleaning it now is refused"
like "$err" "still committing the work of its phase plan in its worktree" "... saying why"
dj clean --finished --force
ok $? "clean --finished meanwhile"
ok $(! grep -q "$runc" "$T_TMP/out.json"; echo $?) "... leaves that run out"
ok $([ -d "$DEVFLOW_WORKSPACE/$runc/main" ]; echo $?) "... and its worktree is still there"
wait_until 30 sh -c "'$DEVFLOW' logs '$runc' | grep -q phase.committed"
ok $? "the commit is recorded, though the run was aborted"
dj clean "$runc" --force
ok $? "then it is cleaned"
ok $([ ! -d "$DEVFLOW_WORKSPACE/$runc/main" ]; echo $?) "... its worktree gone"
stop_server

# ---- kill -9 after phase.completed, before the commit ----------------------
run2=$(DEVFLOW_TEST_FAULT=phase-completed:implement start_run "$T_TMP/repo")
ok $? "started $run2 on a server that dies before the implement phase's commit"
pid=$(server_pid)
wait_until 60 state_is "$run2" awaiting_approval && dj approve "$run2"
ok $? "approve the plan"
wait_until 60 dead "$pid"
ok $? "the server died once the implement phase completed"
is "$(branch_log "$run2")" "" "... before its commit"
ok $([ -n "$(git -C "$DEVFLOW_WORKSPACE/$run2/main" status --porcelain -- NOTES.md)" ]; echo $?) \
	"... the agent's work is in the worktree, uncommitted"
wait_until 60 state_is "$run2" awaiting_approval
ok $? "the next server goes on to the review's gate"
ok $([ "$(server_pid)" != "$pid" ]; echo $?) "... a new server"
is "$(branch_log "$run2")" "devflow: run $run2, phase implement, attempt 1" \
	"the implement phase's work is committed once"
is "$(count_of "$run2" 'phase.committed.*implement')" 1 "... recorded once"
like "$("$DEVFLOW" logs "$run2" | grep 'phase.committed.*implement')" \
	"\"commit\":\"$(git -C "$T_TMP/repo" rev-parse "devflow/$run2/main")\"" "... with its id"
is "$(git -C "$DEVFLOW_WORKSPACE/$run2/main" status --porcelain -- NOTES.md)" "" "nothing is left uncommitted"
is "$(count_of "$run2" 'phase.started.*implement')" 1 "the implement phase ran once (it had completed)"
dj approve "$run2" && wait_until 30 state_is "$run2" completed
ok $? "the run completes"
is "$(count_of "$run2" phase.committed)" 3 "one phase.committed per phase"
dj land "$run2"
ok $? "and lands"
stop_server

# ---- kill -9 after the commit, before its event ----------------------------
run3=$(DEVFLOW_TEST_FAULT=phase-committed:implement start_run "$T_TMP/repo")
ok $? "started $run3 on a server that dies between the implement phase's commit and its event"
pid=$(server_pid)
wait_until 60 state_is "$run3" awaiting_approval && dj approve "$run3"
ok $? "approve the plan"
wait_until 60 dead "$pid"
ok $? "the server died after the commit"
is "$(branch_log "$run3")" "devflow: run $run3, phase implement, attempt 1" "... which is on the branch"
tip=$(git -C "$T_TMP/repo" rev-parse "devflow/$run3/main")
wait_until 60 state_is "$run3" awaiting_approval
ok $? "the next server goes on to the review's gate"
is "$(branch_log "$run3")" "devflow: run $run3, phase implement, attempt 1" "still one commit: the replay found it"
is "$(count_of "$run3" 'phase.committed.*implement')" 1 "... and recorded it once"
like "$("$DEVFLOW" logs "$run3" | grep 'phase.committed.*implement')" "\"commit\":\"$tip\"" "... with its id"
dj approve "$run3" && wait_until 30 state_is "$run3" completed
ok $? "the run completes"

done_testing
