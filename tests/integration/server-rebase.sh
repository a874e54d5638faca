#!/bin/sh
# A landing refused for conflicts offers a rebase phase for the agent: devflow
# land RUN --rebase starts a follow-up run (template rebase) whose branch starts
# at the run's branch tip; the fake agent merges the base there, resolves the
# conflicts keeping both sides, commits; a person approves; landing the
# follow-up lands everything, and the original then says it landed through it.
# Idempotent (a second --rebase gives the same follow-up), and refused, with
# its reason, for a run that is unknown, not completed or that lands cleanly.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

G="git -c user.name=t -c user.email=t@t"
# The follow-up's one phase: the fake agent really merges (every other phase: ok).
export DEVFLOW_FAKE_SCENARIOS='rebase=merge-base,*=ok'

make_repo "$T_TMP/repo"
run=$(finish_run "$T_TMP/repo")
ok $? "a run completes ($run)"
br="devflow/$run/main"
run_tip=$(git -C "$T_TMP/repo" rev-parse "$br")

# ---- refusals before any conflict ------------------------------------------
err=$("$DEVFLOW" land "$run" --rebase 2>&1)
is $? 3 "--rebase of a run that lands cleanly is refused (exit 3)"
like "$err" "run $run lands cleanly on main: land it \\(devflow land $run\\)" "... saying to land it"
"$DEVFLOW" land no-such-run --rebase >/dev/null 2>"$T_TMP/err"
is $? 1 "--rebase of an unknown run: exit 1"
like "$(cat "$T_TMP/err")" "run_not_found|no run" "... saying so"
"$DEVFLOW" land "$run" --rebase --squash >/dev/null 2>&1
is $? 2 "--rebase with a mode is a usage error"
"$DEVFLOW" land "$run" --rebase --push x >/dev/null 2>&1
is $? 2 "--rebase with --push is a usage error"

# ---- the base moves in a conflicting way -------------------------------------
echo "a line from main" >"$T_TMP/repo/NOTES.md"
$G -C "$T_TMP/repo" add NOTES.md && $G -C "$T_TMP/repo" commit -qm "notes on main"
main_before=$(git -C "$T_TMP/repo" rev-parse main)
err=$("$DEVFLOW" land "$run" 2>&1)
is $? 3 "a conflicting base is refused"
like "$err" "conflicts with the run's changes in NOTES.md" "... naming the file"
like "$err" "devflow land $run --rebase" "... and offering the rebase run"
"$DEVFLOW" --json land "$run" >"$T_TMP/out.json" 2>/dev/null
like "$(cat "$T_TMP/out.json")" '"code":"land_conflict"' "the refusal's code is land_conflict"

dj land "$run" --rebase
ok $? "land --rebase starts a follow-up run"
is "$(jv result.action)" rebase "... the reply says rebase"
follow=$(jv result.followUp)
ok $([ -n "$follow" ] && [ "$follow" != "$run" ]; echo $?) "... and names the follow-up run ($follow)"
is "$(jv result.already)" false "... a new one"
dj status "$follow"
is "$(jv result.run.rebaseOf)" "$run" "the follow-up's status names the original"
fwt=$(jv result.run.worktreeRoot)
is "$(jv result.bindings.0.roleId)" implementer "its one role is the implementer"
is "$(jv result.bindings.0.backend)" fake "... bound like the original's (same backend)"
is "$(jv result.bindings.0.persona)" implementer "... and persona"
dj logs "$follow"
like "$(cat "$T_TMP/out.json")" "\"rebaseOf\":\"$run\"" "its run.created names the original"
like "$(cat "$T_TMP/out.json")" '"templateName":"rebase"' "... and the rebase template"
dj logs "$run"
like "$(cat "$T_TMP/out.json")" '"run.rebase_started"' "the original has run.rebase_started"
like "$(cat "$T_TMP/out.json")" "\"followUp\":\"$follow\"" "... naming the follow-up"
like "$(cat "$T_TMP/out.json")" "\"actor\":\"$(id -un)\"" "... and the actor"
dj status "$run"
is "$(jv result.run.rebaseRunId)" "$follow" "devflow status of the original shows the follow-up"
like "$("$DEVFLOW" status "$run")" "rebase +run $follow" "... in its text too"

