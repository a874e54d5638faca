/*
 * One parser for every verb's command line, driven by the verb's table of
 * options and positional arguments (tmux keeps each command's argument
 * grammar as data in its cmd_entry): the same table gives the usage line,
 * `devflow VERB --help` and the shell completion, so none of them can drift
 * from what the verb accepts. Options and positional arguments may come in
 * any order; `--` ends the options; --name=VALUE and -xVALUE are accepted.
 */
#ifndef DEVFLOW_ARGS_H
#define DEVFLOW_ARGS_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/error.h"

enum args_kind {
	ARGS_FLAG,   /* --name: given or not, at most once */
	ARGS_VALUE,  /* --name VALUE: at most once */
	ARGS_REPEAT, /* --name VALUE: as many times as wanted, kept in order */
};

/* One option of a verb. A table ends with an entry whose name and short_name are unset. */
struct args_opt {
	const char *name;    /* long name without the dashes, or NULL */
	char short_name;     /* -x, or 0 */
	enum args_kind kind; /* flag, value or repeatable value */
	const char *arg;     /* what the value is, in help (FILE, ROLE=BACKEND); NULL for a flag */
	const char *help;    /* one line for --help */
	int required;        /* a value option the verb cannot do without */
};

enum args_pos_kind {
	ARGS_REQUIRED, /* exactly one, must be there */
	ARGS_OPTIONAL, /* one, may be missing (only after the required ones) */
	ARGS_REST,     /* every argument left, taken verbatim (options are no longer parsed) */
};

/* One positional argument. A table ends with an entry whose name is NULL. */
struct args_pos {
	const char *name; /* RUN, SESSION, FILE: upper case, also the completion's hint */
	enum args_pos_kind kind;
	const char *help;
};

#define ARGS_MAX_OPTS 16

/* A parsed command line: argv's strings are borrowed, not copied. */
struct args {
	const struct args_opt *opts;
	size_t nopts;
	int count[ARGS_MAX_OPTS];           /* how many times each option was given */
	const char *value[ARGS_MAX_OPTS];   /* a value option's value */
	const char **values[ARGS_MAX_OPTS]; /* a repeatable option's values, NULL-ended */
	int npos;                           /* positional arguments, in order */
	char **pos;                         /* NULL-ended */
	int help;                           /* -h or --help was given */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the verb) against opts and pos into *a
 * (args_free it, also on error). -h and --help are every verb's own: they
 * set a->help and end the parse. With stop_at_pos, the first positional
 * argument ends the options and is the first of the rest (the global
 * options before a verb). Returns 0, or -1 with err (invalid_argument)
 * naming the option or argument at fault: unknown, missing its value,
 * repeated, a flag given a value, a required one missing, one too many.
 */
int args_parse(const struct args_opt *opts, const struct args_pos *pos, int argc, char **argv,
               int stop_at_pos, struct args *a, struct df_error *err);

/* Free what args_parse allocated (not the strings). */
void args_free(struct args *a);

/* How many times the option named name (long name, else the short letter) was given. */
int args_has(const struct args *a, const char *name);

/* The value of the option named name, or NULL when not given. */
const char *args_get(const struct args *a, const char *name);

/* The values of a repeatable option, NULL-ended (never NULL itself). */
const char *const *args_get_all(const struct args *a, const char *name);

/* The option's spelling for messages and help: --name, else -x. Static storage. */
const char *args_opt_spelling(const struct args_opt *o);

/* Append the usage after the verb's name ("RUN [--comment TEXT]") to b. */
void args_usage(struct buf *b, const struct args_opt *opts, const struct args_pos *pos);

/*
 * Append the arguments' and options' help, one aligned line each, then
 * -h/--help's, to b.
 */
void args_help(struct buf *b, const struct args_opt *opts, const struct args_pos *pos);

#endif
