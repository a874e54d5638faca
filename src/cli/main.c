/*
 * devflow's entry point: global options, then one verb from the command
 * table. With no verb, devflow opens the TUI (tui/tui.h).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

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
	&cmd_templates_entry,
	&cmd_personas_entry,
	&cmd_backends_entry,
	&cmd_validate_entry,
	NULL,
};
/* clang-format on */

static void
print_help(FILE *out)
{
	fprintf(out, "usage: devflow [--workspace DIR] [--server-uid UID] [--json] VERB [ARGS]\n"
	             "       devflow --version | --help\n\n"
	             "Supervise AI coding-agent runs from a terminal.\n\nverbs:\n");
	for (size_t i = 0; cli_commands[i] != NULL; i++)
		/* A usage too long for its column puts the summary on the next line. */
		if (strlen(cli_commands[i]->name) > 10 || strlen(cli_commands[i]->usage) > 34)
			fprintf(out, "  %s %s\n  %-10s %-34s %s\n", cli_commands[i]->name,
			        cli_commands[i]->usage, "", "", cli_commands[i]->summary);
		else
			fprintf(out, "  %-10s %-34s %s\n", cli_commands[i]->name,
			        cli_commands[i]->usage, cli_commands[i]->summary);
	fprintf(out, "\nexit codes: 0 ok, 1 error, 2 usage, 3 conflict or needs a person\n"
	             "workspace: --workspace, else $DEVFLOW_WORKSPACE, else "
	             "$XDG_DATA_HOME/devflow\n"
	             "server-uid: the uid whose server to trust (default: you); clients refuse a\n"
	             "workspace, socket or server of any other uid\n");
}

int
main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	struct df_error err;
	int i, n = 0;

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

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("devflow %s\n", PACKAGE_VERSION);
			return CLI_OK;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--workspace") == 0 && i + 1 < argc) {
			ctx.workspace = argv[++i];
		} else if (strncmp(argv[i], "--workspace=", 12) == 0) {
			ctx.workspace = argv[i] + 12;
		} else if (strcmp(argv[i], "--server-uid") == 0 && i + 1 < argc) {
			if (cli_parse_uid(argv[++i], &ctx.server_uid, &err) != 0)
				return cli_fail(&ctx, &err);
			ctx.server_uid_set = 1;
		} else if (strncmp(argv[i], "--server-uid=", 13) == 0) {
			if (cli_parse_uid(argv[i] + 13, &ctx.server_uid, &err) != 0)
				return cli_fail(&ctx, &err);
			ctx.server_uid_set = 1;
		} else {
			fprintf(stderr, "devflow: unknown option '%s'\n", argv[i]);
			print_help(stderr);
			return CLI_USAGE;
		}
	}
	if (i >= argc)
		return tui_main(ctx.workspace, ctx.server_uid_set ? &ctx.server_uid : NULL, NULL);
	for (size_t c = 0; cli_commands[c] != NULL; c++)
		if (strcmp(cli_commands[c]->name, argv[i]) == 0) {
			ctx.cmd = cli_commands[c];
			return ctx.cmd->exec(&ctx, argc - i, argv + i);
		}
	fprintf(stderr, "devflow: unknown verb '%s' (see devflow --help)\n", argv[i]);
	return CLI_USAGE;
}
