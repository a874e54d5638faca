#!/bin/sh
# The server's self-check: a run left active with nothing driving it (here
# an approval whose advance never happened, made by hand in the database,
# as a full disk leaves it) is found within one period, logged to
# server.log, and set going again; healthy runs are left alone.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_all "no sqlite3 command-line shell"

make_repo "$T_TMP/repo"
mkdir -p "$DEVFLOW_WORKSPACE"
"$DEVFLOW" server --self-check 1 >"$T_TMP/server.out" 2>&1 &
wait_until 10 test -S "$SOCK"
ok $? "a server with a one-second self-check started"

run=$(start_run "$T_TMP/repo")
ok $? "started $run"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the run waits at its plan gate"
sleep 2
unlike "$(cat "$DEVFLOW_WORKSPACE/server.log")" 'self-check: run' \
	"a run at its gate is not stranded"

# The decision is committed, but the advance after it never happened.
sqlite3 "$DEVFLOW_WORKSPACE/devflow.db" <<EOF
.timeout 5000
BEGIN IMMEDIATE;
UPDATE approval_requests SET state = 'approved' WHERE run_id = '$run';
UPDATE run_phases SET state = 'completed' WHERE run_id = '$run' AND phase_key = 'plan';
UPDATE sessions SET state = 'STOPPED' WHERE run_id = '$run';
UPDATE runs SET state = 'executing', current_phase_id = NULL WHERE id = '$run';
COMMIT;
EOF
ok $? "the run is left executing with nothing driving it"
wait_until 20 grep -q "self-check: run $run (executing) had nothing driving it" \
	"$DEVFLOW_WORKSPACE/server.log"
ok $? "the self-check found it and said so in server.log"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the run went on to its next gate"
dj status "$run"
is "$(jv result.phases.1.state)" completed "the implement phase ran"
is "$(jv result.phases.2.state)" awaiting_approval "the review phase waits for its decision"
n=$(grep -c "self-check: run $run" "$DEVFLOW_WORKSPACE/server.log")
sleep 2
is "$(grep -c "self-check: run $run" "$DEVFLOW_WORKSPACE/server.log")" "$n" \
	"once going, it is not reported again"
dj approve "$run"
wait_until 30 state_is "$run" completed
ok $? "and it completes"
done_testing
