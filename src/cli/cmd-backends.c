/*
 * `devflow backends [--json]`: the agent backends of the catalog, whether
 * each one's command (argv[0]) is found on PATH, and how to install it when
 * it is not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/catalog.h"
#include "cli.h"

static int backends_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_backends_entry = {
	.name = "backends",
	.summary = "list agent backends and whether their CLI is installed",
	.exec = backends_exec,
};

static const char *
def_string(const cJSON *def, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(def, key);

	return cJSON_IsString(it) ? it->valuestring : "";
}

static int
backends_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_catalog_entry *v;
	struct df_error err;
	cJSON *arr = NULL;
	size_t n;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (catalog_snapshot(STORE_CATALOG_BACKEND, &v, &n, &err) != 0)
		return cli_fail(ctx, &err);
	if (ctx->json)
		arr = cJSON_CreateArray();
	else
		printf("%-12s %-7s %-20s %-5s %-12s %s\n", "NAME", "VERSION", "COMMAND", "FOUND",
		       "HASH", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		cJSON *def = cJSON_Parse(v[i].definition);
		const char *cmd = catalog_backend_command(def);
		char *found = catalog_which(cmd);

		if (arr != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", v[i].name);
			cJSON_AddNumberToObject(o, "version", v[i].version);
			cJSON_AddStringToObject(o, "command", cmd);
			cJSON_AddBoolToObject(o, "found", found != NULL);
			if (found)
				cJSON_AddStringToObject(o, "path", found);
			else
				cJSON_AddNullToObject(o, "path");
			cJSON_AddStringToObject(o, "install", def_string(def, "install"));
			cJSON_AddStringToObject(o, "hash", v[i].hash);
			cJSON_AddStringToObject(o, "source", v[i].source);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-12s %-7d %-20s %-5s %-12.12s %s\n", v[i].name, v[i].version, cmd,
			       found ? "yes" : "no", v[i].hash, v[i].source);
			if (!found)
				printf("%12s install: %s\n", "", def_string(def, "install"));
		}
		free(found);
		cJSON_Delete(def);
	}
	if (arr != NULL)
		cli_print_json(arr);
	store_catalog_entries_free(v, n);
	return CLI_OK;
}
