#!/bin/sh
# The autostarted server as ps and htop show it: the devflow binary's real
# path (resolved from /proc/self/exe when the client started), so its
# command line reads `.../devflow server --workspace W` and its comm is
# devflow, not `/proc/self/exe server ...` and exe. And no zombie left
# behind: when the client's process is where orphans go (a container's PID
# 1, or a child subreaper as here), the server it started becomes its child;
# after kill-server the demo's TUI reaps it.
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
"$DEVFLOW" kill-server >/dev/null 2>&1
wait_until 10 dead "$pid"
ok $? "kill-server stops it"

# The demo's TUI as a subreaper, the server killed under it.
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:sh ps -o pid=,comm= --ppid \$PPID >$T_TMP/kids-before
:sh "$DEVFLOW" kill-server >/dev/null 2>&1
:wait-for reconnecting
:sleep 2500
:sh ps -o stat=,pid=,comm= --ppid \$PPID >$T_TMP/kids-after
q
EOS
DEVFLOW_TUI_SIZE=100x30 DEVFLOW_TUI_SCRIPT="$T_TMP/script" \
	"$top_builddir/tests/tools/subreaper" "$DEVFLOW" demo >"$T_TMP/demo.out" 2>&1
is $? 0 "the demo (a subreaper) runs its TUI script and exits 0"
like "$(cat "$T_TMP/kids-before" 2>/dev/null)" " devflow$" \
	"the server it started became its child (the test's premise)"
like "$(cat "$T_TMP/kids-after" 2>/dev/null)" " sh$" "after kill-server its children are listed"
zombies=$(awk '$1 ~ /^Z/' "$T_TMP/kids-after" 2>/dev/null)
is "$zombies" "" "... and none is a zombie: the server was reaped"
done_testing
