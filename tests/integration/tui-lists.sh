#!/bin/sh
# Lists as in tig and htop, over 301 finished runs (filled through the
# store API by bench/tui-fill, so the test stays fast): g/G, Home/End and
# PgUp/PgDn in every list with the position ("12/301") in the pane's
# title, / opening empty, n/N finding the next and previous row that
# matches, the mouse (a click selects a row or a pane, the wheel scrolls),
# and the help screen wrapped at 80 columns and searched with /.
. "$top_srcdir/tests/tui-lib.sh"

fill="$top_builddir/bench/tui-fill"
"$DEVFLOW" ls >/dev/null # the server's first start puts the catalog in the database
"$DEVFLOW" kill-server >/dev/null
"$fill" "$XDG_DATA_HOME/devflow" 301 2 >/dev/null
is "$?" 0 "301 finished runs in the database"

# title FILE PANE: the title line of PANE in the screen FILE.
title() {
	grep -o "[┌├] $2[^┐┤]*[┐┤]" "$1" | head -n 1
}
# selected FILE: the id of the selected run (▶) in the runs pane.
selected() {
	sed -n 's/^│▶ \(bench[0-9]*\) .*/\1/p' "$1" | head -n 1
}

cat >"$T_TMP/nav" <<EOS
:wait-for bench300
:dump $T_TMP/s-first
G
:dump $T_TMP/s-last
g
:dump $T_TMP/s-top
PgDn
:dump $T_TMP/s-pgdn
End
:dump $T_TMP/s-end
Home
:dump $T_TMP/s-home
EOS
tui_run 120x40 "$T_TMP/nav"
is "$?" 0 "the navigation script ran to its end"
like "$(title "$T_TMP/s-first" Runs)" "─ 1/301 ─┐$" "the runs' title says 1/301"
is "$(selected "$T_TMP/s-first")" bench300 "the newest run first"
like "$(title "$T_TMP/s-last" Runs)" "─ 301/301 ─┐$" "G: the last of 301"
is "$(selected "$T_TMP/s-last")" bench000 "G selects the oldest run"
like "$(title "$T_TMP/s-top" Runs)" "─ 1/301 ─┐$" "g: back to the first"
is "$(selected "$T_TMP/s-top")" bench300 "g selects the newest run again"
like "$(title "$T_TMP/s-pgdn" Runs)" "─ 9/301 ─┐$" "PgDn: a page of 9 rows less one further"
is "$(selected "$T_TMP/s-pgdn")" bench292 "PgDn selects the run a page down"
like "$(title "$T_TMP/s-end" Runs)" "─ 301/301 ─┐$" "End: the last"
like "$(title "$T_TMP/s-home" Runs)" "─ 1/301 ─┐$" "Home: the first"
like "$(title "$T_TMP/s-end" Events)" "─ 1/[0-9]+ ─┤$" "the events of the selected run have their position too"

# / opens empty (it used to add to the old text); n and N find the next
# and previous row holding the last text typed after /, in any list.
cat >"$T_TMP/find" <<EOS
:wait-for bench300
/
:type BENCH29
Enter
:dump $T_TMP/s-filtered
/
:dump $T_TMP/s-reopened
:type bench1
Enter
:dump $T_TMP/s-refiltered
/
Esc
G
n
:dump $T_TMP/s-next
N
:dump $T_TMP/s-prev
Tab
Tab
Tab
/
:type CREATED
:dump $T_TMP/s-typing
Enter
:dump $T_TMP/s-found
/
:type zzz
Enter
:dump $T_TMP/s-none
EOS
tui_run 120x40 "$T_TMP/find"
is "$?" 0 "the search script ran to its end"
like "$(title "$T_TMP/s-filtered" Runs)" "^┌ Runs · /BENCH29 ─+ 1/10 ─┐$" "/BENCH29 Enter: the 10 runs that match (case ignored, as in a search)"
is "$(tail -n 1 "$T_TMP/s-reopened")" "/    Enter keep · Esc clear" "/ again opens an empty line"
like "$(title "$T_TMP/s-reopened" Runs)" "^┌ Runs ─+ 2/301 ─┐$" "and the list shows every run while it is empty, the selected one (bench299) still selected"
like "$(title "$T_TMP/s-refiltered" Runs)" "^┌ Runs · /bench1 ─+ 1/100 ─┐$" "what is typed then is the whole filter"
is "$(selected "$T_TMP/s-next")" bench199 "G n: the next run holding the last text (bench1), round the end"
like "$(title "$T_TMP/s-next" Runs)" " 102/301 ─┐$" "n: its position"
is "$(selected "$T_TMP/s-prev")" bench100 "N: the previous one, round the top"
like "$(title "$T_TMP/s-prev" Runs)" " 201/301 ─┐$" "N: its position"
is "$(tail -n 1 "$T_TMP/s-typing")" "/CREATED    Enter find · Esc cancel" "/ in the events pane searches"
like "$(title "$T_TMP/s-found" Events)" " 2/2 ─┤$" "Enter selects the event that holds it (case ignored)"
like "$(tail -n 1 "$T_TMP/s-none")" "no row of the events pane holds \"zzz\"" "a text no row holds says so"

