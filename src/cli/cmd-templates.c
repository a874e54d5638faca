/*
 * `devflow templates [--json]`: the workflow templates of the catalog
 * (built-in and the user's), with version, short hash, phases and the file
 * each came from. Exits non-zero with the error when the catalog is bad.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/catalog.h"
#include "cli.h"

static int templates_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_templates_entry = {
	.name = "templates",
	.summary = "list workflow templates",
	.exec = templates_exec,
};

static int
templates_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_catalog_entry *v;
	struct df_error err;
	size_t n;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (catalog_snapshot(STORE_CATALOG_TEMPLATE, &v, &n, &err) != 0)
		return cli_fail(ctx, &err);
	if (ctx->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", v[i].name);
			cJSON_AddNumberToObject(o, "version", v[i].version);
			cJSON_AddStringToObject(o, "hash", v[i].hash);
			cJSON_AddStringToObject(o, "source", v[i].source);
			cJSON_AddItemToObject(o, "definition", cJSON_Parse(v[i].definition));
			cJSON_AddItemToArray(arr, o);
		}
		cli_print_json(arr);
	} else {
		printf("%-20s %-7s %-12s %-6s %s\n", "NAME", "VERSION", "HASH", "PHASES", "SOURCE");
		for (size_t i = 0; i < n; i++) {
			cJSON *def = cJSON_Parse(v[i].definition);
			int phases =
			    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(def, "phases"));

			printf("%-20s %-7d %-12.12s %-6d %s\n", v[i].name, v[i].version, v[i].hash,
			       phases, v[i].source);
			cJSON_Delete(def);
		}
	}
	store_catalog_entries_free(v, n);
	return CLI_OK;
}
