#!/bin/sh
# `devflow templates|personas|backends [--json]` over the built-in data and
# over temporary share and configuration trees (DEVFLOW_SHARE_DIR,
# XDG_CONFIG_HOME): tables, JSON, PATH lookup of backend commands, and
# non-zero exits that name the bad file.
. "$top_srcdir/tests/lib.sh"

# --- the built-in catalog (the source tree's data/) -------------------------
out=$("$DEVFLOW" templates); rc=$?
is "$rc" 0 "templates exits 0 on the built-in data"
like "$out" '^NAME +VERSION +HASH +PHASES +SOURCE' "templates prints a header"
like "$out" "^development +1 +[0-9a-f]{12} +1 +.*/data/templates/development\.json$" \
	"development@1 with a short hash and its source file"
like "$out" "^rebase +1 +[0-9a-f]{12} +1 +.*/data/templates/rebase\.json$" \
	"rebase@1, the follow-up of a landing that conflicts (devflow land --rebase)"

out=$("$DEVFLOW" --json templates); rc=$?
is "$rc" 0 "templates --json exits 0"
like "$out" '"ok":[[:space:]]*true' "templates --json reports ok"
like "$out" '"hash":[[:space:]]*"[0-9a-f]{64}"' "templates --json carries the full hash"
like "$out" '"key":[[:space:]]*"plan"' "templates --json carries the definition"

out=$("$DEVFLOW" personas); rc=$?
is "$rc" 0 "personas exits 0"
for p in planner implementer reviewer; do
	like "$out" "^$p +1 +$p +claude +[0-9a-f]{12} +.*/data/personas/$p\.json$" "persona $p is listed"
done

out=$("$DEVFLOW" backends); rc=$?
is "$rc" 0 "backends exits 0"
like "$out" '^NAME +VERSION +COMMAND +FOUND +HASH +SOURCE' "backends prints a header"
like "$out" '^fake +1 +devflow-fake-agent ' "the fake backend is listed"
like "$out" '^claude +1 +claude ' "the claude backend is listed"
like "$out" '^codex +1 +codex ' "the codex backend is listed"
like "$out" '^gemini +1 +gemini ' "the gemini backend is listed"
like "$out" '^aider +1 +aider ' "the aider backend is listed"
mkdir -p "$T_TMP/emptybin"
out=$(PATH="$T_TMP/emptybin" "$DEVFLOW" backends)
like "$out" '^gemini +1 +gemini +no ' "a CLI not on PATH is not found"
like "$out" '^ +install: npm install -g @google/gemini-cli$' "its install command is shown"

err=$("$DEVFLOW" templates extra 2>&1 >/dev/null); rc=$?
is "$rc" 2 "an extra argument is a usage error"
like "$err" "unexpected argument 'extra'" "the extra argument is named"

# --- a private share tree ----------------------------------------------------
share="$T_TMP/share"
mkdir -p "$share/data/templates" "$share/data/personas" "$share/data/backends"
ln -s "$top_srcdir/schemas" "$share/schemas"
cp "$top_srcdir/data/templates/development.json" "$share/data/templates/"
cp "$top_srcdir/data/personas/planner.json" "$share/data/personas/"
cat >"$share/data/backends/shell.json" <<'JSON'
{"name": "shell", "version": 1, "argv": ["sh"],
 "prompt": {"mode": "paste", "submitDelayMs": 0},
 "screen": {"ready": ["\\$ $"], "busy": [], "needsInput": [], "trust": [], "lastLines": 3, "stableMs": 100},
 "install": "part of the base system"}
JSON
cat >"$share/data/backends/ghost.json" <<'JSON'
{"name": "ghost", "version": 1, "argv": ["devflow-test-no-such-agent", "--yes"],
 "prompt": {"mode": "paste", "submitDelayMs": 0},
 "screen": {"ready": [], "busy": [], "needsInput": [], "trust": [], "lastLines": 3, "stableMs": 100},
 "install": "pip install ghost-agent"}
JSON
DEVFLOW_SHARE_DIR=$share; export DEVFLOW_SHARE_DIR

