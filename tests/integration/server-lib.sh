# Helpers for the server's shell tests (source after tests/lib.sh): a private
# workspace, a git repository, bounded waits, JSON answers, and a server that
# is always stopped at exit.
export DEVFLOW_WORKSPACE="$T_TMP/ws"
export DEVFLOW_FAKE_STEP_MS="${DEVFLOW_FAKE_STEP_MS:-10}"
JSON_GET="$top_builddir/tests/tools/json-get"
RAWFRAME="$top_builddir/tests/tools/rawframe"
SOCK="$DEVFLOW_WORKSPACE/devflow.sock"

# The pid holding the workspace lock ("" when none).
server_pid() {
	[ -s "$DEVFLOW_WORKSPACE/server.lock" ] && tr -dc '0-9' <"$DEVFLOW_WORKSPACE/server.lock"
}

stop_server() {
	pid=$(server_pid)
	if [ -n "$pid" ] && alive "$pid"; then
		"$DEVFLOW" kill-server >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null
	fi
	# Strays of our own (followers, attach) die with the test.
	[ -n "${T_KIDS:-}" ] && kill $T_KIDS 2>/dev/null
	return 0
}
trap 'stop_server; rm -rf "$T_TMP"' EXIT

# wait_until SECONDS COMMAND...: poll every 50 ms; 0 when it held in time.
wait_until() {
	_limit=$(($1 * 20)); shift
	_i=0
	while [ $_i -lt $_limit ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# make_repo DIR: a git repository with one commit on main.
make_repo() {
	mkdir -p "$1"
	git -C "$1" init -q -b main
	echo "hello" >"$1/README"
	git -C "$1" add README
	git -C "$1" -c user.name=t -c user.email=t@t commit -q -m init
}

# dj VERB ARGS...: run devflow --json, keep the output in $T_TMP/out.json, return its status.
dj() {
	"$DEVFLOW" --json "$@" >"$T_TMP/out.json" 2>"$T_TMP/err.txt"
}

# jv PATH: a value from the last dj output.
jv() {
	"$JSON_GET" "$T_TMP/out.json" "$1" 2>/dev/null
}

run_state() {
	dj status "$1" && jv result.run.state
}

state_is() { # state_is RUN STATE
	[ "$(run_state "$1")" = "$2" ]
}

# start_run REPO [extra start args]: prints the run id.
start_run() {
	_repo=$1; shift
	printf '# Add a greeting\n' >"$T_TMP/req.md"
	dj start --repo "$_repo" --requirements "$T_TMP/req.md" --backend planner=fake \
		--backend implementer=fake --backend reviewer=fake "$@" && jv result.runId
}

# finish_run REPO [start args] (start_run): a run approved through both gates to completed; prints its id.
finish_run() {
	_run=$(start_run "$@") || return 1
	wait_until 30 state_is "$_run" awaiting_approval || return 1
	dj approve "$_run" || return 1
	wait_until 30 state_is "$_run" awaiting_approval || return 1
	dj approve "$_run" || return 1
	wait_until 30 state_is "$_run" completed || return 1
	echo "$_run"
}

# The id of the newest session of a run.
last_session() {
	dj sessions "$1" || return 1
	_n=0
	while jv "result.sessions.$_n.id" >/dev/null; do _n=$((_n + 1)); done
	[ $_n -gt 0 ] && jv "result.sessions.$((_n - 1)).id"
}

# alive PID: the process exists and is not a zombie (pid 1 may be slow to reap here).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)
	[ "$_st" != Z ] && [ "$_st" != X ]
}

dead() { ! alive "$1"; }