# The mouse: a click selects the row under it or focuses the pane, the
# wheel scrolls the list under it (the selection with it) and the help.
cat >"$T_TMP/mouse" <<EOS
:wait-for bench300
:click 10 7
:dump $T_TMP/s-click
:wheel down 10 5
:dump $T_TMP/s-wheel
:wheel up 10 5
:dump $T_TMP/s-wheel-up
:click 5 30
:dump $T_TMP/s-click-events
k
:dump $T_TMP/s-focus
?
:wheel down 40 10
:dump $T_TMP/s-help-wheel
:click 40 10
q
EOS
tui_run 120x40 "$T_TMP/mouse"
is "$?" 0 "the mouse script ran to its end"
is "$(selected "$T_TMP/s-click")" bench296 "a click on the 5th row selects its run"
like "$(title "$T_TMP/s-click" Runs)" " 5/301 ─┐$" "and the position follows"
is "$(selected "$T_TMP/s-wheel")" bench293 "the wheel down scrolls 3 rows, the selection with them"
like "$(sed -n 3p "$T_TMP/s-wheel")" "^│  bench297 " "the list scrolled: bench297 is the first row shown"
is "$(selected "$T_TMP/s-wheel-up")" bench296 "the wheel up scrolls back"
like "$(title "$T_TMP/s-click-events" Events)" " 2/2 ─┤$" "a click on the events' 2nd row selects it"
like "$(title "$T_TMP/s-focus" Events)" " 1/2 ─┤$" "and focuses the events: k moves there"
is "$(selected "$T_TMP/s-focus")" bench296 "not in the runs"
like "$(sed -n 2p "$T_TMP/s-help-wheel")" "^┌ Help · 4/[0-9]+ · q close" "the wheel scrolls the help"

printf ':click 0 3\n' >"$T_TMP/badclick"
tui_run 120x40 "$T_TMP/badclick" 2>"$T_TMP/badclick.err"
is "$?" 1 "a mouse line out of the screen fails the script"
like "$(head -n 1 "$T_TMP/badclick.err")" "bad mouse line ':click 0 3' \(:click COL ROW, :wheel up\|down COL ROW, from 1 within 120x40\)" "and says why"

# Help wraps at words (the descriptions under their column) instead of
# clipping at 80 columns, is wrapped anew on a resize, and / searches it.
cat >"$T_TMP/help" <<EOS
:wait-for bench300
?
:dump $T_TMP/s-help
/
:type help
Enter
:dump $T_TMP/s-help-found
n
:dump $T_TMP/s-help-next
N
:dump $T_TMP/s-help-prev
/
:type zzz
Enter
:dump $T_TMP/s-help-none
g
:resize 120x40
:dump $T_TMP/s-help-wide
G
:dump $T_TMP/s-help-end
EOS
tui_run 80x24 "$T_TMP/help"
is "$?" 0 "the help script ran to its end"
tui_is "$T_TMP/s-help" "$(cat <<'EOS'
 devflow  301 runs · 0 waiting                                            ? help
┌ Help · 1/58 · q close ───────────────────────────────────────────────────────┐
│Keys (rebind in $XDG_CONFIG_HOME/devflow/keys.conf: bind KEY REQUEST)         │
│                                                                              │
│  j Down         move-down          Move the selection down                   │
│  k Up           move-up            Move the selection up                     │
│  PgDn Space     page-down          Scroll a page down                        │
│  PgUp           page-up            Scroll a page up                          │
│  g Home         move-first-line    Move to the first line                    │
│  G End          move-last-line     Move to the last line                     │
│  Tab            next-pane          Focus the next pane                       │
│  BTab           prev-pane          Focus the previous pane                   │
│  a              approve            Approve the gate awaiting you             │
│  c              request-changes    Request changes, with a comment           │
│  x              reject             Reject the gate: the run fails (asks      │
│                                    first)                                    │
│  X              abort              Abort the run (asks first)                │
│  p              pause              Pause or resume the run                   │
│  L              land               Land the completed run (asks first)       │
│  s              new-run            Start a new run (form)                    │
│  Enter Return   attach             Attach to the agent's terminal (C-] comes │
│                                    back)                                     │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k scroll  PgDn/PgUp page  g/G top/end  / find  n/N next/prev  q close
EOS
)" "? at 80x24: descriptions wrapped at words under their column"
is "$(sed -n 3p "$T_TMP/s-help-found")" "│                                    and help, search                          │" \
	"/help Enter: the first line holding it on top (filter's, wrapped)"
is "$(sed -n 3p "$T_TMP/s-help-next")" "│  ? F1           help               Show this help                            │" \
	"n: the next one"
is "$(sed -n 3p "$T_TMP/s-help-prev")" "$(sed -n 3p "$T_TMP/s-help-found")" "N: the previous one"
like "$(sed -n 23p "$T_TMP/s-help-none")" "^└ no line holds \"zzz\" ─+┘$" "a text no line holds says so"
like "$(cat "$T_TMP/s-help-wide")" "│  x              reject             Reject the gate: the run fails \(asks first\) +│" \
	"resized to 120x40: the help is wrapped anew"
like "$(cat "$T_TMP/s-help-end")" "│  await_appr     awaiting_approval +│" "the help lists the short names of narrow columns"

done_testing
