/*
 * `devflow land RUN [--merge|--squash|--ff-only] | [--push REMOTE] [--pr]`:
 * after a run's final gate, merge its branch into its base (fast-forward
 * when possible, else a merge commit; --merge always a merge commit,
 * --squash one commit, --ff-only nothing but a fast-forward), or push the
 * branch to REMOTE and, with --pr, open a pull request with gh (pushing to
 * origin when no --push names a remote). Landing twice lands once: the
 * second says it is already landed.
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
	int pr = args_has(ctx->args, "pr"), rc;
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
