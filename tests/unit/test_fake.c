/* The fake agent's logic: reading instructions, choosing scenarios, composing artifacts. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fake/fake.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#define SCHEMA_BLOCK "Schema:\n```json\n{\"type\": \"object\"}\n```\n"

static const char full_text[] =
    "devflow phase: plan \xe2\x80\x94 Plan the work\n"
    "Run: r-1\n"
    "Role: planner (persona planner@1)\n"
    "Attempt: 2\n"
    "Artifact path: out/plan.json  \n"
    "Artifact schema: dev/phase-plan@1\n"
    "Scenario: invalid-then-ok\n"
    "\n"
    "Requirements:\n"
    "# Title\n"
    "\n"
    "Scenario: crash\n"
    "Reviewer comment:\n"
    "not this one\n"
    "\n"
    "Instructions:\n"
    "Plan.\n"
    "\n"
    "Reviewer comment:\n"
    "Split it in two.\n"
    "Mind the tests.\n"
    "\n"
    "Validation errors:\n"
    "- /phases: must be array\n"
    "- /summary: required\n"
    "\n"
    "Schema:\n"
    "```json\n"
    "{\"type\": \"object\",\n"
    " \"required\": [\"summary\"]}\n"
    "```\n"
    "\n"
    "When you are done, write the artifact as JSON to the artifact path.\n";

static void
test_parse_full(void **state)
{
	struct fake_instr in;
	struct df_error err;

	(void)state;
	assert_int_equal(fake_instr_parse(full_text, &in, &err), 0);
	assert_string_equal(in.phase_key, "plan");
	assert_string_equal(in.phase_title, "Plan the work");
	assert_string_equal(in.artifact_path, "out/plan.json");
	assert_string_equal(in.schema_id, "dev/phase-plan@1");
	assert_string_equal(in.scenario, "invalid-then-ok");
	assert_string_equal(in.reviewer_comment, "Split it in two.\nMind the tests.");
	assert_true(in.repair);
	assert_int_equal(in.n_validation_errors, 2);
	assert_string_equal(in.schema_text,
	                    "{\"type\": \"object\",\n \"required\": [\"summary\"]}");
	assert_int_equal(in.n_lines, 33);
	fake_instr_free(&in);
}

/* tmux and terminals deliver pasted newlines as carriage returns. */
static void
test_parse_carriage_returns(void **state)
{
	char *cr = xstrdup(full_text);
	struct fake_instr in;

	(void)state;
	for (char *p = cr; *p != '\0'; p++)
		if (*p == '\n')
			*p = '\r';
	assert_int_equal(fake_instr_parse(cr, &in, NULL), 0);
	assert_string_equal(in.artifact_path, "out/plan.json");
	assert_string_equal(in.reviewer_comment, "Split it in two.\nMind the tests.");
	assert_string_equal(in.schema_text,
	                    "{\"type\": \"object\",\n \"required\": [\"summary\"]}");
	assert_int_equal(in.n_lines, 33);
	fake_instr_free(&in);
	free(cr);
}

static void
test_parse_minimal(void **state)
{
	struct fake_instr in;

	(void)state;
	assert_int_equal(fake_instr_parse("\n\ndevflow phase: review - Review it\r\n"
	                                  "Artifact path: review.json\r\n"
	                                  "Artifact schema: dev/review-findings@1\r\n",
	                                  &in, NULL),
	                 0);
	assert_string_equal(in.phase_key, "review");
	assert_string_equal(in.phase_title, "Review it");
	assert_null(in.scenario);
	assert_null(in.reviewer_comment);
	assert_null(in.schema_text);
	assert_false(in.repair);
	fake_instr_free(&in);
}

