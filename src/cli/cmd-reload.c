/*
 * `devflow reload`: the server loads its catalog again, as tmux's
 * source-file reads a configuration again: the user's new or changed
 * templates, personas, backends and schemas are checked first, and on any
 * error the catalog in use stays and the error names the file and what is
 * wrong (exit 1). The server also does this by itself when the
 * configuration folder changes (it watches it); this verb is for when it
 * cannot (no inotify) and to see the error. Starts a server when none runs.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "verb.h"

static int cmd_reload_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.summary = "make the server load changed templates, personas and backends",
	.exec = cmd_reload_exec,
};

static int
cmd_reload_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct result_reload r;
	struct df_error err;
	cJSON *res = NULL;
	int rc;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if ((rc = verb_call(ctx, "reload", NULL, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_reload_parse(res, &r, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	printf("catalog reloaded: %lld templates, %lld personas, %lld backends (%lld available)\n",
	       (long long)r.templates, (long long)r.personas, (long long)r.backends,
	       (long long)r.available);
	cJSON_Delete(res);
	return CLI_OK;
}
