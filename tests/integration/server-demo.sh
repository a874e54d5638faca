#!/bin/sh
# `devflow demo --headless --auto-approve` on a fresh workspace: a sample
# repository and requirements under <workspace>/demo, a run with the fake
# agent approved at every gate, the report's path printed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

out=$("$DEVFLOW" demo --headless --auto-approve 2>&1)
ok $? "the headless demo exits 0"
report=$(printf '%s\n' "$out" | sed -n 's/^report: //p')
ok $([ -f "$report" ]; echo $?) "it prints the report's path ($report)"
like "$(cat "$report")" 'Status: \*\*completed\*\*' "the report says completed"
like "$out" 'gate plan_review: waiting for a person' "it followed the plan's gate"
like "$out" 'approve by' "and approved it"
repo=$(printf '%s\n' "$out" | sed -n 's/^demo project: //p')
case $repo in "$DEVFLOW_WORKSPACE"/demo/*) r=0 ;; *) r=1 ;; esac
ok $r "the sample project lives under the workspace ($repo)"
ok $(git -C "$repo" log --oneline | grep -q 'greeter: first version'; echo $?) \
	"it is a git repository with a first commit"
ok $([ -x "$repo/greet.sh" ] && (cd "$repo" && ./test.sh >/dev/null); echo $?) \
	"its own test passes"
dj demo --headless --auto-approve
ok $? "a second demo runs beside the first (--json)"
is "$(jv result.state)" completed "its JSON says completed"
ok $([ -f "$(jv result.jsonPath)" ]; echo $?) "and gives the JSON report's path"
done_testing
