#!/bin/sh
# Answering an agent from the queue: the fake agent's Claude-Code-style
# permission question (scenario `permission`) waits in "Waiting for you"
# with its text and the answers its backend declares; with it focused the
# footer lists them, a paste of "1" or "y" is text and answers nothing, a
# key it does not offer (n) is refused instead of acting as its main-view binding,
# and 1 answers: the item leaves the queue, the run goes on to its gate,
# and session.answered records the answer and who gave it.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start --scenario plan=permission)
cat >"$T_TMP/script" <<EOS
:wait-for Always
Tab
Tab
:dump $T_TMP/asks
:paste 1
:paste y
:dump $T_TMP/pasted
n
:dump $T_TMP/refused
a
:dump $T_TMP/approve
1
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
│? RUN1xxxx planner asks "Do you want to proceed?"  1 Yes · 2 Always · 3 No                     AGE│
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
├ Events · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/5 ─┤
│ HH:MM:SS session.needs_input planner asks "Do you want to proceed?"                              │
│ HH:MM:SS session.started plan                                                                    │
│ HH:MM:SS phase.started plan (attempt 1) planner                                                  │
│ HH:MM:SS run.started                                                                             │
│ HH:MM:SS run.created development @TMP@/repo main                              │
│                                                                                                  │
│                                                                                                  │
│                                                                                                  │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
 1 Yes  2 Always  3 No  ⏎ attach  Tab next pane  q detach
EOS
)" "the question waits with its text and answers; focused, the footer lists them" "$id"

is "$(tail -n 1 "$T_TMP/pasted")" " paste ignored: not in a text field" \
	"a paste of 1 or y is text: ignored, with a message"
like "$(cat "$T_TMP/pasted")" 'asks "Do you want to proceed\?"' "and the question still waits"
is "$(tail -n 1 "$T_TMP/refused")" " n is not an answer to this question (1 Yes, 2 Always, 3 No)" \
	"n, which this question does not offer, is refused with its answers"
unlike "$(cat "$T_TMP/refused")" "New run|Find" "and opens neither the new-run form nor a search"
is "$(tail -n 1 "$T_TMP/approve")" \
	" cannot approve: the agent asks a question — answer it (1 Yes, 2 Always, 3 No) or press Enter" \
	"a gate key on the question says how to answer it"

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
├ Events · RUN1xxxx ───────────────────────────────────────────────────────────────────────── 1/9 ─┤
│ HH:MM:SS session.idle planner                                                                    │
│ HH:MM:SS approval.requested plan_review                                                          │
│ HH:MM:SS artifact.validated plan.json                                                            │
│ HH:MM:SS session.answered 1 (Yes) by USER                                                        │
│ HH:MM:SS session.needs_input planner asks "Do you want to proceed?"                              │
│ HH:MM:SS session.started plan                                                                    │
│ HH:MM:SS phase.started plan (attempt 1) planner                                                  │
│ HH:MM:SS run.started                                                                             │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
 answered 1 (Yes) for run RUN1xxxx
EOS
)" "1 answered: the question left the queue, the plan waits for approval, the answer is an event" "$id"

"$DEVFLOW" --json logs "$id" >"$T_TMP/logs.json"
like "$(grep session.answered "$T_TMP/logs.json")" "\"actor\": *\"$(id -un)\"" \
	"session.answered names the actor"
"$DEVFLOW" capture "$("$DEVFLOW" sessions "$id" | awk 'NR==2 {print $1}')" >"$T_TMP/screen" 2>&1
like "$(cat "$T_TMP/screen")" "Ran make test: no tests to run here" "the agent took 1 as Yes"
done_testing
