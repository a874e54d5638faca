#!/bin/sh
# Pause, kill -9 the server, resume: the run is never stranded. The paused
# run stays paused after the restart, its dead agent's session is not left
# busy, and resuming restarts the phase (cause process_restart) instead of
# waiting for an agent that is gone; an invalid artifact the dead agent left
# is recorded, and no repair prompt goes to a session this server never had.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

# session_state RUN SESSION: the state of one session of a run.
session_state() {
	dj sessions "$1" || return 1
	_n=0
	while _id=$(jv "result.sessions.$_n.id"); do
		[ "$_id" = "$2" ] && { jv "result.sessions.$_n.state"; return 0; }
		_n=$((_n + 1))
	done
	return 1
}

# kill9_and_restart: SIGKILL the server, then let the next client start a new one.
kill9_and_restart() {
	_pid=$(server_pid)
	kill -9 "$_pid"
	wait_until 5 dead "$_pid"
	"$DEVFLOW" ls >/dev/null
	_new=$(server_pid)
	[ -n "$_new" ] && [ "$_new" != "$_pid" ]
}

make_repo "$T_TMP/repo"
# Slow steps: the agent is surely still working when the run is paused.
run=$(DEVFLOW_FAKE_STEP_MS=400 start_run "$T_TMP/repo")
ok $? "started $run"
wait_until 10 grep -q 'Reading instructions' "$DEVFLOW_WORKSPACE/$run/sessions/"*.raw
ok $? "the agent is working"
sid=$(last_session "$run")
dj pause "$run"
ok $? "paused"
kill9_and_restart
ok $? "the server was killed and a new one started"
is "$(run_state "$run")" paused "the run is still paused after the restart"
is "$(session_state "$run" "$sid")" FAILED_NEEDS_HUMAN "the dead agent's session is not left live"
dj resume "$run"
ok $? "resumed"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the run went on to its gate"
"$DEVFLOW" logs "$run" >"$T_TMP/log"
like "$(grep phase.started "$T_TMP/log" | tail -1)" '"cause":"process_restart"' \
	"the phase restarted because its agent died with the server"
dj status "$run"
is "$(jv result.phases.0.attempts)" 2 "on its second attempt"
dj approve "$run"
ok $? "the plan is approved"
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 30 state_is "$run" completed
ok $? "and the run completes"

# The dead agent left an invalid artifact while the run was paused.
make_repo "$T_TMP/repo2"
run2=$(DEVFLOW_FAKE_STEP_MS=200 start_run "$T_TMP/repo2" --scenario plan=invalid-then-ok)
ok $? "started $run2 (the plan is invalid at first)"
dj pause "$run2"
ok $? "paused at once"
wait_until 20 test -s "$DEVFLOW_WORKSPACE/$run2/main/plan.json"
ok $? "the agent wrote its invalid plan while the run was paused"
kill9_and_restart
ok $? "the server was killed and a new one started"
dj resume "$run2"
ok $? "resumed"
wait_until 30 state_is "$run2" awaiting_approval
ok $? "the run went on to its gate (state $(run_state "$run2"))"
"$DEVFLOW" logs "$run2" >"$T_TMP/log2"
unlike "$(cat "$T_TMP/log2")" 'invalid_argument' "no step failed with invalid_argument"
unlike "$(grep 'step failed' "$DEVFLOW_WORKSPACE/server.log")" 'invalid_argument' \
	"nor does the server log say so"
like "$(grep phase.started "$T_TMP/log2" | tail -1)" '"cause":"process_restart"' \
	"the phase restarted"
ok $(grep -q artifact.invalid "$T_TMP/log2"; echo $?) "the invalid artifact is on record"
done_testing
