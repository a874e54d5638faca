#!/bin/sh
# Requests only a hand-written client sends (tests/tools/rawframe): numbers
# no integer type holds (1e300, converted before its range check, was
# undefined behaviour: a UBSan build aborts on it) get a clear range error
# and the server goes on.
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

done_testing
