#!/bin/sh
# devflow-fake-agent driven for real in tmux: banner and prompt, bracketed
# paste of phase instructions, every scenario, scenario selection by the
# instructions and by the environment, repair and change-request prompts in
# one session, and its exits. Each part runs on a fresh tmux server
# (tmux_case), so that one where tmux itself crashed can run again.
. "$top_srcdir/tests/lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"

AGENT="$top_builddir/devflow-fake-agent"
JGET="$top_builddir/tests/tools/json-get"
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

TM() { tm "$@"; }
screen() { TM capture-pane -p -t "$1"; }
# The last non-blank line of a session's screen.
last_line() { screen "$1" | sed -e '/^[[:space:]]*$/d' | tail -n 1; }

# wait_for DESCRIPTION COMMAND...: poll up to 5 s (100 × 50 ms) until COMMAND succeeds.
wait_for() {
	_w_i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		_w_i=$((_w_i + 1))
		[ "$_w_i" -ge 100 ] && return 1
		sleep 0.05
	done
	return 0
}
screen_has() { screen "$1" | grep -Eq -- "$2"; }
at_prompt() { last_line "$1" | grep -Eq '^>$'; }
# The agent has exited once tmux knows its status. tmux 3.3 sometimes leaves
# an exited pane process unreaped until another child of the server exits, so
# a dead pane without a status gets a short-lived run-shell job as a nudge.
pane_dead() {
	[ -n "$(TM display -p -t "$1" '#{pane_dead_status}#{pane_dead_signal}')" ] && return 0
	[ "$(TM display -p -t "$1" '#{pane_dead}')" = 1 ] && TM run-shell true
	return 1
}
# wait_exit NAME: wait for the agent to exit; print its exit status (empty if it did not).
wait_exit() {
	wait_for "exit" pane_dead "$1" || screen "$1" | sed 's/^/# screen: /' >&2
	TM display -p -t "$1" '#{pane_dead_status}'
}

# start NAME [VAR=VALUE...]: the agent in a fresh directory $T_TMP/NAME, in a
# detached 100x30 session whose pane stays after the agent exits.
start() {
	_s_name=$1
	shift
	rm -rf "${T_TMP:?}/$_s_name"
	mkdir -p "$T_TMP/$_s_name"
	TM new-session -d -s "$_s_name" -x 100 -y 30 -c "$T_TMP/$_s_name" \
		env DEVFLOW_FAKE_STEP_MS=5 "$@" "$AGENT" \; set-option -t "$_s_name" remain-on-exit on
	wait_for "prompt" at_prompt "$_s_name"
}

# instr FILE KEY TITLE PATH SCHEMA [SCENARIO [COMMENT [ERRORS]]]: compose
# instructions as docs/instructions.md lays them out.
instr() {
	{
		printf 'devflow phase: %s \342\200\224 %s\n' "$2" "$3"
		printf 'Run: r-test\nRole: someone (persona tester@1)\nAttempt: 1\n'
		printf 'Artifact path: %s\nArtifact schema: %s\n' "$4" "$5"
		[ -n "${6:-}" ] && printf 'Scenario: %s\n' "$6"
		printf '\nRequirements:\n# Notes\n\nKeep notes. The Scenario: line is not here.\n\n'
		printf 'Instructions:\nDo the phase.\n\n'
		[ -n "${7:-}" ] && printf 'Reviewer comment:\n%s\n\n' "$7"
		[ -n "${8:-}" ] && printf 'Validation errors:\n%s\n\n' "$8"
		printf 'Schema:\n```json\n'
		if [ -n "${SCHEMA_TEXT:-}" ]; then printf '%s\n' "$SCHEMA_TEXT"; else printf '{"type": "object"}\n'; fi
		printf '```\n\nWhen you are done, write the artifact as JSON to the artifact path.\n'
	} >"$1"
}

# deliver NAME FILE: bracketed paste, then Enter as its own key.
deliver() {
	TM load-buffer -b instr "$2"
	TM paste-buffer -p -d -b instr -t "$1"
	wait_for "paste summary" screen_has "$1" '^> \[pasted [0-9]+ lines\]' || echo "# no paste summary on $1"
	TM send-keys -t "$1" Enter
}

