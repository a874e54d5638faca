#!/bin/sh
# Layouts: side by side at 120x40 (the README's capture) and 200x50,
# stacked at 80x24 with t toggling the agent terminal, and live resizes.
# The agent redraws its screen for each new size (SIGWINCH), so each dump
# after a resize first waits for the redrawn key hint (wrapped at 66 columns
# as " quits.", one line when wider).
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
tui_wait_state "$id" awaiting_approval
tui_wait_idle "$id" planner
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:wait-for Done in
:wait-for quits.
:dump $T_TMP/wide
:resize 200x50
:wait-for Ctrl-D quits.
:dump $T_TMP/wider
:resize 80x24
:dump $T_TMP/narrow
t
:wait-for Ctrl-D quits.
:dump $T_TMP/terminal
t
:resize 120x40
:wait-for quits.
:dump $T_TMP/back
q
EOS
DEVFLOW_TUI_SIZE=120x40 DEVFLOW_TUI_SCRIPT="$T_TMP/script" "$DEVFLOW"
is "$?" 0 "the script ran to its end"

wide_want=$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 1 waiting for you                                                   ? help
┌ Runs ────────────────────────────────────── 1/1 ─┐┌ Agent · run RUN1xxxx · plan · planner → fake ────────────────────┐
│▶ RUN1xxxx repo main awaiting_approval plan   ⚑AGE││╭──────────────────────────────────────────────────────────╮      │
│                                                  │││ ✻ devflow fake agent  v0.1.0                             │      │
│                                                  │││ A scripted agent CLI for devflow's tests and demo.       │      │
│                                                  │││ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │      │
│                                                  ││╰──────────────────────────────────────────────────────────╯      │
│                                                  ││  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D│
│                                                  ││ quits.                                                           │
│                                                  ││                                                                  │
│                                                  ││> [pasted 44 lines]                                               │
├ Phases · RUN1xxxx ───────────────────────── 1/1 ─┤│● Phase plan — Plan the work (scenario ok, from the default)      │
│ 1 plan awaiting_approval planner → planner/fake  ││● Reading instructions (44 lines)                                 │
│                                                  ││● Reading schema dev/phase-plan@1                                 │
│                                                  ││● Writing plan.json                                               │
│                                                  ││✓ Wrote plan.json                                                 │
│                                                  ││  Done in #.#s                                                    │
│                                                  ││                                                                  │
│                                                  ││>                                                                 │
│                                                  ││                                                                  │
├ Waiting for you ─────────────────────────── 1/1 ─┤│                                                                  │
│⚑ RUN1xxxx plan_review   plan.json valid       AGE││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Events · RUN1xxxx ───────────────────────── 1/7 ─┤│                                                                  │
│ HH:MM:SS session.idle planner                    ││                                                                  │
│ HH:MM:SS approval.requested plan_review          ││                                                                  │
│ HH:MM:SS artifact.validated plan.json            ││                                                                  │
│ HH:MM:SS session.started plan                    ││                                                                  │
│ HH:MM:SS phase.started plan (attempt 1) planner  ││                                                                  │
│ HH:MM:SS run.started                             ││                                                                  │
│ HH:MM:SS run.created development…                ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
└──────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  X abort  p pause  v artifact  d diff  ⏎ attach  ? help  q detach
EOS
)
tui_is "$T_TMP/wide" "$wide_want" "120x40: lists on the left, the agent's terminal on the right" "$id"

# The README shows this screen: its capture must be this test's screen.
awk '/a capture made by tests\/integration\/tui-layouts.sh/ { on = 1; next }
     on && /^    / { print substr($0, 5); seen = 1; next }
     on && seen { exit }' "$top_srcdir/README" >"$T_TMP/readme-capture"
readme_id=$(grep -o 'cwd: …/devflow/[0-9a-f-]*' "$T_TMP/readme-capture" | sed 's|.*/||')
tui_is "$T_TMP/readme-capture" "$wide_want" "the README's 120x40 capture is the screen this test sees" "$readme_id"

