#!/bin/sh
# Nothing the user did not mean is ever executed: a paste is text, inserted
# in a text field (the comment editor, a form field, the filter) and
# ignored elsewhere, never taken as keys (a paste of "Xylophone notes" into
# the runs view once aborted a run: X asked, y answered); a confirmation
# takes only an answer pressed after it appeared (keys typed ahead are
# dropped, a paste does not answer it); Esc on a comment of more than one
# line asks before throwing it away.
. "$top_srcdir/tests/tui-lib.sh"

footer() { tail -n 1 "$1"; }

id=$(tui_start)
short=$(printf %s "$id" | cut -c1-8)
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:paste Xylophone notes
:dump $T_TMP/pasted
:type Xylophone
:dump $T_TMP/typeahead
n
:dump $T_TMP/typeahead-no
X
:paste y
:dump $T_TMP/confirm-paste
Esc
c
:wait-for Summary
:type notes:
Enter
:paste first line\n\tsecond line
:dump $T_TMP/comment
Esc
:dump $T_TMP/discard
n
:dump $T_TMP/kept
Esc
y
:dump $T_TMP/discarded
c
:type one line
Esc
:dump $T_TMP/one-line
c
:type The plan reads well, but the second step should say which files it changes and how the tests will show it
:dump $T_TMP/wrapped
C-u
Esc
/
:paste zz\nd
:dump $T_TMP/filter
Esc
s
Tab
Tab
Tab
:paste $T_TMP/req.md\n
:dump $T_TMP/form
Esc
EOS
DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

tui_is "$T_TMP/pasted" "$(tui_plan_waiting_80x24 | sed '$d'
echo ' paste ignored: not in a text field')" \
	"a paste of \"Xylophone notes\" into the runs view is ignored, and says so" "$id"
like "$("$DEVFLOW" ls)" "^$id +awaiting_approval" "the paste aborted nothing: the run still waits"

like "$(cat "$T_TMP/typeahead")" "Abort run $short \(repo\)\? Its agents are stopped\." \
	"X typed with more keys behind it asks"
unlike "$(cat "$T_TMP/typeahead")" "New run" "the keys typed ahead of the question are dropped (no form)"
is "$(footer "$T_TMP/typeahead")" " y yes  n no" "the footer shows the question's keys, not the main view's"
is "$(footer "$T_TMP/typeahead-no")" " cancelled" "n pressed after the question appeared answers it"

like "$(cat "$T_TMP/confirm-paste")" "Abort run $short" "a paste of y does not answer the question"
is "$(footer "$T_TMP/confirm-paste")" " paste ignored: not in a text field" "and it says the paste was ignored"
like "$("$DEVFLOW" ls)" "^$id +awaiting_approval" "the run was not aborted"

like "$(cat "$T_TMP/comment")" "│ notes: +│" "the comment keeps what was typed"
like "$(cat "$T_TMP/comment")" "│ first line +│" "a paste into the comment editor is inserted"
like "$(cat "$T_TMP/comment")" "│         second line +│" "with its tab as spaces to the next stop of 8"

like "$(cat "$T_TMP/discard")" "Discard this comment\?" "Esc on a comment of more than one line asks"
like "$(cat "$T_TMP/kept")" "│ first line +│" "n keeps the comment in its editor"
unlike "$(cat "$T_TMP/kept")" "Discard this comment" "and the question is gone"
is "$(footer "$T_TMP/discarded")" " request changes cancelled" "y throws the comment away"
is "$(footer "$T_TMP/one-line")" " request changes cancelled" "Esc on a one-line comment does not ask"
# The comment editor wraps at words (the box is 76 cells wide inside at 80x24).
is "$(sed -n '/Your comment/,+2p' "$T_TMP/wrapped" | sed 1d)" "$(cat <<'EOS'
│ The plan reads well, but the second step should say which files it changes   │
│ and how the tests will show it                                               │
EOS
)" "the comment editor wraps at words"

like "$(footer "$T_TMP/filter")" "^/zz d " "a paste into the filter is inserted, its newline a space"
unlike "$(cat "$T_TMP/filter")" "diff" "the text after the newline ran no key (d: diff)"
like "$(grep 'Requirements file' "$T_TMP/form" | sed "s|$T_TMP|@TMP@|")" "│ Requirements file +@TMP@/req.md +│" \
	"a paste into a form field is inserted, without its final newline"
like "$(cat "$T_TMP/form")" "Persona overrides" "and the form stays open on that field"

out=$(cat "$T_TMP/out")
like "$out" "$(printf '\033')\[\?2004h" "bracketed paste is on from the start"
like "$(printf '%s' "$out" | tail -c 200)" "$(printf '\033')\[\?2004l" "and off at exit"
like "$("$DEVFLOW" ls)" "^$id +awaiting_approval" "nothing pasted or typed ahead changed the run"

# A refused action drops the keys typed behind it too: on an aborted run,
# p (refused) with n typed ahead opens no form.
cat >"$T_TMP/script2" <<EOS
X
y
:wait-for aborted
:type pn
:dump $T_TMP/refused
EOS
tui_run 80x24 "$T_TMP/script2"
is "$?" 0 "the second script ran to its end"
is "$(footer "$T_TMP/refused")" " cannot pause run $short: it is aborted" "p on an aborted run is refused"
unlike "$(cat "$T_TMP/refused")" "New run" "and the n typed behind it was dropped (no form)"
done_testing