plan_i="$T_TMP/plan.txt" impl_i="$T_TMP/impl.txt" rev_i="$T_TMP/rev.txt"
instr "$plan_i" plan "Plan the work" plan.json dev/phase-plan@1
instr "$impl_i" implement "Implement the change" change-summary.json dev/change-summary@1
instr "$rev_i" review "Review the change" review.json dev/review-findings@1

# --- front matter --------------------------------------------------------
out=$("$AGENT" --version)
like "$out" '^devflow-fake-agent [0-9]+\.[0-9]+\.[0-9]+$' "--version names the program and version"
out=$("$AGENT" --help)
like "$out" 'invalid-then-ok' "--help lists the scenarios"
"$AGENT" --frob >/dev/null 2>&1
is "$?" 2 "an unknown option is a usage error"

# --- ok, for each schema, in one session ---------------------------------
case_main() {
start main
ok $? "the agent shows its prompt"
like "$(screen main)" 'devflow fake agent' "the banner names the agent"
like "$(screen main)" '╭─+╮' "the banner is a box"

TM send-keys -t main -l 'hello'
TM send-keys -t main BSpace
wait_for "echo" screen_has main '^> hell$'
ok $? "typed characters echo and Backspace edits"
TM send-keys -t main C-u
wait_for "cleared" at_prompt main
ok $? "Ctrl-U clears the input"

TM load-buffer -b p "$plan_i"
TM paste-buffer -p -d -b p -t main
TM send-keys -t main -l 'xy'
wait_for "paste and typing" screen_has main '^> \[pasted [0-9]+ lines\]xy$'
ok $? "a paste shows as a summary, typed text after it"
TM send-keys -t main BSpace
wait_for "backspace" screen_has main '^> \[pasted [0-9]+ lines\]x$'
TM send-keys -t main BSpace BSpace
wait_for "paste removed" at_prompt main
ok $? "Backspace removes a paste as a whole"
TM send-keys -t main Enter
wait_for "prompt" at_prompt main

d="$T_TMP/main"
deliver main "$plan_i"
wait_for "plan.json" test -f "$d/plan.json"
ok $? "ok: the plan artifact is written"
is "$("$JGET" "$d/plan.json" phases.0.key)" implement "plan: first planned phase is implement"
is "$("$JGET" "$d/plan.json" phases.0.roles)" '["implementer"]' "plan: implement is the implementer's"
is "$("$JGET" "$d/plan.json" phases.0.expectedArtifact.schema)" dev/change-summary@1 "plan: implement expects a change summary"
is "$("$JGET" "$d/plan.json" phases.0.gates)" '[]' "plan: implement has no gate"
is "$("$JGET" "$d/plan.json" phases.1.key)" review "plan: second planned phase is review"
is "$("$JGET" "$d/plan.json" phases.1.expectedArtifact.path)" review.json "plan: review writes review.json"
is "$("$JGET" "$d/plan.json" phases.1.gates)" '["final_review"]' "plan: review has the final_review gate"
like "$("$JGET" "$d/plan.json" summary)" 'Plan the work' "plan: the summary mentions the phase title"
wait_for "prompt" at_prompt main
ok $? "the prompt comes back after the work"
like "$(screen main)" '✓ Wrote plan.json' "the screen reports the write"
like "$(screen main)" '● Reading schema dev/phase-plan@1' "the screen shows progress"

deliver main "$impl_i"
wait_for "change-summary.json" test -f "$d/change-summary.json"
ok $? "ok: the change summary is written in the same session"
is "$("$JGET" "$d/change-summary.json" filesChanged)" '["NOTES.md"]' "change summary: reports NOTES.md"
is "$(cat "$d/NOTES.md" 2>/dev/null)" '- implement: Implement the change (edited by devflow-fake-agent)' \
	"change summary: NOTES.md really got the line"
is "$("$JGET" "$d/change-summary.json" commands.0.exit_code)" 0 "change summary: reports its command"
is "$("$JGET" "$d/change-summary.json" commands.0.argv.1)" NOTES.md "change summary: the command names the file"
wait_for "prompt" at_prompt main

deliver main "$rev_i"
wait_for "review.json" test -f "$d/review.json"
ok $? "ok: the review is written"
is "$("$JGET" "$d/review.json" verdict)" approve "review: approves"
is "$("$JGET" "$d/review.json" findings.0.severity)" info "review: one info finding"
"$JGET" "$d/review.json" findings.1 >/dev/null 2>&1
is "$?" 2 "review: only one finding"
wait_for "prompt" at_prompt main
left=$(find "$d" -name '.*tmp*' | wc -l)
is "$left" 0 "no temporary files are left behind"

# --- a reviewer comment reaches the agent -------------------------------
instr "$T_TMP/rev-c.txt" review "Review the change" review.json dev/review-findings@1 "" \
	"Please cover the empty-input case"
rm -f "$d/review.json"
deliver main "$T_TMP/rev-c.txt"
wait_for "review.json" test -f "$d/review.json"
like "$("$JGET" "$d/review.json" summary)" 'Please cover the empty-input case' \
	"the summary quotes the reviewer comment"
like "$(screen main)" 'Reviewer comment: "Please cover the empty-input case"' \
	"the screen shows the reviewer comment"
wait_for "prompt" at_prompt main

# --- any other schema: a minimal instance from the schema ----------------
SCHEMA_TEXT='{"type": "object", "required": ["kind", "level", "tags", "item", "note"],
 "properties": {"kind": {"const": "report"}, "level": {"enum": ["low", "high"]},
  "tags": {"type": "array", "minItems": 2, "uniqueItems": true, "items": {"type": "string"}},
  "item": {"$ref": "#/$defs/item"}, "note": {"type": "string", "minLength": 12},
  "optional": {"type": "string"}},
 "$defs": {"item": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 3}}}}}'
