#!/bin/sh
# Answering an agent's question without attaching: the fake agent's
# Claude-Code-style permission question (scenario `permission`) is a
# session.needs_input event carrying the question's text and the answers
# the fake backend declares; `devflow answer SESSION 1` (the `answer` op)
# sends the answer's keys, the session stops needing input at once, the run
# goes on, and session.answered records the choice, its label and the
# actor. Bad input is refused with a clear error and changes nothing: no
# session, no choice, an unknown choice, an unknown session, a session that
# no longer asks.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

make_repo "$T_TMP/repo"
# Slow steps after the answer, so "at once" is seen before the agent has
# written its plan and the session waits at the gate.
export DEVFLOW_FAKE_STEP_MS=1500
run=$(start_run "$T_TMP/repo" --scenario plan=permission)
ok $? "a run whose plan agent asks permission started"
sid=$(last_session "$run")

# The index of the last event of TYPE in the last dj output, or nothing.
last_event() {
	_i=0 _hit=
	while _t=$(jv "result.events.$_i.type"); do
		[ "$_t" = "$1" ] && _hit=$_i
		_i=$((_i + 1))
	done
	[ -n "$_hit" ] && echo "$_hit"
}
session_state() {
	dj status "$run" && jv result.sessions.0.state
}
asks() { [ "$(session_state)" = NEEDS_INPUT ]; }

wait_until 30 asks
ok $? "the agent's question makes its session need input"
dj status "$run"
e=$(last_event session.needs_input)
is "$(jv "result.events.$e.payload.text")" "Do you want to proceed?" \
	"the event carries the question's text: the lines its pattern matches, trimmed"
is "$(jv "result.events.$e.payload.choices.0.key") $(jv "result.events.$e.payload.choices.0.label")" \
	"1 Yes" "its first choice: key 1, Yes"
is "$(jv "result.events.$e.payload.choices.1.label")/$(jv "result.events.$e.payload.choices.2.label")" \
	"Always/No" "and the others, in the backend's order"

# Bad input first: each refused, the question still waits.
"$DEVFLOW" answer >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 2 "no session: a usage error"
like "$(cat "$T_TMP/e")" "SESSION is missing" "that says what is missing"
"$DEVFLOW" answer "$sid" >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 2 "no choice: a usage error"
like "$(cat "$T_TMP/e")" "CHOICE is missing" "that says what is missing"
"$DEVFLOW" answer "$sid" 7 >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 2 "an unknown choice is refused"
like "$(cat "$T_TMP/e")" "'7' is not an answer to \"Do you want to proceed\\?\" \\(answers: 1 Yes, 2 Always, 3 No\\)" \
	"naming the question and the answers it has"
"$DEVFLOW" answer no-such-session 1 >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 1 "an unknown session is refused"
like "$(cat "$T_TMP/e")" "no-such-session" "naming it"
is "$(session_state)" NEEDS_INPUT "after all that the question still waits"
dj status "$run"
is "$(last_event session.answered)" "" "and nothing was recorded as answered"

dj answer "$(printf %s "$sid" | cut -c1-8)" 1
is "$?" 0 "answer SESSION 1 is taken (the session named by a prefix)"
is "$("$JSON_GET" -k "$T_TMP/out.json" result)" "session choice label question actor" \
	"its result: session choice label question actor"
is "$(jv result.session) $(jv result.choice) $(jv result.label) $(jv result.actor)" \
	"$sid 1 Yes $(id -un)" "what was sent, and by whom"
# At once: the state changed before the reply, not when the screen changes.
is "$(session_state)" BUSY "the session no longer needs input"
dj status "$run"
e=$(last_event session.answered)
is "$(jv "result.events.$e.payload.choice") $(jv "result.events.$e.payload.label")" "1 Yes" \
	"session.answered records the choice and its label"
is "$(jv "result.events.$e.payload.actor")" "$(id -un)" "and the actor, the peer's user"
is "$(jv "result.events.$e.payload.question")" "Do you want to proceed?" "and the question"

wait_until 30 state_is "$run" awaiting_approval
ok $? "the agent went on: the plan waits for approval"
"$DEVFLOW" capture "$sid" >"$T_TMP/screen"
like "$(cat "$T_TMP/screen")" "Ran make test: no tests to run here" "the agent took 1 as Yes"
unlike "$(cat "$T_TMP/screen")" "Do you want to proceed" "and took its dialog down"

"$DEVFLOW" answer "$sid" 1 >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 3 "a session that no longer asks is refused (a conflict)"
is "$(cat "$T_TMP/o")" "" "nothing on stdout"
like "$(cat "$T_TMP/e")" "is not asking a question now" "saying so"
"$DEVFLOW" --json answer "$sid" 2 >"$T_TMP/o" 2>&1
like "$(cat "$T_TMP/o")" '"code": *"run_state_changed"' "--json gives the error's code"
# The y/n kind of question, answered for a script in words.
make_repo "$T_TMP/repo2"
run=$(start_run "$T_TMP/repo2" --scenario plan=ask)
sid=$(last_session "$run")
wait_until 30 asks
ok $? "a y/n question waits"
"$DEVFLOW" answer "$sid" y >"$T_TMP/o" 2>"$T_TMP/e"
is "$?" 0 "answer SESSION y"
is "$(cat "$T_TMP/o")" "$sid: answered y (Yes) to \"? Run the test suite? (y/n)\"" \
	"says what was answered to which question"
wait_until 30 state_is "$run" awaiting_approval
ok $? "that agent went on too"
done_testing
