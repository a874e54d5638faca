/*
 * `devflow ls [--active]`: the workspace's runs, oldest first: id, state,
 * current phase, pending approvals, template, repository and base branch.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt ls_opts[] = {
	{ .name = "active",
	  .kind = ARGS_FLAG,
	  .help = "only active runs (not completed, failed or aborted)" },
	{ 0 },
};

const struct cmd_entry cmd_ls_entry = {
	.name = "ls",
	.summary = "list runs",
	.opts = ls_opts,
	.exec = cmd_ls_exec,
};

static int
cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	struct result_ls ls;
	struct df_error err;
	int rc;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (args_has(ctx->args, "active"))
		cJSON_AddTrueToObject(args, "active");
	if ((rc = verb_call(ctx, "ls", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_ls_parse(res, &ls, &err) != 0) {
		result_ls_free(&ls);
		return verb_bad_result(ctx, res, &err);
	}
	if (ls.nruns == 0)
		printf("no runs (start one with `devflow start` or try `devflow demo`)\n");
	else
		printf("%-36s  %-17s  %-10s  %-7s  %-11s  %s\n", "RUN", "STATE", "PHASE", "GATES",
		       "TEMPLATE", "REPOSITORY");
	for (size_t i = 0; i < ls.nruns; i++) {
		const struct result_ls_run *r = &ls.runs[i];

		printf("%-36s  %-17s  %-10s  %-7d  %-11s  %s@%s\n", r->id, r->state,
		       r->phase ? r->phase : "-", (int)r->pending_approvals,
		       r->template_name ? r->template_name : "?", r->repo_path ? r->repo_path : "?",
		       r->base_branch ? r->base_branch : "?");
	}
	result_ls_free(&ls);
	cJSON_Delete(res);
	return CLI_OK;
}
