/*
 * The catalog over real directory trees: the built-in data loads and stores;
 * each kind of bad input (malformed JSON, schema violation, conflicting
 * duplicates across the built-in and user directories, unknown artifact
 * schema, phase role outside the template's roles, bad patterns) fails with
 * an error naming the file and JSON path, and stores nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/catalog.h"
#include "lib/paths.h"
#include "lib/xalloc.h"

struct tree {
	char root[64];
	char *share;  /* <root>/share: data/ (written by tests) and schemas/ (the real ones) */
	char *config; /* <root>/config */
};

static const char TEMPLATE[] =
    "{\"name\":\"development\",\"version\":1,\"description\":\"d\","
    "\"roles\":[\"planner\",\"implementer\"],"
    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":[\"planner\"],"
    "\"expectedArtifact\":{\"path\":\"plan.json\",\"schema\":\"dev/phase-plan@1\"},"
    "\"gates\":[\"plan_review\"]}]}";
static const char PERSONA[] = "{\"name\":\"planner\",\"version\":1,\"role\":\"planner\","
                              "\"backend\":\"fake\",\"instructions\":\"Plan it.\"}";
static const char BACKEND[] =
    "{\"name\":\"fake\",\"version\":1,\"argv\":[\"devflow-fake-agent\"],"
    "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
    "\"screen\":{\"ready\":[\"^> \"],\"busy\":[\"(Working|Thinking)\"],"
    "\"needsInput\":[\"\\\\(y/n\\\\)\"],\"trust\":[],\"lastLines\":5,\"stableMs\":300},"
    "\"install\":\"bundled\"}";

static void
put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	FILE *fp;

	*slash = '\0';
	assert_int_equal(paths_mkdir_p(path, 0700), 0);
	*slash = '/';
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	free(path);
}

static int
setup(void **state)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	char *schemas;

	snprintf(t->root, sizeof(t->root), "%s", "/tmp/devflow-catalog.XXXXXX");
	if (mkdtemp(t->root) == NULL)
		return -1;
	t->share = xasprintf("%s/share", t->root);
	t->config = xasprintf("%s/config", t->root);
	mkdir(t->share, 0700);
	schemas = xasprintf("%s/schemas", t->share);
	if (symlink(DEVFLOW_SRCDIR "/schemas", schemas) != 0)
		return -1;
	free(schemas);
	put(t->share, "data/templates/development.json", TEMPLATE);
	put(t->share, "data/personas/planner.json", PERSONA);
	put(t->share, "data/backends/fake.json", BACKEND);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	char *cmd = xasprintf("rm -rf '%s'", t->root);

	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", t->root);
	free(cmd);
	free(t->share);
	free(t->config);
	free(t);
	return 0;
}

/* Load must fail with code; the message must contain each of the NULL-terminated needles. */
static void
expect_fail(struct tree *t, enum df_code code, ...)
{
	struct df_error err;
	struct catalog *cat = catalog_load(t->share, t->config, &err);
	const char *needle;
	va_list ap;

	assert_null(cat);
	if (err.code != code)
		fail_msg("expected %s, got %s: %s", df_code_name(code), df_code_name(err.code),
		         err.message);
	va_start(ap, code);
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (strstr(err.message, needle) == NULL)
			fail_msg("'%s' not in: %s", needle, err.message);
	va_end(ap);
}

static size_t
stored_count(struct store *st, enum store_catalog_kind kind)
{
	struct store_catalog_entry *v;
	struct df_error err;
	size_t n;

	assert_int_equal(store_catalog_list(st, kind, &v, &n, &err), 0);
	store_catalog_entries_free(v, n);
	return n;
}

