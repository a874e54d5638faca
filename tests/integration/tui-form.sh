#!/bin/sh
# The new-run form works on the machine it runs on: its agent backend is a
# choice among those the server can run (the backends op), Left/Right or
# Space, not text; the last choice is remembered ($XDG_STATE_HOME/devflow/
# tui.state), keys.conf's `set default-backend` is the default before one
# was made; the base follows the repository entered (libgit2); its hint
# gives syntax that is accepted; the server's refusals read as words.
. "$top_srcdir/tests/tui-lib.sh"

# Two backends on this machine: the fake agent, and a "codex" on PATH.
mkdir -p "$T_TMP/bin"
printf '#!/bin/sh\nexit 0\n' >"$T_TMP/bin/codex"
chmod +x "$T_TMP/bin/codex"
PATH="$T_TMP/bin:$PATH"
export PATH
mkdir -p "$XDG_CONFIG_HOME/devflow"
printf 'set default-backend fake\n' >"$XDG_CONFIG_HOME/devflow/keys.conf"
# A second repository, on branch trunk.
git init -q -b trunk "$T_TMP/repo2"
git -C "$T_TMP/repo2" -c user.email=t@example.com -c user.name=t commit -q --allow-empty -m init

cat >"$T_TMP/script" <<EOS
s
:wait-for installed
:dump $T_TMP/first
C-u
:type $T_TMP/repo2
Tab
Tab
Tab
:type $T_TMP/req.md
Tab
Right
:dump $T_TMP/right
Space
:dump $T_TMP/space
Left
:dump $T_TMP/left
:paste codex
:dump $T_TMP/pasted
C-s
:wait-for started run
:dump $T_TMP/started
EOS
(cd "$REPO" && DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script")
is "$?" 0 "the script ran to its end"

row() { grep "$2" "$1" | head -n 1; }
like "$(row "$T_TMP/first" 'Agent backend')" "Agent backend +‹ fake ›  2/2 installed · ←/→ or Space" \
	"the backend offered is keys.conf's default, among the two installed"
like "$(row "$T_TMP/first" 'reviewer=@')" "e\\.g\\. reviewer=@fake \\(backend\\), planner=NAME \\(persona\\)" \
	"the hint gives accepted syntax, with a backend that is there"
like "$(row "$T_TMP/right" 'Base branch')" "Base branch +trunk " "the base followed the repository entered"
like "$(row "$T_TMP/right" 'Agent backend')" "‹ codex ›  1/2 installed" "Right chooses the next backend"
like "$(row "$T_TMP/space" 'Agent backend')" "‹ fake ›  2/2" "Space too, round"
like "$(row "$T_TMP/left" 'Agent backend')" "‹ codex ›  1/2" "Left the one before"
like "$(row "$T_TMP/pasted" 'Agent backend')" "‹ codex ›  1/2" "a paste does not type into the choice"
like "$(tail -n 1 "$T_TMP/pasted")" "paste ignored: not in a text field" "and says so"
like "$(tail -n 1 "$T_TMP/first")" "^ Tab next  C-s start  Esc cancel" "the footer: the form's keys"
like "$(tail -n 1 "$T_TMP/right")" "^ ←/→ choose  Tab next" "on the backend, how to choose first"
run=$("$DEVFLOW" ls | sed -n 's/^\([0-9a-f-]*\) .*repo2@trunk$/\1/p')
like "$("$DEVFLOW" status "$run")" "  [0-9a-f-]+  planner +codex " "the run was started on the backend chosen"
is "$(cat "$XDG_STATE_HOME/devflow/tui.state")" "backend codex" "the choice is remembered in the state dir"

# The remembered choice comes before keys.conf's default; the defaults start
# a run; a refusal reads as words.
id=$(tui_start)
printf 'backend fake\n' >"$XDG_STATE_HOME/devflow/tui.state"
cat >"$T_TMP/script2" <<EOS
:wait-for plan_review
s
:wait-for installed
:resize 120x40
:dump $T_TMP/wide
:resize 80x24
Tab
Tab
Tab
:type $T_TMP/req.md
C-s
:wait-for already exists
:dump $T_TMP/refused
EOS
# The form's repository is the working directory's: the test's repository.
(cd "$REPO" && DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 80x24 "$T_TMP/script2")
is "$?" 0 "the second script ran to its end"
like "$(row "$T_TMP/refused" 'Agent backend')" "‹ fake ›" "the remembered backend is offered"
like "$(row "$T_TMP/wide" 'Agent backend')" "‹ fake ›  for planner, implementer, reviewer · 2/2 installed · ←/→ or Space" \
	"where there is room, the roles it goes to (the template's, from the server)"
refusal=$(sed -n '/an active run/,/^└/p' "$T_TMP/refused" | sed 's/^│ *//; s/ *│$//' | tr '\n' ' ')
# Fitted in three rows: the message (maybe abbreviated at a word) and the hint whole.
like "$refusal" "^an active run already exists for [^ ]*/repo on main: (run $id \\(awaiting_approval\\)|run…) \\(one run per repository and base: let run ${id%%-*} finish, abort it \\(devflow abort ${id%%-*}\\) or use another base branch\\)" \
	"a second run on the same repository and base is refused in words, and what to do"
unlike "$refusal" "[{}\"]|currentRunId" "no JSON"
done_testing
