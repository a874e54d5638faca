#!/bin/sh
# `devflow validate`: valid and invalid documents, unreadable and malformed
# files, unknown schemas, usage errors and --json. Schemas are written here
# and passed with --schema FILE, or put in a private share dir's registry.
. "$top_srcdir/tests/lib.sh"

S=$T_TMP/share
mkdir -p "$S/schemas/test" "$T_TMP/w"
export DEVFLOW_SHARE_DIR="$S"
cat >"$T_TMP/phase.schema.json" <<'JSON'
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["key", "roles"],
  "additionalProperties": false,
  "properties": {
    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"},
    "roles": {"type": "array", "items": {"type": "string"}, "minItems": 1}
  }
}
JSON
cat >"$S/schemas/test/thing@1.json" <<'JSON'
{"$id": "https://schemas.devflow.local/test/thing@1", "type": "object",
 "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
JSON
printf '{"key": "plan", "roles": ["planner"]}\n' >"$T_TMP/w/good.json"
printf '{"key": "Plan", "roles": "planner", "extra": 1}\n' >"$T_TMP/w/bad.json"
printf '{"key": "plan",\n "roles": [\n}\n' >"$T_TMP/w/broken.json"

out=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema "$T_TMP/phase.schema.json"); rc=$?
is "$rc" 0 "a valid document exits 0"
is "$out" "$T_TMP/w/good.json: valid" "and says valid"

out=$("$DEVFLOW" validate --schema="$T_TMP/phase.schema.json" "$T_TMP/w/bad.json"); rc=$?
is "$rc" 1 "an invalid document exits 1"
is "$out" "$T_TMP/w/bad.json: invalid
  (root): property \"extra\" is not allowed
  /key: does not match pattern \"^[a-z][a-z0-9_-]*\$\"
  /roles: expected array, got string" "each error on its own line, in document order"

err=$("$DEVFLOW" validate "$T_TMP/w/broken.json" --schema "$T_TMP/phase.schema.json" 2>&1); rc=$?
is "$rc" 1 "a malformed file exits 1"
like "$err" "broken.json: invalid JSON at line 3, column 1" "the error names the file, line and column"

err=$("$DEVFLOW" validate "$T_TMP/w/missing.json" --schema "$T_TMP/phase.schema.json" 2>&1); rc=$?
is "$rc" 1 "a missing file exits 1"
like "$err" "missing.json: No such file or directory" "the error names the missing file"

err=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema test/nope@1 2>&1); rc=$?
is "$rc" 1 "an unknown schema id exits 1"
like "$err" 'unknown schema "test/nope@1".*schema_not_found' "the unknown id is named"

printf '{"type": "strin"}' >"$T_TMP/bad.schema.json"
err=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema "$T_TMP/bad.schema.json" 2>&1); rc=$?
is "$rc" 1 "a broken schema exits 1"
like "$err" 'bad.schema.json: /type: unknown type "strin" \(schema_invalid\)' "and names the schema and the place"

# The registry: by short id, by URI, and through the document's $schema.
printf '{"name": ""}' >"$T_TMP/w/thing.json"
out=$("$DEVFLOW" validate "$T_TMP/w/thing.json" --schema test/thing@1); rc=$?
is "$rc" 1 "a registry schema by short id"
like "$out" '^  /name: must be at least 1 character long, got 0$' "reports the registry schema's error"
out=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema https://schemas.devflow.local/test/thing@1); rc=$?
is "$rc" 1 "a registry schema by URI"
printf '{"$schema": "test/thing@1", "name": "x"}' >"$T_TMP/w/self.json"
out=$("$DEVFLOW" validate "$T_TMP/w/self.json"); rc=$?
is "$rc" 0 "without --schema the document's \$schema is used"

err=$("$DEVFLOW" validate "$T_TMP/w/good.json" 2>&1); rc=$?
is "$rc" 2 "no --schema and no \$schema is a usage error"
like "$err" 'no "\$schema" naming a known schema; pass --schema' "which says to pass --schema"
err=$("$DEVFLOW" validate 2>&1); rc=$?
is "$rc" 2 "a missing FILE is a usage error"
like "$err" 'usage: devflow validate FILE' "with the usage line"
err=$("$DEVFLOW" validate a.json b.json --schema x 2>&1); rc=$?
is "$rc" 2 "two files are a usage error"
err=$("$DEVFLOW" validate a.json --frob 2>&1); rc=$?
is "$rc" 2 "an unknown option is a usage error"
err=$("$DEVFLOW" validate a.json --schema 2>&1); rc=$?
is "$rc" 2 "--schema without a value is a usage error"

out=$("$DEVFLOW" --json validate "$T_TMP/w/bad.json" --schema "$T_TMP/phase.schema.json"); rc=$?
is "$rc" 1 "--json: invalid still exits 1"
printf '%s' "$out" >"$T_TMP/validate.json"
jget() { "$top_builddir/tests/tools/json-get" "$T_TMP/validate.json" "$1"; }
got="$(jget ok) $(jget result.valid) $(jget result.errors.2.path) $(jget result.errors.2.keyword)
$(jget result.errors.2.message)
$(jget result.file | sed 's|.*/||') $(jget result.schema | sed 's|.*/||')"
is "$got" "true false /roles type
expected array, got string
bad.json phase.schema.json" "--json prints ok, file, schema, valid and the errors"
jget result.errors.3 >/dev/null
is $? 2 "--json: the three errors, no more"
out=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema "$T_TMP/phase.schema.json" --json); rc=$?
is "$rc" 0 "--json: valid exits 0"
like "$(printf '%s' "$out" | tr -d ' \n\t')" '"ok":true,"result":\{"file":"[^"]*good.json","schema":"[^"]*","valid":true,"errors":\[\]\}' "--json valid result"
out=$("$DEVFLOW" --json validate "$T_TMP/w/missing.json" --schema test/thing@1); rc=$?
is "$rc" 1 "--json: a missing file exits 1"
like "$out" '"ok":[[:space:]]*false.*"code":[[:space:]]*"io_error"' "--json error object"

# A broken registry is reported with the file that broke it.
printf '{"$id": "https://schemas.devflow.local/test/broken@1", "type": 5}' >"$S/schemas/test/broken@1.json"
err=$("$DEVFLOW" validate "$T_TMP/w/good.json" --schema "$T_TMP/phase.schema.json" 2>&1); rc=$?
is "$rc" 1 "a broken registry schema exits 1"
like "$err" 'schemas/test/broken@1.json: /type' "naming the broken schema file"
done_testing