static void
test_builtin_data_loads(void **state)
{
	struct df_error err;
	struct catalog *cat = catalog_load(DEVFLOW_SRCDIR, NULL, &err);
	const struct catalog_item *it;
	struct store *st;
	char hash[CANON_HASH_HEX];

	(void)state;
	if (cat == NULL)
		fail_msg("%s", err.message);
	assert_int_equal(catalog_count(cat, STORE_CATALOG_TEMPLATE), 2);
	assert_int_equal(catalog_count(cat, STORE_CATALOG_PERSONA), 3);
	assert_int_equal(catalog_count(cat, STORE_CATALOG_BACKEND), 5);
	/* The rebase follow-up's template (devflow land --rebase) is built in. */
	assert_non_null(catalog_find(cat, STORE_CATALOG_TEMPLATE, "rebase", 1));
	it = catalog_find(cat, STORE_CATALOG_TEMPLATE, "development", 0);
	assert_non_null(it);
	assert_int_equal(it->version, 1);
	assert_int_equal(it->user, 0);
	assert_non_null(strstr(it->source, "/data/templates/development.json"));
	canon_hash(it->json, hash);
	assert_string_equal(hash, it->hash);
	/* Sorted by name. */
	assert_string_equal(catalog_get(cat, STORE_CATALOG_PERSONA, 0)->name, "implementer");
	assert_string_equal(catalog_get(cat, STORE_CATALOG_PERSONA, 1)->name, "planner");
	assert_string_equal(catalog_get(cat, STORE_CATALOG_PERSONA, 2)->name, "reviewer");
	assert_non_null(catalog_find(cat, STORE_CATALOG_BACKEND, "fake", 1));
	assert_null(catalog_find(cat, STORE_CATALOG_BACKEND, "fake", 2));
	assert_non_null(schema_registry_get(catalog_registry(cat), "common/final-report@1"));

	st = store_open_path(":memory:", &err);
	assert_non_null(st);
	assert_int_equal(catalog_store(cat, st, &err), 0);
	assert_int_equal(stored_count(st, STORE_CATALOG_TEMPLATE), 2);
	assert_int_equal(stored_count(st, STORE_CATALOG_PERSONA), 3);
	assert_int_equal(stored_count(st, STORE_CATALOG_BACKEND), 5);
	/* Storing again is idempotent. */
	assert_int_equal(catalog_store(cat, st, &err), 0);
	assert_int_equal(stored_count(st, STORE_CATALOG_PERSONA), 3);
	{
		struct store_catalog_entry e;

		assert_int_equal(
		    store_catalog_get(st, STORE_CATALOG_TEMPLATE, "development", 1, &e, &err), 1);
		assert_string_equal(e.hash, it->hash);
		assert_string_equal(e.source, it->source);
		store_catalog_entry_clear(&e);
	}
	store_close(st);
	catalog_free(cat);
}

static void
test_user_dir_adds_and_versions(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct catalog *cat;
	const struct catalog_item *it;

	/* A missing user directory is fine. */
	cat = catalog_load(t->share, t->config, &err);
	assert_non_null(cat);
	catalog_free(cat);
	/* A user's v2 overrides by version; an identical copy of v1 is no conflict. */
	put(t->config, "personas/planner2.json",
	    "{\"name\":\"planner\",\"version\":2,\"role\":\"planner\",\"backend\":\"fake\","
	    "\"instructions\":\"Plan it better.\"}");
	put(t->config, "personas/copy.json", PERSONA);
	put(t->config, "personas/README.txt", "not json, ignored");
	put(t->config, "personas/.hidden.json", "{ broken");
	cat = catalog_load(t->share, t->config, &err);
	if (cat == NULL)
		fail_msg("%s", err.message);
	assert_int_equal(catalog_count(cat, STORE_CATALOG_PERSONA), 2);
	it = catalog_find(cat, STORE_CATALOG_PERSONA, "planner", 0);
	assert_int_equal(it->version, 2);
	assert_int_equal(it->user, 1);
	it = catalog_find(cat, STORE_CATALOG_PERSONA, "planner", 1);
	assert_int_equal(it->user, 0);
	assert_non_null(strstr(it->source, "/share/data/personas/planner.json"));
	catalog_free(cat);
}

