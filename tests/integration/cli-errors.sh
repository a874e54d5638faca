#!/bin/sh
# Diagnostics name the real cause: a workspace that cannot be created or
# examined says so (not "the server exited before accepting connections",
# not "another user's server"); a run, session or approval that does not
# exist is "not found", exit 1, in every verb (the table in cli.c and the
# README), and the message names the verb the user ran.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

out=$("$DEVFLOW" --workspace /proc/devflow-none/ws ls 2>&1)
is $? 1 "a workspace under /proc is an error (1)"
like "$out" "cannot create workspace /proc/devflow-none/ws: No such file or directory" \
	"... that says it cannot be created, and why"
case $out in *server*) r=1 ;; *) r=0 ;; esac
ok $r "... and blames no server"

# The same as a user who may not write (or search) the parent directory.
mkdir -m 755 "$T_TMP/ro"
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		chmod 711 "$T_TMP"
		as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	fi
else
	chmod 555 "$T_TMP/ro"
	as_user() { "$@"; }
fi
if command -v as_user >/dev/null 2>&1; then
	out=$(as_user "$DEVFLOW" --workspace "$T_TMP/ro/ws" ls 2>&1)
	is $? 1 "a workspace in a read-only directory is an error (1)"
	is "$(printf '%s\n' "$out" | head -1)" \
		"devflow: cannot create workspace $T_TMP/ro/ws: Permission denied (io_error)" \
		"... that says so"
	ok $([ ! -e "$T_TMP/ro/ws" ]; echo $?) "... and nothing was created"
	chmod 700 "$T_TMP/ro"
	[ "$(id -u)" -eq 0 ] || chmod 000 "$T_TMP/ro"
	out=$(as_user "$DEVFLOW" --workspace "$T_TMP/ro/ws" kill-server 2>&1)
	is $? 1 "a workspace under a directory we may not search is an error (1)"
	is "$(printf '%s\n' "$out" | head -1)" \
		"devflow: cannot access workspace $T_TMP/ro/ws: Permission denied (io_error)" \
		"... that says so, not \"another user's server\""
	chmod 700 "$T_TMP/ro"
else
	ok 0 "# SKIP root without setpriv: no user that a directory mode stops"
fi

# Not found: the same exit code and error code in every verb.
for verb in status approve changes reject abort pause resume report logs sessions; do
	extra=
	[ $verb = changes ] && extra="--comment x"
	out=$("$DEVFLOW" $verb nosuchrun $extra 2>&1 </dev/null)
	is $? 1 "$verb of an unknown run: exit 1"
	is "$(printf '%s\n' "$out" | head -1)" "devflow: no run matches 'nosuchrun' (run_not_found)" \
		"... says which run is not found"
done
for verb in capture attach; do
	out=$("$DEVFLOW" $verb nosuchsession 2>&1 </dev/null)
	is $? 1 "$verb of an unknown session: exit 1"
	want="no session matches 'nosuchsession' (session_not_found)"
	[ $verb = attach ] && want="attach: $want"
	is "$(printf '%s\n' "$out" | head -1)" "devflow: $want" \
		"... says which session is not found (and no other verb's name)"
done
dj capture nosuchsession
is "$(jv error.code)" session_not_found "--json: the error code is session_not_found"
err=$(DEVFLOW_SESSION_ID=nosuchsession "$DEVFLOW" hook Stop 2>&1)
is $? 0 "hook for an unknown session still exits 0 (a hook never breaks the agent)"
like "$err" "no session matches 'nosuchsession'" "... and says the session is not found"

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo")
wait_until 20 state_is "$run" awaiting_approval
ok $? "a run waits at its gate"
for verb in approve changes reject; do
	out=$("$DEVFLOW" $verb "$run" --approval nosuchgate --comment x 2>&1)
	is $? 1 "$verb of an unknown approval: exit 1"
	like "$out" "approval_not_found" "... approval_not_found"
done
done_testing
