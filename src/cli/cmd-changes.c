/*
 * `devflow changes RUN --comment TEXT [--approval ID]`: request changes; the comment goes to the
 * agent. The decision carries a fresh client token, so a retried request replays instead of
 * deciding twice; the server records the caller's user as the actor.
 */
#include "config.h"

#include "cli.h"
#include "verb.h"

static int cmd_changes_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_changes_entry = {
	.name = "changes",
	.usage = "RUN --comment TEXT [--approval ID]",
	.summary = "request changes; the comment goes to the agent",
	.exec = cmd_changes_exec,
};

static int
cmd_changes_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return verb_decide(ctx, &cmd_changes_entry, "request_changes", argc, argv);
}
