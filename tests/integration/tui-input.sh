#!/bin/sh
# Bad input changes nothing and says why in one line; keys.conf rebinds keys
# and reports its bad lines with file:line; the help screen comes from the
# requests table; the new-run form validates in place and starts a run;
# destructive keys confirm; NO_COLOR; notifications (OSC 9, bell).
. "$top_srcdir/tests/tui-lib.sh"

mkdir -p "$XDG_CONFIG_HOME/devflow"
cat >"$XDG_CONFIG_HOME/devflow/keys.conf" <<'EOS'
# my keys
bind J move-down
bind Q frobnicate
bind C-y approve
set notify both
EOS

footer() { tail -n 1 "$1"; }

cat >"$T_TMP/script" <<EOS
:dump $T_TMP/start
a
:dump $T_TMP/approve
X
:dump $T_TMP/abort
Z
:dump $T_TMP/unbound
?
:dump $T_TMP/help
q
s
Tab
Tab
Tab
C-s
:dump $T_TMP/form
:type $T_TMP/missing.md
C-s
:dump $T_TMP/form2
C-u
:type $T_TMP/req.md
Tab
:type planner=@fake implementer=@fake reviewer=@fake
C-s
:wait-for started run
:wait-for plan_review
:dump $T_TMP/started
s
Tab
Tab
Tab
:type $T_TMP/req.md
Tab
:type planner=@fake implementer=@fake reviewer=@fake
C-s
:wait-for active run
:dump $T_TMP/refused
Esc
C-y
:wait-for final_review
X
:dump $T_TMP/confirm
y
:wait-for aborted
X
:dump $T_TMP/again
q
EOS
# The form's defaults come from the current directory: the repository.
cd "$REPO" || exit 1
"$DEVFLOW" ls >/dev/null # the server runs before the TUI (so TUI_WRAP tools see only the TUI)
DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

like "$(tail -n 2 "$T_TMP/start" | tr '\n' ' ')" "^ ~/\.config/devflow/keys\.conf:3: unknown request .frobnicate. \(see .\?. for the +list\) $" \
	"a bad keys.conf line is reported with file:line (in two rows, no word cut)"
like "$(sed -n 3p "$T_TMP/start")" "no runs yet — press s to start one" "an empty workspace says how to start"
is "$(footer "$T_TMP/approve")" " cannot approve: no run selected" "a with nothing selected: a message"
is "$(footer "$T_TMP/abort")" " cannot abort: no run selected" "X with nothing selected: a message"
is "$(footer "$T_TMP/unbound")" " Z is not bound to anything (? lists the keys)" "an unbound key: a message"

tui_is "$T_TMP/help" "$(cat <<'EOS'
 devflow  0 runs · 0 waiting                                              ? help
┌ Help · 1/62 · q close ───────────────────────────────────────────────────────┐
│Keys (rebind in $XDG_CONFIG_HOME/devflow/keys.conf: bind KEY REQUEST)         │
│                                                                              │
│  j Down J       move-down          Move the selection down                   │
│  k Up           move-up            Move the selection up                     │
│  PgDn Space     page-down          Scroll a page down                        │
│  PgUp           page-up            Scroll a page up                          │
│  g Home         move-first-line    Move to the first line                    │
│  G End          move-last-line     Move to the last line                     │
│  Tab            next-pane          Focus the next pane                       │
│  BTab           prev-pane          Focus the previous pane                   │
│  a C-y          approve            Approve the gate awaiting you             │
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
)" "? shows every request with its keys (J and C-y from keys.conf)"

tui_is "$T_TMP/form" "$(cat <<'EOS'
 devflow  0 runs · 0 waiting                                              ? help
