/*
 * The four decision verbs, one exec (as tmux's cmd-select-window.c serves
 * four commands): `devflow approve RUN [--comment TEXT] [--approval ID]`
 * approves the gate a run waits at; `devflow changes RUN --comment TEXT
 * [--approval ID]` requests changes, the comment going to the agent;
 * `devflow reject RUN [--comment TEXT] [--approval ID]` rejects, and the run
 * fails; `devflow abort RUN [--comment TEXT]` aborts a run. Each decision
 * carries a fresh client token, so a retried request replays instead of
 * deciding twice; the server records the caller's user as the actor.
 */
#include "config.h"

#include "cli.h"
#include "verb.h"

static int cmd_decide_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_approve_entry = {
	.name = "approve",
	.usage = "RUN [--comment TEXT] [--approval ID]",
	.summary = "approve the gate a run waits at",
	.op = "approve",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_changes_entry = {
	.name = "changes",
	.usage = "RUN --comment TEXT [--approval ID]",
	.summary = "request changes; the comment goes to the agent",
	.op = "request_changes",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_reject_entry = {
	.name = "reject",
	.usage = "RUN [--comment TEXT] [--approval ID]",
	.summary = "reject: the run fails",
	.op = "reject",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_abort_entry = {
	.name = "abort",
	.usage = "RUN [--comment TEXT]",
	.summary = "abort a run",
	.op = "abort",
	.exec = cmd_decide_exec,
};

static int
cmd_decide_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return verb_decide(ctx, ctx->cmd, ctx->cmd->op, argc, argv);
}
