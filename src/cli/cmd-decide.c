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

#define COMMENT_OPT(req, text)                                                                     \
	{                                                                                          \
		.name = "comment", .short_name = 'm', .kind = ARGS_VALUE, .arg = "TEXT",           \
		.help = text, .required = req                                                      \
	}
#define APPROVAL_OPT                                                                               \
	{                                                                                          \
		.name = "approval", .kind = ARGS_VALUE, .arg = "ID",                               \
		.help = "the approval to decide (default: the gate the run waits at)"              \
	}

static const struct args_opt decide_opts[] = {
	COMMENT_OPT(0, "a comment kept with the decision"),
	APPROVAL_OPT,
	{ 0 },
};

static const struct args_opt changes_opts[] = {
	COMMENT_OPT(1, "what to change: it goes back to the agent"),
	APPROVAL_OPT,
	{ 0 },
};

static const struct args_opt abort_opts[] = {
	COMMENT_OPT(0, "why, kept with the decision"),
	{ 0 },
};

const struct cmd_entry cmd_approve_entry = {
	.name = "approve",
	.summary = "approve the gate a run waits at",
	.opts = decide_opts,
	.args = cli_run_arg,
	.op = "approve",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_changes_entry = {
	.name = "changes",
	.summary = "request changes; the comment goes to the agent",
	.opts = changes_opts,
	.args = cli_run_arg,
	.op = "request_changes",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_reject_entry = {
	.name = "reject",
	.summary = "reject: the run fails",
	.opts = decide_opts,
	.args = cli_run_arg,
	.op = "reject",
	.exec = cmd_decide_exec,
};

const struct cmd_entry cmd_abort_entry = {
	.name = "abort",
	.summary = "abort a run",
	.opts = abort_opts,
	.args = cli_run_arg,
	.op = "abort",
	.exec = cmd_decide_exec,
};

static int
cmd_decide_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct args *a = ctx->args;

	(void)argc; /* the table's one RUN */
	return verb_decide(ctx, ctx->cmd, ctx->cmd->op, argv[1], args_get(a, "comment"),
	                   ctx->cmd->opts != abort_opts ? args_get(a, "approval") : NULL);
}
