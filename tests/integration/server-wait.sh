#!/bin/sh
# devflow wait: returns when the run needs a person (a gate, a question) or
# ends, with an exit code per outcome, from the event subscription; --until
# end waits past gates; --timeout gives 124.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo")
ok $? "a run started ($run)"
# Waiting from before the gate: the answer comes from an event.
"$DEVFLOW" wait "$run" >"$T_TMP/w1.out" 2>&1
is $? 3 "wait returns 3 at the plan's gate"
like "$(cat "$T_TMP/w1.out")" "^$run: (approval.requested|awaiting_approval)$" "... saying why"
"$DEVFLOW" wait "$run" --until gate >/dev/null 2>&1
is $? 3 "waiting again at the gate returns at once"

t0=$(date +%s)
"$DEVFLOW" wait "$run" --until end --timeout 1 >"$T_TMP/w2.out" 2>&1
is $? 124 "--until end at a gate times out: 124"
ok $([ $(($(date +%s) - t0)) -le 4 ]; echo $?) "... after about the timeout"
like "$(cat "$T_TMP/w2.out")" "timed out after 1s" "... saying so"

("$DEVFLOW" wait "$run" --until end >"$T_TMP/w3.out" 2>&1; echo $? >"$T_TMP/w3.rc") &
T_KIDS="${T_KIDS:-} $!"
"$DEVFLOW" approve "$run" >/dev/null && wait_until 30 state_is "$run" awaiting_approval &&
	"$DEVFLOW" approve "$run" >/dev/null
ok $? "both gates approved while a wait --until end runs"
wait_until 30 test -s "$T_TMP/w3.rc"
is "$(cat "$T_TMP/w3.rc")" 0 "wait --until end returns 0 when the run completes"
like "$(cat "$T_TMP/w3.out")" "run.completed" "... saying so"
"$DEVFLOW" wait "$run" >/dev/null 2>&1
is $? 0 "waiting on a completed run returns 0 at once"

run2=$(start_run "$T_TMP/repo" --scenario plan=permission)
"$DEVFLOW" wait "$run2" >"$T_TMP/w4.out" 2>&1
is $? 3 "an agent's question needs a person: 3"
like "$(cat "$T_TMP/w4.out")" "(session.needs_input|asks a question)" "... saying so"
"$DEVFLOW" abort "$run2" >/dev/null
"$DEVFLOW" wait "$run2" --until end >/dev/null 2>&1
is $? 5 "an aborted run: 5"

"$DEVFLOW" wait "$run" --until bogus >/dev/null 2>&1
is $? 2 "--until bogus is a usage error"
err=$("$DEVFLOW" wait "$run" --timeout 0 2>&1)
is $? 2 "--timeout 0 is a usage error"
like "$err" "--timeout takes whole seconds" "... saying what it takes"
"$DEVFLOW" wait nosuchrun >/dev/null 2>&1
is $? 1 "an unknown run is an error (1)"

done_testing