static void
test_malformed_json(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/templates/broken.json", "{\n  \"name\": \"x\",\n  oops\n}\n");
	expect_fail(t, DF_E_JSON_PARSE, "/share/data/templates/broken.json", "line 3", NULL);
}

static void
test_nul_byte(void **state)
{
	struct tree *t = *state;
	char *path = xasprintf("%s/personas/nul.json", t->config);
	FILE *fp;

	put(t->config, "personas/nul.json", "{\"name\":");
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputc('\0', fp); /* a NUL byte inside an otherwise textual file */
	fputs("1}", fp);
	assert_int_equal(fclose(fp), 0);
	free(path);
	expect_fail(t, DF_E_JSON_PARSE, "/config/personas/nul.json", "NUL byte at offset 8", NULL);
}

static void
test_trailing_garbage(void **state)
{
	struct tree *t = *state;

	put(t->config, "backends/two.json", "{} {}");
	expect_fail(t, DF_E_JSON_PARSE, "/config/backends/two.json", "line 1, column 4", NULL);
}

static void
test_schema_violation_names_path(void **state)
{
	struct tree *t = *state;

	put(t->config, "personas/typed.json",
	    "{\"name\":\"p\",\"version\":\"1\",\"role\":\"planner\",\"backend\":\"fake\","
	    "\"instructions\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/personas/typed.json", "/version", NULL);
}

static void
test_template_schema_violation_deep_path(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/templates/development.json",
	    "{\"name\":\"development\",\"version\":1,\"description\":\"d\","
	    "\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":\"planner\","
	    "\"gates\":[]}]}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/share/data/templates/development.json",
	            "/phases/0/roles", NULL);
}

static void
test_conflict_builtin_vs_user(void **state)
{
	struct tree *t = *state;

	put(t->config, "personas/mine.json",
	    "{\"name\":\"planner\",\"version\":1,\"role\":\"planner\",\"backend\":\"fake\","
	    "\"instructions\":\"Something else.\"}");
	expect_fail(t, DF_E_CATALOG_CONFLICT, "planner@1", "/share/data/personas/planner.json",
	            "/config/personas/mine.json", NULL);
}

static void
test_conflict_within_builtin(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/backends/fake2.json",
	    "{\"name\":\"fake\",\"version\":1,\"argv\":[\"other\"],"
	    "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
	    "\"screen\":{\"ready\":[],\"busy\":[],\"needsInput\":[],\"trust\":[],\"lastLines\":5,"
	    "\"stableMs\":300},\"install\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_CONFLICT, "backend fake@1", "/share/data/backends/fake.json",
	            "/share/data/backends/fake2.json", NULL);
}

static void
test_unknown_artifact_schema(void **state)
{
	struct tree *t = *state;

	put(t->config, "templates/custom.json",
	    "{\"name\":\"custom\",\"version\":1,\"description\":\"d\",\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"a\",\"title\":\"A\",\"roles\":[\"planner\"],\"gates\":[]},"
	    "{\"key\":\"b\",\"title\":\"B\",\"roles\":[\"planner\"],"
	    "\"expectedArtifact\":{\"path\":\"b.json\",\"schema\":\"dev/nope@1\"},\"gates\":[]}]}");
	expect_fail(t, DF_E_SCHEMA_NOT_FOUND, "/config/templates/custom.json",
	            "/phases/1/expectedArtifact/schema", "dev/nope@1", NULL);
}