instr "$T_TMP/gen.txt" other "Something else" out/other.json my/other@1
SCHEMA_TEXT=
deliver main "$T_TMP/gen.txt"
wait_for "out/other.json" test -f "$d/out/other.json"
is "$("$JGET" "$d/out/other.json" kind)" report "generic: const respected"
is "$("$JGET" "$d/out/other.json" level)" low "generic: enum respected"
is "$("$JGET" "$d/out/other.json" tags)" '["example","example-1"]' "generic: minItems and uniqueItems respected"
is "$("$JGET" "$d/out/other.json" item.n)" 3 "generic: local \$ref followed, minimum respected"
is "$(printf %s "$("$JGET" "$d/out/other.json" note)" | wc -c)" 12 "generic: minLength respected"
"$JGET" "$d/out/other.json" optional >/dev/null 2>&1
is "$?" 2 "generic: optional properties left out"
like "$(screen main)" 'minimal instance of my/other@1' "generic: the screen says what it did"
wait_for "prompt" at_prompt main

# --- unknown scenario --------------------------------------------------------
instr "$T_TMP/unk.txt" plan "Plan the work" unk.json dev/phase-plan@1 frobnicate
deliver main "$T_TMP/unk.txt"
wait_for "error" screen_has main "Unknown scenario 'frobnicate'"
ok $? "an unknown scenario is named"
# The list is wider than the terminal: its wrapped lines are joined (a space at the wrap may go).
like "$(screen main | tr -d '\n')" 'Valid ?scenarios: ?ok, ?invalid-then-ok, ?invalid, ?garbage, ?silent, ?ask, ?permission, ?chatty, ?fix-on-check, ?changes-then-approve, ?merge-base, ?crash' \
	"the valid scenarios are listed"
wait_for "prompt" at_prompt main
ok $? "the prompt comes back after an unknown scenario"
test ! -e "$d/unk.json"
ok $? "an unknown scenario writes nothing"

# --- Ctrl-C twice exits 0 ------------------------------------------------
TM send-keys -t main C-c
wait_for "hint" screen_has main 'press Ctrl-C again'
ok $? "the first Ctrl-C says how to exit"
TM send-keys -t main C-c
is "$(wait_exit main)" 0 "Ctrl-C twice exits 0"
}
tmux_case "one session: every schema, comments, scenarios, Ctrl-C" case_main

