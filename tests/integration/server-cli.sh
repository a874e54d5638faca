#!/bin/sh
# A run through the CLI alone: start (autostarting the server), approve the
# plan, request changes on the review with a comment that reaches the agent,
# approve, read the report; exit codes; names by id prefix.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo")
ok $? "start answers with a run id ($run)"
pid=$(server_pid)
ok $([ -n "$pid" ] && alive "$pid"; echo $?) "the first client started a server (pid $pid)"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "server started on workspace $DEVFLOW_WORKSPACE" \
	"the server logs its start"
like "$(stat -c %a "$DEVFLOW_WORKSPACE") $(stat -c %a "$SOCK")" '^700 600$' \
	"workspace 0700, socket 0600"

short=$(printf %.6s "$run")
wait_until 20 state_is "$short" awaiting_approval
ok $? "the plan reaches its gate (run named by the prefix $short)"
out=$("$DEVFLOW" ls)
like "$out" "$run +awaiting_approval +plan +1 " "ls shows the run at its gate"

"$DEVFLOW" changes "$short" >/dev/null 2>&1
is $? 2 "changes without --comment is a usage error (2)"
"$DEVFLOW" approve nosuchrun >/dev/null 2>&1
is $? 1 "an unknown run is an error (1)"

dj approve "$short"
ok $? "approve the plan"
is "$(jv result.actor)" "$(id -un)" "the actor is the calling user"
plan_gate=$(jv result.approvalId)
"$DEVFLOW" approve "$short" --approval "$plan_gate" >/dev/null 2>&1
is $? 3 "approving the decided plan gate again (a new token) is a conflict (3)"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the review reaches its gate"

dj changes "$run" --comment "Say bonjour too"
ok $? "request changes with a comment"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the review ran again and waits at its gate"
dj status "$run"
wt=$(jv result.run.worktreeRoot)
like "$(cat "$wt/review.json" 2>/dev/null)" 'Addressed the reviewer comment: \\"Say bonjour too\\"' \
	"the comment reached the agent (its artifact quotes it)"
sess=$(last_session "$run")
like "$("$DEVFLOW" capture "$sess")" "Wrote review.json" "capture shows the agent's screen"
DEVFLOW_SESSION_ID=$sess "$DEVFLOW" hook Stop
ok $? "hook Stop for the session named by \$DEVFLOW_SESSION_ID"
err=$(DEVFLOW_SESSION_ID=$sess "$DEVFLOW" hook bogus 2>&1)
is $? 0 "an unknown hook event still exits 0 (a hook never breaks the agent)"
like "$err" "unknown event 'bogus'" "... and says why on standard error"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "hook Stop for session $sess" "the server logs the hook"

dj approve "$run" --comment "ship it"
ok $? "approve the review"
wait_until 20 state_is "$run" completed
ok $? "the run completed"
out=$("$DEVFLOW" report "$run")
like "$out" "^# devflow run $run" "report prints the Markdown report"
like "$out" "Say bonjour too" "the report shows the change request"
dj report "$run"
is "$(jv result.report.status)" completed "report --json carries the report object"
ok $([ -f "$(jv result.jsonPath)" ]; echo $?) "the JSON report file exists"
"$DEVFLOW" approve "$run" >/dev/null 2>&1
is $? 3 "a decision on a completed run is a conflict (3)"
out=$("$DEVFLOW" logs "$run")
like "$out" "run.completed" "logs lists the events"
is "$(printf '%s\n' "$out" | awk '{print $1}' | head -1)" 1 "events start at seq 1"
dj status "$run"
like "$(jv result.approvals.1.decisions.0.comment)" "Say bonjour too" \
	"status keeps the decisions and their comments"
dj status "$run"
is "$(jv result.approvals.0.decisions.1.action 2>/dev/null)" "" "the plan gate holds one decision"
"$DEVFLOW" kill-server >/dev/null
ok $? "kill-server"
# The lock is released just before the process exits: allow it a moment.
wait_until 10 dead "$pid"
ok $? "the server is gone"
like "$(tail -3 "$DEVFLOW_WORKSPACE/server.log")" "server stopped" "the server logs its stop"
done_testing
