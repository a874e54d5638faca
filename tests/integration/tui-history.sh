#!/bin/sh
# History mode of the agent pane (like tmux's copy mode): an agent prints
# 5,000 lines (fake scenario chatty); PgUp in its pane goes a page back, g
# to the very first line, /pineapple finds the one line that says it (the
# search runs on the server), n finds it again (wrapping); the agent prints
# more meanwhile and the view stays on the same lines; G goes to the end;
# a key history mode does not know returns to live and does nothing else,
# and the live screen has kept up; [ from the lists (the history request)
# shows the agent's pane in history mode.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start --scenario plan=chatty)
tui_wait_state "$id" awaiting_approval
"$DEVFLOW" --json sessions "$id" >"$T_TMP/sessions.json"
sess=$("$top_builddir/tests/tools/json-get" "$T_TMP/sessions.json" result.sessions.0.id)
# type TEXT then Enter into the agent's terminal, as another client would.
to_agent() {
	"$top_builddir/tests/tools/rawframe" "$XDG_DATA_HOME/devflow/devflow.sock" raw \
		'{"id":2,"op":"type","args":{"session":"'"$sess"'","text":"'"$1"'"}}' >/dev/null &&
		"$top_builddir/tests/tools/rawframe" "$XDG_DATA_HOME/devflow/devflow.sock" raw \
			'{"id":2,"op":"key","args":{"session":"'"$sess"'","key":"Enter"}}' >/dev/null
}
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
t
:wait-for Done in
PgUp
:wait-for [history
:dump $T_TMP/pgup
g
:wait-for [history 1/
:dump $T_TMP/first
/
:type pineapple
:dump $T_TMP/typing
Enter
:wait-for pineapple
:dump $T_TMP/found
n
:wait-for search wrapped
:dump $T_TMP/again
:sh . "$T_TMP/to_agent" && to_agent "not instructions"
:wait-for 1235/5020]
:dump $T_TMP/meanwhile
G
:dump $T_TMP/last
a
:wait-for back to the live screen
:wait-for Artifact path
:dump $T_TMP/live
t
:wait-for Waiting for you
[
:wait-for [history
:dump $T_TMP/bracket
q
EOS
{ echo "sess=$sess"; type to_agent | tail -n +2; } >"$T_TMP/to_agent"
tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

tui_is "$T_TMP/pgup" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 4978/5016] ─────────────────────────────┐
│● output line 4967 of 5000                                                    │
│● output line 4968 of 5000                                                    │
│● output line 4969 of 5000                                                    │
│● output line 4970 of 5000                                                    │
│● output line 4971 of 5000                                                    │
│● output line 4972 of 5000                                                    │
│● output line 4973 of 5000                                                    │
│● output line 4974 of 5000                                                    │
│● output line 4975 of 5000                                                    │
│● output line 4976 of 5000                                                    │
│● output line 4977 of 5000                                                    │
│● output line 4978 of 5000                                                    │
│● output line 4979 of 5000                                                    │
│● output line 4980 of 5000                                                    │
│● output line 4981 of 5000                                                    │
│● output line 4982 of 5000                                                    │
│● output line 4983 of 5000                                                    │
│● output line 4984 of 5000                                                    │
│● output line 4985 of 5000                                                    │
│╭──────────────────────────────────────────────────────────╮                  │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k line  PgUp/PgDn page  g/G ends  / ? search  n/N next  q live
EOS
)" "PgUp: a page above the screen, the position in the title, history mode's keys below" "$id"
tui_is "$T_TMP/first" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 1/5016] ────────────────────────────────┐
│╭──────────────────────────────────────────────────────────╮                  │
││ ✻ devflow fake agent  v0.1.0                             │                  │
││ A scripted agent CLI for devflow's tests and demo.       │                  │
││ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │                  │
│╰──────────────────────────────────────────────────────────╯                  │
│  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.     │
│                                                                              │
│> [pasted 45 lines]                                                           │
│● Phase plan — Plan the work (scenario chatty, from the Scenario: line)       │
│● Reading instructions (45 lines)                                             │
│● Reading schema dev/phase-plan@1                                             │
│● output line 0001 of 5000                                                    │
│● output line 0002 of 5000                                                    │
│● output line 0003 of 5000                                                    │
│● output line 0004 of 5000                                                    │
│● output line 0005 of 5000                                                    │
│● output line 0006 of 5000                                                    │
│● output line 0007 of 5000                                                    │
│● output line 0008 of 5000                                                    │
│● output line 0009 of 5000                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k line  PgUp/PgDn page  g/G ends  / ? search  n/N next  q live
EOS
)" "g: the very first line the agent printed" "$id"
tui_is "$T_TMP/typing" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 1/5016] ────────────────────────────────┐
│╭──────────────────────────────────────────────────────────╮                  │
││ ✻ devflow fake agent  v0.1.0                             │                  │
││ A scripted agent CLI for devflow's tests and demo.       │                  │
││ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │                  │
│╰──────────────────────────────────────────────────────────╯                  │
│  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.     │
│                                                                              │
│> [pasted 45 lines]                                                           │
│● Phase plan — Plan the work (scenario chatty, from the Scenario: line)       │
│● Reading instructions (45 lines)                                             │
│● Reading schema dev/phase-plan@1                                             │
│● output line 0001 of 5000                                                    │
│● output line 0002 of 5000                                                    │
│● output line 0003 of 5000                                                    │
│● output line 0004 of 5000                                                    │
│● output line 0005 of 5000                                                    │
│● output line 0006 of 5000                                                    │
│● output line 0007 of 5000                                                    │
│● output line 0008 of 5000                                                    │
│● output line 0009 of 5000                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
/pineapple    Enter search forward · Esc cancel
EOS
)" "/ opens the search line over the footer" "$id"
tui_is "$T_TMP/found" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 1235/5016] ─────────────────────────────┐
│● output line 1224 of 5000                                                    │
│● output line 1225 of 5000                                                    │
│● output line 1226 of 5000                                                    │
│● output line 1227 of 5000                                                    │
│● output line 1228 of 5000                                                    │
│● output line 1229 of 5000                                                    │
│● output line 1230 of 5000                                                    │
│● output line 1231 of 5000                                                    │
│● output line 1232 of 5000                                                    │
│● output line 1233 of 5000                                                    │
│● output line 1234 of 5000 — pineapple                                        │
│● output line 1235 of 5000                                                    │
│● output line 1236 of 5000                                                    │
│● output line 1237 of 5000                                                    │
│● output line 1238 of 5000                                                    │
│● output line 1239 of 5000                                                    │
│● output line 1240 of 5000                                                    │
│● output line 1241 of 5000                                                    │
│● output line 1242 of 5000                                                    │
│● output line 1243 of 5000                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k line  PgUp/PgDn page  g/G ends  / ? search  n/N next  q live
EOS
)" "/pineapple: the view moves to the line that says it" "$id"
tui_is "$T_TMP/again" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 1235/5016] ─────────────────────────────┐
│● output line 1224 of 5000                                                    │
│● output line 1225 of 5000                                                    │
│● output line 1226 of 5000                                                    │
│● output line 1227 of 5000                                                    │
│● output line 1228 of 5000                                                    │
│● output line 1229 of 5000                                                    │
│● output line 1230 of 5000                                                    │
│● output line 1231 of 5000                                                    │
│● output line 1232 of 5000                                                    │
│● output line 1233 of 5000                                                    │
│● output line 1234 of 5000 — pineapple                                        │
│● output line 1235 of 5000                                                    │
│● output line 1236 of 5000                                                    │
│● output line 1237 of 5000                                                    │
│● output line 1238 of 5000                                                    │
│● output line 1239 of 5000                                                    │
│● output line 1240 of 5000                                                    │
│● output line 1241 of 5000                                                    │
│● output line 1242 of 5000                                                    │
│● output line 1243 of 5000                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 search wrapped: went on from the first line
EOS
)" "n: found again past the end (wrapped), the view stays" "$id"
tui_is "$T_TMP/meanwhile" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 1235/5020] ─────────────────────────────┐
│● output line 1224 of 5000                                                    │
│● output line 1225 of 5000                                                    │
│● output line 1226 of 5000                                                    │
│● output line 1227 of 5000                                                    │
│● output line 1228 of 5000                                                    │
│● output line 1229 of 5000                                                    │
│● output line 1230 of 5000                                                    │
│● output line 1231 of 5000                                                    │
│● output line 1232 of 5000                                                    │
│● output line 1233 of 5000                                                    │
│● output line 1234 of 5000 — pineapple                                        │
│● output line 1235 of 5000                                                    │
│● output line 1236 of 5000                                                    │
│● output line 1237 of 5000                                                    │
│● output line 1238 of 5000                                                    │
│● output line 1239 of 5000                                                    │
│● output line 1240 of 5000                                                    │
│● output line 1241 of 5000                                                    │
│● output line 1242 of 5000                                                    │
│● output line 1243 of 5000                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 search wrapped: went on from the first line
EOS
)" "the agent printed more meanwhile: the view stays on its lines, the total grows" "$id"
tui_is "$T_TMP/last" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan [history 5001/5020] ─────────────────────────────┐
│╰──────────────────────────────────────────────────────────╯                  │
│  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.     │
│                                                                              │
│● output line 4993 of 5000                                                    │
│● output line 4994 of 5000                                                    │
│● output line 4995 of 5000                                                    │
│● output line 4996 of 5000                                                    │
│● output line 4997 of 5000                                                    │
│● output line 4998 of 5000                                                    │
│● output line 4999 of 5000                                                    │
│● output line 5000 of 5000                                                    │
│● Writing plan.json                                                           │
│✓ Wrote plan.json                                                             │
│  Done in #.#s                                                                │
│                                                                              │
│> not instructions                                                            │
│✗ instructions: no 'Artifact path:' line in the header                        │
│  (see docs/instructions.md for the instruction format)                       │
│                                                                              │
│>                                                                             │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k line  PgUp/PgDn page  g/G ends  / ? search  n/N next  q live
EOS
)" "G: the end, the screen's last rows" "$id"
tui_is "$T_TMP/live" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan · planner → fake ───────── waiting_for_approval ─┐
│╰──────────────────────────────────────────────────────────╯                  │
│  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.     │
│                                                                              │
│● output line 4993 of 5000                                                    │
│● output line 4994 of 5000                                                    │
│● output line 4995 of 5000                                                    │
│● output line 4996 of 5000                                                    │
│● output line 4997 of 5000                                                    │
│● output line 4998 of 5000                                                    │
│● output line 4999 of 5000                                                    │
│● output line 5000 of 5000                                                    │
│● Writing plan.json                                                           │
│✓ Wrote plan.json                                                             │
│  Done in #.#s                                                                │
│                                                                              │
│> not instructions                                                            │
│✗ instructions: no 'Artifact path:' line in the header                        │
│  (see docs/instructions.md for the instruction format)                       │
│                                                                              │
│>                                                                             │
└──────────────────────────────────────────────────────────────────────────────┘
 back to the live screen
EOS
)" "a key history mode does not know: back to live, nothing approved" "$id"
like "$(sed -n 2p "$T_TMP/bracket")" "^┌ Agent · run ${id%"${id#????????}"} · plan \[history [0-9]+/[0-9]+\] ─+┐$" \
	"[ from the lists: the agent's pane, in history mode"

done_testing