# --- invalid-then-ok across two instructions ---------------------------------
case_repair() {
start repair
d="$T_TMP/repair"
instr "$T_TMP/iok1.txt" plan "Plan the work" plan.json dev/phase-plan@1 invalid-then-ok
instr "$T_TMP/iok2.txt" plan "Plan the work" plan.json dev/phase-plan@1 invalid-then-ok "" \
	"- /phases: must be array"
deliver repair "$T_TMP/iok1.txt"
wait_for "plan.json" test -f "$d/plan.json"
"$JGET" "$d/plan.json" >/dev/null 2>&1
is "$?" 0 "invalid-then-ok: the first artifact is JSON"
"$JGET" "$d/plan.json" phases.0 >/dev/null 2>&1
is "$?" 2 "invalid-then-ok: ... whose phases are not a list of phases"
wait_for "prompt" at_prompt repair
rm -f "$d/plan.json"
deliver repair "$T_TMP/iok2.txt"
wait_for "plan.json" test -f "$d/plan.json"
is "$("$JGET" "$d/plan.json" phases.1.key)" review "invalid-then-ok: the repair is valid"
like "$(screen repair)" 'Repair attempt: 1 validation error to fix' "the repair is announced"
wait_for "prompt" at_prompt repair

# --- invalid and garbage ---------------------------------------------------------
instr "$T_TMP/inv.txt" implement "Implement the change" inv.json dev/change-summary@1 invalid "" "- /commands: required"
deliver repair "$T_TMP/inv.txt"
wait_for "inv.json" test -f "$d/inv.json"
"$JGET" "$d/inv.json" commands >/dev/null 2>&1
is "$?" 2 "invalid: never valid, even on a repair (commands missing)"
wait_for "prompt" at_prompt repair
instr "$T_TMP/garb.txt" review "Review the change" garbage.json dev/review-findings@1 garbage
deliver repair "$T_TMP/garb.txt"
wait_for "garbage.json" test -f "$d/garbage.json"
"$JGET" "$d/garbage.json" >/dev/null 2>&1
is "$?" 1 "garbage: the artifact is not JSON"
wait_for "prompt" at_prompt repair

# --- silent ----------------------------------------------------------------
instr "$T_TMP/sil.txt" plan "Plan the work" silent.json dev/phase-plan@1 silent
deliver repair "$T_TMP/sil.txt"
wait_for "busy" screen_has repair 'Phase plan'
wait_for "prompt" at_prompt repair
ok $? "silent: back at the prompt"
sleep 0.3
test ! -e "$d/silent.json"
ok $? "silent: nothing written"

# --- Ctrl-D on an empty line exits 0 ---------------------------------------------
TM send-keys -t repair C-d
is "$(wait_exit repair)" 0 "Ctrl-D on an empty line exits 0"
}
tmux_case "repairs, invalid, garbage, silent, Ctrl-D" case_repair

# --- ask ---------------------------------------------------------------------------
case_ask() {
start ask
d="$T_TMP/ask"
instr "$T_TMP/ask.txt" review "Review the change" review.json dev/review-findings@1 ask
deliver ask "$T_TMP/ask.txt"
wait_for "question" screen_has ask 'Run the test suite\? \(y/n\)'
ok $? "ask: the question is on the screen"
like "$(last_line ask)" 'Run the test suite\? \(y/n\)' "ask: the question is the last line"
sleep 0.2
test ! -e "$d/review.json"
ok $? "ask: nothing is written before the answer"
TM send-keys -t ask x
TM send-keys -t ask y
wait_for "review.json" test -f "$d/review.json"
is "$("$JGET" "$d/review.json" verdict)" approve "ask: after y, a valid artifact"
wait_for "prompt" at_prompt ask
}
tmux_case "ask" case_ask

