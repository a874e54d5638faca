/*
 * `devflow help [VERB]`: a verb's help, the same as `devflow VERB --help`
 * (usage, summary, every argument and option, from the verb's table); with
 * no verb, the list of verbs (`devflow --help`).
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"

static int cmd_help_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_pos help_args[] = {
	{ .name = "VERB", .kind = ARGS_OPTIONAL, .help = "the verb to explain" },
	{ 0 },
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.summary = "print a verb's usage, options and arguments",
	.args = help_args,
	.exec = cmd_help_exec,
};

static int
cmd_help_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *cmd;

	if (argc < 2) {
		cli_print_help(stdout);
		return CLI_OK;
	}
	if ((cmd = cli_find(argv[1])) == NULL)
		return cli_usage(ctx, &cmd_help_entry, "unknown verb '%s'", argv[1]);
	cli_help(stdout, cmd);
	return CLI_OK;
}
