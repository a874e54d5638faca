/*
 * `devflow resume RUN`: resume a paused run in the state it was paused from.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_resume_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.usage = "RUN",
	.summary = "resume a paused run",
	.exec = cmd_resume_exec,
};

static int
cmd_resume_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args, *res = NULL;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(ctx, &cmd_resume_entry,
		                 argc < 2 ? "which run? (RUN is missing)"
		                          : "expected exactly one RUN");
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "run", argv[1]);
	if ((rc = verb_call(ctx, "resume", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	printf("%s: %s\n", verb_str(res, "run_id", argv[1]), verb_str(res, "state", "?"));
	cJSON_Delete(res);
	return CLI_OK;
}
