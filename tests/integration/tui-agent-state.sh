#!/bin/sh
# The agent pane's title says what the agent does now: while the fake
# agent's spinner turns (after a change request, when no event tells the
# TUI that the idle agent went back to work) it says busy, not idle; once
# the agent is done, no longer (at its gate: waiting_for_approval). The server's screen frames carry what
# its detection says (docs/protocol.md, "screen").
. "$top_srcdir/tests/tui-lib.sh"

# A slow agent: each step of work lasts 300 ms, so the spinner is seen.
id=$(DEVFLOW_FAKE_STEP_MS=300 tui_start)
short=$(printf %s "$id" | cut -c1-8)
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
c
:wait-for Summary
:type shorter please
C-s
:wait-for … (
:dump $T_TMP/spinning
:wait-for Done in
:wait-gone ─ busy ─┐
:dump $T_TMP/idle-again
EOS
DEVFLOW_TUI_OUTPUT="$T_TMP/out" tui_run 120x40 "$T_TMP/script"
is "$?" 0 "the script ran to its end"
title() { sed -n 2p "$1"; }
like "$(cat "$T_TMP/spinning")" "(⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏) .*… \\([0-9]+s\\)" "the spinner turns"
like "$(title "$T_TMP/spinning")" "┌ Agent · run $short · plan · planner → fake ─+ busy ─┐$" \
	"while it turns, the title says busy"
unlike "$(title "$T_TMP/idle-again")" " busy ─┐$" "and no longer once the agent is done (back at its gate)"
done_testing