# --- scenarios from the environment --------------------------------------------
case_env() {
start env DEVFLOW_FAKE_SCENARIOS='plan=garbage, *=invalid' DEVFLOW_FAKE_SCENARIO=silent
d="$T_TMP/env"
deliver env "$plan_i"
wait_for "plan.json" test -f "$d/plan.json"
"$JGET" "$d/plan.json" >/dev/null 2>&1
is "$?" 1 "env map: plan=garbage applies to the plan phase"
like "$(screen env)" 'scenario garbage, from DEVFLOW_FAKE_SCENARIOS' "env map: the screen names the source"
wait_for "prompt" at_prompt env
deliver env "$rev_i"
wait_for "review.json" test -f "$d/review.json"
like "$("$JGET" "$d/review.json" verdict)" '^looks good' "env map: '*' is the default for other phases"
wait_for "prompt" at_prompt env
rm -f "$d/plan.json"
instr "$T_TMP/plan-ok.txt" plan "Plan the work" plan.json dev/phase-plan@1 ok
deliver env "$T_TMP/plan-ok.txt"
wait_for "plan.json" test -f "$d/plan.json"
is "$("$JGET" "$d/plan.json" phases.0.key)" implement "the Scenario: line beats the environment"
wait_for "prompt" at_prompt env

start single DEVFLOW_FAKE_SCENARIO=garbage
deliver single "$rev_i"
wait_for "review.json" test -f "$T_TMP/single/review.json"
"$JGET" "$T_TMP/single/review.json" >/dev/null 2>&1
is "$?" 1 "DEVFLOW_FAKE_SCENARIO applies without a map"
}
tmux_case "scenarios from the environment" case_env

# --- instructions as an argument (backends with prompt mode argv) ---------------
case_argv() {
rm -rf "${T_TMP:?}/argv"
mkdir -p "$T_TMP/argv"
TM new-session -d -s argv -x 100 -y 30 -c "$T_TMP/argv" \
	env DEVFLOW_FAKE_STEP_MS=5 "$AGENT" "$(cat "$rev_i")"
wait_for "review.json" test -f "$T_TMP/argv/review.json"
is "$("$JGET" "$T_TMP/argv/review.json" verdict)" approve "argv: the instructions are carried out"
wait_for "prompt" at_prompt argv
ok $? "argv: then the prompt"
like "$(screen argv)" 'instructions from the command line: [0-9]+ lines' "argv: the screen says so"
"$AGENT" a b >/dev/null 2>&1
is "$?" 2 "argv: more than one argument is a usage error"
}
tmux_case "instructions as an argument" case_argv

# --- a resize repaints the screen (SIGWINCH) -------------------------------------
# Two instructions fill more than 20 rows, so after shrinking to 60x20 the
# banner is only on screen if the agent drew it again.
first_line() { screen "$1" | head -n 1; }
banner_fits() { [ "$(first_line "$1")" = "$2" ]; }
banner_boxed() { first_line "$1" | grep -Eq '^╭─+╮$'; }
case_winch() {
start winch
deliver winch "$plan_i"
wait_for "plan.json" test -f "$T_TMP/winch/plan.json"
wait_for "prompt" at_prompt winch
deliver winch "$rev_i"
wait_for "review.json" test -f "$T_TMP/winch/review.json"
wait_for "prompt" at_prompt winch
TM resize-window -t winch -x 60 -y 20
wait_for "repaint" banner_fits winch "╭$(printf "%058d" 0 | sed "s/0/─/g")╮"
ok $? "resize: the banner is drawn again at the top, fitted to 60 columns"
like "$(screen winch)" 'devflow fake agent' "resize: the banner names the agent"
like "$(screen winch)" '✓ Wrote review.json' "resize: the last work is shown again"
! screen_has winch 'Wrote plan\.json'
ok $? "resize: older lines that do not fit are left out"
is "$(screen winch | wc -l)" 20 "resize: the pane is 20 rows"
at_prompt winch
ok $? "resize: the prompt is the last line"
TM send-keys -t winch -l 'abc'
wait_for "echo" screen_has winch '^> abc$'
ok $? "resize: typing goes on after the repaint"
TM resize-window -t winch -x 100 -y 30
wait_for "repaint" screen_has winch '✓ Wrote plan.json'
ok $? "resize back: the older lines fit again"
like "$(first_line winch)" '^╭─+╮$' "resize back: the banner is at the top"
like "$(screen winch)" '✓ Wrote review.json' "resize back: the last work is shown"
like "$(last_line winch)" '^> abc$' "resize back: the input line is kept"
TM send-keys -t winch C-u
wait_for "prompt" at_prompt winch
TM send-keys -t winch C-d
is "$(wait_exit winch)" 0 "resize: the agent exits normally afterwards"
}
tmux_case "a resize repaints" case_winch