static void
check_parse_error(const char *text, const char *want)
{
	struct fake_instr in;
	struct df_error err;

	assert_int_equal(fake_instr_parse(text, &in, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	if (strstr(err.message, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err.message, want);
	fake_instr_free(&in);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	check_parse_error("hello there", "'Artifact path:'");
	check_parse_error("devflow phase: a — b\nArtifact path: a.json\n", "'Artifact schema:'");
	/* header lines must be in the header, not in the requirements */
	check_parse_error("devflow phase: a — b\nArtifact schema: x@1\n\nArtifact path: a.json\n",
	                  "'Artifact path:'");
	check_parse_error("Artifact path: /etc/passwd\nArtifact schema: x@1\n", "'/etc/passwd'");
	check_parse_error("Artifact path: a/../../b.json\nArtifact schema: x@1\n", "inside");
	check_parse_error("Artifact path: ..\nArtifact schema: x@1\n", "inside");
}

static void
test_parse_dotdot_in_names_is_fine(void **state)
{
	struct fake_instr in;

	(void)state;
	assert_int_equal(
	    fake_instr_parse("Artifact path: a..b/..c.json\nArtifact schema: x@1\n", &in, NULL), 0);
	assert_string_equal(in.artifact_path, "a..b/..c.json");
	fake_instr_free(&in);
}

static void
test_scenarios(void **state)
{
	struct fake_instr in;
	const char *src;
	char *s;

	(void)state;
	assert_int_equal(fake_scenario_lookup("ok"), FAKE_S_OK);
	assert_int_equal(fake_scenario_lookup("invalid-then-ok"), FAKE_S_INVALID_THEN_OK);
	assert_int_equal(fake_scenario_lookup("crash"), FAKE_S_CRASH);
	assert_int_equal(fake_scenario_lookup("Ok"), -1);
	assert_string_equal(
	    fake_scenario_list(),
	    "ok, invalid-then-ok, invalid, garbage, silent, ask, permission, chatty, "
	    "fix-on-check, changes-then-approve, merge-base, crash");
	assert_string_equal(fake_scenario_name(FAKE_S_SILENT), "silent");

	assert_int_equal(fake_instr_parse("devflow phase: implement — Do\nArtifact path: a\n"
	                                  "Artifact schema: x@1\n",
	                                  &in, NULL),
	                 0);
	s = fake_scenario_pick(&in, NULL, NULL, &src);
	assert_string_equal(s, "ok");
	assert_string_equal(src, "the default");
	free(s);
	/* A merge to make (the rebase follow-up's phase): merge-base, unless told otherwise. */
	in.merge_ref = xstrdup("main");
	s = fake_scenario_pick(&in, NULL, NULL, &src);
	assert_string_equal(s, "merge-base");
	assert_string_equal(src, "the default for a merge to make");
	free(s);
	s = fake_scenario_pick(&in, "", " ask ", &src);
	assert_string_equal(s, "ask");
	assert_string_equal(src, "DEVFLOW_FAKE_SCENARIO");
	free(s);
	free(in.merge_ref);
	in.merge_ref = NULL;
	s = fake_scenario_pick(&in, "plan=ok, implement = invalid-then-ok ,*=garbage", "ask", &src);
	assert_string_equal(s, "invalid-then-ok");
	assert_string_equal(src, "DEVFLOW_FAKE_SCENARIOS");
	free(s);
	s = fake_scenario_pick(&in, "plan=ok,*=garbage", "ask", &src);
	assert_string_equal(s, "garbage");
	free(s);
	s = fake_scenario_pick(&in, "plan=ok,junk", "ask", &src);
	assert_string_equal(s, "ask");
	free(s);
	in.scenario = xstrdup("silent");
	s = fake_scenario_pick(&in, "*=garbage", "ask", &src);
	assert_string_equal(s, "silent");
	assert_string_equal(src, "the Scenario: line");
	free(s);

	assert_true(fake_scenario_valid(FAKE_S_OK, &in));
	assert_true(fake_scenario_valid(FAKE_S_ASK, &in));
	assert_true(fake_scenario_valid(FAKE_S_CHATTY, &in));
	assert_false(fake_scenario_valid(FAKE_S_INVALID_THEN_OK, &in));
	assert_false(fake_scenario_valid(FAKE_S_INVALID, &in));
	in.repair = 1;
	assert_true(fake_scenario_valid(FAKE_S_INVALID_THEN_OK, &in));
	assert_false(fake_scenario_valid(FAKE_S_INVALID, &in));
	assert_false(fake_scenario_valid(FAKE_S_GARBAGE, &in));
	fake_instr_free(&in);
}

/* Parse instructions for schema (with schema_json as the fenced block) and compose. */
static cJSON *
artifact_for(const char *schema, const char *schema_json, const char *comment, int valid,
             struct buf *notes)
{
	static const char *const cmd[] = { "append-line", "NOTES.md", NULL };
	struct fake_instr in;
	struct df_error err;
	char *text, *json;
	cJSON *doc;

	text = xasprintf("devflow phase: p — The title\nArtifact path: a.json\nArtifact schema: "
	                 "%s\n\n%s%s%sSchema:\n```json\n%s\n```\n",
	                 schema, comment != NULL ? "Reviewer comment:\n" : "",
	                 comment != NULL ? comment : "", comment != NULL ? "\n\n" : "",
	                 schema_json != NULL ? schema_json : "{}");
	assert_int_equal(fake_instr_parse(text, &in, &err), 0);
	json = fake_artifact(&in, valid, "NOTES.md", cmd, notes, &err);
	if (json == NULL)
		fail_msg("fake_artifact: %s", err.message);
	doc = cJSON_Parse(json);
	assert_non_null(doc);
	free(json);
	free(text);
	fake_instr_free(&in);
	return doc;
}

static const char *
str_at(const cJSON *doc, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
test_artifact_plan(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc, *phases, *p;

	(void)state;
	doc = artifact_for("dev/phase-plan@1", NULL, NULL, 1, &notes);
	assert_non_null(strstr(str_at(doc, "summary"), "The title"));
	phases = cJSON_GetObjectItem(doc, "phases");
	assert_int_equal(cJSON_GetArraySize(phases), 2);
	p = cJSON_GetArrayItem(phases, 0);
	assert_string_equal(str_at(p, "key"), "implement");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "roles"), 0)->valuestring,
	                    "implementer");
	assert_string_equal(str_at(cJSON_GetObjectItem(p, "expectedArtifact"), "schema"),
	                    "dev/change-summary@1");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "gates")), 0);
	p = cJSON_GetArrayItem(phases, 1);
	assert_string_equal(str_at(p, "key"), "review");
	assert_string_equal(str_at(cJSON_GetObjectItem(p, "expectedArtifact"), "path"),
	                    "review.json");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "gates"), 0)->valuestring,
	                    "final_review");
	cJSON_Delete(doc);

	doc = artifact_for("dev/phase-plan@1", NULL, "Fewer phases", 0, &notes);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "phases")));
	assert_non_null(strstr(str_at(doc, "summary"), "\"Fewer phases\""));
	cJSON_Delete(doc);
	buf_free(&notes);
}

