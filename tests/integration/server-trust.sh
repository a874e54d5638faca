#!/bin/sh
# Whom a client talks to. Before sending anything (hello, requirements, a
# decision) the client checks that the workspace directory and its socket
# belong to the expected uid (the invoking user, or --server-uid) and that
# the process answering on the socket runs as that uid (SO_PEERCRED); it
# never starts a server in someone else's directory. The other user here is
# uid 65534 (nobody), which needs root to arrange (chown, setpriv).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "not root: cannot make files owned by another uid"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
NOBODY=65534
me=$(id -u)

# The other user's home and workspace, under a directory it can traverse.
chmod 711 "$T_TMP"
other="$T_TMP/other"
mkdir -p "$other"
chown $NOBODY:$NOBODY "$other"
# The build tree may be where nobody cannot go (a clone in /root, 0700):
# the other user runs a copy of devflow and of its data.
mkdir -p "$T_TMP/theirbuild"
cp "$DEVFLOW" "$T_TMP/theirbuild/devflow"
cp -R "$top_srcdir/data" "$top_srcdir/schemas" "$T_TMP/theirbuild/"
chmod -R a+rX "$T_TMP/theirbuild"
THEIR_DEVFLOW="$T_TMP/theirbuild/devflow"
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		env HOME="$other" XDG_CONFIG_HOME="$other/.config" XDG_DATA_HOME="$other/.local" \
		DEVFLOW_WORKSPACE= DEVFLOW_SHARE_DIR="$T_TMP/theirbuild" "$@"
}
# The other user's server, by the pid in its lock file ($! would be the
# subshell running as_nobody).
stop_other() {
	_p=$([ -s "$other/ws/server.lock" ] && tr -dc '0-9' <"$other/ws/server.lock")
	[ -n "$_p" ] && kill "$_p" 2>/dev/null
	stop_server
}
trap 'stop_other; rm -rf "$T_TMP"' EXIT

# 1. A workspace directory of another user, nobody listening: no autostart there.
mkdir "$T_TMP/theirs"
chown $NOBODY "$T_TMP/theirs"
out=$("$DEVFLOW" --workspace "$T_TMP/theirs" ls 2>&1)
is $? 1 "a workspace of another uid is refused (1)"
like "$out" "workspace $T_TMP/theirs belongs to uid $NOBODY.*uid $me" \
	"... naming the directory, the uid found and the uid expected"
ok $([ ! -e "$T_TMP/theirs/devflow.sock" ] && [ ! -e "$T_TMP/theirs/server.lock" ]; echo $?) \
	"... and no server was started in it"

# 2. Another user's live server, in its own workspace.
as_nobody "$THEIR_DEVFLOW" server --workspace "$other/ws" >"$T_TMP/other.out" 2>&1 &
wait_until 10 test -S "$other/ws/devflow.sock"
ok $? "another user's server listens on $other/ws"
out=$("$DEVFLOW" --workspace "$other/ws" approve somerun 2>&1)
is $? 1 "approve against another user's server is refused (1)"
like "$out" "workspace $other/ws belongs to uid $NOBODY" "... naming the workspace's owner"
if grep -q "uid $me" "$other/ws/server.log"; then r=1; else r=0; fi
ok $r "... before connecting: the other server never saw us"

out=$("$DEVFLOW" --server-uid $NOBODY --workspace "$other/ws" ls 2>&1)
is $? 0 "--server-uid $NOBODY trusts that user's server"
like "$out" "no runs" "... and talks to it"
echo q >"$T_TMP/tui-script"
out=$(DEVFLOW_TUI_SCRIPT="$T_TMP/tui-script" "$DEVFLOW" --workspace "$other/ws" 2>&1)
is $? 1 "the TUI refuses another user's server too (1)"
like "$out" "workspace $other/ws belongs to uid $NOBODY" "... saying why"
DEVFLOW_TUI_SCRIPT="$T_TMP/tui-script" "$DEVFLOW" --server-uid $NOBODY --workspace "$other/ws" \
	>/dev/null 2>&1
is $? 0 "the TUI with --server-uid $NOBODY opens on it and quits"
out=$("$DEVFLOW" --server-uid nobody --workspace "$other/ws" ls 2>&1)
is $? 0 "--server-uid takes a user name too"
out=$("$DEVFLOW" --server-uid bogus-user-x --workspace "$other/ws" ls 2>&1)
is $? 2 "an unknown --server-uid is a usage error (2)"
like "$out" "--server-uid 'bogus-user-x'" "... naming the flag and the value"

# 3. Our own workspace, but the socket in it is another user's.
mkdir -m 700 "$T_TMP/ours"
mv "$other/ws/devflow.sock" "$T_TMP/ours/devflow.sock"
out=$("$DEVFLOW" --workspace "$T_TMP/ours" ls 2>&1)
is $? 1 "a socket of another uid in our workspace is refused (1)"
like "$out" "socket $T_TMP/ours/devflow.sock belongs to uid $NOBODY.*uid $me" \
	"... naming the socket and both uids"

# 4. The socket file is ours, but the process answering on it is not.
chown "$me" "$T_TMP/ours/devflow.sock"
hellos=$(grep -c 'says hello' "$other/ws/server.log")
out=$("$DEVFLOW" --workspace "$T_TMP/ours" approve somerun 2>&1)
is $? 1 "a server running as another uid is refused (1)"
like "$out" "runs as uid $NOBODY.*uid $me" "... naming the peer's uid (SO_PEERCRED) and ours"
is "$(grep -c 'says hello' "$other/ws/server.log")" "$hellos" \
	"... and no hello, no request reached it"
out=$("$DEVFLOW" --workspace "$T_TMP/ours" kill-server 2>&1)
is $? 1 "kill-server does not talk to it either"
mv "$T_TMP/ours/devflow.sock" "$other/ws/devflow.sock"

# 5. Our own workspace and server work as before.
"$DEVFLOW" ls >/dev/null 2>&1
ok $? "our own workspace: the server autostarts and answers"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "uid $me" "... as us"
done_testing
