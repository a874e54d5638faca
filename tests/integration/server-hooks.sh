#!/bin/sh
# Hooks through a real server: a test backend (in a private copy of data/)
# whose screen never looks ready, run by a stand-in agent script. The
# runtime gives it its configuration files (merged into the user's, other
# keys kept), its hook arguments with {devflow} and {worktree} replaced, and
# DEVFLOW_SESSION_ID; the script writes the plan so that inotify does not
# see it (a hard link) and calls `devflow hook`: the run reaches its gate by
# hook alone, and the conversation ids the CLI passed are kept.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

# The private share directory: the built-ins plus the test backend.
share="$T_TMP/share"
mkdir -p "$share"
cp -R "$top_srcdir/data" "$top_srcdir/schemas" "$share/"
cat >"$share/data/backends/hooktest.json" <<'JSON'
{
  "name": "hooktest",
  "version": 1,
  "argv": ["hook-agent", "--worktree={worktree}", "{prompt}"],
  "env": { "HOOKTEST_SET": "set by the backend", "CI": null, "GITHUB_ACTIONS": null },
  "prompt": { "mode": "argv", "submitDelayMs": 0 },
  "configFiles": [
    { "path": "~/.hooktest.json", "merge": { "projects": { "{worktree}": { "trusted": true } } } }
  ],
  "hooks": {
    "argv": ["--devflow={devflow}"],
    "configFiles": [
      { "path": "~/.hooktest/settings.json",
        "merge": { "hooks": { "Stop": "{devflow} hook idle" } } }
    ]
  },
  "screen": {
    "ready": ["^this screen is never ready$"],
    "busy": [],
    "needsInput": ["^Allow this\\? \\(y/n\\)$"],
    "trust": [],
    "lastLines": 4,
    "stableMs": 100
  },
  "install": "tests/integration/server-hooks.sh writes it"
}
JSON
export DEVFLOW_SHARE_DIR="$share"

