#!/bin/sh
# The Events pane scrolls through the run's whole event log: `status`
# brings its last 20, and moving down to the oldest of them fetches the
# page before it (the `events` op by seq), so a finished run's first
# events (run.created) are reachable.
. "$top_srcdir/tests/tui-lib.sh"

# Each phase's commit (off the loop) takes a second here, so the stopped
# agent's session.exited always comes before it: the newest events are in
# one order, not in the order of a race between a process and a thread.
export DEVFLOW_TEST_FAULT=commit-slow:1000
id=$(tui_start)
for gate in plan_review:planner final_review:reviewer; do
	role=${gate#*:} gate=${gate%:*}
	tui_wait_state "$id" awaiting_approval || break
	tui_wait_idle "$id" "$role" # its event, before the approval stops it
	"$DEVFLOW" approve "$id" >/dev/null
	# the next gate (or the end) only once this one is decided
	i=0
	while [ $i -lt 300 ] && "$DEVFLOW" status "$id" | grep -q "$gate.*pending"; do
		sleep 0.1
		i=$((i + 1))
	done
done
tui_wait_state "$id" completed
n=$("$DEVFLOW" logs "$id" | wc -l)
ok $([ "$n" -gt 20 ]; echo $?) "the run logged more events than status brings ($n)"

cat >"$T_TMP/script" <<EOS
:wait-for run.completed
Tab
Tab
Tab
:dump $T_TMP/newest
$(for i in $(seq 30); do echo j; done)
:wait-for run.created
:dump $T_TMP/oldest
q
EOS
tui_run 120x40 "$T_TMP/script"
is "$?" 0 "the script ran to its end"
# An approval's id (in run.resumed) differs from run to run: x for each of its digits.
for f in newest oldest; do
	sed -E -e ':a' -e 's/(approval:[x-]*)[0-9a-f]/\1x/' -e 'ta' "$T_TMP/$f" >"$T_TMP/$f.n" &&
		mv "$T_TMP/$f.n" "$T_TMP/$f"
done

tui_is "$T_TMP/newest" "$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 0 waiting for you                                                   ? help
┌ Runs ────────────────────────────────────── 1/1 ─┐┌ Agent · run RUN1xxxx · review · reviewer → fake ─────── stopped ─┐
│▶ RUN1xxxx repo main completed                 AGE││ the agent's session has ended (stopped)                          │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Phases · RUN1xxxx ───────────────────────── 1/3 ─┤│                                                                  │
│ 1 plan      completed         planner/fake       ││                                                                  │
│ 2 implement completed         implementer/fake   ││                                                                  │
│ 3 review    completed         reviewer/fake      ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Waiting for you ─────────────────────────────────┤│                                                                  │
│ nothing waits for you                            ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Events · RUN1xxxx ──────────────────────── 1/20 ─┤│                                                                  │
│ HH:MM:SS run.completed                           ││                                                                  │
│ HH:MM:SS phase.committed review                  ││                                                                  │
│ HH:MM:SS session.exited reviewer stopped         ││                                                                  │
│ HH:MM:SS run.resumed…                            ││                                                                  │
│ HH:MM:SS phase.completed review                  ││                                                                  │
│ HH:MM:SS approval.resolved approve               ││                                                                  │
│ HH:MM:SS session.idle reviewer                   ││                                                                  │
│ HH:MM:SS approval.requested final_review         ││                                                                  │
│ HH:MM:SS artifact.validated review.json          ││                                                                  │
│ HH:MM:SS session.started review                  ││                                                                  │
└──────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  X abort  p pause  v artifact  d diff  ⏎ attach  ? help  q detach
EOS
)" "the Events pane shows the newest events first" "$id"
tui_is "$T_TMP/oldest" "$(cat <<'EOS'
 devflow  ws ~/.local/share/devflow   1 run · 0 waiting for you                                                   ? help
┌ Runs ────────────────────────────────────── 1/1 ─┐┌ Agent · run RUN1xxxx · review · reviewer → fake ─────── stopped ─┐
│▶ RUN1xxxx repo main completed                 AGE││ the agent's session has ended (stopped)                          │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Phases · RUN1xxxx ───────────────────────── 1/3 ─┤│                                                                  │
│ 1 plan      completed         planner/fake       ││                                                                  │
│ 2 implement completed         implementer/fake   ││                                                                  │
│ 3 review    completed         reviewer/fake      ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Waiting for you ─────────────────────────────────┤│                                                                  │
│ nothing waits for you                            ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
│                                                  ││                                                                  │
├ Events · RUN1xxxx ─────────────────────── 29/29 ─┤│                                                                  │
│ HH:MM:SS run.resumed…                            ││                                                                  │
│ HH:MM:SS phase.completed plan                    ││                                                                  │
│ HH:MM:SS approval.resolved approve               ││                                                                  │
│ HH:MM:SS session.idle planner                    ││                                                                  │
│ HH:MM:SS approval.requested plan_review          ││                                                                  │
│ HH:MM:SS artifact.validated plan.json            ││                                                                  │
│ HH:MM:SS session.started plan                    ││                                                                  │
│ HH:MM:SS phase.started plan (attempt 1) planner  ││                                                                  │
│ HH:MM:SS run.started                             ││                                                                  │
│ HH:MM:SS run.created development…                ││                                                                  │
└──────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  X abort  p pause  v artifact  d diff  ⏎ attach  ? help  q detach
EOS
)" "moving down past the last of them fetches the older ones, down to run.created" "$id"

done_testing
