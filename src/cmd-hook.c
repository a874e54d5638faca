/*
 * `devflow hook [SESSION] EVENT`: what an agent CLI's hook runs to tell the
 * server about its session (a hook beats a screen pattern). EVENT is idle,
 * busy or needs_input, or Claude Code's Stop, Notification or
 * UserPromptSubmit. SESSION defaults to $DEVFLOW_SESSION_ID, which the
 * driver puts in every agent's environment. It never starts a server.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "verb.h"

static int cmd_hook_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_hook_entry = {
	.name = "hook",
	.usage = "[SESSION] EVENT",
	.summary = "report an agent CLI hook (idle, busy, needs_input, Stop, ...)",
	.exec = cmd_hook_exec,
};

static int
cmd_hook_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *session = getenv("DEVFLOW_SESSION_ID"), *event;
	struct df_error err;
	struct client *c;
	cJSON *args;
	int rc;

	if (argc == 3) {
		session = argv[1];
		event = argv[2];
	} else if (argc == 2) {
		event = argv[1];
	} else {
		return cli_usage(ctx, &cmd_hook_entry, "expected [SESSION] EVENT");
	}
	if (session == NULL || session[0] == '\0')
		return cli_usage(ctx, &cmd_hook_entry,
		                 "which session? (give SESSION or set DEVFLOW_SESSION_ID)");
	if ((c = verb_connect(ctx, 0, &err)) == NULL)
		return cli_fail(ctx, &err);
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", session);
	cJSON_AddStringToObject(args, "event", event);
	rc = client_call(c, "hook", args, NULL, &err);
	cJSON_Delete(args);
	client_free(c);
	if (rc != 0)
		return cli_fail(ctx, &err);
	if (ctx->json)
		cli_print_json(cJSON_CreateNull());
	return CLI_OK;
}
