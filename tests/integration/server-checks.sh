#!/bin/sh
# Checks devflow runs itself and review rounds, through the real server, a
# real git repository and the fake agent: a failing `make test` gets the
# agent a repair prompt with the failing output, the agent fixes it and the
# run goes on; a server killed with -9 while a check runs re-runs it; a
# review that asks for changes sends the implementer back with the findings
# and the second review passes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

# A repository whose tests fail until status.txt says "fixed"; the failure
# names the file for the fake agent's fix-on-check scenario.
make_repo "$T_TMP/repo"
printf 'broken\n' >"$T_TMP/repo/status.txt"
printf 'test:\n\t@grep -q fixed status.txt || { echo "FAIL: status.txt says broken"; echo "devflow-fake-fix: status.txt"; exit 1; }\n' \
	>"$T_TMP/repo/Makefile"
git -C "$T_TMP/repo" add Makefile status.txt
git -C "$T_TMP/repo" -c user.name=t -c user.email=t@t commit -q -m tests

run=$(start_run "$T_TMP/repo" --check 'make test' --scenario implement=fix-on-check)
ok $? "started $run with --check 'make test'"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the plan waits for approval"
dj approve "$run"
wait_until 60 sh -c "'$DEVFLOW' logs '$run' | grep -q approval.requested.*final_review"
ok $? "the run reached the final review"
"$DEVFLOW" logs "$run" >"$T_TMP/log"
like "$(grep check.failed "$T_TMP/log")" 'FAIL: status.txt says broken' \
	"make test failed first, its output kept in the event"
like "$(grep check.failed "$T_TMP/log")" '"exitCode":2' "with make's exit status"
like "$(grep check.passed "$T_TMP/log")" '"name":"make-test"' "then passed"
is "$(grep -c check.failed "$T_TMP/log")" 1 "once the agent fixed it (one failure, one repair)"
raw=$(cat "$DEVFLOW_WORKSPACE/$run/sessions/"*.raw | tr -d '\r')
like "$raw" 'Check repair: 1 check failed' "the agent got a repair prompt naming the check"
like "$raw" 'Fixed status.txt' "and fixed the file the check reads"
wt=$(dj status "$run" && jv result.run.worktreeRoot)
is "$(cat "$wt/status.txt")" fixed "the worktree has the fix"
out=$("$DEVFLOW" status "$run")
like "$out" 'make-test +passed +exited with status 0' "status lists the check and how it ended"
dj status "$run"
is "$(jv result.checks.0.state)" passed "status --json has it too"
log=$(jv result.checks.0.outputPath)
ok $([ -f "$log" ]; echo $?) "its output file is in the run directory ($log)"
dj approve "$run"
wait_until 30 state_is "$run" completed
ok $? "the run completed"
rep="$DEVFLOW_WORKSPACE/$run/$run.report.json"
like "$(tr -d ' \t\n' <"$rep")" '"kind":"check","argv":\["sh","-c","maketest"\],"exit_code":0,"source":"devflow"' \
	"the report's commands have the check devflow ran"
like "$(tr -d ' \t\n' <"$rep")" '"source":"agent"' "beside the agent's own"

# A server killed with -9 while a check runs: the next server runs it again.
make_repo "$T_TMP/repo2"
run=$(start_run "$T_TMP/repo2" --check 'sleep 2; echo slow-ok')
ok $? "started $run with a slow check"
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 30 sh -c "'$DEVFLOW' logs '$run' | grep -q check.started"
ok $? "the check is running"
pid1=$(server_pid)
kill -9 "$pid1"
wait_until 5 dead "$pid1"
ok $? "the server was killed (-9) in the middle of the check"
"$DEVFLOW" ls >/dev/null
wait_until 60 sh -c "'$DEVFLOW' logs '$run' | grep -q approval.requested.*final_review"
ok $? "the next server took the run on to the final review"
"$DEVFLOW" logs "$run" >"$T_TMP/log2"
is "$(grep -c check.started "$T_TMP/log2")" 2 "the check was started again"
like "$(grep check.started "$T_TMP/log2" | tail -1)" '"cause":"rerun"' "as a rerun"
like "$(grep check.passed "$T_TMP/log2")" 'slow-ok' "and passed"

# Aborting a run stops its running check (its process group is killed), not at its timeout.
make_repo "$T_TMP/repo4"
run=$(start_run "$T_TMP/repo4" --check "sleep 61.5$$")
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 30 pgrep -f "[s]leep 61.5$$"
ok $? "the slow check runs"
"$DEVFLOW" abort "$run" >/dev/null
wait_until 10 sh -c "! pgrep -f '[s]leep 61.5$$'"
ok $? "aborting the run killed it"

# A review that asks for changes: the implementer gets the findings, the second review passes.
make_repo "$T_TMP/repo3"
run=$(start_run "$T_TMP/repo3" --scenario review=changes-then-approve --check true --check ' true ')
ok $? "started $run with a reviewer that asks for changes once"
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 60 sh -c "'$DEVFLOW' logs '$run' | grep -q approval.requested.*final_review"
ok $? "the run reached the final review"
"$DEVFLOW" logs "$run" >"$T_TMP/log3"
like "$(grep review.round "$T_TMP/log3")" '"cause":"review".*"round":1' "one review round"
like "$(grep review.round "$T_TMP/log3")" 'Add the date to the new notes line' "carrying the finding"
dj status "$run"
is "$(jv result.phases.1.attempts)" 2 "the implementer ran twice"
is "$(jv result.phases.2.attempts)" 2 "the reviewer ran twice"
wt=$(jv result.run.worktreeRoot)
like "$(cat "$wt/change-summary.json")" 'Addressed 1 review finding' "the implementer read the finding"
is "$(jv result.checks.0.name) $(jv result.checks.1.name)" "true true-2" \
	"two --check with the same name are told apart"

# Bad checks are refused before anything starts, naming what was wrong.
out=$("$DEVFLOW" start --repo "$T_TMP/repo3" --requirements "$T_TMP/req.md" --check '  ' 2>&1)
is $? 2 "an empty --check is a usage error"
like "$out" "--check '  ': expected a command" "naming it"
printf '{"checks": [{"name": "unit", "argv": "make test"}]}\n' >"$T_TMP/repo3/devflow.json"
git -C "$T_TMP/repo3" add devflow.json
git -C "$T_TMP/repo3" -c user.name=t -c user.email=t@t commit -q -m checks
"$DEVFLOW" abort "$run" >/dev/null 2>&1
out=$("$DEVFLOW" start --repo "$T_TMP/repo3" --requirements "$T_TMP/req.md" --backend planner=fake \
	--backend implementer=fake --backend reviewer=fake 2>&1)
ok $([ $? -ne 0 ]; echo $?) "a bad devflow.json refuses the start"
like "$out" 'devflow.json \(on main\): /checks/0/argv' "naming the file and the JSON path"
done_testing