static void
test_artifact_change_summary(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc, *c;

	(void)state;
	doc = artifact_for("dev/change-summary@1", NULL, NULL, 1, &notes);
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "filesChanged"), 0)->valuestring,
	    "NOTES.md");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "commands"), 0);
	assert_string_equal(str_at(c, "kind"), "edit");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "argv")), 2);
	assert_int_equal(cJSON_GetObjectItem(c, "exit_code")->valueint, 0);
	cJSON_Delete(doc);
	doc = artifact_for("dev/change-summary@1", NULL, NULL, 0, &notes);
	assert_null(cJSON_GetObjectItem(doc, "commands"));
	assert_non_null(cJSON_GetObjectItem(doc, "filesChanged"));
	cJSON_Delete(doc);
	buf_free(&notes);
}

/* merge-base: the base to merge comes from the requirements' "`git merge REF`". */
static void
test_parse_merge_ref(void **state)
{
	struct fake_instr in;

	(void)state;
	assert_int_equal(fake_instr_parse("Artifact path: a.json\nArtifact schema: x@1\n\n"
	                                  "Requirements:\nMerge it (`git merge main`), then "
	                                  "`git merge other`.\n",
	                                  &in, NULL),
	                 0);
	assert_string_equal(in.merge_ref, "main");
	fake_instr_free(&in);
	assert_int_equal(fake_instr_parse("Artifact path: a.json\nArtifact schema: x@1\n\n"
	                                  "`git merge --abort` and `git merge a b`\n",
	                                  &in, NULL),
	                 0);
	assert_null(in.merge_ref); /* an option, then two words: neither is a ref */
	fake_instr_free(&in);
	assert_int_equal(
	    fake_instr_parse("Artifact path: a.json\nArtifact schema: x@1\n", &in, NULL), 0);
	assert_null(in.merge_ref);
	fake_instr_free(&in);
}

