/*
 * The command-line front end: the table of verbs (one file per verb, as
 * tmux's cmd-*.c), shared option context, and how errors and results are
 * printed (human text or --json) with documented exit codes.
 */
#ifndef DEVFLOW_CLI_H
#define DEVFLOW_CLI_H

#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

/* Exit codes, documented in `devflow --help` and the README. */
enum cli_exit {
	CLI_OK = 0,
	CLI_ERROR = 1,
	CLI_USAGE = 2,
	CLI_CONFLICT = 3, /* a conflict, or something needs a person */
};

struct cli_ctx {
	const char *workspace;       /* --workspace, or NULL */
	int json;                    /* --json anywhere on the command line */
	int server_uid_set;          /* --server-uid given: the server is trusted to run as */
	uid_t server_uid;            /* this uid instead of the invoking user's */
	const struct cmd_entry *cmd; /* the verb being run */
};

struct cmd_entry {
	const char *name;
	const char *usage;   /* arguments after the verb */
	const char *summary; /* one line for --help */
	const char *op;      /* the protocol op, where verbs share an exec (ctx->cmd tells which) */
	int (*exec)(struct cli_ctx *ctx, int argc, char **argv);
};

/* NULL-terminated table of every verb, in help order. */
extern const struct cmd_entry *const cli_commands[];

/* Print err (human or JSON per ctx) to the right stream; returns the exit code. */
int cli_fail(const struct cli_ctx *ctx, const struct df_error *err);

/* Print a usage error for a verb; returns CLI_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a JSON result object {"ok":true,"result":...} and free it. */
void cli_print_json(cJSON *result);

/*
 * Parse the value of --server-uid (a number or a user name) into *uid.
 * Returns 0, or -1 with err (invalid_argument naming the flag and value).
 */
int cli_parse_uid(const char *s, uid_t *uid, struct df_error *err);

/* Exit code for an error: usage, conflict/needs-a-person, or plain error. */
int cli_exit_code(const struct df_error *err);

#endif