static void
test_user_schema_dir(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct catalog *cat;

	put(t->config, "templates/custom.json",
	    "{\"name\":\"custom\",\"version\":1,\"description\":\"d\",\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"b\",\"title\":\"B\",\"roles\":[\"planner\"],"
	    "\"expectedArtifact\":{\"path\":\"b.json\",\"schema\":\"my/notes@1\"},\"gates\":[]}]}");
	put(t->config, "schemas/my/notes@1.json",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	    "\"$id\":\"https://schemas.devflow.local/my/notes@1\",\"type\":\"object\"}");
	cat = catalog_load(t->share, t->config, &err);
	if (cat == NULL)
		fail_msg("%s", err.message);
	assert_non_null(catalog_find(cat, STORE_CATALOG_TEMPLATE, "custom", 1));
	catalog_free(cat);
}

static void
test_phase_role_not_in_template(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/templates/development.json",
	    "{\"name\":\"development\",\"version\":1,\"description\":\"d\","
	    "\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":[\"planner\",\"critic\"],"
	    "\"gates\":[]}]}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/share/data/templates/development.json",
	            "/phases/0/roles/1", "critic", NULL);
}

static void
test_duplicate_phase_key(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/templates/development.json",
	    "{\"name\":\"development\",\"version\":1,\"description\":\"d\",\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":[\"planner\"],\"gates\":[]}"
	    ","
	    "{\"key\":\"plan\",\"title\":\"Again\",\"roles\":[\"planner\"],\"gates\":[]}]}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/phases/1/key", "plan", NULL);
}

/* A phase's checks and review target: shape (the schema), names, cwd, reviews. */
static void
test_template_checks_and_reviews(void **state)
{
	struct tree *t = *state;
	static const char head[] =
	    "{\"name\":\"development\",\"version\":1,\"description\":\"d\",\"roles\":[\"p\"],"
	    "\"phases\":[{\"key\":\"a\",\"title\":\"A\",\"roles\":[\"p\"],\"gates\":[]},"
	    "{\"key\":\"b\",\"title\":\"B\",\"roles\":[\"p\"],\"gates\":[]";
	static const char *const bad[][3] = {
		{ ",\"checks\":[{\"name\":\"t\",\"argv\":[]}]", "/phases/1/checks/0/argv", NULL },
		{ ",\"checks\":[{\"name\":\"t t\",\"argv\":[\"x\"]}]", "/phases/1/checks/0/name",
		  NULL },
		{ ",\"checks\":[{\"name\":\"t\",\"argv\":[\"x\"],\"timeoutMs\":5}]",
		  "/phases/1/checks/0/timeoutMs", NULL },
		{ ",\"checks\":[{\"name\":\"t\",\"argv\":[\"x\"]},{\"name\":\"t\",\"argv\":[\"y\"]}"
		  "]",
		  "/phases/1/checks/1/name", "used twice" },
		{ ",\"checks\":[{\"name\":\"t\",\"argv\":[\"x\"],\"cwd\":\"../up\"}]",
		  "/phases/1/checks/0/cwd", ".." },
		{ ",\"onCheckFailure\":\"ignore\"", "/phases/1/onCheckFailure", NULL },
		{ ",\"reviews\":\"c\"", "/phases/1/reviews", "not an earlier phase" },
		{ ",\"maxReviewRounds\":11", "/phases/1/maxReviewRounds", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf("%s%s}]}", head, bad[i][0]);

		put(t->share, "data/templates/development.json", text);
		expect_fail(t, DF_E_CATALOG_INVALID, bad[i][1], bad[i][2], NULL);
		free(text);
	}
	{
		char *text =
		    xasprintf("%s%s}]}", head,
		              ",\"checks\":[{\"name\":\"unit\",\"argv\":[\"make\",\"test\"],"
		              "\"timeoutMs\":60000,\"required\":true,\"cwd\":\"sub\"}],"
		              "\"onCheckFailure\":\"gate\",\"reviews\":\"a\","
		              "\"maxReviewRounds\":3");
		struct df_error err;
		struct catalog *c;

		put(t->share, "data/templates/development.json", text);
		c = catalog_load(t->share, t->config, &err);
		if (c == NULL)
			fail_msg("a valid template was refused: %s", err.message);
		catalog_free(c);
		free(text);
	}
}

static void
test_artifact_path_escapes(void **state)
{
	struct tree *t = *state;

	put(t->share, "data/templates/development.json",
	    "{\"name\":\"development\",\"version\":1,\"description\":\"d\",\"roles\":[\"planner\"],"
	    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":[\"planner\"],"
	    "\"expectedArtifact\":{\"path\":\"../plan.json\",\"schema\":\"dev/phase-plan@1\"},"
	    "\"gates\":[]}]}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/phases/0/expectedArtifact/path", "../plan.json",
	            NULL);
}

/* A template's artifact path: not git's directory, no control characters, normalized. */
static void
test_artifact_path_plain_names(void **state)
{
	static const char *const bad[][2] = {
		{ ".git", "phase 'plan': artifact path \".git\" names git's own directory" },
		{ "out/.Git/x.json", "phase 'plan': artifact path \"out/.Git/x.json\" names git's "
		                     "own directory" },
		{ "plan\\n.json", "phase 'plan': artifact path \"plan\\n.json\" contains a control "
		                  "character (at offset 4)" },
		{ "a//b.json", "is not normalized" },
	};
	struct tree *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *json = xasprintf(
		    "{\"name\":\"development\",\"version\":1,\"description\":\"d\",\"roles\":"
		    "[\"planner\"],\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\",\"roles\":"
		    "[\"planner\"],\"expectedArtifact\":{\"path\":\"%s\",\"schema\":"
		    "\"dev/phase-plan@1\"},\"gates\":[]}]}",
		    bad[i][0]);

		put(t->share, "data/templates/development.json", json);
		expect_fail(t, DF_E_CATALOG_INVALID,
		            "data/templates/development.json: "
		            "/phases/0/expectedArtifact/path: ",
		            bad[i][1], NULL);
		free(json);
	}
}

