/*
 * Runs the official JSON-Schema-Test-Suite (draft 2020-12) against the
 * validator in src/schema/schema.c. Usage: schema_suite SUITE_DIR, where SUITE_DIR
 * holds tests/draft2020-12 and remotes/ as in
 * https://github.com/json-schema-org/JSON-Schema-Test-Suite. Every file
 * under remotes/ is registered as http://localhost:1234/<path>, which is
 * where the suite's refRemote tests expect it to be served. Each test is
 * validated twice, collecting errors and not (the short-circuit path), and
 * both answers must agree with the expected one; an invalid instance must
 * yield at least one error and a valid one none.
 *
 * Prints per-file and total passed / failed / skipped counts; exits 1 if any
 * case of a supported file fails, 2 on a usage or I/O problem.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/str.h"
#include "lib/xalloc.h"
#include "schema/schema.h"

/* Files or directories (relative to tests/draft2020-12) left out, and why. */
static const struct {
	const char *file, *why;
} skip_files[] = {
	{ "optional/format-assertion.json",
	  "the format-assertion vocabulary is not implemented (format is an annotation)" },
	{ "optional/format", "format assertions are not implemented (format is an annotation)" },
	{ "optional/cross-draft.json",
	  "only draft 2020-12 is implemented; referenced documents of older drafts are not "
	  "processed with their own semantics" },
};

/* Single cases (file, case description) left out, and why. */
static const struct {
	const char *file, *description, *why;
} skip_cases[] = {
	{ "ref.json", "remote ref, containing refs itself",
	  "needs the draft 2020-12 metaschema (and its vocabulary metaschemas), which is not "
	  "among the suite's remotes; devflow never fetches schemas over the network" },
	{ "defs.json", "validate definition against metaschema",
	  "needs the draft 2020-12 metaschema (and its vocabulary metaschemas), which is not "
	  "among the suite's remotes; devflow never fetches schemas over the network" },
};

struct counts {
	unsigned pass, fail, skip;
};

static const char *
skipped_file(const char *rel)
{
	for (size_t i = 0; i < sizeof(skip_files) / sizeof(skip_files[0]); i++) {
		size_t n = strlen(skip_files[i].file);
		if (strncmp(skip_files[i].file, rel, n) == 0 && (rel[n] == '\0' || rel[n] == '/'))
			return skip_files[i].why;
	}
	return NULL;
}

static const char *
skipped_case(const char *rel, const char *description)
{
	for (size_t i = 0; i < sizeof(skip_cases) / sizeof(skip_cases[0]); i++)
		if (strcmp(skip_cases[i].file, rel) == 0 &&
		    strcmp(skip_cases[i].description, description) == 0)
			return skip_cases[i].why;
	return NULL;
}

/* Sorted names in dir (without . entries); the caller frees each and the array. */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), str_cmp_ptr);
	return names;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * fn(path, sub, ctx) for each .json file below root/rel, depth first in name
 * order; sub is the file's path from root.
 */
static void
walk_json(const char *root, const char *rel,
          void (*fn)(const char *path, const char *sub, void *ctx), void *ctx)
{
	char *dir = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	size_t n;
	char **names = list_dir(dir, &n);

	for (size_t i = 0; i < n; i++) {
		char *sub = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		char *path = xasprintf("%s/%s", root, sub);
		size_t len = strlen(sub);

		if (is_dir(path))
			walk_json(root, sub, fn, ctx);
		else if (len > 5 && strcmp(sub + len - 5, ".json") == 0)
			fn(path, sub, ctx);
		free(path);
		free(sub);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* A remote schema, registered at http://localhost:1234/<sub> (ctx: the registry). */
static void
register_remote(const char *path, const char *sub, void *ctx)
{
	struct schema_registry *reg = ctx;
	struct df_error err;
	char *uri = xasprintf("http://localhost:1234/%s", sub);
	cJSON *j = schema_json_load(path, &err);

	if (j == NULL || schema_registry_add(reg, j, uri, path, &err) < 0)
		printf("# remote %s not registered: %s\n", uri, err.message);
	cJSON_Delete(j);
	free(uri);
}

static unsigned
count_tests(const cJSON *cases)
{
	const cJSON *c;
	unsigned n = 0;

	cJSON_ArrayForEach(c, cases) n +=
	    (unsigned)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "tests"));
	return n;
}

