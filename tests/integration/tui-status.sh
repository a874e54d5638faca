#!/bin/sh
# The status line tells the truth: a message is fitted to the width at word
# boundaries (a long server error reads in two rows, never cut mid-word), is
# fitted anew after a resize, goes on the next key or after a few seconds
# (the script's :sleep moves the clock messages expire on), and stays whole
# in the message history (M); errors are words, never JSON. Keys typed
# behind a request the server refuses are dropped like those behind one the
# TUI refuses.
. "$top_srcdir/tests/tui-lib.sh"

footer() { tail -n 1 "$1"; }

# A terminal that cannot move the cursor is refused before curses takes
# it (and before a server is started), not drawn blank while keys act.
printf 'n\n' >"$T_TMP/dumb-script"
for term in dumb unknown-terminal-xyz; do
	: >"$T_TMP/dumb-out"
	err=$(TERM=$term DEVFLOW_TUI_OUTPUT="$T_TMP/dumb-out" tui_run 80x24 "$T_TMP/dumb-script" 2>&1)
	is "$?" 1 "TERM=$term: refused with status 1"
	like "$err" "^devflow: the TUI needs a terminal that can move the cursor: TERM=$term (cannot|is unknown)" \
		"TERM=$term: it says why"
	is "$(wc -c <"$T_TMP/dumb-out" | tr -d ' ')" 0 "TERM=$term: nothing was drawn"
done
test ! -e "$XDG_DATA_HOME/devflow/devflow.sock"
ok $? "no server was started for it"

id=$(tui_start)
short=$(printf %s "$id" | cut -c1-8)
tui_wait_state "$id" awaiting_approval
"$DEVFLOW" pause "$id" >/dev/null
tui_wait_state "$id" paused
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:type ap
:wait-for approval decision
:dump $T_TMP/refused
:resize 120x40
:dump $T_TMP/wide
:resize 80x24
M
:dump $T_TMP/history
q
:dump $T_TMP/closed
s
Esc
:dump $T_TMP/cancelled
:sleep 4900
:dump $T_TMP/still
:sleep 200
:dump $T_TMP/expired
EOS
DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

like "$("$DEVFLOW" ls)" "^$id +paused " \
	"the p typed behind the refused approval did not resume the run"
tui_is "$T_TMP/refused" "$(tui_plan_waiting_80x24 | sed 's/awaiting_approval plan  /paused            plan  /' |
	sed '$d' | sed '$d'
echo ' approval decision conflicts with the current request state (paused runs must'
echo ' be resumed before approval decisions)')" \
	"80x24: the server's refusal in two rows, every word whole, the hint said once" "$id"
like "$(footer "$T_TMP/wide")" "^ approval decision conflicts with the current request state \(paused runs must be resumed before approval decisions\)$" \
	"120x40: fitted anew after the resize, in one row"
like "$(sed -n 39p "$T_TMP/wide")" "─┘" "120x40: the panes' frame is whole again above it"
like "$(cat "$T_TMP/history")" "Messages" "M opens the message history"
like "$(cat "$T_TMP/history")" "[0-9:]{8}  error: approval decision conflicts with the current request" \
	"the history holds the error, its time first"
like "$(cat "$T_TMP/history")" "│ +\(paused runs must be resumed before approval decisions\) +│" \
	"its text whole, wrapped under its time"
like "$(footer "$T_TMP/closed")" "^ a approve" "the key that opened it took the message off the line"
is "$(footer "$T_TMP/cancelled")" " new run cancelled" "a message"
is "$(footer "$T_TMP/still")" " new run cancelled" "stays for a few seconds"
like "$(footer "$T_TMP/expired")" "^ a approve  c changes" "and goes after 5 s: the keys are back"

# c on a paused run: refused before the comment editor opens (the server
# would refuse the comment once written), saying what to do.
cat >"$T_TMP/script-c" <<EOS
:wait-for paused
c
:dump $T_TMP/changes-paused
EOS
DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script-c"
is "$(footer "$T_TMP/changes-paused")" " cannot request changes: run $short is paused (p resumes it)" \
	"c on a paused run: refused, saying why and what to do"
unlike "$(cat "$T_TMP/changes-paused")" "C-s send" "... and no comment editor opened"

# C-z leaves the screen as it was (paste mode off, curses ended) and takes
# it back whole (headless: everything but the stop itself).
cat >"$T_TMP/script-z" <<EOS
:wait-for paused
:dump $T_TMP/before-z
C-z
:dump $T_TMP/after-z
EOS
DEVFLOW_TUI_OUTPUT="$T_TMP/out-z" tui_run 80x24 "$T_TMP/script-z"
is "$?" 0 "the C-z script ran to its end"
is "$(grep -o "$(printf '\033')\[?2004l" "$T_TMP/out-z" | wc -l | tr -d ' ')" 2 \
	"C-z turned bracketed paste off (and the exit once more)"
is "$(grep -o "$(printf '\033')\[?2004h" "$T_TMP/out-z" | wc -l | tr -d ' ')" 2 \
	"and on again when the TUI came back"
is "$(tui_norm "$T_TMP/after-z")" "$(tui_norm "$T_TMP/before-z")" "the screen is back as it was"

# Errors are words: a second run on the same repository and base is refused
# with the run that holds them, not with JSON.
out=$("$DEVFLOW" start --requirements "$T_TMP/req.md" --repo "$REPO" --base main \
	--backend planner=fake --backend implementer=fake --backend reviewer=fake 2>&1)
like "$out" "active run already exists for .* run $id \(paused\)" "a second run is refused"
unlike "$out" "[{}\"]|currentRunId" "in words, no JSON"
like "$out" "hint: .*$short" "the hint says what to do about the run in the way"
done_testing
