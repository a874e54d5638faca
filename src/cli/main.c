/*
 * devflow's entry point: global options, then one verb from the command
 * table. With no verb, devflow opens the TUI (tui/tui.h).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/paths.h"
#include "tui/tui.h"
#include "cli.h"

extern const struct cmd_entry cmd_templates_entry;
extern const struct cmd_entry cmd_personas_entry;
extern const struct cmd_entry cmd_backends_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_ls_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_approve_entry;
extern const struct cmd_entry cmd_changes_entry;
extern const struct cmd_entry cmd_reject_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_land_entry;
extern const struct cmd_entry cmd_clean_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_sessions_entry;
extern const struct cmd_entry cmd_capture_entry;
extern const struct cmd_entry cmd_answer_entry;
extern const struct cmd_entry cmd_attach_entry;
extern const struct cmd_entry cmd_hook_entry;
extern const struct cmd_entry cmd_server_entry;
extern const struct cmd_entry cmd_kill_server_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_demo_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_complete_entry;

/* One verb per line, so branches adding verbs merge cleanly. */
/* clang-format off */
const struct cmd_entry *const cli_commands[] = {
	&cmd_demo_entry,
	&cmd_start_entry,
	&cmd_ls_entry,
	&cmd_status_entry,
	&cmd_approve_entry,
	&cmd_changes_entry,
	&cmd_reject_entry,
	&cmd_abort_entry,
	&cmd_pause_entry,
	&cmd_resume_entry,
	&cmd_report_entry,
	&cmd_land_entry,
	&cmd_clean_entry,
	&cmd_wait_entry,
	&cmd_logs_entry,
	&cmd_sessions_entry,
	&cmd_capture_entry,
	&cmd_answer_entry,
	&cmd_attach_entry,
	&cmd_hook_entry,
	&cmd_server_entry,
	&cmd_kill_server_entry,
	&cmd_doctor_entry,
	&cmd_reload_entry,
	&cmd_templates_entry,
	&cmd_personas_entry,
	&cmd_backends_entry,
	&cmd_validate_entry,
	&cmd_config_entry,
	&cmd_help_entry,
	&cmd_complete_entry,
	NULL,
};
/* clang-format on */

/* The options before the verb, parsed by the verbs' parser. */
const struct args_opt cli_global_opts[] = {
	{ .name = "workspace",
	  .kind = ARGS_VALUE,
	  .arg = "DIR",
	  .help = "the workspace (see below)" },
	{ .name = "server-uid",
	  .kind = ARGS_VALUE,
	  .arg = "UID",
	  .help = "trust the server of this uid or user (see below)" },
	{ .name = "json",
	  .kind = ARGS_FLAG,
	  .help = "results and errors as JSON (anywhere on the line)" },
	{ .name = "version",
	  .short_name = 'V',
	  .kind = ARGS_FLAG,
	  .help = "print the version and exit" },
	{ 0 },
};

void
cli_print_help(FILE *out)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "usage: devflow [--workspace DIR] [--server-uid UID] [--json] VERB [ARGS]\n"
	             "       devflow help VERB | VERB --help\n"
	             "       devflow -V | --version | -h | --help\n\n"
	             "Supervise AI coding-agent runs from a terminal; with no verb, the TUI.\n\n"
	             "verbs (devflow help VERB: its arguments and options):\n");
	/* Names and summaries only, to fit 80 columns: a verb's usage is its own help's. */
	for (size_t i = 0; cli_commands[i] != NULL; i++)
		if (!cli_commands[i]->hidden)
			buf_printf(&b, "  %-12s %s\n", cli_commands[i]->name,
			           cli_commands[i]->summary);
	buf_puts(&b, "\nglobal ");
	args_help(&b, cli_global_opts, NULL);
	buf_puts(&b, "\nexit codes:");
#define CLI_X(id, value, name, meaning) buf_printf(&b, "%s %d %s", value ? "," : "", value, name);
	CLI_EXIT_CODES(CLI_X)
#undef CLI_X
	buf_puts(&b, "\nworkspace: --workspace, else $DEVFLOW_WORKSPACE, else "
	             "$XDG_DATA_HOME/devflow\n"
	             "server-uid: the uid whose server to trust (default: you); clients refuse a\n"
	             "workspace, socket or server of any other uid\n"
	             "more: man devflow\n");
	fputs(b.data, out);
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	const struct cmd_entry *cmd;
	struct df_error err;
	struct args g;
	const char *uid;
	int i, n = 0, rc;

	setlocale(LC_ALL, "");
	/* Now, before the binary can be replaced: what a client execs to start a server. */
	paths_self_exe();
	/* --json may appear anywhere; strip it so verbs see their own arguments. */
	for (i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--json") == 0)
			ctx.json = 1;
		else
			argv[n++] = argv[i];
	}
	argc = n;
	argv[argc] = NULL;

	if (args_parse(cli_global_opts, NULL, argc, argv, 1, &g, &err) != 0) {
		args_free(&g);
		fprintf(stderr, "devflow: %s\n", err.message);
		cli_print_help(stderr);
		return CLI_USAGE;
	}
	if (g.help || args_has(&g, "version")) {
		if (g.help)
			cli_print_help(stdout);
		else
			printf("devflow %s\n", PACKAGE_VERSION);
		args_free(&g);
		return CLI_OK;
	}
	ctx.workspace = args_get(&g, "workspace");
	if ((uid = args_get(&g, "server-uid")) != NULL) {
		if (cli_parse_uid(uid, &ctx.server_uid, &err) != 0) {
			args_free(&g);
			return cli_fail(&ctx, &err);
		}
		ctx.server_uid_set = 1;
	}
	if (g.npos == 0) {
		args_free(&g);
		return tui_main(ctx.workspace, ctx.server_uid_set ? &ctx.server_uid : NULL, NULL);
	}
	if ((cmd = cli_find(g.pos[0])) == NULL) {
		fprintf(stderr, "devflow: unknown verb '%s' (see devflow --help)\n", g.pos[0]);
		args_free(&g);
		return CLI_USAGE;
	}
	rc = cli_run(&ctx, cmd, g.npos, g.pos);
	args_free(&g);
	return rc;
}
