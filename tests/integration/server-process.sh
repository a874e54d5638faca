#!/bin/sh
# The autostarted server as ps and htop show it: the devflow binary's real
# path (resolved from /proc/self/exe when the client started), so its
# command line reads `.../devflow server --workspace W` and its comm is
# devflow, not `/proc/self/exe server ...` and exe.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

"$DEVFLOW" ls >/dev/null 2>&1
ok $? "ls autostarts the server"
pid=$(server_pid)
ok $([ -n "$pid" ] && alive "$pid"; echo $?) "the server runs (pid $pid)"
exe=$(readlink -f "$DEVFLOW")
is "$(ps -o args= -p "$pid")" "$exe server --workspace $DEVFLOW_WORKSPACE" \
	"ps args: the binary's path, server --workspace W"
is "$(ps -o comm= -p "$pid")" "devflow" "ps comm: devflow"
is "$(readlink "/proc/$pid/exe")" "$exe" "/proc/PID/exe is the devflow binary"
done_testing
