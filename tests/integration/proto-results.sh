#!/bin/sh
# Every op's result has one documented shape (docs/protocol.md, "Ops of the
# server"; src/proto/result.h): the keys of each real result, in order, as
# the CLI's --json prints them or as a hand-written client (rawframe) gets
# them. camelCase everywhere; a renamed or added key fails here first.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

# keys PATH: the keys of the object at PATH of the last dj output.
keys() {
	"$JSON_GET" -k "$T_TMP/out.json" "$1"
}
# rawres OP ARGS-JSON: the op's result, from a raw client, into out.json.
rawres() {
	timeout 20 "$RAWFRAME" "$SOCK" result '{"id":2,"op":"'"$1"'","args":'"$2"'}' \
		>"$T_TMP/res.json" &&
		printf '{"result":%s}\n' "$(cat "$T_TMP/res.json")" >"$T_TMP/out.json"
}

make_repo "$T_TMP/repo"
make_repo "$T_TMP/repo2"
run=$(start_run "$T_TMP/repo")
ok $? "start"
is "$(keys result)" "runId state worktreeRoot" "start: runId state worktreeRoot"
wait_until 20 state_is "$run" awaiting_approval
ok $? "the plan reaches its gate"

dj ls
is "$(keys result)" "runs" "ls: runs"
is "$(keys result.runs.0)" \
	"id state template repoPath baseBranch phase phaseState pendingApprovals createdAt endedAt finalReportPath terminal actions" \
	"ls: each run"
is "$(jv result.runs.0.actions)" '["approve","request_changes","reject","pause","abort"]' \
	"ls: a run at its gate may be approved, changed, rejected, paused or aborted"
is "$(jv result.runs.0.terminal)" false "ls: and is not over"

dj status "$run"
is "$(keys result)" "run phases bindings approvals sessions events checks" "status: its parts"
is "$(keys result.run)" \
	"id state pausedFromState repoPath baseBranch worktreeRoot templateHash currentPhaseId finalReportPath createdAt startedAt endedAt rebaseRunId rebaseOf terminal actions" \
	"status: the run"
is "$(jv result.run.actions)" '["approve","request_changes","reject","pause","abort"]' \
	"status: the run's actions, as ls says"
is "$(keys result.phases.0)" "id phaseKey title seq state attempts repairs deadlineAt" \
	"status: a phase"
is "$(keys result.bindings.0)" "roleId persona personaId backend" "status: a binding"
is "$(keys result.approvals.0)" "id phaseId gateKey kind state payload createdAt decisions" \
	"status: an approval"
is "$(keys result.sessions.0)" "id phaseId roleId backend state transcriptPath" \
	"status: a session (exitStatus only once it exited)"
is "$(keys result.events.0)" "runId seq type phaseId payload ts" "status: an event"

dj sessions "$run"
is "$(keys result)" "sessions" "sessions: sessions"
is "$(keys result.sessions.0)" \
	"id runId phase roleId backend state live screen pid rows cols transcriptPath conversationId createdAt" \
	"sessions: a session with its terminal"

rawres events '{"run":"'"$run"'","limit":1}'
is "$(keys result)" "runId state events" "events: runId state events"
is "$(keys result.events.0)" "runId seq type phaseId payload ts" "events: an event, as status has it"

rawres artifact '{"run":"'"$run"'"}'
is "$(keys result)" \
	"runId phase phaseId path schema attempt valid errors hash validatedAt changed json text fileError" \
	"artifact: the stored validation and the file"
rawres diff '{"run":"'"$run"'"}'
is "$(keys result)" "runId base worktreeRoot files text truncated filesTruncated" "diff: the files and the text"
is "$(keys result.files.0)" "path status" "diff: a file"
sess=$(last_session "$run")
dj capture "$sess"
is "$(keys result)" "session rows cols text screen" "capture: session rows cols text screen"
rawres history '{"session":"'"$sess"'","start":-2,"spans":true}'
is "$(keys result)" "session historySize rows cols dropped first start count more text lines" \
	"history: the range, where it stands, its lines"
is "$(keys result.lines.0)" "spans" "history: a line"
rawres history-search '{"session":"'"$sess"'","text":"plan"}'
is "$(keys result)" "session found line start wrapped historySize rows dropped" \
	"history-search: the line found"
rawres ping '{}'
is "$(keys result)" "pid workspace clients" "ping: pid workspace clients"
rawres reload '{}'
is "$(keys result)" "templates personas backends available" "reload: templates personas backends available"

rawres backends '{"template":"development"}'
is "$(keys result)" "template backends roles" "backends: template backends roles"
is "$(keys result.backends.0)" "name available install" "backends: a backend"
is "$(jv result.roles)" '[{"role":"planner"},{"role":"implementer"},{"role":"reviewer"}]' \
	"backends: the template's roles, each once"
like "$(cat "$T_TMP/out.json")" '"name":"fake","available":true' "backends: the fake agent is available"
like "$(cat "$T_TMP/out.json")" '"name":"claude","available":false,"install":"npm install' \
	"backends: claude is not installed here, and how to install it is said"
rawres backends '{}'
is "$(jv result.template)" null "backends without a template: no template"
is "$(jv result.roles)" '[]' "and no roles"

dj approve "$run"
ok $? "approve the plan"
is "$(keys result)" "runId approvalId action replayed actor state" "decide: the decision"
dj status "$run"
is "$(keys result.approvals.0.decisions.0)" "action actor comment createdAt" "status: a decision"
dj abort "$run"
is "$(keys result)" "runId approvalId action replayed actor state" "decide (abort): the same keys"
wait_until 20 state_is "$run" aborted
ok $? "the run is aborted"
dj ls
is "$(jv result.runs.0.terminal) $(jv result.runs.0.actions)" "true []" \
	"ls: an aborted run is over and takes no action"
rawres report '{"run":"'"$run"'"}'
is "$(keys result)" "runId state markdownPath jsonPath markdown report" "report: its files and texts"

# A run whose planner stays silent can be paused and resumed.
run2=$(start_run "$T_TMP/repo2" --scenario plan=silent)
dj pause "$run2"
ok $? "pause"
is "$(keys result)" "runId state" "pause: runId state"
dj status "$run2"
is "$(jv result.run.actions)" '["resume","abort"]' "a paused run may be resumed or aborted"
dj resume "$run2"
ok $? "resume"
is "$(keys result)" "runId state" "resume: runId state"
dj abort "$run2" >/dev/null

done_testing
