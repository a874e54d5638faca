#!/bin/sh
# A lost server connection shows a banner; the TUI reconnects when the
# server is back, and the runs are still there.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
tui_wait_state "$id" awaiting_approval
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:sh "$DEVFLOW" kill-server >/dev/null
:wait-for server connection lost
:dump $T_TMP/lost
:sh "$DEVFLOW" ls >/dev/null
:wait-for reconnected
:wait-for plan_review
:dump $T_TMP/back
q
EOS
tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"
like "$(head -n 1 "$T_TMP/lost")" "^ devflow  server connection lost — reconnecting… \(the server closed the conn" "the banner says the server is gone"
is "$(tail -n 1 "$T_TMP/back")" " reconnected to the server" "the TUI reconnected"
like "$(sed -n 3p "$T_TMP/back")" "awaiting_approval" "the run waits as before"
done_testing