┌ New run · Tab next field · C-s start · Esc cancel ───────────────────────────┐
│ Repository         @TMP@/repo                             │
│                                                                              │
│                                                                              │
│ Base branch        main                                                      │
│                                                                              │
│                                                                              │
│ Template           development                                               │
│                                                                              │
│                                                                              │
│ Requirements file                                                            │
│                    a requirements file (Markdown) is required                │
│                                                                              │
│ Agent backend      ‹ fake ›  the only one installed here                     │
│                                                                              │
│                                                                              │
│ Persona overrides                                                            │
│                    e.g. reviewer=@fake (backend), planner=NAME (persona)     │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 Tab next  C-s start  Esc cancel
EOS
)" "the form validates in place: the requirements file is required"

like "$(cat "$T_TMP/form2" | tr -s ' │\n' ' ')" " [^ ]*missing.md: No such file or directory " \
	"a missing requirements file is named, its error whole over two rows"

id=$("$DEVFLOW" ls | sed -n 's/^\([0-9a-f-]\{36\}\) .*/\1/p' | head -n 1)
short=$(printf %s "$id" | cut -c1-8)
like "$(cat "$T_TMP/started")" "plan_review" "the form started a run that reached its gate"
like "$(cat "$T_TMP/refused")" "│ an active run already exists for .*/repo on main: run(…|  +│)" \
	"the server's refusal is shown in the form"
like "$(cat "$T_TMP/refused")" "│ \\(one run per repository and base: let run $short finish, abort it \\(devflow +│" \
	"wrapped at words over three lines, its hint whole"
is "$("$DEVFLOW" ls | grep -c .)" 2 "and no second run was made"
like "$(cat "$T_TMP/confirm")" "Abort run $short \(repo\)\? Its agents are stopped\." "X asks first"
like "$("$DEVFLOW" ls)" "^$id +aborted" "y aborted the run"
like "$(footer "$T_TMP/again")" "cannot abort: run $short is already aborted" \
	"X on an aborted run: a message, nothing changes"

out=$(cat "$T_TMP/out")
like "$out" "$(printf '\033')\]9;devflow: run $short: plan_review plan.json valid" \
	"an item entering the queue notifies with OSC 9"
like "$out" "$(printf '\007')" "and rings the bell (set notify both)"
like "$out" "$(printf '\033')\[(3[0-7]|38;5;[0-9]+)m" "colours are used"

# NO_COLOR: the same screen without a colour sequence.
printf ':dump %s\n' "$T_TMP/nc" >"$T_TMP/script2"
NO_COLOR=1 DEVFLOW_TUI_OUTPUT="$T_TMP/out2" tui_run 80x24 "$T_TMP/script2"
is "$?" 0 "NO_COLOR: the TUI runs"
if grep -Eq "$(printf '\033')\[(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)m" "$T_TMP/out2"; then
	ok 1 "NO_COLOR: no colour sequence is written"
else
	ok 0 "NO_COLOR: no colour sequence is written"
fi
like "$(sed -n 3p "$T_TMP/nc")" "$short" "NO_COLOR: the runs are shown"

# A login without a UTF-8 locale: the TUI falls back to C.UTF-8.
printf ':dump %s\n' "$T_TMP/c" >"$T_TMP/script3"
LC_ALL=C LANG=C tui_run 80x24 "$T_TMP/script3"
is "$?" 0 "LC_ALL=C: the TUI runs"
like "$(sed -n 2p "$T_TMP/c")" "^┌ Runs ─+( [0-9]+/[0-9]+ ─)?┐$" "LC_ALL=C: frames are still drawn in UTF-8"

# The form's base branch is the one checked out where the TUI was opened:
# in a subdirectory of a linked worktree, that worktree's own branch.
git -C "$REPO" worktree add -q -b wt-feature "$T_TMP/linked" 2>/dev/null
mkdir -p "$T_TMP/linked/sub"
cd "$T_TMP/linked/sub" || exit 1
printf 's\n:dump %s\nEsc\nq\n' "$T_TMP/wtform" >"$T_TMP/script4"
tui_run 80x24 "$T_TMP/script4"
like "$(grep 'Base branch' "$T_TMP/wtform")" "│ Base branch +wt-feature +│" \
	"in a linked worktree's subdirectory the form offers that worktree's branch"
done_testing
