/*
 * `devflow pause RUN`: pause a planning, executing or awaiting_approval run (its agent keeps its
 * terminal).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_pause_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_pause_entry = {
	.name = "pause",
	.usage = "RUN",
	.summary = "pause a run",
	.exec = cmd_pause_exec,
};

static int
cmd_pause_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args, *res = NULL;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(ctx, &cmd_pause_entry,
		                 argc < 2 ? "which run? (RUN is missing)"
		                          : "expected exactly one RUN");
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "run", argv[1]);
	if ((rc = verb_call(ctx, "pause", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	printf("%s: %s\n", verb_str(res, "run_id", argv[1]), verb_str(res, "state", "?"));
	cJSON_Delete(res);
	return CLI_OK;
}
