#!/bin/sh
# An agent's history through the protocol and the CLI: the history op reads
# a range of lines (tmux's numbers or stable ones) as text or styled spans,
# each reply within a frame and at most 2,000 lines; history-search finds a
# text on the server; `devflow capture -S/-E` prints any range, in as many
# replies as it takes; bad ranges and numbers are refused, naming them.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

keys() { "$JSON_GET" -k "$T_TMP/out.json" "$1"; }
# raw OP ARGS-JSON: the reply as rawframe prints it ("reply: code: message" for an error).
raw() { timeout 20 "$RAWFRAME" "$SOCK" raw '{"id":2,"op":"'"$1"'","args":'"$2"'}'; }
rawres() {
	timeout 20 "$RAWFRAME" "$SOCK" result '{"id":2,"op":"'"$1"'","args":'"$2"'}' \
		>"$T_TMP/res.json" &&
		printf '{"result":%s}\n' "$(cat "$T_TMP/res.json")" >"$T_TMP/out.json"
}

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo" --scenario plan=chatty)
ok $? "a run whose planner prints 5,000 lines ($run)"
wait_until 60 state_is "$run" awaiting_approval
ok $? "the plan reaches its gate"
sess=$(last_session "$run")

rawres history '{"session":"'"$sess"'","start":-3,"end":-1}'
ok $? "history of the last three history lines"
is "$(keys result)" "session historySize rows cols dropped first start count more text lines" \
	"history: its result's keys"
size=$(jv result.historySize)
is "$(jv result.start) $(jv result.count) $(jv result.more) $(jv result.lines)" "-3 3 false null" \
	"-3..-1: three lines, as text"
is "$(jv result.first)" "$(($(jv result.dropped) + size - 3))" "first is the stable number: dropped + size - 3"
ok $([ "$size" -ge 4900 ]; echo $?) "the history holds the lines scrolled off the screen ($size)"

dj capture "$sess" -S - -E 2
ok $? "capture -S - -E 2 --json"
first=$(jv result.first)
is "$(jv result.start) $(jv result.count) $(jv result.more)" "-$size $((size + 3)) false" \
	"the whole history and the screen's first three rows, in one result"
like "$(jv result.text | head -n 1)" "╭─" "its first line is the agent's first (the banner's top)"

# 5,000 lines take three replies of at most 2,000: capture asks again from where each stopped.
out=$("$DEVFLOW" capture "$sess" -S - -E -1)
ok $? "capture -S - -E -1 (the history alone)"
is "$(printf '%s\n' "$out" | wc -l)" "$size" "one line per history line"
out=$("$DEVFLOW" capture "$sess" -S - -E -)
is "$(printf '%s\n' "$out" | grep -c 'output line [0-9]* of 5000')" 5000 \
	"-S - -E -: every one of the 5,000 lines, once"
like "$(printf '%s\n' "$out" | grep pineapple)" "output line 1234 of 5000 — pineapple" \
	"line 1234 as the agent printed it"

out=$("$DEVFLOW" capture "$sess" -e -S -3 -E -1)
like "$(printf '%s' "$out" | od -c | head -n 3)" '033   \[' "-e keeps the colours as SGR escapes"
is "$(printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g')" "$("$DEVFLOW" capture "$sess" -S -3 -E -1)" \
	"-e is the same text with escapes"

rawres history '{"session":"'"$sess"'","from":'"$first"',"to":'"$((first + 2))"',"spans":true}'
is "$(jv result.count) $(jv result.text)" "3 null" "from/to: stable numbers, with spans"
is "$(keys result.lines.0)" "spans" "a line is its spans"
is "$(keys result.lines.0.spans.0)" "x text fg bg attrs" "a span as screen messages have it"
rawres history '{"session":"'"$sess"'","start":null,"end":-1}'
is "$(jv result.first) $(jv result.start)" "$(jv result.dropped) -$size" \
	"a null start is no start: from the history's first line"
rawres history '{"session":"'"$sess"'","spans":true}'
is "$(jv result.count) $(jv result.more)" "2000 true" "a reply holds at most 2,000 lines"

rawres history-search '{"session":"'"$sess"'","text":"output line 0001 of"}'
one=$(jv result.line)
rawres history-search '{"session":"'"$sess"'","text":"PINEAPPLE"}'
is "$(jv result.found)" false "an uppercase letter searches exactly"
rawres history-search '{"session":"'"$sess"'","text":"pineapple"}'
is "$(keys result)" "session found line start wrapped historySize rows dropped" \
	"history-search: its result's keys"
line=$(jv result.line)
is "$(jv result.found) $((line - one))" "true 1233" "lowercase finds Pineapple's line (the 1,234th)"
rawres history-search '{"session":"'"$sess"'","text":"pineapple","from":'"$((line + 1))"'}'
is "$(jv result.found)" false "forward from past it: nothing more"
rawres history-search '{"session":"'"$sess"'","text":"pineapple","from":'"$((line + 1))"',"wrap":true}'
is "$(jv result.found) $(jv result.wrapped) $(jv result.line)" "true true $line" "with wrap, found again"
rawres history-search '{"session":"'"$sess"'","text":"output line 0007","backward":true}'
is "$(($(jv result.line) - one))" 6 "backward from the end"

is "$(raw history '{"session":"'"$sess"'","start":5,"end":-5}')" \
	"reply: invalid_argument: history: start 5 is after end -5" "a start after the end is refused"
is "$(raw history '{"session":"'"$sess"'","start":1,"from":3}')" \
	"reply: invalid_argument: history: give tmux line numbers (start, end) or stable ones (from, to), not both" \
	"the two numberings are not mixed"
is "$(raw history '{"session":"'"$sess"'","start":"x"}')" \
	"reply: invalid_argument: history.start: expected an integer" "a number that is not one"
is "$(raw history '{"session":"'"$sess"'","limit":0}')" \
	"reply: invalid_argument: history.limit: 0 is outside 1..2000" "a limit out of range"
like "$(raw history '{"session":"nosuch"}')" "^reply: session_not_found: " "an unknown session"
is "$(raw history-search '{"session":"'"$sess"'","text":""}')" \
	"reply: invalid_argument: history-search.text: must not be empty" "an empty search"

err=$("$DEVFLOW" capture "$sess" -S abc 2>&1)
is $? 2 "capture -S abc is a usage error (2)"
like "$err" "-S 'abc' is not a line number" "... naming the flag and the value"
err=$("$DEVFLOW" capture "$sess" -E 2>&1)
is $? 2 "-E without a number is a usage error"
like "$err" "-E needs a value \\(END\\)" "... saying so"
err=$("$DEVFLOW" capture "$sess" -S 3 -E -3 2>&1)
is $? 2 "-S after -E is a usage error"
like "$err" "-S 3 is after -E -3" "... naming both"
is "$("$DEVFLOW" capture "$sess" -E 2)" "$("$DEVFLOW" capture "$sess" -S 0 -E 2)" \
	"without -S the capture starts at the screen's first row, as in tmux"
is "$("$DEVFLOW" capture "$sess" -E 2 | wc -l)" 3 "... three rows for -E 2"
err=$("$DEVFLOW" capture "$sess" -E -5 2>&1)
is $? 2 "-E above the screen without -S is a usage error"
like "$err" "-E -5 is above the screen's first row, where the capture starts without -S" \
	"... saying where it starts"
"$DEVFLOW" capture nosuch -S - >/dev/null 2>&1
is $? 1 "an unknown session is an error (1)"

done_testing
