/*
 * `devflow sessions [RUN]`: the agent sessions of every run (or one): id,
 * run, phase, role, backend, state, and whether a terminal is live (only
 * live ones can be captured or attached).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_sessions_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_pos sessions_args[] = {
	{ .name = "RUN", .kind = ARGS_OPTIONAL, .help = "only this run's sessions" },
	{ 0 },
};

const struct cmd_entry cmd_sessions_entry = {
	.name = "sessions",
	.summary = "list agent sessions",
	.args = sessions_args,
	.exec = cmd_sessions_exec,
};

static int
cmd_sessions_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	struct result_sessions sl;
	struct df_error err;
	int rc;

	if (argc == 2)
		cJSON_AddStringToObject(args, "run", argv[1]);
	if ((rc = verb_call(ctx, "sessions", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_sessions_parse(res, &sl, &err) != 0) {
		result_sessions_free(&sl);
		return verb_bad_result(ctx, res, &err);
	}
	if (sl.nsessions == 0)
		printf("no sessions\n");
	else
		printf("%-36s  %-8s  %-10s  %-12s  %-8s  %-20s  %s\n", "SESSION", "RUN", "PHASE",
		       "ROLE", "BACKEND", "STATE", "LIVE");
	for (size_t i = 0; i < sl.nsessions; i++) {
		const struct result_sessions_item *s = &sl.sessions[i];

		printf("%-36s  %-8.8s  %-10s  %-12s  %-8s  %-20s  %s\n", s->id, s->run_id,
		       s->phase ? s->phase : "-", s->role_id ? s->role_id : "?",
		       s->backend ? s->backend : "?", s->state, s->live ? "yes" : "no");
	}
	result_sessions_free(&sl);
	cJSON_Delete(res);
	return CLI_OK;
}
