#!/bin/sh
# Regular expressions from files people and agents write are bounded: a
# pathological schema pattern makes `devflow validate` fail at once naming
# the file and the schema path (it used to run forever in regcomp), a
# backend's screen pattern makes the server refuse to start naming the file
# and the JSON path (it used to hang before it listened), and a plain
# pattern over a long string is matched in one pass (glibc's unanchored
# search was quadratic: hours for a few MiB).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

BAD='^a************************{9}+$'

cat >"$T_TMP/bad.schema.json" <<JSON
{"type": "object", "properties": {"key": {"type": "string", "pattern": "$BAD"}}}
JSON
printf '{"key": "aaaa"}\n' >"$T_TMP/doc.json"
out=$(timeout 20 "$DEVFLOW" validate "$T_TMP/doc.json" --schema "$T_TMP/bad.schema.json" 2>&1)
rc=$?
ok $([ $rc -ne 124 ] && [ $rc -ne 0 ]; echo $?) "validate refuses a pathological schema pattern at once (status $rc)"
like "$out" "bad.schema.json.*/properties/key.*pattern too complex: a quantifier on a quantifier" \
	"naming the file, the schema path and why"

cat >"$T_TMP/nested.schema.json" <<'JSON'
{"type": "string", "pattern": "^(a{1,100}){1,100}$"}
JSON
printf '"aaaa"\n' >"$T_TMP/s.json"
out=$(timeout 20 "$DEVFLOW" validate "$T_TMP/s.json" --schema "$T_TMP/nested.schema.json" 2>&1)
like "$out" "pattern too complex: repetitions expand to 10000 positions, over the limit of 1000" \
	"nested counted repetitions are refused by their size"

# One pass over a long string: 4 MiB of letters that do not match "[a-z]+[0-9]$".
cat >"$T_TMP/long.schema.json" <<'JSON'
{"type": "string", "pattern": "[a-z]+[0-9]$"}
JSON
awk 'BEGIN { printf "\""; for (i = 0; i < 65536; i++) printf "abcdefghijklmnopqrstuvwxyzabcdef"; printf "x\"\n" }' \
	>"$T_TMP/long.json"
out=$(timeout 30 "$DEVFLOW" validate "$T_TMP/long.json" --schema "$T_TMP/long.schema.json" 2>&1)
rc=$?
is "$rc" 1 "a 2 MiB string is matched in time (status $rc: invalid, not killed)"
like "$out" 'does not match pattern' "and reported as not matching"

# A user's backend with such a screen pattern: the server refuses to start, naming it.
mkdir -p "$XDG_CONFIG_HOME/devflow/backends"
cat >"$XDG_CONFIG_HOME/devflow/backends/x.json" <<JSON
{"name": "x", "version": 1, "argv": ["x"], "prompt": {"mode": "paste", "submitDelayMs": 0},
 "screen": {"ready": ["$BAD"], "busy": [], "needsInput": [], "trust": [], "lastLines": 5,
 "stableMs": 300}, "install": "test"}
JSON
out=$(timeout 20 "$DEVFLOW" server 2>&1)
rc=$?
ok $([ $rc -ne 124 ] && [ $rc -ne 0 ]; echo $?) "the server refuses to start at once (status $rc)"
like "$out" "backends/x.json: /screen/ready/0: bad regular expression .*pattern too complex" \
	"naming the file, the JSON path and why"

done_testing
