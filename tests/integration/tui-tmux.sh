#!/bin/sh
# End to end in a real terminal: the devflow binary in tmux (120x40), driven
# with send-keys and read with capture-pane, through the demo flow (a
# paste-buffer into the runs view changes nothing); q detaches and the
# server goes on; then a question answered from the queue, history mode on
# an agent that printed 5,000 lines (PgUp, g, /pineapple, q), C-z and fg,
# and landing with the rebase run a conflict offers.
# Each part is a tmux_case: started again, on a new run, if tmux itself died.
. "$top_srcdir/tests/tui-lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"

cleanup_tmux() {
	tm kill-server >/dev/null 2>&1
	tui_cleanup
}
trap cleanup_tmux EXIT

# wait_screen TEXT: until the pane shows TEXT (10 s).
wait_screen() {
	i=0
	while [ $i -lt 100 ]; do
		tm capture-pane -p -t tui 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# the screen never showed '$1':"
	tm capture-pane -p -t tui 2>/dev/null | sed 's/^/#   /'
	return 1
}

id=
case_tui() {
# A try after tmux died first ends the run the last one left.
[ -n "$id" ] && "$DEVFLOW" abort "$id" >/dev/null 2>&1
id=$(tui_start)
short=$(printf %s "$id" | cut -c1-8)
tm new-session -d -s tui -x 120 -y 40 \
	"env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' TERM=xterm-256color LANG=C.UTF-8 '$DEVFLOW'; echo tui-exited \$?; sleep 30"
wait_screen "plan_review"
ok $? "the TUI shows the gate"
screen=$(tm capture-pane -p -t tui)
like "$(printf '%s\n' "$screen" | sed -n 2p)" "^┌ Runs ─+( [0-9]+/[0-9]+ ─)?┐┌ Agent · run $short · plan · planner → fake ─+( [a-z_]+ ─)?┐$" \
	"120x40: runs on the left, the agent on the right"
like "$screen" "│⚑ $short plan_review +plan.json valid +[0-9]+[smh]│" "the queue lists the gate"
wait_screen "Wrote plan.json"
ok $? "the agent's screen is drawn"
like "$(printf '%s\n' "$screen" | tail -n 1)" "^ a approve  c changes  x reject  X abort" "the footer lists the keys"

# A paste is text, never keys: "Xylophone notes" pasted into the runs view
# (X would ask to abort the run, y answer, n open the form) is ignored.
tm set-buffer -b xylo "Xylophone notes"
tm paste-buffer -p -b xylo -t tui
wait_screen "paste ignored: not in a text field"
ok $? "a bracketed paste into the runs view is ignored, and says so"
screen=$(tm capture-pane -p -t tui)
unlike "$screen" "Abort run|New run" "the paste asked nothing and opened no form"
like "$("$DEVFLOW" ls)" "^$id +awaiting_approval " "the paste left the run as it was"
# Without the paste markers the text is keys: X asks, and the keys that
# came with it are dropped, so only a key pressed after the question answers.
tm paste-buffer -b xylo -t tui
wait_screen "Abort run $short"
ok $? "unmarked, the pasted X asks"
sleep 0.3
screen=$(tm capture-pane -p -t tui)
like "$screen" "Abort run $short" "the y pasted behind it did not answer"
unlike "$screen" "New run" "nor did the n behind it open the form"
tm send-keys -t tui n
wait_screen " cancelled"
ok $? "n pressed after the question answers it"
like "$("$DEVFLOW" ls)" "^$id +awaiting_approval " "the run still waits for its gate"
tm send-keys -t tui C-l
wait_screen "X abort"
ok $? "the next key clears the message: the footer is back"

# A live resize (SIGWINCH, KEY_RESIZE): stacked at 80x24, side by side again at 120x40.
tm resize-window -t tui -x 80 -y 24
wait_screen "t terminal"
ok $? "resized to 80x24: the footer offers t"
screen=$(tm capture-pane -p -t tui)
line=$(printf '%s\n' "$screen" | sed -n 2p)
like "$line" "^┌ Runs ─+( [0-9]+/[0-9]+ ─)?┐$" "80x24: the runs pane stands alone on its line"
is "$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m | tr -d ' ')" 80 "80x24: the runs take the whole width"
tm resize-window -t tui -x 120 -y 40
wait_screen "┐┌ Agent"
ok $? "resized back to 120x40: the agent's terminal is back on the right"

# The mouse through tmux (the TUI asks for it, tmux passes xterm's SGR
# reports on): a press on the events' 3rd row (screen row 31, from 1)
# selects it, the wheel scrolls down 3; nothing of it is taken for keys.
tm send-keys -t tui -l "$(printf '\033[<0;5;31M\033[<0;5;31m')"
wait_screen " 3/7 ─┤"
ok $? "a click on the events' 3rd row selects it"
tm send-keys -t tui -l "$(printf '\033[<65;5;31M')"
wait_screen " 6/7 ─┤"
ok $? "the wheel scrolls the events"
unlike "$(tm capture-pane -p -t tui)" "not bound" "no part of the mouse reports was taken for a key"

tm send-keys -t tui a
wait_screen "final_review"
ok $? "a approved the plan; the review waits"
tm send-keys -t tui a
# The run's row, not a phase's: the run completes once the review's commit is recorded.
wait_screen "repo main completed"
ok $? "a approved the review; the run completed"
tm send-keys -t tui r
wait_screen "# devflow run $id"
ok $? "r shows the report"
tm send-keys -t tui q
sleep 0.3
tm send-keys -t tui q
wait_screen "tui-exited 0"
ok $? "q quits the TUI with status 0"
like "$("$DEVFLOW" ls)" "^$id +completed" "the server goes on after the TUI detached"
}
tmux_case "the TUI in tmux" case_tui