static void
test_resolve_conflicts(void **state)
{
	int n;
	char *out;

	(void)state;
	out = fake_resolve_conflicts("top\n<<<<<<< HEAD\nours 1\nours 2\n=======\ntheirs\n"
	                             ">>>>>>> main\nmiddle\n<<<<<<< HEAD\no\n||||||| base\n"
	                             "b\n=======\nt\n>>>>>>> main\nend",
	                             &n);
	assert_string_equal(out, "top\nours 1\nours 2\ntheirs\nmiddle\no\nt\nend");
	assert_int_equal(n, 2);
	free(out);
	/* No conflict: the text as it was; a line "========" is not a separator. */
	out = fake_resolve_conflicts("a\n========\nb\n", &n);
	assert_string_equal(out, "a\n========\nb\n");
	assert_int_equal(n, 0);
	free(out);
	out = fake_resolve_conflicts("", &n);
	assert_string_equal(out, "");
	free(out);
}

static void
test_artifact_merge(void **state)
{
	static const char *const merge[] = { "git", "merge", "main", NULL };
	static const char *const commit[] = { "git", "commit", "--no-edit", NULL };
	const struct fake_cmd cmds[] = { { "git", merge, 1 }, { "git", commit, 0 } };
	char *files[] = { "NOTES.md", "b.txt" };
	struct fake_instr in = { .phase_title = "Merge", .merge_ref = "main" };
	char *text = fake_merge_artifact(&in, files, 2, cmds, 2);
	cJSON *doc = cJSON_Parse(text), *c;

	(void)state;
	assert_non_null(doc);
	assert_non_null(strstr(str_at(doc, "summary"), "merged main"));
	assert_non_null(strstr(str_at(doc, "summary"), "2 files"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "filesChanged")), 2);
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "commands"), 0);
	assert_string_equal(str_at(c, "kind"), "git");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "argv")), 3);
	assert_int_equal(cJSON_GetObjectItem(c, "exit_code")->valueint, 1);
	assert_true(fake_scenario_valid(FAKE_S_MERGE_BASE, &in));
	assert_int_equal(fake_scenario_lookup("merge-base"), FAKE_S_MERGE_BASE);
	cJSON_Delete(doc);
	free(text);
}

static void
test_artifact_review(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc, *f;

	(void)state;
	doc = artifact_for("dev/review-findings@1", NULL, "Check \"quotes\"\nand lines", 1, &notes);
	assert_string_equal(str_at(doc, "verdict"), "approve");
	assert_non_null(strstr(str_at(doc, "summary"), "Check \"quotes\"\nand lines"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "findings")), 1);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0);
	assert_string_equal(str_at(f, "severity"), "info");
	assert_true(strlen(str_at(f, "message")) > 0);
	cJSON_Delete(doc);
	doc = artifact_for("dev/review-findings@1", NULL, NULL, 0, &notes);
	assert_string_not_equal(str_at(doc, "verdict"), "approve");
	assert_string_not_equal(str_at(doc, "verdict"), "changes_requested");
	cJSON_Delete(doc);
	buf_free(&notes);
}

