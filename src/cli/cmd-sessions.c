/*
 * `devflow sessions [RUN]`: the agent sessions of every run (or one): id,
 * run, phase, role, backend, state, and whether a terminal is live (only
 * live ones can be captured or attached).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "cli.h"
#include "verb.h"

static int cmd_sessions_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_sessions_entry = {
	.name = "sessions",
	.usage = "[RUN]",
	.summary = "list agent sessions",
	.exec = cmd_sessions_exec,
};

static int
cmd_sessions_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	const cJSON *s;
	int rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		cJSON_Delete(args);
		return cli_usage(ctx, &cmd_sessions_entry, "expected at most one RUN");
	}
	if (argc == 2)
		cJSON_AddStringToObject(args, "run", argv[1]);
	if ((rc = verb_call(ctx, "sessions", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "sessions")) == 0)
		printf("no sessions\n");
	else
		printf("%-36s  %-8s  %-10s  %-12s  %-8s  %-20s  %s\n", "SESSION", "RUN", "PHASE",
		       "ROLE", "BACKEND", "STATE", "LIVE");
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(res, "sessions"))
	{
		printf("%-36s  %-8.8s  %-10s  %-12s  %-8s  %-20s  %s\n", json_str(s, "id", "?"),
		       json_str(s, "run_id", "?"), json_str(s, "phase", "-"),
		       json_str(s, "role", "?"), json_str(s, "backend", "?"),
		       json_str(s, "state", "?"),
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "live")) ? "yes" : "no");
	}
	cJSON_Delete(res);
	return CLI_OK;
}