# A resize while the spinner runs (slow steps, silent scenario): the screen is
# repainted, the spinner goes on below it, and the prompt comes back.
case_winch_busy() {
start winch-busy DEVFLOW_FAKE_STEP_MS=300
instr "$T_TMP/slow.txt" plan "Plan the work" slow.json dev/phase-plan@1 silent
for _ in 1 2 3 4 5 6; do TM send-keys -t winch-busy Enter; done
deliver winch-busy "$T_TMP/slow.txt"
wait_for "busy" screen_has winch-busy 'Thinking… \([0-9]+s\)'
TM resize-window -t winch-busy -x 70 -y 14
wait_for "repaint" banner_boxed winch-busy
ok $? "resize while busy: the banner is drawn again at the top"
like "$(last_line winch-busy)" '^(⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏) Thinking… \([0-9]+s\)' \
	"resize while busy: the spinner is the last line"
wait_for "prompt" at_prompt winch-busy
ok $? "resize while busy: the work ends at the prompt"
}
tmux_case "a resize while busy" case_winch_busy

# --- crash ---------------------------------------------------------------------------
case_crash() {
start crash
instr "$T_TMP/crash.txt" plan "Plan the work" plan.json dev/phase-plan@1 crash
deliver crash "$T_TMP/crash.txt"
is "$(wait_exit crash)" 3 "crash: exit status 3"
like "$(screen crash)" 'crashed on purpose' "crash: an error is printed"
test ! -e "$T_TMP/crash/plan.json"
ok $? "crash: nothing written"
}
tmux_case "crash" case_crash

# --- SIGTERM ---------------------------------------------------------------------------
case_term() {
start term
pid=$(TM display -p -t term '#{pane_pid}')
kill -TERM "$pid"
wait_for "exit" pane_dead term
ok $? "SIGTERM ends the agent"
is "$(TM display -p -t term '#{pane_dead_signal}')" 15 "SIGTERM: it dies of the signal"
}
tmux_case "SIGTERM" case_term

# --- the terminal is restored on every exit ------------------------------------
# restore_case NAME SIGNAL|-: the agent runs under a shell that records the
# tty settings before and after; it is ended by SIGNAL or by Ctrl-D.
restore_case() {
	_r_d="$T_TMP/$1"
	rm -rf "$_r_d"
	mkdir -p "$_r_d"
	TM new-session -d -s "$1" -x 100 -y 30 -c "$_r_d" sh -c \
		'stty -g >before; DEVFLOW_FAKE_STEP_MS=5 "$0"; echo $? >status; stty -g >after' \
		"$AGENT" \; set-option -t "$1" remain-on-exit on
	wait_for "prompt" at_prompt "$1"
	TM pipe-pane -t "$1" "cat >'$_r_d/raw'"
	if [ "$2" = - ]; then
		TM send-keys -t "$1" C-d
	else
		kill "-$2" "$(ps -o pid= --ppid "$(TM display -p -t "$1" '#{pane_pid}')")"
	fi
	wait_for "status" test -s "$_r_d/after"
	is "$(cat "$_r_d/before")" "$(cat "$_r_d/after" 2>/dev/null)" "$3: the tty settings are restored"
	sleep 0.1
	grep -qF "$(printf '\033[?2004l')" "$_r_d/raw"
	ok $? "$3: bracketed paste is turned off"
	is "$(cat "$_r_d/status")" "$4" "$3: exit status $4"
}
tmux_case "restored after Ctrl-D" restore_case r-eof - "Ctrl-D" 0
tmux_case "restored after SIGTERM" restore_case r-term TERM "SIGTERM" 143
tmux_case "restored after SIGHUP" restore_case r-hup HUP "SIGHUP" 129
tmux_case "restored after SIGINT" restore_case r-int INT "SIGINT" 130

done_testing