dj land "$run" --rebase
ok $? "a second --rebase while the follow-up is active"
is "$(jv result.followUp)" "$follow" "... gives the same follow-up"
is "$(jv result.already)" true "... saying it was there already"
dj ls
is "$(jv result.runs.1.id)" "$follow" "... and starts no second run: two runs in all"
ok $(! jv result.runs.2.id >/dev/null; echo $?) "... not three"

wait_until 60 state_is "$follow" awaiting_approval
ok $? "the follow-up reaches its gate"
# A kill -9 at the gate: the link survives, and asking again still gives the same run.
kill -9 "$(server_pid)"
wait_until 10 dead "$(server_pid)"
dj land "$run" --rebase
ok $? "after a kill -9 of the server, --rebase again"
is "$(jv result.followUp)" "$follow" "... gives the same follow-up"
is "$(run_state "$follow")" awaiting_approval "... still at its gate"
is "$(git -C "$fwt" rev-list --count --first-parent "$run_tip..HEAD" 2>/dev/null)" 1 \
	"its branch holds the original's tip plus the merge commit"
is "$(git -C "$fwt" rev-list --parents -1 HEAD | wc -w | tr -d ' ')" 3 "... a merge commit (two parents)"
is "$(git -C "$fwt" rev-parse HEAD^2)" "$main_before" "... of the base"
ok $(! grep -q '^\(<<<<<<<\|=======\|>>>>>>>\)' "$fwt/NOTES.md"; echo $?) "no conflict marker is left"
like "$(cat "$fwt/NOTES.md")" "a line from main" "both sides are kept: the base's line"
like "$(cat "$fwt/NOTES.md")" "edited by devflow-fake-agent" "... and the run's"
is "$(git -C "$fwt" status --porcelain -- NOTES.md)" "" "the resolution is committed"
like "$("$DEVFLOW" status "$follow")" "rebase of run $run" "devflow status of the follow-up names the original"

# The original cannot land before the follow-up did.
err=$("$DEVFLOW" land "$run" 2>&1)
is $? 3 "the original still does not land by itself"
like "$err" "rebase run $follow" "... and the refusal points at its follow-up"

dj approve "$follow"
wait_until 30 state_is "$follow" completed
ok $? "approved, the follow-up completes"
dj land "$follow"
ok $? "land the follow-up"
is "$(jv result.how)" fast-forward "... a fast-forward: it holds the base"
like "$(cat "$T_TMP/repo/NOTES.md")" "a line from main" "the base has the base's change"
like "$(cat "$T_TMP/repo/NOTES.md")" "edited by devflow-fake-agent" "... and the run's change"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the checkout is clean"
git -C "$T_TMP/repo" merge-base --is-ancestor "$run_tip" main
ok $? "the original's commits are on the base"

out=$("$DEVFLOW" land "$run" 2>&1)
is $? 0 "land of the original, after its follow-up landed"
like "$out" "run $run landed through its rebase run $follow" "... says it landed through the follow-up"
dj land "$run"
is "$(jv result.via)" "$follow" "... --json: via names the follow-up"
is "$(jv result.already)" true "... and already is true"
dj logs "$run"
like "$(cat "$T_TMP/out.json")" "\"via\":\"$follow\"" "the original's run.landed names the follow-up"
is "$(grep -o '"run.landed"' "$T_TMP/out.json" | wc -l | tr -d ' ')" 1 "... once"
err=$("$DEVFLOW" land "$run" --rebase 2>&1)
is $? 3 "--rebase of a landed run is refused"
like "$err" "run $run is already landed" "... saying so"

# ---- a run that is not completed ---------------------------------------------
run2=$(start_run "$T_TMP/repo")
wait_until 30 state_is "$run2" awaiting_approval
err=$("$DEVFLOW" land "$run2" --rebase 2>&1)
is $? 3 "--rebase of a run that is not completed is refused"
like "$err" "run $run2 is awaiting_approval" "... naming its state"
"$DEVFLOW" abort "$run2" >/dev/null 2>&1

# Bad arguments a hand-written client may send.
raw() { timeout 20 "$RAWFRAME" "$SOCK" raw "$1"; }
like "$(raw '{"id":2,"op":"land","args":{"run":"'"$run"'","rebase":"yes"}}')" \
	"^reply: invalid_argument: land.rebase" "land.rebase not a boolean: refused"
like "$(raw '{"id":2,"op":"land","args":{"run":"'"$run"'","rebase":true,"mode":"merge"}}')" \
	"^reply: invalid_argument: land: rebase" "rebase with a mode: refused"

done_testing
