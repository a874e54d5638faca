#!/bin/sh
# The running server picks up the user's new or changed templates, personas
# and backends: by itself when the configuration folder changes (inotify,
# also when the folder did not exist when it started), and on `devflow
# reload`. A bad file is refused with an error naming it (the reply to
# reload, a line in server.log) and the catalog in use stays.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

cfg=$XDG_CONFIG_HOME/devflow
log=$DEVFLOW_WORKSPACE/server.log
make_repo "$T_TMP/repo"
printf '# Add a greeting\n' >"$T_TMP/req.md"
start_with() { # start_with BACKEND [start args]: the run id, or the error
	b=$1; shift
	"$DEVFLOW" start --repo "$T_TMP/repo" --requirements "$T_TMP/req.md" --backend planner="$b" \
		--backend implementer=fake --backend reviewer=fake "$@" 2>&1
}

"$DEVFLOW" ls >/dev/null
ok $([ -n "$(server_pid)" ]; echo $?) "a server runs, started without a configuration folder"
ok $([ ! -e "$cfg" ]; echo $?) "... which is not there"
out=$(start_with fake2); rc=$?
ok $([ $rc -ne 0 ]; echo $?) "a run with backend fake2 cannot start: there is none"

# A backend added while the server runs: no restart, no reload needed.
mkdir -p "$cfg/backends"
sed 's/"name": "fake"/"name": "fake2"/' "$top_srcdir/data/backends/fake.json" >"$cfg/backends/fake2.json"
wait_until 10 grep -q 'configuration changed; catalog reloaded: .* backends' "$log"
ok $? "the server saw the new backend file and reloaded (server.log)"
out=$(start_with fake2); rc=$?
is "$rc" 0 "a run with the new backend starts"
like "$out" '^started run ' "... and says so"
run=$(printf '%s\n' "$out" | sed -n 's/^started run \([^ ]*\).*/\1/p')
wait_until 20 state_is "$run" awaiting_approval
ok $? "... and its planner, the fake2 agent, does its phase"

# A bad file: refused, the catalog in use stays.
mkdir -p "$cfg/templates"
printf '{"name": "broken", "version": 1,\n' >"$cfg/templates/broken.json"
wait_until 10 grep -q 'configuration changed; reload failed, the catalog in use stays: .*broken.json' "$log"
st=$?
# (A rare failure here, not reproduced alone: what the server said, to see why.)
[ $st -eq 0 ] || tail -n 20 "$log" | sed 's/^/# server.log: /'
ok $st "a broken template: the automatic reload fails and server.log says which file"
out=$("$DEVFLOW" reload 2>&1); rc=$?
is "$rc" 1 "devflow reload with a broken template: exit 1"
like "$out" "^devflow: .*templates/broken.json.*\\(json_parse\\)" "... naming the file"
grep -q "reload by .* failed, the catalog in use stays" "$log"
ok $? "... and server.log says so"
"$DEVFLOW" abort "$run" >/dev/null 2>&1
wait_until 20 state_is "$run" aborted
out=$(start_with fake2); rc=$?
is "$rc" 0 "the catalog in use stayed: fake2 still starts runs"
run=$(printf '%s\n' "$out" | sed -n 's/^started run \([^ ]*\).*/\1/p')
"$DEVFLOW" abort "$run" >/dev/null 2>&1
wait_until 20 state_is "$run" aborted

# Fixed, and a new template with it, on devflow reload.
sed 's/"name": "development"/"name": "broken"/' "$top_srcdir/data/templates/development.json" \
	>"$cfg/templates/broken.json.tmp"
mv "$cfg/templates/broken.json.tmp" "$cfg/templates/broken.json"
out=$("$DEVFLOW" reload); rc=$?
is "$rc" 0 "devflow reload once the file is fixed: exit 0"
like "$out" '^catalog reloaded: 3 templates, 3 personas, 6 backends \([0-9]+ available\)$' \
	"... counting the user's template and backend"
out=$(start_with fake2 --template broken); rc=$?
is "$rc" 0 "a run of the new template starts"
run=$(printf '%s\n' "$out" | sed -n 's/^started run \([^ ]*\).*/\1/p')
is "$("$DEVFLOW" ls | awk -v r="$run" '$1 == r { print $5 }')" broken "... with that template"
dj reload
is "$(jv result.backends)" 6 "devflow reload --json: the counts"
done_testing
