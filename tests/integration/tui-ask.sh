#!/bin/sh
# An agent that asks a question (fake scenario `ask`) enters the approval
# queue; Enter attaches to its terminal, the answer goes to the agent as a
# key event (wide and combining characters too), C-] comes back and the
# run goes on.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start --scenario plan=ask)
cat >"$T_TMP/script" <<EOS
:wait-for asks
:dump $T_TMP/asks
a
:dump $T_TMP/approve
Tab
Tab
Enter
:wait-for (y/n)
:dump $T_TMP/attached
y
:wait-for Done in
:type 表x́z
:wait-for x́z
:dump $T_TMP/typed
:paste first line\nsecond line
:wait-for 2 lines]
:dump $T_TMP/pasted
C-]
:wait-for plan_review
:wait-for session.idle planner
:dump $T_TMP/answered
q
EOS
tui_run 100x30 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

tui_is "$T_TMP/asks" "$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 1 waiting for you                               ? help
┌ Runs ────────────────────────────────────────────────────────────────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo main development planning          plan                                       ⚑AGE│
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/1 ─┤
│ 1 plan      Plan the work awaiting_artifact planner → planner/fake                               │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Waiting for you ─────────────────────────────────────────────────────────────────────────── 1/1 ─┤
│? RUN1xxxx planner asks "? Run the test suite? (y/n)"  y Yes · n No                            AGE│
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Events · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/5 ─┤
│ HH:MM:SS session.needs_input planner asks "? Run the test suite? (y/n)"                          │
│ HH:MM:SS session.started plan                                                                    │
│ HH:MM:SS phase.started plan (attempt 1) planner                                                  │
│ HH:MM:SS run.started                                                                             │
│ HH:MM:SS run.created development @TMP@/repo main                              │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  ⏎ attach  t terminal  ? help  q detach
EOS
)" "the question waits for you, with the agent's question" "$id"

is "$(tail -n 1 "$T_TMP/approve")" " cannot approve: the agent asks a question — press Enter to attach and answer" \
	"a on a run whose agent asks: a message, nothing decided"

tui_is "$T_TMP/attached" "$(cat <<'EOS'
╭──────────────────────────────────────────────────────────╮
│ ✻ devflow fake agent  v0.1.0                             │
│ A scripted agent CLI for devflow's tests and demo.       │
│ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │
╰──────────────────────────────────────────────────────────╯
  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.

> [pasted 45 lines]
● Phase plan — Plan the work (scenario ask, from the Scenario: line)
● Reading instructions (45 lines)
● Reading schema dev/phase-plan@1
? Run the test suite? (y/n)

















 attached to RUN1xxxx/planner · C-] back
EOS
)" "Enter on the queue item attaches: the agent's terminal takes the screen" "$id"

tui_is "$T_TMP/answered" "$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 1 waiting for you                               ? help
┌ Runs ────────────────────────────────────────────────────────────────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo main development awaiting_approval plan                                       ⚑AGE│
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/1 ─┤
│ 1 plan      Plan the work awaiting_approval planner → planner/fake                               │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Waiting for you ─────────────────────────────────────────────────────────────────────────── 1/1 ─┤
│⚑ RUN1xxxx plan_review   plan.json valid                                                       AGE│
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Events · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/8 ─┤
│ HH:MM:SS session.idle planner                                                                    │
│ HH:MM:SS approval.requested plan_review                                                          │
│ HH:MM:SS artifact.validated plan.json                                                            │
│ HH:MM:SS session.needs_input planner asks "? Run the test suite? (y/n)"                          │
│ HH:MM:SS session.started plan                                                                    │
│ HH:MM:SS phase.started plan (attempt 1) planner                                                  │
│ HH:MM:SS run.started                                                                             │
│ HH:MM:SS run.created development @TMP@/repo main                              │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  ⏎ attach  t terminal  ? help  q detach
EOS
)" "y reached the agent; C-] is back; the plan waits for approval" "$id"
# Typed keys reach the agent; its echo comes back as spans: a wide
# character takes two cells, a combining accent none.
is "$(grep '^> ' "$T_TMP/typed" | tail -n 1)" "> 表x́z" "wide and combining characters are drawn in their cells"
like "$(grep '^> ' "$T_TMP/pasted" | tail -n 1)" '^> 表x́z.*\[pasted 2 lines\]' \
	"a bracketed paste reaches the agent as one paste"
done_testing
