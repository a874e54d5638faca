/*
 * `devflow ls [--active]`: the workspace's runs, oldest first: id, state,
 * current phase, pending approvals, template, repository and base branch.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "cli.h"
#include "verb.h"

static int cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_ls_entry = {
	.name = "ls",
	.usage = "[--active]",
	.summary = "list runs",
	.exec = cmd_ls_exec,
};

static int
cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	const cJSON *runs, *r;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--active") == 0) {
			cJSON_AddTrueToObject(args, "active");
		} else {
			cJSON_Delete(args);
			return cli_usage(ctx, &cmd_ls_entry, "unexpected argument '%s'", argv[i]);
		}
	}
	if ((rc = verb_call(ctx, "ls", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	runs = cJSON_GetObjectItemCaseSensitive(res, "runs");
	if (cJSON_GetArraySize(runs) == 0)
		printf("no runs (start one with `devflow start` or try `devflow demo`)\n");
	else
		printf("%-36s  %-17s  %-10s  %-7s  %-11s  %s\n", "RUN", "STATE", "PHASE", "GATES",
		       "TEMPLATE", "REPOSITORY");
	cJSON_ArrayForEach(r, runs)
	{
		const cJSON *pend = cJSON_GetObjectItemCaseSensitive(r, "pending_approvals");

		printf("%-36s  %-17s  %-10s  %-7d  %-11s  %s@%s\n", json_str(r, "id", "?"),
		       json_str(r, "state", "?"), json_str(r, "phase", "-"),
		       cJSON_IsNumber(pend) ? pend->valueint : 0, json_str(r, "template", "?"),
		       json_str(r, "repo", "?"), json_str(r, "base", "?"));
	}
	cJSON_Delete(res);
	return CLI_OK;
}