static void
test_bad_backend_pattern(void **state)
{
	struct tree *t = *state;

	put(t->config, "backends/bad.json",
	    "{\"name\":\"bad\",\"version\":1,\"argv\":[\"bad\"],"
	    "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
	    "\"screen\":{\"ready\":[\"ok\"],\"busy\":[\"(unclosed\"],\"needsInput\":[],\"trust\":[]"
	    ","
	    "\"lastLines\":5,\"stableMs\":300},\"install\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/bad.json", "/screen/busy/0",
	            "(unclosed", NULL);
}

static void
test_argv_mode_needs_prompt(void **state)
{
	struct tree *t = *state;

	put(t->config, "backends/argv.json",
	    "{\"name\":\"argv\",\"version\":1,\"argv\":[\"tool\",\"--run\"],"
	    "\"prompt\":{\"mode\":\"argv\",\"submitDelayMs\":0},"
	    "\"screen\":{\"ready\":[],\"busy\":[],\"needsInput\":[],\"trust\":[],"
	    "\"lastLines\":5,\"stableMs\":300},\"install\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/argv.json", "/argv", "{prompt}",
	            NULL);
}

/* A backend file under the user's directory with extra top-level members and trust dialogs. */
static void
put_backend(struct tree *t, const char *extra, const char *trust)
{
	char *text = xasprintf("{\"name\":\"x\",\"version\":1,\"argv\":[\"x\",\"{worktree}\"],"
	                       "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
	                       "\"screen\":{\"ready\":[],\"busy\":[],\"needsInput\":[],"
	                       "\"trust\":[%s],\"lastLines\":5,\"stableMs\":300},"
	                       "\"install\":\"x\"%s}",
	                       trust, extra);

	put(t->config, "backends/x.json", text);
	free(text);
}

