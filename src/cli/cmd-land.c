/*
 * `devflow land RUN [--merge|--squash|--ff-only] | [--push REMOTE] [--pr] | [--rebase]`:
 * after a run's final gate, merge its branch into its base (fast-forward
 * when possible, else a merge commit; --merge always a merge commit,
 * --squash one commit, --ff-only nothing but a fast-forward), or push the
 * branch to REMOTE and, with --pr, open a pull request with gh (pushing to
 * origin when no --push names a remote). Landing twice lands once: the
 * second says it is already landed. --rebase, for a landing that conflicts
 * with its base: a follow-up run whose agent merges the base into the
 * run's work (docs/engine.md "Landing"), to approve and land in its turn.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_land_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt land_opts[] = {
	{ .name = "merge",
	  .kind = ARGS_FLAG,
	  .help = "a merge commit, even where a fast-forward would do" },
	{ .name = "squash",
	  .kind = ARGS_FLAG,
	  .help = "one commit on the base holding the run's work" },
	{ .name = "ff-only", .kind = ARGS_FLAG, .help = "only a fast-forward; refuse otherwise" },
	{ .name = "push",
	  .kind = ARGS_VALUE,
	  .arg = "REMOTE",
	  .help = "push the run's branch to REMOTE instead of merging" },
	{ .name = "pr",
	  .kind = ARGS_FLAG,
	  .help = "push the branch and open a pull request with gh (the report as its body)" },
	{ .name = "rebase",
	  .kind = ARGS_FLAG,
	  .help = "when landing conflicts: start a follow-up run whose agent merges the base" },
	{ 0 },
};

const struct cmd_entry cmd_land_entry = {
	.name = "land",
	.summary = "merge a completed run's branch into its base, or push it (and open a PR)",
	.opts = land_opts,
	.args = cli_run_arg,
	.exec = cmd_land_exec,
};

static void
print_land(const struct result_land *l)
{
	if (strcmp(l->action, "rebase") == 0) {
		printf("%s rebase run %s for run %s: its agent merges %s into the run's work\n",
		       l->already ? "already started:" : "started",
		       l->follow_up ? l->follow_up : "?", l->run_id,
		       l->base ? l->base : "the base");
		printf("approve it, then land it: devflow land %s\n",
		       l->follow_up ? l->follow_up : "RUN");
		return;
	}
	if (l->already && l->via != NULL) {
		printf("run %s landed through its rebase run %s%s%s\n", l->run_id, l->via,
		       l->commit ? " at " : "", l->commit ? l->commit : "");
		return;
	}
	if (l->already) {
		printf("run %s is already landed%s%s\n", l->run_id, l->commit ? " at " : "",
		       l->commit ? l->commit : "");
		return;
	}
	if (strcmp(l->action, "land") == 0) {
		printf("landed run %s on %s: %s, now at %s\n", l->run_id, l->base, l->how,
		       l->commit);
		if (l->checkout != NULL)
			printf("updated the checkout %s\n", l->checkout);
		return;
	}
	printf("pushed %s to %s\n", l->branch, l->remote);
	if (l->url != NULL)
		printf("pull request: %s\n", l->url);
}

static int
cmd_land_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const modes[] = { "merge", "squash", "ff-only" };
	const char *run = argv[1], *mode = NULL, *push = args_get(ctx->args, "push");
	int pr = args_has(ctx->args, "pr"), rebase = args_has(ctx->args, "rebase"), rc;
	cJSON *args, *res = NULL;
	struct result_land l;
	struct df_error err;

	(void)argc; /* the table's one RUN */
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!args_has(ctx->args, modes[i]))
			continue;
		if (mode != NULL)
			return cli_usage(ctx, &cmd_land_entry, "--%s and --%s: choose one", mode,
			                 modes[i]);
		mode = modes[i];
	}
	if (rebase && (mode != NULL || push != NULL || pr))
		return cli_usage(ctx, &cmd_land_entry,
		                 "--rebase starts a follow-up run; --%s lands this one: choose one",
		                 mode != NULL ? mode
		                 : pr         ? "pr"
		                              : "push");
	if (mode != NULL && (push != NULL || pr))
		return cli_usage(ctx, &cmd_land_entry,
		                 "--%s merges into the base; --push and --pr publish the branch: "
		                 "choose one",
		                 mode);
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "run", run);
	if (mode != NULL)
		cJSON_AddStringToObject(args, "mode", mode);
	if (push != NULL)
		cJSON_AddStringToObject(args, "push", push);
	if (pr)
		cJSON_AddBoolToObject(args, "pr", 1);
	if (rebase)
		cJSON_AddBoolToObject(args, "rebase", 1);
	if ((rc = verb_call(ctx, "land", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_land_parse(res, &l, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	print_land(&l);
	cJSON_Delete(res);
	return CLI_OK;
}
