/*
 * `devflow clean [RUN|--finished] [--force]`: remove the worktree and the
 * devflow/<run>/main branch of an ended run (or of every ended run), keeping
 * a branch whose work is neither merged into its base nor pushed unless
 * --force; a running run is never touched. Prints what was removed and
 * what was kept, and why.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_clean_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt clean_opts[] = {
	{ .name = "finished", .kind = ARGS_FLAG, .help = "every ended run, instead of one RUN" },
	{ .name = "force",
	  .kind = ARGS_FLAG,
	  .help = "remove also a branch not merged nor pushed, and uncommitted work" },
	{ 0 },
};

static const struct args_pos clean_args[] = {
	{ .name = "RUN", .kind = ARGS_OPTIONAL, .help = "an ended run (or --finished)" },
	{ 0 },
};

const struct cmd_entry cmd_clean_entry = {
	.name = "clean",
	.summary = "remove ended runs' worktrees and branches (unlanded work is kept)",
	.opts = clean_opts,
	.args = clean_args,
	.exec = cmd_clean_exec,
};

/* One line per run: removed, kept and why, or nothing left. */
static void
print_clean(const cJSON *runs)
{
	const cJSON *r;

	if (cJSON_GetArraySize(runs) == 0)
		printf("no ended run to clean\n");
	cJSON_ArrayForEach(r, runs)
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "runId"));
		const char *kept =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kept"));
		const cJSON *rm = cJSON_GetObjectItemCaseSensitive(r, "removed"), *w;
		const char *sep = "";

		if (kept != NULL) {
			printf("kept %s: %s\n", id, kept);
			continue;
		}
		if (cJSON_GetArraySize(rm) == 0) {
			printf("%s: nothing left to remove\n", id);
			continue;
		}
		printf("removed %s:", id);
		cJSON_ArrayForEach(w, rm)
		{
			const char *what = cJSON_GetStringValue(w);
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    r,
			    what != NULL && strcmp(what, "branch") == 0 ? "branch" : "worktree"));

			printf("%s %s %s", sep, what != NULL ? what : "?",
			       name != NULL ? name : "");
			sep = ",";
		}
		putchar('\n');
	}
}

static int
cmd_clean_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *run = argc > 1 ? argv[1] : NULL;
	int finished = args_has(ctx->args, "finished"), force = args_has(ctx->args, "force"), rc;
	cJSON *args, *res = NULL;
	struct result_clean cl;
	struct df_error err;

	if ((run == NULL) == !finished)
		return cli_usage(ctx, &cmd_clean_entry,
		                 run == NULL ? "which runs? name a RUN or --finished"
		                             : "a RUN or --finished, not both");
	args = cJSON_CreateObject();
	if (run != NULL)
		cJSON_AddStringToObject(args, "run", run);
	else
		cJSON_AddBoolToObject(args, "finished", 1);
	if (force)
		cJSON_AddBoolToObject(args, "force", 1);
	if ((rc = verb_call(ctx, "clean", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_clean_parse(res, &cl, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	print_clean(cl.runs);
	cJSON_Delete(res);
	return CLI_OK;
}