out=$("$DEVFLOW" backends); rc=$?
is "$rc" 0 "backends exits 0 on a private share tree"
like "$out" "^shell +1 +sh +yes +[0-9a-f]{12} +$share/data/backends/shell\.json$" \
	"a command on PATH is found"
like "$out" '^ghost +1 +devflow-test-no-such-agent +no ' "a missing command is not found"
like "$out" 'install: pip install ghost-agent' "a missing command shows how to install it"
out=$("$DEVFLOW" --json backends)
like "$(printf '%s' "$out" | tr -d '\n\t ')" '"name":"shell","version":1,"command":"sh","found":true,"path":"/[^"]*/sh"' \
	"backends --json: found with its path"
like "$(printf '%s' "$out" | tr -d '\n\t ')" '"name":"ghost".*"found":false,"path":null' \
	"backends --json: not found, path null"

out=$("$DEVFLOW" personas); rc=$?
like "$out" '^planner +1 +planner +claude \(unknown backend\) ' \
	"a persona whose backend is not in the catalog is listed as such"

# --- user files ---------------------------------------------------------------
cfg="$XDG_CONFIG_HOME/devflow"
mkdir -p "$cfg/personas" "$cfg/templates"
sed 's/"version": 1/"version": 2/' "$top_srcdir/data/personas/planner.json" >"$cfg/personas/planner-v2.json"
out=$("$DEVFLOW" personas); rc=$?
is "$rc" 0 "a user persona with a new version loads"
like "$out" "^planner +2 +planner +claude .* $cfg/personas/planner-v2\.json$" "the user's version is listed"
like "$out" "^planner +1 +planner .* $share/data/personas/planner\.json$" "beside the built-in one"

sed 's/You are the planner/You are a planner/' "$top_srcdir/data/personas/planner.json" >"$cfg/personas/mine.json"
err=$("$DEVFLOW" personas 2>&1 >/dev/null); rc=$?
is "$rc" 1 "same name and version with other content fails"
like "$err" "persona planner@1 is defined differently in $share/data/personas/planner\.json and $cfg/personas/mine\.json" \
	"the conflict names both files"
like "$err" 'catalog_conflict' "the conflict has its code"
out=$("$DEVFLOW" --json templates); rc=$?
is "$rc" 1 "every verb refuses a bad catalog (--json)"
like "$out" '"code":"catalog_conflict"' "the JSON error carries the code"
rm "$cfg/personas/mine.json"

printf '{\n  "name": "broken",\n  "version": 1,\n  oops\n}\n' >"$cfg/templates/broken.json"
err=$("$DEVFLOW" templates 2>&1 >/dev/null); rc=$?
is "$rc" 1 "malformed JSON fails"
like "$err" "$cfg/templates/broken\.json: invalid JSON at line 4" "the parse error names file and line"
rm "$cfg/templates/broken.json"

cat >"$cfg/templates/bad-role.json" <<'JSON'
{"name": "solo", "version": 1, "description": "", "roles": ["planner"],
 "phases": [{"key": "plan", "title": "Plan", "roles": ["planner", "critic"], "gates": []}]}
JSON
err=$("$DEVFLOW" templates 2>&1 >/dev/null); rc=$?
is "$rc" 1 "a phase role outside the template's roles fails"
like "$err" "$cfg/templates/bad-role\.json: /phases/0/roles/1: role 'critic'" "the error names file and JSON path"
rm "$cfg/templates/bad-role.json"

cat >"$cfg/templates/typed.json" <<'JSON'
{"name": "solo", "version": "one", "description": "", "roles": ["planner"], "phases": []}
JSON
err=$("$DEVFLOW" templates 2>&1 >/dev/null); rc=$?
is "$rc" 1 "a schema violation fails"
like "$err" "$cfg/templates/typed\.json: not a valid template .*/version: " "the violation names file and JSON path"
rm "$cfg/templates/typed.json"

out=$("$DEVFLOW" templates); rc=$?
is "$rc" 0 "the catalog loads again once the bad files are gone"

rm -r "$share/data/personas"
err=$("$DEVFLOW" backends 2>&1 >/dev/null); rc=$?
is "$rc" 1 "a missing built-in directory fails"
like "$err" "cannot read directory $share/data/personas" "the missing directory is named"
done_testing
