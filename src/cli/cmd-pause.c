/*
 * `devflow pause RUN` pauses a planning, executing or awaiting_approval run
 * (its agent keeps its terminal); `devflow resume RUN` resumes a paused run
 * in the state it was paused from. One exec serves both.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "verb.h"

static int cmd_pause_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_pause_entry = {
	.name = "pause",
	.summary = "pause a run",
	.args = cli_run_arg,
	.op = "pause",
	.exec = cmd_pause_exec,
};

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.summary = "resume a paused run",
	.args = cli_run_arg,
	.op = "resume",
	.exec = cmd_pause_exec,
};

static int
cmd_pause_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL;
	struct result_run_state st;
	struct df_error err;
	int rc;

	if ((rc = verb_run_call(ctx, ctx->cmd, ctx->cmd->op, argc, argv, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_run_state_parse(res, &st, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	printf("%s: %s\n", st.run_id, st.state);
	cJSON_Delete(res);
	return CLI_OK;
}
