/*
 * Run a command to completion, blocking: its standard input fed from a
 * string, its standard output and error captured together (capped), its
 * environment the process's plus some variables, its time bounded. For
 * work off the loop (a worker thread): notification commands, `gh`. No
 * shell: argv is executed as given (a PATH search for argv[0]).
 *
 * The child gets a process group of its own, so a timeout kills what it
 * started too (SIGKILL to the group), an empty signal mask (worker threads
 * block every signal), and none of the git variables gitenv filters.
 */
#ifndef DEVFLOW_SPAWN_H
#define DEVFLOW_SPAWN_H

#include <stddef.h>

#include "error.h"

struct spawn_opts {
	const char *const *argv; /* NULL-terminated; argv[0] searched in PATH */
	const char *cwd;         /* NULL: the current directory */
	const char *const *env;  /* "NAME=value" added (replacing), NULL-terminated, or NULL */
	const char *input;       /* standard input (NULL: empty) */
	size_t input_len;
	int timeout_ms;    /* > 0 */
	size_t max_output; /* bytes of output kept (more is read and dropped) */
};

struct spawn_result {
	int status;    /* the exit code, 128 + signal when killed, -1 when it never ran */
	int timed_out; /* killed at the timeout */
	char *output;  /* standard output and error, at most max_output bytes; free */
};

/*
 * Run the command and wait for it (at most timeout_ms, then SIGKILL to its
 * group). Returns 0 with r filled whatever the exit status; -1 with err
 * (io_error) when it could not be started: argv[0] not found or not
 * executable (the message names it and says so), a failed fork or pipe.
 */
int spawn_run(const struct spawn_opts *o, struct spawn_result *r, struct df_error *err);

#endif
