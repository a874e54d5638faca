#!/bin/sh
# Requests only a hand-written client sends (tests/tools/rawframe): numbers
# no integer type holds (1e300, converted before its range check, was
# undefined behaviour: a UBSan build aborts on it) get a clear range error
# and the server goes on. Text with a NUL (JSON \u0000, which C strings
# would cut short) is refused, naming the field and the byte, and so are
# requirements files that are not UTF-8 text, before anything is sent.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

"$DEVFLOW" ls >/dev/null 2>&1
ok $? "the server starts"

# raw JSON: send one request frame after hello, print the reply.
raw() {
	timeout 20 "$RAWFRAME" "$SOCK" raw "$1"
}

for n in 1e300 -1e300 9.3e18 1e19; do
	out=$(raw '{"id":2,"op":"start","args":{"requirements":"x","repo":"/nonexistent","base":"main","template_version":'"$n"'}}')
	like "$out" "^reply: invalid_argument: start.template_version: .* is outside 0..1000000$" \
		"template_version $n: a range error"
done
out=$(raw '{"id":2,"op":"start","args":{"requirements":"x","repo":"/nonexistent","base":"main","template_version":1.5}}')
like "$out" "^reply: invalid_argument: start.template_version: expected an integer$" \
	"template_version 1.5: not an integer"
"$DEVFLOW" ls >/dev/null 2>&1
ok $? "the server still answers"

# Strings carrying \u0000: refused whole, never stored cut at the NUL.
make_repo "$T_TMP/repo"
out=$(raw '{"id":2,"op":"start","args":{"requirements":"# Add\u0000 a greeting","repo":"'"$T_TMP/repo"'","base":"main","backends":{"planner":"fake","implementer":"fake","reviewer":"fake"}}}')
like "$out" '^error: start.requirements: a NUL character \(\\u0000\) at byte 5; text with NUL is refused' \
	"start.requirements with \\u0000: refused, naming the field and the byte"
out=$(raw '{"id":2,"op":"start","args":{"requirements":"x","repo":"'"$T_TMP/repo"'","base":"main","objective":{"goals":["ok","caf\u00e9\u0000"]}}}')
like "$out" '^error: start.objective.goals\[1\]: a NUL character \(\\u0000\) at byte 5;' \
	"an objective's text with \\u0000: refused with its path (bytes counted as UTF-8)"
out=$(raw '{"id":2,"op":"decide","args":{"run":"r","action":"approve","token":"t","comment":"fine\u0000 rm -rf"}}')
like "$out" '^error: decide.comment: a NUL character' "a decision's comment with \\u0000: refused"
out=$(raw '{"id":2,"op":"ls","args":{"x":"a\\u0000"}}')
like "$out" '^(ok|reply: .*)$' "an escaped backslash before u0000 is plain text"
dj ls
is "$(jv result.runs.0.id)" "" "no run was started"

# The client refuses such requirements before sending anything.
printf '# Add\000 a greeting\n' >"$T_TMP/nul.md"
dj start --repo "$T_TMP/repo" --requirements "$T_TMP/nul.md"
is "$?" 2 "devflow start: a requirements file with a NUL byte fails (invalid_argument)"
like "$(cat "$T_TMP/err.txt" "$T_TMP/out.json")" "--requirements: $T_TMP/nul.md: not UTF-8 text: a NUL byte at offset 5" \
	"naming the file and the offset"
printf '# Caf\351\n' | "$DEVFLOW" start --repo "$T_TMP/repo" --requirements - >"$T_TMP/o.txt" 2>&1
is "$?" 2 "devflow start: Latin-1 requirements on standard input fail"
like "$(cat "$T_TMP/o.txt")" "standard input: not UTF-8 text: invalid UTF-8 at offset 5 \(byte 0xe9\)" \
	"naming the offset and the byte"
dj ls
is "$(jv result.runs.0.id)" "" "still no run"

done_testing
