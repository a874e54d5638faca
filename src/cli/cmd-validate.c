/*
 * `devflow validate FILE [--schema ID|SCHEMA_FILE]`: check a JSON document
 * against a JSON Schema, either one of the registry's (the schemas/ tree of
 * the share directory, by short id or URI) or a schema file. Without
 * --schema the document's own "$schema" must name a registry schema. Exit
 * 0 when valid, 1 when invalid or the file cannot be read or parsed, 2 on
 * usage errors.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/paths.h"
#include "lib/xalloc.h"
#include "schema/schema.h"
#include "cli.h"

static int cmd_validate_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt validate_opts[] = {
	{ .name = "schema",
	  .kind = ARGS_VALUE,
	  .arg = "ID|SCHEMA_FILE",
	  .help = "a registry schema's id or URI, or a schema file (default: the "
	          "document's own \"$schema\")" },
	{ 0 },
};

static const struct args_pos validate_args[] = {
	{ .name = "FILE", .kind = ARGS_REQUIRED, .help = "the JSON document to check" },
	{ 0 },
};

const struct cmd_entry cmd_validate_entry = {
	.name = "validate",
	.summary = "check a JSON file against a JSON Schema",
	.opts = validate_opts,
	.args = validate_args,
	.exec = cmd_validate_exec,
};

/* The registry from <share>/schemas; a missing directory is an empty registry. */
static struct schema_registry *
load_registry(struct df_error *err)
{
	struct schema_registry *reg = schema_registry_new();
	char *dir = xasprintf("%s/schemas", paths_share_dir());
	struct stat st;

	if (stat(dir, &st) == 0 && schema_registry_load_dir(reg, dir, err) < 0) {
		schema_registry_free(reg);
		reg = NULL;
	}
	free(dir);
	return reg;
}

static void
print_result(const struct cli_ctx *ctx, const char *file, const char *schema, int valid,
             const struct schema_errors *errs)
{
	if (ctx->json) {
		cJSON *r = cJSON_CreateObject(), *list = cJSON_CreateArray();

		cJSON_AddStringToObject(r, "file", file);
		cJSON_AddStringToObject(r, "schema", schema);
		cJSON_AddBoolToObject(r, "valid", valid);
		for (size_t i = 0; i < errs->count; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "path", errs->items[i].path);
			cJSON_AddStringToObject(e, "keyword", errs->items[i].keyword);
			cJSON_AddStringToObject(e, "message", errs->items[i].message);
			cJSON_AddItemToArray(list, e);
		}
		cJSON_AddItemToObject(r, "errors", list);
		cli_print_json(r);
		return;
	}
	printf("%s: %s\n", file, valid ? "valid" : "invalid");
	for (size_t i = 0; i < errs->count; i++) {
		char *line = schema_error_format(&errs->items[i]);
		printf("  %s\n", line);
		free(line);
	}
}

static int
cmd_validate_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *file = argv[1], *schema_arg = args_get(ctx->args, "schema"), *schema_name;
	struct schema_registry *reg = NULL;
	struct schema_errors errs = { 0, NULL };
	struct df_error err;
	cJSON *doc = NULL, *schema_doc = NULL;
	int rc, status;

	(void)argc; /* the table's one FILE */
	if (schema_arg != NULL && schema_arg[0] == '\0')
		return cli_usage(ctx, &cmd_validate_entry, "--schema needs a schema id or file");

	if ((reg = load_registry(&err)) == NULL)
		return cli_fail(ctx, &err);
	if ((doc = schema_json_load(file, &err)) == NULL) {
		status = cli_fail(ctx, &err);
		goto out;
	}
	if (schema_arg == NULL) {
		const cJSON *s =
		    cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "$schema") : NULL;

		if (!cJSON_IsString(s) || schema_registry_get(reg, s->valuestring) == NULL) {
			status =
			    cli_usage(ctx, &cmd_validate_entry,
			              "%s: no \"$schema\" naming a known schema; pass --schema "
			              "ID|SCHEMA_FILE",
			              file);
			goto out;
		}
		schema_arg = s->valuestring;
	}
	schema_name = schema_arg;
	if (schema_registry_get(reg, schema_arg) != NULL) {
		rc = schema_validate(reg, schema_arg, doc, &errs, &err);
	} else {
		struct stat st;

		if (stat(schema_arg, &st) < 0 || !S_ISREG(st.st_mode)) {
			df_error_set(
			    &err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND,
			    "unknown schema \"%s\": neither a registry id nor a schema file",
			    schema_arg);
			df_error_hint(&err,
			              "registry ids look like devflow/template@1; schemas are "
			              "read from %s/schemas",
			              paths_share_dir());
			status = cli_fail(ctx, &err);
			goto out;
		}
		if ((schema_doc = schema_json_load(schema_arg, &err)) == NULL) {
			status = cli_fail(ctx, &err);
			goto out;
		}
		rc = schema_validate_doc(reg, schema_doc, doc, &errs, &err);
		if (rc < 0)
			df_error_prefix(&err, "%s", schema_arg);
	}
	if (rc < 0) {
		status = cli_fail(ctx, &err);
		goto out;
	}
	print_result(ctx, file, schema_name, rc == 1, &errs);
	status = rc == 1 ? CLI_OK : CLI_ERROR;
out:
	schema_errors_free(&errs);
	cJSON_Delete(schema_doc);
	cJSON_Delete(doc);
	schema_registry_free(reg);
	return status;
}
