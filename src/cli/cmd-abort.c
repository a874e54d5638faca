/*
 * `devflow abort RUN [--comment TEXT]`: abort a run. The decision carries a fresh client
 * token, so a retried request replays instead of deciding twice; the server
 * records the caller's user as the actor.
 */
#include "config.h"

#include "cli.h"
#include "verb.h"

static int cmd_abort_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_abort_entry = {
	.name = "abort",
	.usage = "RUN [--comment TEXT]",
	.summary = "abort a run",
	.exec = cmd_abort_exec,
};

static int
cmd_abort_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return verb_decide(ctx, &cmd_abort_entry, "abort", argc, argv);
}