static const char generic_schema[] =
    "{\"type\": \"object\", \"required\": [\"kind\", \"level\", \"tags\", \"item\", \"note\", "
    "\"n\", \"x\", \"both\", \"either\", \"flag\", \"nothing\", \"summary\", \"tilde\"],"
    " \"properties\": {"
    "  \"kind\": {\"const\": {\"a\": [1]}},"
    "  \"level\": {\"enum\": [\"low\", \"high\"]},"
    "  \"tags\": {\"type\": \"array\", \"minItems\": 3, \"uniqueItems\": true,"
    "            \"items\": {\"type\": \"integer\", \"minimum\": 5}},"
    "  \"item\": {\"$ref\": \"#/$defs/item\"},"
    "  \"note\": {\"type\": \"string\", \"minLength\": 10, \"maxLength\": 12},"
    "  \"n\": {\"type\": \"number\", \"exclusiveMinimum\": 2.5, \"maximum\": 100},"
    "  \"x\": {\"type\": [\"null\", \"integer\"], \"maximum\": -4},"
    "  \"both\": {\"allOf\": [{\"$ref\": \"#/$defs/item\"},"
    "            {\"required\": [\"s\"], \"properties\": {\"s\": {\"type\": \"boolean\"}}}]},"
    "  \"either\": {\"anyOf\": [{\"type\": \"string\", \"format\": \"date-time\"}, {}]},"
    "  \"flag\": {\"type\": \"boolean\"},"
    "  \"nothing\": {},"
    "  \"summary\": {\"type\": \"string\"},"
    "  \"tilde\": {\"$ref\": \"#/$defs/a~1b\"},"
    "  \"optional\": {\"type\": \"string\"}},"
    " \"$defs\": {\"item\": {\"type\": \"object\", \"required\": [\"n\"],"
    "   \"properties\": {\"n\": {\"type\": \"integer\", \"minimum\": 3}}},"
    "   \"a/b\": {\"type\": \"string\", \"pattern\": \"^e\"}}}";

static void
test_artifact_generic(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc, *tags, *both;
	char *s;

	(void)state;
	doc = artifact_for("my/thing@1", generic_schema, "Be brief", 1, &notes);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "kind"));
	assert_string_equal(s, "{\"a\":[1]}");
	cJSON_free(s);
	assert_string_equal(str_at(doc, "level"), "low");
	tags = cJSON_GetObjectItem(doc, "tags");
	s = cJSON_PrintUnformatted(tags);
	assert_string_equal(s, "[5,6,7]");
	cJSON_free(s);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "item"), "n")->valueint, 3);
	assert_int_equal(strlen(str_at(doc, "note")), 10);
	assert_true(cJSON_GetObjectItem(doc, "n")->valuedouble > 2.5);
	assert_int_equal(cJSON_GetObjectItem(doc, "x")->valueint, -4);
	both = cJSON_GetObjectItem(doc, "both");
	assert_int_equal(cJSON_GetObjectItem(both, "n")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(both, "s")));
	assert_string_equal(str_at(doc, "either"), "1970-01-01T00:00:00Z");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "flag")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "nothing")));
	assert_string_equal(str_at(doc, "tilde"), "e");
	assert_non_null(strstr(str_at(doc, "summary"), "\"Be brief\""));
	assert_null(cJSON_GetObjectItem(doc, "optional"));
	assert_non_null(strstr(notes.data, "minimal instance of my/thing@1"));

	cJSON_Delete(doc);

	buf_reset(&notes);
	doc = artifact_for("my/thing@1", generic_schema, NULL, 0, &notes);
	assert_null(cJSON_GetObjectItem(doc, "kind"));
	assert_non_null(cJSON_GetObjectItem(doc, "level"));
	assert_non_null(strstr(notes.data, "left out the required property 'kind'"));
	cJSON_Delete(doc);
	buf_free(&notes);
}

static void
test_artifact_generic_edges(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc;

	(void)state;
	doc = artifact_for("a/b@1",
	                   "{\"type\": \"array\", \"minItems\": 1, \"items\": {\"$ref\": "
	                   "\"https://elsewhere/x#/y\"}}",
	                   NULL, 1, &notes);
	assert_int_equal(cJSON_GetArraySize(doc), 1);
	assert_true(cJSON_IsObject(cJSON_GetArrayItem(doc, 0)));
	assert_non_null(strstr(notes.data, "could not follow $ref https://elsewhere/x#/y"));
	cJSON_Delete(doc);
	doc = artifact_for("a/b@1", "{\"type\": \"array\"}", NULL, 0, &notes);
	assert_true(cJSON_IsObject(doc));
	cJSON_Delete(doc);
	doc = artifact_for("a/b@1", "{\"type\": \"string\"}", NULL, 0, &notes);
	assert_true(cJSON_IsNumber(doc));
	cJSON_Delete(doc);
	doc = artifact_for("a/b@1", "{\"type\": \"object\"}", NULL, 0, &notes);
	assert_true(cJSON_IsString(doc));
	cJSON_Delete(doc);
	/* a self-referencing schema stops at the depth limit */
	doc = artifact_for("a/b@1",
	                   "{\"type\": \"object\", \"required\": [\"a\"], "
	                   "\"properties\": {\"a\": {\"$ref\": \"#\"}}}",
	                   NULL, 1, &notes);
	assert_true(cJSON_IsObject(doc));
	assert_non_null(strstr(notes.data, "nests too deep"));
	cJSON_Delete(doc);
	buf_free(&notes);
}