# The stand-in agent CLI: shows what it got, reports by hook only, stays alive.
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/hook-agent" <<'SH'
#!/bin/sh
log="$HOME/agent.log"
for a in "$@"; do printf 'arg: %s\n' "$a"; done >"$log"
printf 'session: %s\n' "$DEVFLOW_SESSION_ID" >>"$log"
printf 'env: %s|%s|%s\n' "$HOOKTEST_SET" "${CI-unset}" "${GITHUB_ACTIONS-unset}" >>"$log"
printf 'claude-json: %s\n' "$(tr -d ' \t\n' <"$HOME/.hooktest.json")" >>"$log"
printf 'settings: %s\n' "$(tr -d '\t\n' <"$HOME/.hooktest/settings.json")" >>"$log"
wt= dfbin=
for a in "$@"; do
	case $a in
	--worktree=*) wt=${a#--worktree=} ;;
	--devflow=*) dfbin=${a#--devflow=} ;;
	esac
done
DEVFLOW_BIN=$dfbin
# Claude Code style: the event's JSON object on standard input.
echo '{"session_id":"conv-claude-1","hook_event_name":"UserPromptSubmit"}' |
	"$DEVFLOW_BIN" hook busy extra args ignored
echo "busy: $?" >>"$log"
cat >"$HOME/plan.src" <<'PLAN'
{"summary": "Plan by hook", "phases": [{"key": "implement", "title": "Implement",
 "roles": ["implementer"], "expectedArtifact": {"path": "change-summary.json",
 "schema": "dev/change-summary@1"}, "gates": ["change_review"]}]}
PLAN
ln "$HOME/plan.src" "$wt/plan.json"
# Codex style: one JSON argument.
"$DEVFLOW_BIN" hook idle '{"type":"agent-turn-complete","thread-id":"thr-codex-2"}'
echo "idle: $?" >>"$log"
echo "waiting"
# A question this CLI has no hook for: the screen must still report it.
sleep 1
echo "Allow this? (y/n)"
exec sleep 60
SH
chmod +x "$T_TMP/bin/hook-agent"
export PATH="$T_TMP/bin:$PATH"

# The user's own configuration, full of other keys.
printf '{"numStartups": 7, "projects": {"/elsewhere": {"trusted": false}}, "theme": "dark"}\n' \
	>"$HOME/.hooktest.json"
chmod 640 "$HOME/.hooktest.json"

make_repo "$T_TMP/repo"
printf '# Add a greeting\n' >"$T_TMP/req.md"
# As on a CI machine: the server's environment says CI (a CLI such as Gemini
# then runs headless); the backend's null entries keep it from the agent.
export CI=true GITHUB_ACTIONS=true
dj start --repo "$T_TMP/repo" --requirements "$T_TMP/req.md" --backend planner=hooktest \
	--backend implementer=fake --backend reviewer=fake
ok $? "start a run with the hooktest backend"
run=$(jv result.runId)
wait_until 30 state_is "$run" awaiting_approval
ok $? "the plan reaches its gate, by hook alone"
dj status "$run"
wt=$(jv result.run.worktreeRoot)
log=$(cat "$HOME/agent.log" 2>/dev/null)
like "$log" "^arg: --worktree=$wt\$" "{worktree} replaced in argv"
like "$log" "^arg: --devflow=$DEVFLOW\$" "hooks.argv appended, {devflow} = the absolute path of devflow"
sess=$(last_session "$run")
like "$log" "^session: $sess\$" "the agent has DEVFLOW_SESSION_ID"
like "$log" "^env: set by the backend\|unset\|unset\$" \
	"the backend's env: a string is set, a null removes the server's variable (CI, GITHUB_ACTIONS)"
is "$(printf '%s\n' "$log" | sed -n 's/^claude-json: //p')" \
	"{\"numStartups\":7,\"projects\":{\"/elsewhere\":{\"trusted\":false},\"$wt\":{\"trusted\":true}},\"theme\":\"dark\"}" \
	"configFiles merged before the start, the user's keys kept"
is "$(stat -c %a "$HOME/.hooktest.json")" 640 "... and the file's mode kept"
like "$log" "^settings: \\{\"hooks\":\\{\"Stop\":\"$DEVFLOW hook idle\"\\}\\}\$" \
	"hooks.configFiles merged, with {devflow}"
like "$log" "^busy: 0\$" "hook busy (JSON on stdin, extra arguments) exits 0"
like "$log" "^idle: 0\$" "hook idle (a JSON argument) exits 0"
"$DEVFLOW" logs "$run" >"$T_TMP/logs.txt"
like "$(cat "$T_TMP/logs.txt")" "session.idle" "the engine heard the session go idle"
like "$(grep session.idle "$T_TMP/logs.txt")" '"source":"hook"' "... from the CLI's hook (source hook)"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "hook busy for session $sess \\(conversation conv-claude-1\\)" \
	"the server got Claude Code's session_id from stdin"
like "$(cat "$DEVFLOW_WORKSPACE/server.log")" "hook idle for session $sess \\(conversation thr-codex-2\\)" \
	"... and Codex's thread-id from the argument"
dj sessions "$run"
is "$(jv result.sessions.0.conversationId)" "thr-codex-2" \
	"sessions --json shows the last conversation id"

wait_until 20 sh -c "'$DEVFLOW' logs '$run' | grep -q session.needs_input"
ok $? "a question the backend has no hook for is still reported after a hook spoke"
like "$("$DEVFLOW" logs "$run" | grep session.needs_input)" '"question":"[^"]*Allow this\? \(y/n\)".*"source":"screen"' \
	"... from the screen (its patterns), with the question"

# Codex's title generation is a turn of its own, quoting the instructions:
# its notify is not the agent's idle, and its thread is no conversation.
DEVFLOW_SESSION_ID=$sess "$DEVFLOW" hook idle '{"type":"agent-turn-complete","thread-id":"thr-title-3","input-messages":["Generate a concise, single-line task title.\n\nUser prompt:\ndevflow phase: plan — Plan the work"]}'
is $? 0 "a Codex notify for its title thread exits 0"
unlike "$(cat "$DEVFLOW_WORKSPACE/server.log")" "thr-title-3" "... and is not sent to the server"
dj sessions "$run"
is "$(jv result.sessions.0.conversationId)" "thr-codex-2" "the conversation id is still the agent's own"

# The fake implementer has no hooks: its idle comes from the screen, at the
# end of its turn (its phase has a gate: the session waits there).
dj approve "$run"
wait_until 30 sh -c "'$DEVFLOW' logs '$run' >'$T_TMP/logs.txt' && grep session.idle '$T_TMP/logs.txt' | grep -q implementer"
ok $? "approved, the fake implementer goes idle after its turn"
like "$(grep session.idle "$T_TMP/logs.txt" | grep implementer)" '"source":"screen"' \
	"an idle seen on the screen says so (source screen)"

# The verb outside an agent, and with a server that does not know the session.
out=$(env -u DEVFLOW_SESSION_ID "$DEVFLOW" hook idle 2>&1)
is "$?:$out" "0:" "without DEVFLOW_SESSION_ID the verb does nothing and exits 0"
out=$(DEVFLOW_SESSION_ID=no-such-session "$DEVFLOW" hook idle </dev/null 2>&1)
is "$?" 0 "an unknown session still exits 0"
like "$out" "no-such-session" "... and says why on standard error"
out=$(DEVFLOW_SESSION_ID=$sess DEVFLOW_WORKSPACE="$T_TMP/nowhere" "$DEVFLOW" hook idle 2>&1)
is "$?" 0 "no server: exit 0, and no server is started"
ok $([ ! -e "$T_TMP/nowhere/devflow.sock" ]; echo $?) "... none was started"

# A CLI whose needs-input hook fires before it draws its dialog (Gemini
# CLI does): the question is asked at once from the hook, then again with
# the answers its backend declares once the dialog is on screen, so the
# queue can answer it.
cat >"$share/data/backends/hookask.json" <<'JSON'
{
  "name": "hookask",
  "version": 1,
  "argv": ["hookask-agent", "--devflow={devflow}", "{prompt}"],
  "env": {},
  "prompt": { "mode": "argv", "submitDelayMs": 0 },
  "hooks": {
    "argv": [],
    "configFiles": [
      { "path": "~/.hookask.json",
        "merge": { "Notification": "{devflow} hook needs-input", "Stop": "{devflow} hook idle" } }
    ]
  },
  "screen": {
    "ready": ["^this screen is never ready$"],
    "busy": [],
    "needsInput": ["^Allow this\\? \\(y/n\\)$"],
    "questions": [
      { "match": "^Allow this\\? \\(y/n\\)$",
        "answers": [ { "key": "y", "label": "Yes", "send": "y Enter" },
                     { "key": "n", "label": "No", "send": "n Enter" } ] }
    ],
    "trust": [],
    "lastLines": 4,
    "stableMs": 100
  },
  "install": "tests/integration/server-hooks.sh writes it"
}
JSON
cat >"$T_TMP/bin/hookask-agent" <<'SH'
#!/bin/sh
for a in "$@"; do case $a in --devflow=*) dfbin=${a#--devflow=} ;; esac; done
echo "working"
echo '{"hook_event_name":"Notification","message":"Agent needs your permission"}' |
	"$dfbin" hook needs-input
sleep 1
echo "Allow this? (y/n)"
read -r answer
echo "answered: $answer"
exec sleep 60
SH
chmod +x "$T_TMP/bin/hookask-agent"
"$DEVFLOW" kill-server >/dev/null 2>&1 # the catalog with hookask in it
make_repo "$T_TMP/repo3"
dj start --repo "$T_TMP/repo3" --requirements "$T_TMP/req.md" --backend planner=hookask \
	--backend implementer=fake --backend reviewer=fake
ok $? "start a run whose agent's hook tells of a question before its screen shows it"
run3=$(jv result.runId)
wait_until 20 sh -c "'$DEVFLOW' --json logs '$run3' | grep session.needs_input | grep -q choices"
ok $? "once drawn, the question is asked again with its answers"
asks=$("$DEVFLOW" --json logs "$run3" | grep session.needs_input)
like "$(printf '%s\n' "$asks" | head -n 1)" '"question": *"Agent needs your permission' \
	"first at once, from the hook's message"
like "$(printf '%s\n' "$asks" | tail -n 1)" '"choices": *\[\{"key": *"y", *"label": *"Yes"\}' \
	"then with the answers the backend declares"
like "$(printf '%s\n' "$asks" | tail -n 1)" '"source": *"hook"' "... still the hook's question"
sess3=$(last_session "$run3")
"$DEVFLOW" answer "$sess3" y >/dev/null
is $? 0 "answered y from the queue"
wait_until 10 sh -c "'$DEVFLOW' capture '$sess3' | grep -q 'answered: y'"
ok $? "... the agent got it"
"$DEVFLOW" abort "$run3" >/dev/null

# A user file devflow cannot merge: the next session fails to start, the file is kept.
printf '{ "numStartups": 7, // a comment\n}\n' >"$HOME/.hooktest.json"
make_repo "$T_TMP/repo2"
dj start --repo "$T_TMP/repo2" --requirements "$T_TMP/req.md" --backend planner=hooktest \
	--backend implementer=fake --backend reviewer=fake
ok $? "start a second run"
run2=$(jv result.runId)
wait_until 20 state_is "$run2" failed
ok $? "a run whose agent configuration cannot be merged fails"
failure=$(grep "run $run2: step failed" "$DEVFLOW_WORKSPACE/server.log")
like "$failure" "json_parse" "the server logs why"
like "$failure" "backend hooktest: /configFiles/0: $HOME/.hooktest.json: not valid JSON" \
	"... naming the backend, the entry and the file"
is "$(cat "$HOME/.hooktest.json")" '{ "numStartups": 7, // a comment
}' "the file is left as it was"
done_testing
