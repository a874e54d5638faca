#!/bin/sh
# `devflow doctor`: library versions, tools, agent CLIs with install hints,
# workspace, socket and server state; it never starts a server.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

out=$("$DEVFLOW" doctor)
ok $? "doctor exits 0 on a working build"
like "$out" 'ok +sqlite +3\.' "it shows SQLite's runtime version"
like "$out" 'ok +libgit2 +1\.' "and libgit2's"
like "$out" 'ok +fake +devflow-fake-agent' "the bundled fake agent is found"
like "$out" 'server +not running' "no server yet"
ok $([ -z "$(server_pid)" ]; echo $?) "doctor started none"
dj doctor
is "$(jv result.problems)" 0 "doctor --json counts no problems"
is "$(jv result.libraries.cjson.value)" "$(jv result.libraries.cjson.value | grep -E '^1\.')" \
	"and reports cJSON's version"
"$DEVFLOW" ls >/dev/null
out=$("$DEVFLOW" doctor)
like "$out" "server +running, pid $(server_pid), answering" "with a server it says so"
done_testing
