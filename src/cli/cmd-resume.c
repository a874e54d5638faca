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
	cJSON *res = NULL;
	int rc;

	if ((rc = verb_run_call(ctx, &cmd_resume_entry, "resume", argc, argv, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	printf("%s: %s\n", verb_str(res, "run_id", argv[1]), verb_str(res, "state", "?"));
	cJSON_Delete(res);
	return CLI_OK;
}