static void
test_backend_optional_fields(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct catalog *cat;

	put_backend(t,
	            ",\"testedVersion\":\"1.2.3\",\"versionArgv\":[\"x\",\"--version\"],"
	            "\"configFiles\":[{\"path\":\"~/.x.json\",\"merge\":{\"projects\":"
	            "{\"{worktree}\":{\"trusted\":true}}}},"
	            "{\"path\":\".x/settings.json\",\"merge\":{}}],"
	            "\"hooks\":{\"argv\":[\"--hook\",\"devflow hook idle\"],"
	            "\"configFiles\":[{\"path\":\"~/.x/hooks.json\",\"merge\":{\"a\":1}}]},"
	            "\"resume\":{\"argv\":[\"x\",\"resume\",\"{conversation}\"],\"replace\":true}",
	            "{\"match\":\"Trust\\\\?\",\"keys\":\"Down Enter\"}");
	cat = catalog_load(t->share, t->config, &err);
	if (cat == NULL)
		fail_msg("%s", err.message);
	assert_non_null(catalog_find(cat, STORE_CATALOG_BACKEND, "x", 1));
	catalog_free(cat);
}

static void
test_backend_bad_fields(void **state)
{
	struct tree *t = *state;

	put_backend(t, ",\"configFiles\":[{\"path\":\"/etc/x.json\",\"merge\":{}}]", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/x.json", "/configFiles/0/path",
	            "/etc/x.json", NULL);
	put_backend(t,
	            ",\"configFiles\":[{\"path\":\"~/ok.json\",\"merge\":{}},"
	            "{\"path\":\"a/../../x.json\",\"merge\":{}}]",
	            "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/configFiles/1/path", "\"..\"", NULL);
	put_backend(t, ",\"hooks\":{\"configFiles\":[{\"path\":\"~/../x.json\",\"merge\":{}}]}",
	            "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/hooks/configFiles/0/path", NULL);
	put_backend(t, ",\"configFiles\":[{\"path\":\"~\",\"merge\":{}}]", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/configFiles/0/path", NULL);
	put_backend(t, ",\"configFiles\":[{\"path\":\"x.json\"}]", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/x.json", "merge", NULL);
	put_backend(t, ",\"hooks\":{\"env\":{}}", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/hooks", NULL);
	put_backend(t, ",\"resume\":{\"argv\":[\"--resume\"]}", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/x.json", "/resume/argv",
	            "{conversation}", NULL);
	put_backend(t, ",\"resume\":{\"argv\":[]}", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/resume/argv", NULL);
	put_backend(t, ",\"resume\":{\"argv\":[\"--resume\",\"{conversation}\"],\"at\":1}", "");
	expect_fail(t, DF_E_CATALOG_INVALID, "/resume", NULL);
	put_backend(t, "", "");
	put(t->config, "backends/argv.json",
	    "{\"name\":\"argv\",\"version\":1,\"argv\":[\"tool\",\"{prompt}\"],"
	    "\"prompt\":{\"mode\":\"argv\",\"submitDelayMs\":0},"
	    "\"resume\":{\"argv\":[\"tool\",\"resume\",\"{conversation}\"],\"replace\":true},"
	    "\"screen\":{\"ready\":[],\"busy\":[],\"needsInput\":[],\"trust\":[],"
	    "\"lastLines\":5,\"stableMs\":300},\"install\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/argv.json", "/resume/argv",
	            "{prompt}", NULL);
	{
		char *p = xasprintf("%s/backends/argv.json", t->config);

		assert_int_equal(unlink(p), 0);
		free(p);
	}
	put_backend(t, "", "{\"match\":\"Trust\",\"keys\":\"C-xy\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/screen/trust/0/keys", "C-xy", NULL);
}

/* A backend file under the user's directory with these screen.questions. */
static void
put_questions(struct tree *t, const char *questions)
{
	char *text = xasprintf("{\"name\":\"q\",\"version\":1,\"argv\":[\"q\"],"
	                       "\"prompt\":{\"mode\":\"paste\",\"submitDelayMs\":0},"
	                       "\"screen\":{\"ready\":[],\"busy\":[],\"needsInput\":[],"
	                       "\"questions\":%s,\"trust\":[],\"lastLines\":5,\"stableMs\":300},"
	                       "\"install\":\"x\"}",
	                       questions);

	put(t->config, "backends/q.json", text);
	free(text);
}

static void
test_backend_questions(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct catalog *cat;

	put_questions(t, "[{\"match\":\"Proceed\\\\?\",\"answers\":["
	                 "{\"key\":\"1\",\"label\":\"Yes\",\"send\":\"1\"},"
	                 "{\"key\":\"n\",\"label\":\"No\",\"send\":\"Escape\"}]}]");
	cat = catalog_load(t->share, t->config, &err);
	if (cat == NULL)
		fail_msg("%s", err.message);
	catalog_free(cat);
	/* The schema's shape: one digit or lowercase letter. */
	put_questions(t, "[{\"match\":\"x\",\"answers\":[{\"key\":\"Yes\",\"label\":\"Y\","
	                 "\"send\":\"y\"}]}]");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/q.json",
	            "/screen/questions/0/answers/0/key", NULL);
	/* What the schema cannot say, by the JSON path of what is wrong. */
	put_questions(t, "[{\"match\":\"x\",\"answers\":["
	                 "{\"key\":\"y\",\"label\":\"Y\",\"send\":\"y\"},"
	                 "{\"key\":\"y\",\"label\":\"N\",\"send\":\"n\"}]}]");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/backends/q.json",
	            "/screen/questions/0/answers/1/key", "same key", NULL);
	put_questions(t, "[{\"match\":\"x\",\"answers\":["
	                 "{\"key\":\"y\",\"label\":\"Y\",\"send\":\"C-xy\"}]}]");
	expect_fail(t, DF_E_CATALOG_INVALID, "/screen/questions/0/answers/0/send", "C-xy", NULL);
	put_questions(t, "[{\"match\":\"(x\",\"answers\":["
	                 "{\"key\":\"y\",\"label\":\"Y\",\"send\":\"y\"}]}]");
	expect_fail(t, DF_E_CATALOG_INVALID, "/screen/questions/0/match", "(x", NULL);
}

static void
test_persona_role_suffix(void **state)
{
	struct tree *t = *state;

	put(t->config, "personas/r2.json",
	    "{\"name\":\"r2\",\"version\":1,\"role\":\"reviewer#2\",\"backend\":\"fake\","
	    "\"instructions\":\"x\"}");
	expect_fail(t, DF_E_CATALOG_INVALID, "/config/personas/r2.json", "/role", NULL);
}

static void
test_persona_unknown_backend_accepted(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct catalog *cat;

	put(t->config, "personas/aider.json",
	    "{\"name\":\"aider-planner\",\"version\":1,\"role\":\"planner\",\"backend\":\"aider\","
	    "\"instructions\":\"x\"}");
	cat = catalog_load(t->share, t->config, &err);
	if (cat == NULL)
		fail_msg("%s", err.message);
	assert_non_null(catalog_find(cat, STORE_CATALOG_PERSONA, "aider-planner", 0));
	assert_null(catalog_find(cat, STORE_CATALOG_BACKEND, "aider", 0));
	catalog_free(cat);
}

static void
test_missing_builtin_dir(void **state)
{
	struct tree *t = *state;
	char *cmd = xasprintf("rm -rf '%s/data/personas'", t->share);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	expect_fail(t, DF_E_IO, "/share/data/personas", NULL);
}

static void
test_bad_file_stores_nothing(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	struct catalog *cat;

	assert_non_null(st);
	put(t->config, "personas/typed.json", "{\"name\":\"p\",\"version\":0}");
	cat = catalog_load(t->share, t->config, &err);
	assert_null(cat);
	assert_int_equal(stored_count(st, STORE_CATALOG_TEMPLATE), 0);
	assert_int_equal(stored_count(st, STORE_CATALOG_PERSONA), 0);
	assert_int_equal(stored_count(st, STORE_CATALOG_BACKEND), 0);
	store_close(st);
}

static void
test_store_is_one_transaction(void **state)
{
	struct tree *t = *state;
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	const struct catalog_item *tpl;
	struct catalog *cat;
	char *tpl_id = NULL;

	assert_non_null(st);
	cat = catalog_load(t->share, t->config, &err);
	assert_non_null(cat);
	assert_int_equal(catalog_store(cat, st, &err), 0);
	tpl = catalog_find(cat, STORE_CATALOG_TEMPLATE, "development", 1);
	{
		struct store_catalog_entry e;

		assert_int_equal(
		    store_catalog_get(st, STORE_CATALOG_TEMPLATE, "development", 1, &e, &err), 1);
		tpl_id = xstrdup(e.id);
		store_catalog_entry_clear(&e);
	}
	{
		struct store_run_new r = { .id = "run-1",
			                   .template_id = tpl_id,
			                   .template_hash = tpl->hash,
			                   .repo_path = "/repo",
			                   .base_branch = "main",
			                   .worktree_root = "/ws/run-1/main" };

		assert_int_equal(store_run_insert(st, &r, &err), 0);
	}
	catalog_free(cat);

	/* The built-in template changes under a run that uses it, and a new persona appears:
	 * the template conflicts, so the new persona is not stored either. */
	put(t->share, "data/templates/development.json",
	    "{\"name\":\"development\",\"version\":1,\"description\":\"changed\","
	    "\"roles\":[\"planner\"],\"phases\":[{\"key\":\"plan\",\"title\":\"Plan\","
	    "\"roles\":[\"planner\"],\"gates\":[]}]}");
	put(t->config, "personas/extra.json",
	    "{\"name\":\"extra\",\"version\":1,\"role\":\"planner\",\"backend\":\"fake\","
	    "\"instructions\":\"x\"}");
	cat = catalog_load(t->share, t->config, &err);
	assert_non_null(cat);
	assert_int_equal(catalog_store(cat, st, &err), -1);
	assert_int_equal(err.code, DF_E_CATALOG_CONFLICT);
	assert_non_null(strstr(err.message, "development@1"));
	assert_int_equal(stored_count(st, STORE_CATALOG_PERSONA), 1);
	assert_int_equal(store_in_transaction(st), 0);
	catalog_free(cat);
	free(tpl_id);
	store_close(st);
}

static void
test_which(void **state)
{
	char *p;

	(void)state;
	p = catalog_which("sh");
	assert_non_null(p);
	assert_true(p[0] == '/');
	free(p);
	assert_null(catalog_which("devflow-no-such-program-here"));
	assert_null(catalog_which("/nonexistent/bin/tool"));
	p = catalog_which("/bin/sh");
	assert_non_null(p);
	free(p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_data_loads),
		T(test_user_dir_adds_and_versions),
		T(test_malformed_json),
		T(test_nul_byte),
		T(test_trailing_garbage),
		T(test_schema_violation_names_path),
		T(test_template_schema_violation_deep_path),
		T(test_conflict_builtin_vs_user),
		T(test_conflict_within_builtin),
		T(test_unknown_artifact_schema),
		T(test_user_schema_dir),
		T(test_phase_role_not_in_template),
		T(test_duplicate_phase_key),
		T(test_template_checks_and_reviews),
		T(test_artifact_path_escapes),
		T(test_artifact_path_plain_names),
		T(test_bad_backend_pattern),
		T(test_backend_optional_fields),
		T(test_backend_bad_fields),
		T(test_backend_questions),
		T(test_argv_mode_needs_prompt),
		T(test_persona_role_suffix),
		T(test_persona_unknown_backend_accepted),
		T(test_missing_builtin_dir),
		T(test_bad_file_stores_nothing),
		T(test_store_is_one_transaction),
		cmocka_unit_test(test_which),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
