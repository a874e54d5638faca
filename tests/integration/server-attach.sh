#!/bin/sh
# `devflow attach` in a real terminal (tmux): its screen equals the server's
# own `devflow capture`, typed text reaches the agent, C-] detaches and the
# terminal is restored (cooked mode, main screen). It runs as one tmux_case:
# started again, on a new run, if tmux itself died.
. "$top_srcdir/tests/lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
. "$top_srcdir/tests/integration/server-lib.sh"

trap 'tm kill-server 2>/dev/null; stop_server; rm -rf "$T_TMP"' EXIT

make_repo "$T_TMP/repo"
run=
case_attach() {
# A try after tmux died first ends the run the last one left.
[ -n "$run" ] && "$DEVFLOW" abort "$run" >/dev/null 2>&1
run=$(start_run "$T_TMP/repo")
ok $? "started $run"
wait_until 20 state_is "$run" awaiting_approval
ok $? "the agent finished its plan and waits at its prompt"
sess=$(last_session "$run")
short=$(printf %.8s "$sess")
tm new-session -d -s t -x 80 -y 24 \
	"env DEVFLOW_WORKSPACE='$DEVFLOW_WORKSPACE' '$DEVFLOW' attach $short; echo \"attach-exit=\$?\"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 60"
ok $? "attach runs in tmux (session named by the prefix $short)"

same() {
	tm capture-pane -p -t t >"$T_TMP/pane"
	"$DEVFLOW" capture "$sess" >"$T_TMP/cap"
	grep -q 'fake agent' "$T_TMP/pane" && cmp -s "$T_TMP/pane" "$T_TMP/cap"
}
wait_until 10 same
st=$?
ok $st "the attached screen equals devflow capture"
[ $st -ne 0 ] && diff "$T_TMP/pane" "$T_TMP/cap" | sed 's/^/# /'

tm send-keys -t t -l 'héllo wörld'
typed() { "$DEVFLOW" capture "$sess" | grep -q '^> héllo wörld$'; }
wait_until 10 typed
ok $? "typed text reached the agent"
wait_until 10 same
ok $? "and the attached screen shows it like capture does"
tm send-keys -t t BSpace BSpace
gone2() { "$DEVFLOW" capture "$sess" | grep -q '^> héllo wör$'; }
wait_until 10 gone2
ok $? "keys (Backspace) reach the agent as keys"

tm send-keys -t t C-]
detached() { tm capture-pane -p -t t | grep -q 'icanon'; }
wait_until 10 detached
ok $? "C-] detaches"
pane=$(tm capture-pane -p -t t)
like "$pane" "\\[detached from session $sess\\]" "it says which session it left"
like "$pane" "attach-exit=0" "attach exits 0"
like "$pane" "(^| )icanon echo|echo icanon" "the terminal is back in cooked mode with echo"
ok $(printf '%s\n' "$pane" | grep -q 'fake agent'; [ $? -ne 0 ]; echo $?) \
	"the alternate screen is gone (the agent's screen is not left behind)"
alive "$(server_pid)"
ok $? "the server is unharmed"
tm new-window -t t -n w2 \
	"env DEVFLOW_WORKSPACE='$DEVFLOW_WORKSPACE' '$DEVFLOW' attach $sess; echo \"attach2-exit=\$?\"; sleep 60"
attached2() { tm capture-pane -p -t t:w2 | grep -q 'fake agent'; }
wait_until 10 attached2
ok $? "attached again"
"$DEVFLOW" abort "$run" >/dev/null
ok $? "abort the run: its agent is stopped"
ended() { tm capture-pane -p -t t:w2 | grep -q 'attach2-exit=0'; }
wait_until 15 ended
ok $? "the attach ends by itself (exit 0)"
like "$(tm capture-pane -p -t t:w2)" "\\[session $sess: stopped by devflow\\]" \
	"and says devflow stopped the agent (not that its program ended with status 143)"
"$DEVFLOW" attach nosuchsession </dev/null >/dev/null 2>&1
is $? 1 "attach to an unknown session fails (not found: 1) before touching the terminal"
}
tmux_case "attach in tmux" case_attach
done_testing
