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

const struct cmd_entry cmd_land_entry = {
	.name = "land",
	.usage = "RUN [--merge|--squash|--ff-only|--push REMOTE|--pr]",
	.summary = "merge a completed run's branch into its base, or push it (and open a PR)",
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
	const char *run = NULL, *mode = NULL, *push = NULL;
	int pr = 0, rc;
	cJSON *args, *res = NULL;
	struct result_land l;
	struct df_error err;

	for (int i = 1; i < argc; i++) {
		const char *m = strcmp(argv[i], "--merge") == 0     ? "merge"
		                : strcmp(argv[i], "--squash") == 0  ? "squash"
		                : strcmp(argv[i], "--ff-only") == 0 ? "ff-only"
		                                                    : NULL;

		if (m != NULL && mode != NULL && strcmp(m, mode) != 0)
			return cli_usage(ctx, &cmd_land_entry, "--%s and %s: choose one", mode,
			                 argv[i]);
		else if (m != NULL)
			mode = m;
		else if (strcmp(argv[i], "--push") == 0 && i + 1 < argc)
			push = argv[++i];
		else if (strcmp(argv[i], "--push") == 0)
			return cli_usage(ctx, &cmd_land_entry, "--push needs a REMOTE");
		else if (strcmp(argv[i], "--pr") == 0)
			pr = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage(ctx, &cmd_land_entry, "unknown option '%s'", argv[i]);
		else if (run == NULL)
			run = argv[i];
		else
			return cli_usage(ctx, &cmd_land_entry, "unexpected argument '%s'", argv[i]);
	}
	if (run == NULL)
		return cli_usage(ctx, &cmd_land_entry, "which run? (devflow ls)");
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