# History mode (like tmux's copy mode) on an agent that printed 5,000 lines.
hid=
case_history() {
[ -n "$hid" ] && "$DEVFLOW" abort "$hid" >/dev/null 2>&1
hid=$(tui_start --scenario plan=chatty)
tui_wait_state "$hid" awaiting_approval
tm new-session -d -s tui -x 120 -y 40 \
	"env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' TERM=xterm-256color LANG=C.UTF-8 '$DEVFLOW'; echo tui-exited \$?; sleep 30"
wait_screen "output line 5000 of 5000"
ok $? "the agent's last lines are on its screen"
tm send-keys -t tui Tab Tab Tab Tab PPage
wait_screen "[history "
ok $? "PgUp in the agent pane enters history mode"
like "$(tm capture-pane -p -t tui | tail -n 1)" "j/k line +PgUp/PgDn page +g/G ends" \
	"the footer lists history mode's keys"
tm send-keys -t tui g
wait_screen "[history 1/"
ok $? "g goes to the first line"
wait_screen "✻ devflow fake agent"
ok $? "... the agent's banner, as it first drew it (fetched from the server)"
tm send-keys -t tui / p i n e a p p l e Enter
wait_screen "— pineapple"
ok $? "/pineapple finds the line that says it"
unlike "$(tm capture-pane -p -t tui)" "output line 4[0-9]{3} of" "... far back from the end"
tm send-keys -t tui q
wait_screen "back to the live screen"
ok $? "q goes back to the live screen"
wait_screen "output line 5000 of 5000"
ok $? "... the agent's screen as it is"
tm send-keys -t tui q
wait_screen "tui-exited 0"
ok $? "q quits the TUI"
# One run per repository and base: the next case starts its own.
"$DEVFLOW" abort "$hid" >/dev/null 2>&1
}
tmux_case "history mode in tmux" case_history
# Answering from the queue: the fake agent's Claude-Code-style permission
# question, focused, is answered with 1; a bracketed paste of "1" first
# answers nothing.
aid=
case_answer() {
[ -n "$aid" ] && "$DEVFLOW" abort "$aid" >/dev/null 2>&1
aid=$(tui_start --scenario plan=permission)
tm new-session -d -s tui -x 120 -y 40 \
	"env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' TERM=xterm-256color LANG=C.UTF-8 '$DEVFLOW'; echo tui-exited \$?; sleep 30"
wait_screen 'planner asks "Do you want…"  1/2/3'
ok $? "the queue shows the question and its answers' keys (the pane is narrow)"
tm send-keys -t tui Tab
tm send-keys -t tui Tab
wait_screen " 1 Yes  2 Always  3 No  ⏎ attach"
ok $? "focused, the footer lists the answers"
tm set-buffer -b one "1"
tm paste-buffer -p -b one -t tui
wait_screen "paste ignored: not in a text field"
ok $? "a paste of 1 is text, not an answer"
like "$("$DEVFLOW" ls)" "^$aid +planning " "the run still waits for its agent"
tm send-keys -t tui 1
wait_screen "answered 1 (Yes) for run"
ok $? "1 answers the question"
wait_screen "plan_review"
ok $? "the agent went on: the plan waits for approval"
like "$("$DEVFLOW" --json logs "$aid" | grep session.answered)" "\"actor\": *\"$(id -un)\"" \
	"session.answered records who answered"
tm send-keys -t tui q
wait_screen "tui-exited 0"
ok $? "q quits"
"$DEVFLOW" abort "$aid" >/dev/null 2>&1
}
tmux_case "answering from the queue in tmux" case_answer
# C-z in a shell with job control: the shell's prompt comes back on the
# normal screen (curses ended, the TUI stopped), and fg takes the screen
# back whole, at the size the terminal has now; TERM=dumb is refused.
case_suspend() {
tm new-session -d -s tui -x 80 -y 24 \
	"env -i HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' PATH='$PATH' TERM=xterm-256color LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile -i"
wait_screen "shell\$"
tm send-keys -t tui "'$DEVFLOW'" Enter
wait_screen "? help"
ok $? "the TUI runs in the shell"
tm send-keys -t tui C-z
wait_screen "Stopped"
ok $? "C-z stops it: the shell says so"
like "$(tm display -p -t tui '#{alternate_on} #{pane_current_command}')" "^0 bash$" \
	"and the shell has the normal screen back"
tm resize-window -t tui -x 120 -y 40
tm send-keys -t tui fg Enter
wait_screen "┐┌ Agent"
ok $? "fg brings it back, laid out for the size of now (120x40)"
like "$(tm capture-pane -p -t tui | tail -n 1)" "^ a approve  c changes" "the footer is drawn again"
like "$(tm display -p -t tui '#{alternate_on} #{pane_current_command}')" "^1 " \
	"on the alternate screen again"
tm send-keys -t tui q
wait_screen "shell\$"
ok $? "q quits it to the shell"
tm send-keys -t tui "TERM=dumb '$DEVFLOW'; echo dumb-exit=\$?" Enter
wait_screen "dumb-exit=1"
ok $? "TERM=dumb: refused with status 1"
like "$(tm capture-pane -p -t tui)" "the TUI needs a terminal that can move the cursor: TERM=dumb cannot" \
	"and says why"
}
if command -v bash >/dev/null 2>&1; then
	tmux_case "C-z and fg in tmux" case_suspend
