/*
 * `devflow reject RUN [--comment TEXT] [--approval ID]`: reject: the run fails. The decision
 * carries a fresh client token, so a retried request replays instead of deciding twice; the server
 * records the caller's user as the actor.
 */
#include "config.h"

#include "cli.h"
#include "verb.h"

static int cmd_reject_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_reject_entry = {
	.name = "reject",
	.usage = "RUN [--comment TEXT] [--approval ID]",
	.summary = "reject: the run fails",
	.exec = cmd_reject_exec,
};

static int
cmd_reject_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return verb_decide(ctx, &cmd_reject_entry, "reject", argc, argv);
}
