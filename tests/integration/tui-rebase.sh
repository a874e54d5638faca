#!/bin/sh
# L on a completed run whose landing conflicts with its base: the refusal
# names the files and offers the rebase run (y starts it: the land op with
# rebase, as devflow land RUN --rebase; any other key leaves it).
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
tui_wait_state "$id" awaiting_approval && "$DEVFLOW" approve "$id" >/dev/null
tui_wait_state "$id" awaiting_approval && "$DEVFLOW" approve "$id" >/dev/null
tui_wait_state "$id" completed
ok $? "the run completed"
# main moves: NOTES.md, which the run's agent wrote too, differently.
echo "a line from main" >"$REPO/NOTES.md"
git -C "$REPO" add NOTES.md
git -C "$REPO" -c user.email=t@example.com -c user.name=t commit -q -m "notes on main"

short=${id%"${id#????????}"}
cat >"$T_TMP/script" <<EOS
:wait-for completed
L
:wait-for Confirm
y
:wait-for rebase run
:dump $T_TMP/offer
n
:wait-for cancelled
:dump $T_TMP/declined
L
:wait-for Confirm
y
:wait-for rebase run
y
:wait-for started rebase run
:dump $T_TMP/started
q
EOS
tui_run 120x40 "$T_TMP/script"
is "$?" 0 "the script ran to its end"
like "$(cat "$T_TMP/offer")" "Run $short cannot land: main moved and conflicts with it in NOTES.md" \
	"a conflicting landing is refused, naming the file"
like "$(cat "$T_TMP/offer")" "Start a rebase run, where the run's agent merges main\\?" "... and offers the rebase run"
like "$(cat "$T_TMP/offer")" "y yes" "... on y"
like "$(cat "$T_TMP/declined")" "cancelled" "another key leaves it"
"$DEVFLOW" --json status "$id" >"$T_TMP/status.json"
follow=$("$top_builddir/tests/tools/json-get" "$T_TMP/status.json" result.run.rebaseRunId)
ok $([ -n "$follow" ]; echo $?) "y starts the rebase run ($follow)"
like "$(cat "$T_TMP/started")" "started rebase run ${follow%"${follow#????????}"} for run $short" \
	"... and says so, naming it"
is "$("$DEVFLOW" ls | grep -c '^[0-9a-f]')" 2 "one rebase run, not two (n started none)"

done_testing
