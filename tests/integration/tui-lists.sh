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

done_testing
