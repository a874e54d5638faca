/*
 * `devflow approve RUN [--comment TEXT] [--approval ID]`: approve the gate a run waits at. The
 * decision carries a fresh client token, so a retried request replays instead of deciding twice;
 * the server records the caller's user as the actor.
 */
#include "config.h"

#include "cli.h"
#include "verb.h"

static int cmd_approve_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_approve_entry = {
	.name = "approve",
	.usage = "RUN [--comment TEXT] [--approval ID]",
	.summary = "approve the gate a run waits at",
	.exec = cmd_approve_exec,
};

static int
cmd_approve_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return verb_decide(ctx, &cmd_approve_entry, "approve", argc, argv);
}
