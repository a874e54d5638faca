#!/bin/sh
# L lands the selected completed run after a y (the land op: here a
# fast-forward of main), says what it did, and refuses a run that has not
# completed; any other key than y cancels.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
tui_wait_state "$id" awaiting_approval
cat >"$T_TMP/script" <<EOS
:wait-for awaiting_approval
L
:wait-for cannot land run
:dump $T_TMP/refused
q
EOS
tui_run 120x40 "$T_TMP/script"
like "$(cat "$T_TMP/refused")" "cannot land run ${id%"${id#????????}"}: it is awaiting_approval" \
	"L refuses a run that has not completed, saying why"

"$DEVFLOW" approve "$id" >/dev/null
tui_wait_state "$id" awaiting_approval && "$DEVFLOW" approve "$id" >/dev/null
tui_wait_state "$id" completed
ok $? "the run completed"
cat >"$T_TMP/script" <<EOS
:wait-for completed
L
:wait-for Confirm
:dump $T_TMP/ask
n
:wait-for cancelled
L
:wait-for Confirm
y
:wait-for landed run
:dump $T_TMP/landed
q
EOS
tui_run 120x40 "$T_TMP/script"
is "$?" 0 "the script ran to its end"
like "$(cat "$T_TMP/ask")" "Land run ${id%"${id#????????}"}: merge its branch into main in" "L asks first"
like "$(cat "$T_TMP/landed")" "landed run ${id%"${id#????????}"} on main: fast-forward" "y lands, and says how"
is "$(git -C "$REPO" rev-parse main)" "$(git -C "$REPO" rev-parse "devflow/$id/main")" \
	"main is at the run's branch"

done_testing
