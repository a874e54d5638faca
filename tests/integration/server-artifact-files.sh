#!/bin/sh
# Artifact files are the agent's: a real server must judge whatever it finds
# at the artifact path without blocking or growing. A FIFO (moved into place,
# so inotify reports it) and a 1.5 GiB sparse file are invalid artifacts with
# a repair prompt naming the file and what is wrong; the server keeps
# answering and its memory stays small; the limit comes from
# $DEVFLOW_MAX_ARTIFACT_SIZE (or `devflow server --max-artifact-size`).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
printf '# Add a greeting\n' >"$T_TMP/req.md"

# start_silent REPO: a run whose planner writes nothing; sets $run and $wt.
start_silent() {
	dj start --repo "$1" --requirements "$T_TMP/req.md" --backend planner=fake \
		--backend implementer=fake --backend reviewer=fake --scenario plan=silent
	run=$(jv result.runId)
	wt=$(jv result.worktreeRoot)
}

# wait_invalid N: wait (20 s at most, even when the server does not answer)
# until the run has N artifact.invalid events.
wait_invalid() {
	_end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -lt $_end ]; do
		[ "$(timeout 2 "$DEVFLOW" logs "$run" 2>/dev/null | grep -c artifact.invalid)" -ge "$1" ] &&
			return 0
		sleep 0.1
	done
	return 1
}

# put_in_place WT FILE: move FILE to WT/plan.json, as an agent's atomic write does.
put_in_place() {
	mv "$2" "$1/plan.json"
}

start_silent "$T_TMP/repo"
ok $? "a run whose planner writes nothing starts"
mkfifo "$wt/.plan.fifo"
put_in_place "$wt" "$wt/.plan.fifo"
wait_invalid 1
ok $? "a FIFO at the artifact path is judged: artifact.invalid"
like "$(timeout 5 "$DEVFLOW" logs "$run")" "artifact plan.json is a FIFO, not a regular file" \
	"the error names the file and says it is a FIFO"
timeout 10 "$DEVFLOW" status "$run" >/dev/null 2>&1
answers=$?
ok $answers "the server still answers"
# A server stuck reading would never stop: kill it so the test ends.
[ $answers -eq 0 ] || kill -9 "$(server_pid)"
is "$(run_state "$run")" "planning" "the phase waits for the repaired artifact"

truncate -s 1536M "$T_TMP/sparse.json"
rm -f "$wt/plan.json"
put_in_place "$wt" "$T_TMP/sparse.json"
wait_invalid 2
ok $? "a 1.5 GiB sparse file at the artifact path is judged: artifact.invalid"
like "$(timeout 5 "$DEVFLOW" logs "$run")" "artifact plan.json is 1.5 GiB, over the 8 MiB limit" \
	"the error gives its size and the limit"
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$(server_pid)/status")
[ "${rss:-999999999}" -lt 102400 ]
ok $? "the server never held the file in memory (peak RSS ${rss:-?} KiB < 100 MiB)"
rm -f "$wt/plan.json"
dj abort "$run" >/dev/null
stop_server

# The limit is configurable: $DEVFLOW_MAX_ARTIFACT_SIZE reaches the server a client starts.
export DEVFLOW_MAX_ARTIFACT_SIZE=1K
make_repo "$T_TMP/repo2"
start_silent "$T_TMP/repo2"
ok $? "a server with a 1 KiB artifact limit starts a run"
awk 'BEGIN { printf "{\"summary\":\""; for (i = 0; i < 2000; i++) printf "x"; printf "\",\"phases\":[]}" }' \
	>"$T_TMP/big.json"
put_in_place "$wt" "$T_TMP/big.json"
wait_invalid 1
ok $? "a 2 KiB artifact is judged"
like "$(timeout 5 "$DEVFLOW" logs "$run")" "artifact plan.json is 2.0 KiB, over the 1 KiB limit" \
	"it is over the configured limit"
stop_server
unset DEVFLOW_MAX_ARTIFACT_SIZE
"$DEVFLOW" server --max-artifact-size 2Q >"$T_TMP/o.txt" 2>&1
is "$?" 2 "a bad --max-artifact-size is a usage error"
like "$(cat "$T_TMP/o.txt")" "--max-artifact-size '2Q': expected a size" "naming the option and the value"

done_testing
