/*
 * `devflow personas [--json]`: the agent personas of the catalog with their
 * role, preferred backend, short hash and source file. A persona whose
 * backend is not in the catalog is listed with "(unknown backend)": it is
 * valid, only unavailable for binding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/catalog.h"
#include "cli.h"

static int personas_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_personas_entry = {
	.name = "personas",
	.summary = "list agent personas",
	.exec = personas_exec,
};

static const char *
def_string(const cJSON *def, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(def, key);

	return cJSON_IsString(it) ? it->valuestring : "";
}

static int
backend_known(const struct store_catalog_entry *b, size_t nb, const char *name)
{
	for (size_t i = 0; i < nb; i++)
		if (strcmp(b[i].name, name) == 0)
			return 1;
	return 0;
}

static int
personas_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_catalog_entry *v, *b;
	struct df_error err;
	size_t n, nb;
	cJSON *arr = NULL;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (catalog_snapshot(STORE_CATALOG_PERSONA, &v, &n, &err) != 0)
		return cli_fail(ctx, &err);
	if (catalog_snapshot(STORE_CATALOG_BACKEND, &b, &nb, &err) != 0) {
		store_catalog_entries_free(v, n);
		return cli_fail(ctx, &err);
	}
	if (ctx->json)
		arr = cJSON_CreateArray();
	else
		printf("%-16s %-7s %-14s %-22s %-12s %s\n", "NAME", "VERSION", "ROLE", "BACKEND",
		       "HASH", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		cJSON *def = cJSON_Parse(v[i].definition);
		const char *backend = def_string(def, "backend");
		int known = backend_known(b, nb, backend);

		if (arr != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", v[i].name);
			cJSON_AddNumberToObject(o, "version", v[i].version);
			cJSON_AddStringToObject(o, "role", def_string(def, "role"));
			cJSON_AddStringToObject(o, "backend", backend);
			cJSON_AddBoolToObject(o, "backendKnown", known);
			cJSON_AddStringToObject(o, "hash", v[i].hash);
			cJSON_AddStringToObject(o, "source", v[i].source);
			cJSON_AddItemToArray(arr, o);
		} else {
			char bcol[64];

			snprintf(bcol, sizeof(bcol), "%s%s", backend,
			         known ? "" : " (unknown backend)");
			printf("%-16s %-7d %-14s %-22s %-12.12s %s\n", v[i].name, v[i].version,
			       def_string(def, "role"), bcol, v[i].hash, v[i].source);
		}
		cJSON_Delete(def);
	}
	if (arr != NULL)
		cli_print_json(arr);
	store_catalog_entries_free(v, n);
	store_catalog_entries_free(b, nb);
	return CLI_OK;
}
