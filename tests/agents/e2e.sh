#!/bin/sh
# tests/agents/e2e.sh [BACKEND...]: the real agent CLIs (Claude Code, Codex,
# Gemini CLI; aider where it is installed) doing real phases through a real
# devflow server, their model played by tests/agents/model-server.js.
#
# For each CLI as every role of the development template: the plan reaches
# its gate; a change request's comment reaches the model's next request; the
# server is killed (SIGKILL) while the implementer works on its repair, and
# the next server restarts the phase resuming the CLI's conversation (the
# resumed request carries the earlier turns) or starting it over; the
# reviewer's shell command is a question for a person, answered; the review
# is approved and the run completes with a valid report; a CLI killed
# mid-turn fails its run. Idle and needs-input must have come from the CLI's
# hooks where it has them. TAP; the per-CLI results are summed up as
# "# <cli>: ..." lines at the end.
#
# The CLIs come from tests/agents/install.sh (exit 77 when npm cannot
# install them: the whole suite is skipped, saying why). Each CLI runs with
# the test's private HOME, a dummy key and the endpoint's base URL; when
# unshare(1) can make one, the whole test runs in a network namespace of its
# own, so nothing but 127.0.0.1 is reachable.
#
# Under make: `make check-agents`. By hand from the build tree:
#   top_srcdir=SRC top_builddir=. sh SRC/tests/agents/e2e.sh [claude codex gemini aider]
: "${top_srcdir:?run through make check-agents}" "${top_builddir:?}"
# tests/lib.sh unsets every DEVFLOW_* variable: keep the cache's first.
AGENTS_CACHE=${DEVFLOW_AGENTS_CACHE:-$top_builddir/tests/agents/cache}
# aider is on neither npm nor Debian: by default it joins only where it is
# installed (asked for by name and missing, it is a skipped test).
E2E_BACKENDS=${*:-${DEVFLOW_AGENTS:-claude codex gemini$(command -v aider >/dev/null 2>&1 && echo ' aider')}}

# Install (needs the registry) before the network goes away.
if [ -z "${E2E_ISOLATED:-}" ]; then
	npm_backends=$(printf '%s\n' $E2E_BACKENDS | grep -v '^aider$' | tr '\n' ' ')
	if [ -n "$npm_backends" ]; then
		out=$(DEVFLOW_AGENTS_CACHE=$AGENTS_CACHE sh "$top_srcdir/tests/agents/install.sh" $npm_backends 2>&1)
		st=$?
		if [ $st -eq 77 ]; then
			echo "1..0 # SKIP $(printf '%s\n' "$out" | grep 'install.sh: ' | head -1)"
			printf '%s\n' "$out" | sed 's/^/# /'
			exit 0
		fi
		[ $st -eq 0 ] || { printf '%s\n' "$out" | sed 's/^/# /'; echo "Bail out! install.sh failed ($st)"; exit 1; }
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
	# A network namespace with only the loopback interface, where possible.
	if [ -z "${E2E_NO_UNSHARE:-}" ] && command -v unshare >/dev/null 2>&1; then
		ns=-rn
		[ "$(id -u)" = 0 ] && ns=-n
		# Only where the loopback can be brought up in it (ip, from iproute2):
		# a namespace whose lo is down reaches nothing, not even the endpoint.
		if unshare $ns sh -c 'ip link set lo up' 2>/dev/null; then
			export E2E_ISOLATED=1 DEVFLOW_AGENTS_CACHE="$AGENTS_CACHE"
			exec unshare $ns sh -c 'ip link set lo up && exec sh "$0" "$@"' \
				"$0" $E2E_BACKENDS
		fi
	fi
	echo "# no network namespace (unshare): the CLIs are only pointed at 127.0.0.1"
else
	echo "# in a network namespace of its own: only 127.0.0.1 is reachable"
fi
# Node 20 from the npm registry where the machine's node is older (install.sh).
if [ -x "$AGENTS_CACHE/node/node_modules/.bin/node" ]; then
	PATH=$AGENTS_CACHE/node/node_modules/.bin:$PATH
	export PATH
fi

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"
. "$top_srcdir/tests/agents/e2e-lib.sh"

ms_start || { echo "Bail out! the model endpoint did not start: $(cat "$T_TMP/ms.err")"; exit 1; }
echo "# model endpoint on 127.0.0.1:$MS_PORT"
e2e_env
for b in $E2E_BACKENDS; do
	e2e_backend "$b"
	e2e_crash "$b"
done
e2e_summary
done_testing
