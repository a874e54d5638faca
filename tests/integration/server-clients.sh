#!/bin/sh
# Several clients at once: two `logs --follow` see the same events; a
# follower killed mid-stream harms nobody; bad frames (not JSON, oversized,
# not an object, truncated, no hello) close only the client that sent them,
# with the reason in the server's log.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo")
ok $? "started $run"
"$DEVFLOW" logs "$run" --follow >"$T_TMP/f1" 2>&1 &
f1=$!
"$DEVFLOW" logs "$run" --follow >"$T_TMP/f2" 2>&1 &
f2=$!
"$DEVFLOW" logs "$run" --follow >"$T_TMP/f3" 2>&1 &
f3=$!
T_KIDS="$f1 $f2 $f3"
wait_until 20 state_is "$run" awaiting_approval
ok $? "the plan reaches its gate"
wait_until 5 grep -q approval.requested "$T_TMP/f3"
kill -9 "$f3"
ok $? "a follower is killed mid-stream"

for mode in garbage oversize array truncated nohello; do
	out=$("$RAWFRAME" "$SOCK" $mode)
	ok $? "$mode: the server closed that client"
	case $mode in
	garbage) want='frame is not JSON' ;;
	oversize) want='frame length 2097152 exceeds the limit of 1048576 bytes' ;;
	array) want='frame is JSON but not an object' ;;
	truncated) want='' ;;
	nohello) want='ls before hello' ;;
	esac
	[ -n "$want" ] && like "$out" "error: $want" "$mode: its last reply says why"
done
log=$(cat "$DEVFLOW_WORKSPACE/server.log")
like "$log" 'closed: frame length 2097152 exceeds' "the log names the oversized frame"
like "$log" 'closed: truncated frame' "the log names the truncated frame"
like "$log" 'closed: frame is not JSON' "the log names the bad JSON"

dj pause "$run"
ok $? "the server still answers after all that (pause)"
is "$(jv result.state)" paused "the run is paused"
"$DEVFLOW" pause "$run" >/dev/null
ok $? "pausing a paused run does nothing"
"$DEVFLOW" approve "$run" >/dev/null 2>&1
is $? 3 "a paused run takes no approval (3)"
dj resume "$run"
is "$(jv result.state)" awaiting_approval "resume returns it to its gate"
dj approve "$run"
ok $? "approve the plan"
wait_until 30 state_is "$run" awaiting_approval
dj approve "$run"
wait_until 20 state_is "$run" completed
ok $? "the run completed"
wait "$f1"
ok $? "follower 1 ended with the run"
wait "$f2"
ok $? "follower 2 ended with the run"
T_KIDS=
is "$(cat "$T_TMP/f1")" "$(cat "$T_TMP/f2")" "both followers saw the same events"
is "$(cat "$T_TMP/f1")" "$("$DEVFLOW" logs "$run" | sed '/run.completed/q')" \
	"they are the log's events up to run.completed ($(wc -l <"$T_TMP/f1") lines)"
like "$(tail -1 "$T_TMP/f1")" 'run.completed' "the last one is run.completed"
alive "$(server_pid)"
ok $? "the server survived"
done_testing