fi
# Landing in tmux, on the first case's completed run: main moves in a way
# that conflicts with it, so L y offers the rebase run; y starts it; once
# it is approved, L y on it lands both changes.
case_land() {
if ! git -C "$REPO" log --format=%s main | grep -qx "notes on main"; then
	echo "a line from main" >"$REPO/NOTES.md"
	git -C "$REPO" add NOTES.md
	git -C "$REPO" -c user.email=t@example.com -c user.name=t commit -q -m "notes on main"
fi
tm new-session -d -s tui -x 120 -y 40 \
	"env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' TERM=xterm-256color LANG=C.UTF-8 '$DEVFLOW'; echo tui-exited \$?; sleep 30"
wait_screen "repo main development completed"
tm send-keys -t tui G L # the oldest run: the first case's
wait_screen "Land run $short"
ok $? "L on the completed run asks first"
tm send-keys -t tui y
wait_screen "Start a rebase run"
ok $? "main conflicts with it: the refusal offers the rebase run"
like "$(tm capture-pane -p -t tui)" "Run $short cannot land: main moved and conflicts with it in NOTES.md" \
	"... naming the file"
tm send-keys -t tui y
wait_screen "started rebase run"
ok $? "y starts the rebase run"
"$DEVFLOW" --json status "$id" >"$T_TMP/status.json"
follow=$("$top_builddir/tests/tools/json-get" "$T_TMP/status.json" result.run.rebaseRunId)
tui_wait_state "$follow" awaiting_approval && "$DEVFLOW" approve "$follow" >/dev/null &&
	tui_wait_state "$follow" completed
ok $? "the rebase run merged main and completed ($follow)"
tm send-keys -t tui g L # the newest run: the rebase run
wait_screen "Land run $(printf %s "$follow" | cut -c1-8)"
tm send-keys -t tui y
wait_screen "landed run $(printf %s "$follow" | cut -c1-8) on main"
ok $? "L y lands the rebase run"
like "$(cat "$REPO/NOTES.md")" "a line from main" "main has its own change"
like "$(cat "$REPO/NOTES.md")" "edited by devflow-fake-agent" "... and the run's"
tm send-keys -t tui q
wait_screen "tui-exited 0"
ok $? "q quits"
}
if [ -n "$id" ] && "$DEVFLOW" ls | grep -q "^$id *completed "; then
	tmux_case "landing and the rebase run in tmux" case_land
fi
done_testing