static const char pattern_schema[] =
    "{\"type\": \"object\", \"required\": [\"hash\", \"key\", \"ver\", \"ids\", \"alt\", "
    "\"free\", \"short\"],"
    " \"properties\": {"
    "  \"hash\": {\"type\": \"string\", \"pattern\": \"^[0-9a-f]{64}$\"},"
    "  \"key\": {\"type\": \"string\", \"pattern\": \"^[a-z][a-z0-9_-]*$\"},"
    "  \"ver\": {\"type\": \"string\", \"pattern\": \"^v\\\\.\\\\d+-[]x]?.{2,}$\"},"
    "  \"ids\": {\"type\": \"array\", \"minItems\": 3, \"uniqueItems\": true,"
    "           \"items\": {\"type\": \"string\", \"pattern\": \"^[a-c]x$\"}},"
    "  \"alt\": {\"type\": \"string\", \"pattern\": \"^(a|b)$\"},"
    "  \"free\": {\"type\": \"string\", \"pattern\": \"[^z]\"},"
    "  \"short\": {\"type\": \"string\", \"pattern\": \"^a$\", \"minLength\": 3}}}";

static void
test_artifact_generic_patterns(void **state)
{
	struct buf notes = BUF_INIT;
	cJSON *doc;
	char *s;

	(void)state;
	doc = artifact_for("p/q@1", pattern_schema, NULL, 1, &notes);
	assert_int_equal(strlen(str_at(doc, "hash")), 64);
	assert_int_equal(strspn(str_at(doc, "hash"), "0"), 64);
	assert_string_equal(str_at(doc, "key"), "a");
	assert_string_equal(str_at(doc, "ver"), "v.0-aa");
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "ids"));
	assert_string_equal(s, "[\"ax\",\"bx\",\"cx\"]");
	cJSON_free(s);
	assert_string_equal(str_at(doc, "alt"), "example");
	assert_non_null(strstr(notes.data, "pattern ^(a|b)$ is too complex to follow"));
	assert_string_equal(str_at(doc, "free"), "example");
	assert_non_null(strstr(notes.data, "pattern [^z] is too complex"));
	assert_string_equal(str_at(doc, "short"), "a");
	assert_non_null(strstr(notes.data, "pattern ^a$ breaks minLength"));
	cJSON_Delete(doc);
	buf_free(&notes);
}

static void
test_artifact_generic_errors(void **state)
{
	struct fake_instr in;
	struct df_error err;
	struct buf notes = BUF_INIT;

	(void)state;
	assert_int_equal(
	    fake_instr_parse("Artifact path: a.json\nArtifact schema: x/y@1\n", &in, NULL), 0);
	assert_null(fake_artifact(&in, 1, NULL, NULL, &notes, &err));
	assert_int_equal(err.code, DF_E_SCHEMA_INVALID);
	assert_non_null(strstr(err.message, "no ```json schema block for x/y@1"));
	fake_instr_free(&in);
	assert_int_equal(fake_instr_parse("Artifact path: a.json\nArtifact schema: x/y@1\n\n"
	                                  "```json\n{nope\n```\n",
	                                  &in, NULL),
	                 0);
	assert_null(fake_artifact(&in, 1, NULL, NULL, &notes, &err));
	assert_non_null(strstr(err.message, "schema block for x/y@1 is not JSON"));
	fake_instr_free(&in);
	buf_free(&notes);
}