tui_is "$T_TMP/wider" "$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 1 waiting for you                                                                                                                                   ? help
┌ Runs ────────────────────────────────────────────────────────────────────────── 1/1 ─┐┌ Agent · run RUN1xxxx · plan · planner → fake ───────────────────────────────────────── waiting_for_approval ─┐
│▶ RUN1xxxx repo main development awaiting_approval plan                           ⚑AGE││╭──────────────────────────────────────────────────────────╮                                                  │
│                                                                                      │││ ✻ devflow fake agent  v0.1.0                             │                                                  │
│                                                                                      │││ A scripted agent CLI for devflow's tests and demo.       │                                                  │
│                                                                                      │││ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │                                                  │
│                                                                                      ││╰──────────────────────────────────────────────────────────╯                                                  │
│                                                                                      ││  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.                                     │
│                                                                                      ││                                                                                                              │
│                                                                                      ││> [pasted 44 lines]                                                                                           │
│                                                                                      ││● Phase plan — Plan the work (scenario ok, from the default)                                                  │
│                                                                                      ││● Reading instructions (44 lines)                                                                             │
│                                                                                      ││● Reading schema dev/phase-plan@1                                                                             │
│                                                                                      ││● Writing plan.json                                                                                           │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────────────── 1/1 ─┤│✓ Wrote plan.json                                                                                             │
│ 1 plan      Plan the work awaiting_approval planner → planner/fake                   ││  Done in #.#s                                                                                                │
│                                                                                      ││                                                                                                              │
│                                                                                      ││>                                                                                                             │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
├ Waiting for you ─────────────────────────────────────────────────────────────── 1/1 ─┤│                                                                                                              │
│⚑ RUN1xxxx plan_review   plan.json valid                                           AGE││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
├ Events · RUN1xxxx ───────────────────────────────────────────────────────────── 1/7 ─┤│                                                                                                              │
│ HH:MM:SS session.idle planner                                                        ││                                                                                                              │
│ HH:MM:SS approval.requested plan_review                                              ││                                                                                                              │
│ HH:MM:SS artifact.validated plan.json                                                ││                                                                                                              │
│ HH:MM:SS session.started plan                                                        ││                                                                                                              │
│ HH:MM:SS phase.started plan (attempt 1) planner                                      ││                                                                                                              │
│ HH:MM:SS run.started                                                                 ││                                                                                                              │
│ HH:MM:SS run.created development @TMP@/repo main                  ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
│                                                                                      ││                                                                                                              │
└──────────────────────────────────────────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  X abort  p pause  v artifact  d diff  r report  ⏎ attach  s new  / filter  ? help  q detach
EOS
)" "resized to 200x50: every column of the runs" "$id"

tui_is "$T_TMP/narrow" "$(tui_plan_waiting_80x24)" "resized to 80x24: stacked lists" "$id"

tui_is "$T_TMP/terminal" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Agent · run RUN1xxxx · plan · planner → fake ───────── waiting_for_approval ─┐
│╭──────────────────────────────────────────────────────────╮                  │
││ ✻ devflow fake agent  v0.1.0                             │                  │
││ A scripted agent CLI for devflow's tests and demo.       │                  │
││ cwd: …/devflow/RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/main │                  │
│╰──────────────────────────────────────────────────────────╯                  │
│  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D quits.     │
│                                                                              │
│> [pasted 44 lines]                                                           │
│● Phase plan — Plan the work (scenario ok, from the default)                  │
│● Reading instructions (44 lines)                                             │
│● Reading schema dev/phase-plan@1                                             │
│● Writing plan.json                                                           │
│✓ Wrote plan.json                                                             │
│  Done in #.#s                                                                │
│                                                                              │
│>                                                                             │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  ⏎ attach  t terminal  ? help  q detach
EOS
)" "t shows the agent terminal over the lists" "$id"

back=$(tui_norm "$T_TMP/back" "$id")
is "$back" "$(tui_norm "$T_TMP/wide" "$id")" "t again and a resize to 120x40 give the first screen back"
done_testing
