#!/bin/sh
# `devflow demo` opens the TUI on the sample run (here through a headless
# script): the gates are approved from the TUI and the run completes.
. "$top_srcdir/tests/tui-lib.sh"

cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:dump $T_TMP/plan
a
:wait-for final_review
a
:wait-for development completed
:dump $T_TMP/done
q
EOS
out=$(DEVFLOW_TUI_SIZE=100x30 DEVFLOW_TUI_SCRIPT="$T_TMP/script" "$DEVFLOW" demo)
is "$?" 0 "the demo exits 0 after q"
id=$(printf '%s\n' "$out" | sed -n 's/^run \([^ ]*\) started with the fake agent$/\1/p')
like "$id" "^[0-9a-f-]{36}$" "the demo says which run it started"
short=$(printf %s "$id" | cut -c1-8)
like "$(sed -n 3p "$T_TMP/plan")" "^│▶ $short repo +main +development +awaiting_approval +plan " \
	"the TUI opens with the demo's run selected, waiting at the plan"
like "$(cat "$T_TMP/plan")" "⚑ $short plan_review +plan.json valid" "the plan's gate waits for you"
like "$(sed -n 3p "$T_TMP/done")" "^│▶ $short repo +main +development +completed " "approved from the TUI, the run completed"
like "$("$DEVFLOW" ls)" "^$id +completed" "the server agrees"
done_testing