static void
test_garbage(void **state)
{
	struct fake_instr in;
	char *g;
	cJSON *doc;

	(void)state;
	assert_int_equal(
	    fake_instr_parse("Artifact path: a.json\nArtifact schema: x/y@1\n", &in, NULL), 0);
	g = fake_garbage(&in);
	doc = cJSON_Parse(g);
	assert_null(doc);
	free(g);
	fake_instr_free(&in);
}

/* A check repair after a review round, as the engine composes it (docs/instructions.md). */
static const char CHECK_REPAIR[] =
    "devflow phase: implement \xe2\x80\x94 Implement it\n"
    "Run: r-1\n"
    "Attempt: 2\n"
    "Artifact path: change-summary.json\n"
    "Artifact schema: dev/change-summary@1\n"
    "\n"
    "Requirements:\n"
    "x\n"
    "\n"
    "Review findings:\n"
    "The review (review) asks for changes: two things.\n"
    "- [major] a.c:3: one\n"
    "- [info] two\n"
    "\n"
    "Check failures:\n"
    "- make-test: `sh -c make test` exited with status 2 after 0.1 s; its output is in /o; "
    "the last lines:\n"
    "```text\n"
    "FAIL: status.txt is broken\n"
    "\n"
    "devflow-fake-fix: status.txt\n"
    "devflow-fake-fix: ../escape\n"
    "```\n"
    "Fix what makes them fail; devflow runs the checks again when you are done.\n"
    "\n"
    "Schema:\n"
    "```json\n"
    "{}\n"
    "```\n";

static void
test_parse_check_repair_and_findings(void **state)
{
	struct fake_instr in;
	struct df_error err;
	struct buf notes = BUF_INIT;
	char *art;

	(void)state;
	assert_int_equal(fake_instr_parse(CHECK_REPAIR, &in, &err), 0);
	assert_int_equal(in.attempt, 2);
	assert_int_equal(in.check_repair, 1);
	assert_int_equal(in.n_check_failures, 1);
	assert_int_equal(in.n_fix_paths, 1); /* "../escape" is refused */
	assert_string_equal(in.fix_paths[0], "status.txt");
	assert_int_equal(in.n_review_findings, 2);
	assert_int_equal(in.repair, 0);
	assert_int_equal(fake_scenario_valid(fake_scenario_lookup("fix-on-check"), &in), 1);
	art = fake_artifact(&in, 1, "NOTES.md", NULL, &notes, &err);
	assert_non_null(strstr(art, "Addressed 2 review findings. Fixed 1 failing check."));
	free(art);
	buf_free(&notes);
	fake_instr_free(&in);
}

static void
test_review_changes_then_approve(void **state)
{
	struct fake_instr in;
	struct df_error err;
	struct buf notes = BUF_INIT;
	char *art;
	cJSON *o;

	(void)state;
	assert_int_equal(
	    fake_instr_parse("Artifact path: r.json\nArtifact schema: dev/review-findings@1\n", &in,
	                     &err),
	    0);
	in.request_changes = 1;
	art = fake_artifact(&in, 1, NULL, NULL, &notes, &err);
	o = cJSON_Parse(art);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "verdict")->valuestring,
	                    "changes_requested");
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "findings"), 0), "severity")
	        ->valuestring,
	    "major");
	cJSON_Delete(o);
	free(art);
	in.request_changes = 0;
	art = fake_artifact(&in, 1, NULL, NULL, &notes, &err);
	assert_non_null(strstr(art, "\"approve\""));
	free(art);
	buf_free(&notes);
	fake_instr_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_check_repair_and_findings),
		cmocka_unit_test(test_review_changes_then_approve),
		cmocka_unit_test(test_parse_carriage_returns),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_dotdot_in_names_is_fine),
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_artifact_plan),
		cmocka_unit_test(test_artifact_change_summary),
		cmocka_unit_test(test_parse_merge_ref),
		cmocka_unit_test(test_resolve_conflicts),
		cmocka_unit_test(test_artifact_merge),
		cmocka_unit_test(test_artifact_review),
		cmocka_unit_test(test_artifact_generic),
		cmocka_unit_test(test_artifact_generic_edges),
		cmocka_unit_test(test_artifact_generic_patterns),
		cmocka_unit_test(test_artifact_generic_errors),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