/* One test: both validation modes must give the expected answer. */
static int
run_test(const struct schema_registry *reg, const cJSON *schema, const cJSON *data, int want,
         char *why, size_t whylen)
{
	struct schema_errors errs;
	struct df_error err;
	int a, b;

	a = schema_validate_doc(reg, schema, data, &errs, &err);
	if (a < 0) {
		snprintf(why, whylen, "error: %s (%s)", err.message, df_code_name(err.code));
		return 0;
	}
	if ((a == 1) != (errs.count == 0)) {
		snprintf(why, whylen, "returned %d with %zu errors", a, errs.count);
		schema_errors_free(&errs);
		return 0;
	}
	if (a != want) {
		char *first = errs.count ? schema_error_format(&errs.items[0]) : NULL;
		snprintf(why, whylen, "expected %s, got %s%s%s", want ? "valid" : "invalid",
		         a ? "valid" : "invalid", first ? ": " : "", first ? first : "");
		free(first);
		schema_errors_free(&errs);
		return 0;
	}
	schema_errors_free(&errs);
	b = schema_validate_doc(reg, schema, data, NULL, &err);
	if (b != a) {
		snprintf(why, whylen, "without error collection the answer was %d", b);
		return 0;
	}
	return 1;
}

static void
run_file(const struct schema_registry *reg, const char *path, const char *rel, struct counts *total)
{
	struct counts k = { 0, 0, 0 };
	struct df_error err;
	const char *why = skipped_file(rel);
	cJSON *cases = schema_json_load(path, &err);
	const cJSON *c, *t;

	if (cases == NULL) {
		printf("FAIL %s: %s\n", rel, err.message);
		total->fail++;
		return;
	}
	if (why != NULL) {
		k.skip = count_tests(cases);
		printf("%-45s skipped (%u tests): %s\n", rel, k.skip, why);
		total->skip += k.skip;
		cJSON_Delete(cases);
		return;
	}
	cJSON_ArrayForEach(c, cases)
	{
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(c, "description");
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(c, "schema");
		const cJSON *tests = cJSON_GetObjectItemCaseSensitive(c, "tests");
		const char *cwhy = skipped_case(rel, desc->valuestring);

		if (cwhy != NULL) {
			unsigned n = (unsigned)cJSON_GetArraySize(tests);
			printf("  skip %s / \"%s\" (%u tests): %s\n", rel, desc->valuestring, n,
			       cwhy);
			k.skip += n;
			continue;
		}
		cJSON_ArrayForEach(t, tests)
		{
			const cJSON *tdesc = cJSON_GetObjectItemCaseSensitive(t, "description");
			const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
			const cJSON *valid = cJSON_GetObjectItemCaseSensitive(t, "valid");
			char fwhy[1200];

			if (run_test(reg, schema, data, cJSON_IsTrue(valid), fwhy, sizeof(fwhy))) {
				k.pass++;
			} else {
				k.fail++;
				printf("  FAIL %s / \"%s\" / \"%s\": %s\n", rel, desc->valuestring,
				       tdesc->valuestring, fwhy);
			}
		}
	}
	printf("%-45s %u passed, %u failed, %u skipped\n", rel, k.pass, k.fail, k.skip);
	total->pass += k.pass;
	total->fail += k.fail;
	total->skip += k.skip;
	cJSON_Delete(cases);
}

struct suite_run {
	const struct schema_registry *reg;
	struct counts *total;
};

static void
run_one(const char *path, const char *sub, void *ctx)
{
	struct suite_run *r = ctx;

	run_file(r->reg, path, sub, r->total);
}

int
main(int argc, char **argv)
{
	struct schema_registry *reg;
	struct counts total = { 0, 0, 0 };
	char *remotes, *tests;

	if (argc != 2) {
		fprintf(stderr, "usage: schema_suite SUITE_DIR\n");
		return 2;
	}
	remotes = xasprintf("%s/remotes", argv[1]);
	tests = xasprintf("%s/tests/draft2020-12", argv[1]);
	if (!is_dir(remotes) || !is_dir(tests)) {
		fprintf(stderr, "schema_suite: %s has no remotes/ or tests/draft2020-12/\n",
		        argv[1]);
		free(remotes);
		free(tests);
		return 2;
	}
	reg = schema_registry_new();
	walk_json(remotes, "", register_remote, reg);
	walk_json(tests, "", run_one, &(struct suite_run){ reg, &total });
	printf("total: %u passed, %u failed, %u skipped\n", total.pass, total.fail, total.skip);
	schema_registry_free(reg);
	free(remotes);
	free(tests);
	return total.fail ? 1 : 0;
}
