#!/bin/sh
# Notifications from the server: a command from the config file gets one
# message per gate (not one per screen change) with the run, phase and gate,
# on standard input as JSON and in the environment; questions and the end of
# a run too; a hanging command is killed at its timeout and delays nothing;
# bad config lines are logged with file:line.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

mkdir -p "$XDG_CONFIG_HOME/devflow"
cat >"$T_TMP/sink" <<EOS
#!/bin/sh
# Appends the message (stdin) and the environment's view of it, one line each.
{ cat; echo; } >>"$T_TMP/messages"
echo "\$DEVFLOW_EVENT|\$DEVFLOW_RUN|\$DEVFLOW_PHASE|\$DEVFLOW_GATE" >>"$T_TMP/env"
EOS
chmod +x "$T_TMP/sink"
cat >"$XDG_CONFIG_HOME/devflow/config" <<EOS
# notifications
set notify-command '$T_TMP/sink'
set notify-command 'sleep 60'
set notify-timeout 2
set bogus 1
set notify-command 'unbalanced
EOS

count() { [ -f "$T_TMP/env" ] && grep -c "^$1|" "$T_TMP/env" || echo 0; }
has_count() { [ "$(count "$1")" = "$2" ]; } # has_count EVENT N

make_repo "$T_TMP/repo"
t0=$(date +%s)
run=$(start_run "$T_TMP/repo")
ok $? "a run started ($run)"
wait_until 30 state_is "$run" awaiting_approval
ok $? "the plan reaches its gate"
wait_until 10 has_count approval.requested 1
ok $? "the sink got the gate"
like "$(cat "$T_TMP/env")" "^approval.requested\\|$run\\|plan\\|plan_review$" \
	"the environment names the event, run, phase and gate"
msg=$(grep approval.requested "$T_TMP/messages")
like "$msg" "\"runId\":\"$run\"" "the JSON on stdin names the run"
like "$msg" '"phase":"plan","gate":"plan_review"' "... the phase and the gate"
like "$msg" "waits for a decision at gate plan_review of phase plan" "... and says it for a person"
ok $([ $(($(date +%s) - t0)) -lt 30 ]; echo $?) "the hanging sink did not hold the run"
# The agent's screen keeps changing while the gate waits: still one message.
sleep 1
is "$(count approval.requested)" 1 "one message for the gate, not one per screen change"

t1=$(date +%s)
dj approve "$run"
ok $? "approve answers"
ok $([ $(($(date +%s) - t1)) -le 1 ]; echo $?) "... at once, while a notify command hangs"
wait_until 30 state_is "$run" awaiting_approval && dj approve "$run" &&
	wait_until 30 state_is "$run" completed
ok $? "the run completes"
wait_until 10 has_count run.completed 1
ok $? "the sink got the end of the run"
is "$(count approval.requested)" 2 "two gates, two messages"
wait_until 10 grep -q "notify: \`sleep 60\` for approval.requested of run $run timed out after 2 s: killed" \
	"$DEVFLOW_WORKSPACE/server.log"
ok $? "the hanging command is killed at its timeout, and logged"
log=$(cat "$DEVFLOW_WORKSPACE/server.log")
like "$log" "config: .*/devflow/config:5: unknown setting 'bogus'" "a bad setting is logged with file:line"
like "$log" "config: .*/devflow/config:6: unbalanced single quote" "... an unbalanced quote too"

run2=$(start_run "$T_TMP/repo" --scenario plan=permission)
wait_until 30 has_count session.needs_input 1
ok $? "an agent's question is a message"
like "$(grep session.needs_input "$T_TMP/env")" "^session.needs_input\\|$run2\\|plan\\|$" \
	"... naming the run and the phase"
"$DEVFLOW" abort "$run2" >/dev/null

# The running server takes a changed config file: by devflow reload, and
# by itself when the file changes (inotify on the configuration folder).
cat >"$XDG_CONFIG_HOME/devflow/config" <<EOS
set notify-command '$T_TMP/sink2'
EOS
sed "s|$T_TMP/messages|$T_TMP/messages2|; s|$T_TMP/env|$T_TMP/env2|" "$T_TMP/sink" >"$T_TMP/sink2"
chmod +x "$T_TMP/sink2"
dj reload
ok $? "devflow reload"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "notifications \\(reload\\): 1 command\\(s\\) from .*/devflow/config" \
	"... takes the config file again, and logs it"
run3=$(start_run "$T_TMP/repo")
wait_until 30 state_is "$run3" awaiting_approval
wait_until 10 grep -q "^approval.requested|$run3|" "$T_TMP/env2"
ok $? "the new command gets the next gate"
ok $(! grep -q "$run3" "$T_TMP/env"; echo $?) "... and the old one no more"
"$DEVFLOW" abort "$run3" >/dev/null
: >"$XDG_CONFIG_HOME/devflow/config"
wait_until 10 grep -q "notifications (configuration changed): 0 command" "$DEVFLOW_WORKSPACE/server.log"
ok $? "an emptied config file is taken by itself (inotify): no command"
run4=$(start_run "$T_TMP/repo")
wait_until 30 state_is "$run4" awaiting_approval
sleep 1
ok $(! grep -q "$run4" "$T_TMP/env2"; echo $?) "... and its gate notifies no one"
"$DEVFLOW" abort "$run4" >/dev/null

done_testing
