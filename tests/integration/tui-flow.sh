#!/bin/sh
# The demo flow in the TUI at 80x24, headless against the real server and
# the fake agent: approve nothing yet, request changes with a comment,
# approve the revised plan, approve the review, read the report.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
:dump $T_TMP/waiting
p
:wait-for paused
:dump $T_TMP/paused
p
:wait-for awaiting_approval
v
:wait-for validation: valid
:dump $T_TMP/artifact
q
/
:type zzz
:dump $T_TMP/filtered
Esc
c
:type Please split the plan
Enter
:type into smallest
Backspace
Backspace
:type r steps.
:dump $T_TMP/editor
C-s
:wait-for awaiting_approval ×2
:dump $T_TMP/revised
a
:wait-for final_review
:dump $T_TMP/review
:resize 120x40
:dump $T_TMP/review-wide
:resize 40x24
:dump $T_TMP/review-narrow
:resize 80x24
a
:wait-for development completed
r
:dump $T_TMP/report
q
q
EOS
tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

tui_is "$T_TMP/waiting" "$(tui_plan_waiting_80x24)" "80x24: the plan waits for approval" "$id"

tui_is "$T_TMP/editor" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Request changes · RUN1xxxx · C-s send · Esc cancel ──────────────────────────┐
│ plan_review · plan · plan.json (dev/phase-plan@1)                            │
│ Summary: Plan for "Plan the work": implement the requirements, then review   │
│ the change.                                                                  │
│ Phases (2): implement, review                                                │
│─ Your comment ───────────────────────────────────────────────────────────────│
│ Please split the plan                                                        │
│ into smaller steps.                                                          │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 C-s send  Esc cancel
EOS
)" "c opens the comment editor with the artifact's summary" "$id"

tui_is "$T_TMP/revised" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Runs ────────────────────────────────────────────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo main development awaiting_approval plan                   ⚑AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────── 1/1 ─┤
│ 1 plan      Plan the work awaiting_approval ×2 planner → planner/fake        │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
├ Waiting for you ─────────────────────────────────────────────────────── 1/1 ─┤
│⚑ RUN1xxxx plan_review   plan.json valid                                   AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 request_changes: done for run RUN1xxxx
EOS
)" "C-s sends the comment: the plan is revised (attempt 2) and waits again" "$id"

tui_is "$T_TMP/review" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Runs ────────────────────────────────────────────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo main development awaiting_approval review                 ⚑AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────── 1/3 ─┤
│ 1 plan      Plan the work completed         ×2 planner → planner/fake        │
│ 2 implement Implement…    completed            implementer → implementer/fake│
│ 3 review    Review the…   awaiting_approval    reviewer → reviewer/fake      │
│                                                                              │
│                                                                              │
│                                                                              │
├ Waiting for you ─────────────────────────────────────────────────────── 1/1 ─┤
│⚑ RUN1xxxx final_review  review.json valid                                 AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 approve: done for run RUN1xxxx
EOS
)" "a approves: implement and review run, the final review waits" "$id"

# Column widths: whole names at 120x40 (the left column is 52 cells),
# short ones from a fixed table when narrower, never a word cut.
wide=$(sed -En '3p;13,15p' "$T_TMP/review-wide" | sed -E 's/^(.{52}).*/\1/')
is "$(printf '%s\n' "$wide" | tui_norm /dev/stdin "$id")" "$(cat <<'EOS'
│▶ RUN1xxxx repo main awaiting_approval review ⚑AGE│
│ 1 plan      completed         ×2 planner/fake    │
│ 2 implement completed            implementer/fake│
│ 3 review    awaiting_approval    reviewer/fake   │
EOS
)" "120x40: states, phase keys and backends whole (a binding shortened to persona/backend)"
tui_is "$T_TMP/review-narrow" "$(cat <<'EOS'
 devflow  1 run · 1 waiting       ? help
┌ Runs ────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo await_appr review ⚑AGE│
│                                      │
│                                      │
│                                      │
│                                      │
│                                      │
├ Phases · RUN1xxxx ───────────── 1/3 ─┤
│ 1 plan      completed  ×2            │
│ 2 implement completed                │
│ 3 review    await_appr               │
│                                      │
│                                      │
│                                      │
├ Waiting for you ─────────────── 1/1 ─┤
│⚑ RUN1xxxx final_review…           AGE│
│                                      │
│                                      │
│                                      │
│                                      │
│                                      │
└──────────────────────────────────────┘
 approve: done for run RUN1xxxx
EOS
)" "40x24: states by their short names (the help's legend), the bindings left out" "$id"

tui_is "$T_TMP/report" "$(cat <<'EOS'
 devflow  1 run · 0 waiting                                               ? help
┌ Report · run RUN1xxxx · 1/61 · q close ──────────────────────────────────────┐
│# devflow run RUN1xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx                            │
│                                                                              │
│- Status: **completed**                                                       │
│- Ended: YYYY-MM-DDTHH:MM:SS.mmmZ                                             │
│- Template hash: `############################################################│
│- Input hash: `###############################################################│
│                                                                              │
│## Requirements                                                               │
│                                                                              │
│> # Requirements                                                              │
│>                                                                             │
│> Add a calculator.                                                           │
│                                                                              │
│                                                                              │
│## Bindings                                                                   │
│                                                                              │
│| Role | Backend | Persona hash |                                             │
│|---|---|---|                                                                 │
│| implementer | fake | `56a3d7abdbd4` |                                       │
│| planner | fake | `ee49c529781d` |                                           │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k scroll  PgDn/PgUp page  g/G top/end  / find  n/N next/prev  q close
EOS
)" "a approves the review; r shows the report" "$id"

like "$(sed -n 3p "$T_TMP/paused")" " paused " "p pauses the run"
like "$(cat "$T_TMP/artifact")" "validation: valid against dev/phase-plan@1" "v shows the artifact's validation"
like "$(cat "$T_TMP/artifact")" '│ +"summary": "Plan for ' "v shows the artifact as pretty JSON"
like "$(sed -n 2p "$T_TMP/filtered")" "Runs · /zzz" "/ filters the runs"
like "$(sed -n 3p "$T_TMP/filtered")" "no run matches the filter" "a filter that matches nothing says so"
events=$("$DEVFLOW" logs "$id")
like "$events" "run.paused" "the pause reached the server"
like "$events" "run.resumed" "p again resumed the run"

# A new TUI on the finished run: its agent's session has ended.
printf ':dump %s\n' "$T_TMP/after" >"$T_TMP/script2"
tui_run 120x40 "$T_TMP/script2"
like "$(sed -n 3p "$T_TMP/after")" "│▶ ${id%"${id#????????}"} repo .*completed .*││ the agent's session has ended \((stopped|exited)\) +│$" \
	"a finished run's agent pane says the session has ended"

report=$("$DEVFLOW" report "$id")
like "$report" "Please split the plan" "the comment is in the report"
like "$(printf '%s\n' "$report" | grep -A1 'Please split the plan')" "into smaller steps\." \
	"with its second line: the editor keeps newlines"
like "$report" "approve by " "the approvals are in the report"
like "$("$DEVFLOW" ls)" "^$id +completed" "the run completed"
done_testing
