#!/bin/sh
# The server's life: SIGKILLed in the middle of a phase, restarted by the
# next client (its stale socket replaced), the run resumed with a restarted
# phase; a second server on the same workspace refuses and names the first;
# SIGTERM stops it cleanly; another user cannot use the socket.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
# Slow steps, so the phase is surely still running when the server dies.
run=$(DEVFLOW_FAKE_STEP_MS=400 start_run "$T_TMP/repo")
ok $? "started $run"
pid1=$(server_pid)
wait_until 10 grep -q 'Reading instructions' "$DEVFLOW_WORKSPACE/$run/sessions/"*.raw
ok $? "the agent is working"
kill -9 "$pid1"
wait_until 5 dead "$pid1"
ok $([ -S "$SOCK" ]; echo $?) "the killed server left its socket behind"

out=$("$DEVFLOW" ls)
ok $? "the next client works"
pid2=$(server_pid)
ok $([ -n "$pid2" ] && [ "$pid2" != "$pid1" ]; echo $?) "it started a new server ($pid1 -> $pid2)"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the run went on to its gate"
"$DEVFLOW" logs "$run" >"$T_TMP/log"
like "$(grep phase.started "$T_TMP/log")" '"cause":"process_restart"' \
	"the phase was restarted because of the dead server"
dj status "$run"
is "$(jv result.phases.0.attempts)" 2 "the plan phase is on its second attempt"

out=$("$DEVFLOW" server 2>&1)
st=$?
ok $([ $st -ne 0 ]; echo $?) "a second server on the workspace refuses (exit $st)"
like "$out" "already running on workspace $DEVFLOW_WORKSPACE \\(pid $pid2\\)" \
	"and names the running one"
alive "$pid2"
ok $? "the first server is unharmed"

if [ "$(id -u)" = 0 ]; then
	chmod o+x "$T_TMP"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$RAWFRAME" "$SOCK" nohello 2>&1)
	ok $([ $? -eq 2 ]; echo $?) "another user cannot connect to the socket"
	like "$out" "ermission denied" "refused with permission denied"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env \
		DEVFLOW_WORKSPACE="$DEVFLOW_WORKSPACE" "$DEVFLOW" kill-server 2>&1)
	ok $([ $? -ne 0 ]; echo $?) "nor stop the server"
	alive "$pid2"
	ok $? "the server is still there"
else
	ok 0 "# SKIP another user: not root, cannot switch users"
	ok 0 "# SKIP"
	ok 0 "# SKIP"
	ok 0 "# SKIP"
fi

kill -TERM "$pid2"
wait_until 15 sh -c "[ -z \"\$(tr -dc 0-9 <'$DEVFLOW_WORKSPACE/server.lock')\" ]"
ok $? "SIGTERM stops the server (it released the lock)"
like "$(tail -5 "$DEVFLOW_WORKSPACE/server.log")" 'stopping: Terminated' "the log says why it stopped"
ok $([ ! -e "$SOCK" ]; echo $?) "and it removed its socket"
is "$(run_state "$run")" awaiting_approval "the run still waits for its decision after a restart"
dj approve "$run"
ok $? "it can be approved by the next server"
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 20 state_is "$run" completed
ok $? "and completes"
done_testing
