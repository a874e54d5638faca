/*
 * Running one check command (a template phase's `checks`, a repository's
 * devflow.json): the command in its own process group, in a directory,
 * its stdout and stderr together into a file capped in bytes, killed at its
 * timeout (SIGTERM to the group, then SIGKILL after a grace). It blocks
 * until the command ends, so the server runs it on a worker thread, never
 * on the loop; it touches nothing but its arguments and the files it names.
 */
#ifndef DEVFLOW_CHECKRUN_H
#define DEVFLOW_CHECKRUN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

/* The output kept in the file at most (bytes), when the spec says 0. */
#define CHECKRUN_DEFAULT_MAX_OUTPUT ((size_t)1 << 20)
/* How long a command has between SIGTERM and SIGKILL at its timeout. */
#define CHECKRUN_KILL_GRACE_MS 2000
/* The tail of the output a result carries (bytes, cut at a line start when it can). */
#define CHECKRUN_TAIL_MAX 2048

struct checkrun_spec {
	const char *const *argv; /* argv[0] is looked up in PATH; NULL-terminated */
	const char *cwd;
	const char *output_path; /* created or truncated, 0600 */
	int64_t timeout_ms;      /* > 0 */
	size_t max_output;       /* 0: CHECKRUN_DEFAULT_MAX_OUTPUT */
	int64_t kill_grace_ms;   /* 0: CHECKRUN_KILL_GRACE_MS (tests shorten it) */
	/* Optional: set nonzero from another thread to end the command now (shutdown). */
	const volatile int *cancel;
};

struct checkrun_result {
	int exit_code;       /* the exit status, or -1 when a signal ended it */
	int signal;          /* the signal that ended it, or 0 */
	int timed_out;       /* 1: killed at its timeout */
	int64_t duration_ms; /* from fork to reaped */
	size_t output_bytes; /* all it wrote, kept or not */
	int capped;          /* 1: output past max_output was dropped (the file says so) */
	char tail[CHECKRUN_TAIL_MAX + 1]; /* the last lines it wrote (kept part) */
};

/*
 * Run the command to its end or its timeout. Returns 0 with *res (a command
 * that cannot be executed ends with exit code 127 and says so in its
 * output), or -1 with err when it could not be run at all (the output file,
 * the pipe, fork). A passed check is exit_code 0 and not timed_out.
 */
int checkrun_exec(const struct checkrun_spec *spec, struct checkrun_result *res,
                  struct df_error *err);

/*
 * The rules of a `checks` array beyond its schema (template phases, phase
 * plans, devflow.json): names unique, cwd a plain relative path in the
 * worktree. 0, or -1 with where ("/checks/1/name", relative to the array's
 * owner) and why filled.
 */
int checkrun_rules(const cJSON *checks, char *where, size_t wlen, char *why, size_t ylen);

#endif
