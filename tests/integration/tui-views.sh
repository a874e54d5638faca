#!/bin/sh
# The diff and artifact views at 80x24, headless against the real server and
# the fake agent: `d` shows the server's diff of the run's worktree (the
# agent's plan.json and a changed README), `v` the artifact the plan gate
# waits on, as pretty JSON under the server's validation result.
. "$top_srcdir/tests/tui-lib.sh"

id=$(tui_start)
tui_wait_state "$id" awaiting_approval
"$DEVFLOW" status --json "$id" >"$T_TMP/status.json"
wt=$("$top_builddir/tests/tools/json-get" "$T_TMP/status.json" result.run.worktreeRoot)
printf '# calc\n\nA small calculator.\nIt adds.\n' >"$wt/README.md"
cat >"$T_TMP/script" <<EOS
:wait-for plan_review
d
:wait-for Diff ·
:dump $T_TMP/diff
j
j
:dump $T_TMP/diff-scrolled
q
v
:wait-for validation: valid
:dump $T_TMP/artifact
G
:dump $T_TMP/artifact-end
q
q
EOS
tui_run 80x24 "$T_TMP/script"
is "$?" 0 "the script ran to its end"

tui_is "$T_TMP/diff" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Diff · run RUN1xxxx against main · 1/42 · q close ───────────────────────────┐
│2 files changed                                                               │
│  M README.md                                                                 │
│  ? plan.json                                                                 │
│                                                                              │
│diff --git a/README.md b/README.md                                            │
│index 69fecfa..8c9f498 100644                                                 │
│--- a/README.md                                                               │
│+++ b/README.md                                                               │
│@@ -1,3 +1,4 @@                                                               │
│ # calc                                                                       │
│                                                                              │
│-A tiny calculator.                                                           │
│+A small calculator.                                                          │
│+It adds.                                                                     │
│diff --git a/plan.json b/plan.json                                            │
│new file mode 100644                                                          │
│index 0000000..5e9a7a2                                                        │
│--- /dev/null                                                                 │
│+++ b/plan.json                                                               │
│@@ -0,0 +1,22 @@                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k scroll  PgDn/PgUp page  g/G top/end  / find  n/N next/prev  q close
EOS
)" "d: the worktree's diff against main, its files first" "$id"

tui_is "$T_TMP/artifact" "$(cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Artifact · run RUN1xxxx · plan · 1/25 · q close ─────────────────────────────┐
│plan.json  (dev/phase-plan@1)                                                 │
│validation: valid against dev/phase-plan@1 (attempt 1)                        │
│                                                                              │
│{                                                                             │
│  "summary": "Plan for \"Plan the work\": implement the requirements, then rev│
│  "phases": [{                                                                │
│      "key": "implement",                                                     │
│      "title": "Implement the change",                                        │
│      "roles": ["implementer"],                                               │
│      "expectedArtifact": {                                                   │
│        "path": "change-summary.json",                                        │
│        "schema": "dev/change-summary@1"                                      │
│      },                                                                      │
│      "gates": []                                                             │
│    }, {                                                                      │
│      "key": "review",                                                        │
│      "title": "Review the change",                                           │
│      "roles": ["reviewer"],                                                  │
│      "expectedArtifact": {                                                   │
│        "path": "review.json",                                                │
└──────────────────────────────────────────────────────────────────────────────┘
 j/k scroll  PgDn/PgUp page  g/G top/end  / find  n/N next/prev  q close
EOS
)" "v: the plan with the server's validation result" "$id"

like "$(sed -n 3p "$T_TMP/diff-scrolled")" "^│  \\? plan\\.json +│$" "j scrolls the diff"
like "$(cat "$T_TMP/artifact-end")" "│} +│" "G goes to the artifact's end"
sed -n 3p "$T_TMP/artifact-end" | grep -q "plan.json"
ok $((! $?)) "G: the head scrolled away"

# Without a server, d says why and changes nothing.
cat >"$T_TMP/script2" <<EOS
:wait-for plan_review
:sh "$DEVFLOW" kill-server >/dev/null 2>&1
:wait-for server connection lost
d
:dump $T_TMP/no-server
q
EOS
tui_run 80x24 "$T_TMP/script2"
like "$(tail -1 "$T_TMP/no-server")" "not connected to the server: diff needs it" \
	"d without a server says why"

done_testing
