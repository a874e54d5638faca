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

#include "lib/buf.h"
#include "lib/error.h"
#include "args.h"

/*
 * X(id, value, name, meaning): the one table of exit codes, the same for
 * every verb. `devflow --help` prints it, devflow(1) lists it (man.sh holds
 * the page to it) and cli_exit_code maps each error to it. `devflow hook`
 * alone always exits 0: a hook must never break the agent.
 */
#define CLI_EXIT_CODES(X)                                                                          \
	X(OK, 0, "ok", "success")                                                                  \
	X(ERROR, 1, "error",                                                                       \
	  "an error, including a run, session or approval that does not exist "                    \
	  "(run_not_found, session_not_found, approval_not_found), a workspace that "              \
	  "cannot be created and a server of another user refused")                                \
	X(USAGE, 2, "usage", "a bad option or argument (invalid_argument), an ambiguous prefix")   \
	X(CONFLICT, 3, "conflict or needs a person",                                               \
	  "a conflict (active_run_exists, max_concurrent_runs, approval_conflict, "                \
	  "run_state_changed) or something that needs a person (human_required)")

enum cli_exit {
#define CLI_X(id, value, name, meaning) CLI_##id = value,
	CLI_EXIT_CODES(CLI_X)
#undef CLI_X
};

struct cli_ctx {
	const char *workspace;       /* --workspace, or NULL */
	int json;                    /* --json anywhere on the command line */
	int server_uid_set;          /* --server-uid given: the server is trusted to run as */
	uid_t server_uid;            /* this uid instead of the invoking user's */
	const struct cmd_entry *cmd; /* the verb being run */
	const struct args *args;     /* its parsed options (a verb with a table) */
};

/*
 * A verb. Its options and positional arguments are data (opts, args): one
 * parser (args.h) reads every verb's command line from them before exec
 * runs, and the usage, `devflow VERB --help`, the man page's test and the
 * shell completion read the same tables. exec then gets argv[0] (the verb)
 * and the positional arguments only, and the options in ctx->args
 * (src/cli/README says how to add a verb).
 */
struct cmd_entry {
	const char *name;
	const char *summary;         /* one line for --help */
	const struct args_opt *opts; /* its options, or NULL for none */
	const struct args_pos *args; /* its positional arguments, or NULL for none */
	const char *op;              /* the protocol op, where verbs share an exec */
	int hidden;                  /* left out of the help (the completion's helper) */
	int (*exec)(struct cli_ctx *ctx, int argc, char **argv);
};

/* The positional arguments of a verb of one run (RUN), and of one session (SESSION). */
extern const struct args_pos cli_run_arg[];
extern const struct args_pos cli_session_arg[];

/* The options before the verb (main.c). */
extern const struct args_opt cli_global_opts[];

/* NULL-terminated table of every verb, in help order. */
extern const struct cmd_entry *const cli_commands[];

/* Print err (human or JSON per ctx) to the right stream; returns the exit code. */
int cli_fail(const struct cli_ctx *ctx, const struct df_error *err);

/* Print a usage error for a verb; returns CLI_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const struct cmd_entry *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Run cmd on argv (argv[0] is the verb): parse its options from its table
 * (a usage error names what was wrong), print its help for -h/--help, else
 * call its exec. Returns the exit code.
 */
int cli_run(struct cli_ctx *ctx, const struct cmd_entry *cmd, int argc, char **argv);

/* Append "NAME USAGE" to b: the usage from cmd's tables. */
void cli_cmd_usage(struct buf *b, const struct cmd_entry *cmd);

/* Print `devflow VERB --help`: usage, summary, every argument and option with its help. */
void cli_help(FILE *out, const struct cmd_entry *cmd);

/* Print `devflow --help`: usage, every verb with its usage and summary, global options. */
void cli_print_help(FILE *out);

/* The verb named name, or NULL. */
const struct cmd_entry *cli_find(const char *name);

/* Print a JSON result object {"ok":true,"result":...} and free it. */
void cli_print_json(cJSON *result);

/*
 * Parse the value of --server-uid (a number or a user name) into *uid.
 * Returns 0, or -1 with err (invalid_argument naming the flag and value).
 */
int cli_parse_uid(const char *s, uid_t *uid, struct df_error *err);

/*
 * Parse s, a whole decimal number of at least min, into *out. Returns 0, or
 * -1 when s is not one (the caller's usage error names the option).
 */
int cli_parse_count(const char *s, long long min, long long *out);

/* Exit code for an error: usage, conflict/needs-a-person, or plain error. */
int cli_exit_code(const struct df_error *err);

#endif
