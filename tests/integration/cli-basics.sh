#!/bin/sh
# The front end's global behaviour: version, help, unknown verbs and options.
. "$top_srcdir/tests/lib.sh"

out=$("$DEVFLOW" --version); rc=$?
is "$rc" 0 "--version exits 0"
like "$out" '^devflow [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

out=$("$DEVFLOW" --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" 'exit codes: 0 ok, 1 error, 2 usage, 3 conflict' "--help documents exit codes"

err=$("$DEVFLOW" frobnicate 2>&1 >/dev/null); rc=$?
is "$rc" 2 "an unknown verb is a usage error"
like "$err" "unknown verb 'frobnicate'" "the unknown verb is named"

err=$("$DEVFLOW" --frob 2>&1 >/dev/null); rc=$?
is "$rc" 2 "an unknown option is a usage error"
like "$err" "unknown option '--frob'" "the unknown option is named"
out=$(PATH=/usr/bin:/bin "$DEVFLOW" backends); rc=$?
is "$rc" 0 "backends lists the built-in backends"
like "$out" '^fake +1 +devflow-fake-agent +yes ' "the bundled fake agent is found beside devflow, off PATH"
done_testing
