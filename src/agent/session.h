/*
 * An agent session: one program running in a pseudo-terminal, its output
 * read without blocking into a screen model (screen.h) and appended to a raw
 * transcript file, its input written from keys, pastes and raw bytes, and
 * its life ended by SIGTERM, a grace period, then SIGKILL. Everything runs
 * on the caller's loop (loop.h); the session reports through callbacks only
 * and knows nothing of the engine or the server.
 */
#ifndef DEVFLOW_SESSION_H
#define DEVFLOW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/loop.h"
#include "screen.h"

struct session;

struct session_config {
	const char *const *argv; /* argv[0] is looked up in PATH; NULL-terminated */
	const char *cwd;         /* the child's working directory; NULL keeps ours */
	/*
	 * "NAME=value" entries added to (or replacing in) the environment, and
	 * "NAME" entries (no "=") removing NAME from it; NULL-terminated or NULL.
	 */
	const char *const *env;
	int rows, cols;              /* 0 means 24 x 80 */
	const char *transcript_path; /* raw output, created or truncated; NULL for none */
	size_t scrollback;           /* lines; 0 means 10000 */
	size_t scrollback_bytes;     /* its memory bound; 0 means 4 MiB */
	unsigned grace_ms;           /* SIGTERM to SIGKILL; 0 means 5000 */
	size_t read_budget;          /* bytes read per loop turn; 0 means 64 KiB */
};

struct session_exit {
	bool signaled;    /* killed by a signal */
	int code;         /* exit status when !signaled */
	int signo;        /* the signal when signaled */
	bool killed;      /* we had to send SIGKILL after the grace period */
	char reason[256]; /* human description, e.g. "exited with status 1" */
};

struct session_ops {
	/* New output was processed; the screen has damage to read. */
	void (*output)(struct session *s, void *arg);
	/* The program set its title. */
	void (*title)(struct session *s, const char *title, void *arg);
	/* The program ended and its output is drained; called once. The session may be freed here.
	 */
	void (*exited)(struct session *s, const struct session_exit *ex, void *arg);
};

/*
 * Start cfg->argv in a new pseudo-terminal. The child gets our environment
 * minus the git repository variables (GIT_DIR, GIT_WORK_TREE, ...), LINES
 * and COLUMNS, with TERM=xterm-256color and cfg->env on top, default signal
 * dispositions and an empty signal mask. Registers on loop (a SIGCHLD
 * watch: the loop must be the process's signal loop). Returns the session,
 * or NULL with DF_E_SESSION_FAILED in err when the terminal, the transcript,
 * the working directory or the exec fails (the message says which and why;
 * a program that cannot be executed has exited 127 and been reaped). The
 * caller frees with session_free().
 */
struct session *session_spawn(struct loop *loop, const struct session_config *cfg,
                              const struct session_ops *ops, void *arg, struct df_error *err);

/*
 * Free the session. A still-running program is sent SIGKILL (process group)
 * and reaped without waiting for the loop; no callback is called.
 */
void session_free(struct session *s);

/* The screen; owned by the session. */
struct screen *session_screen(struct session *s);

pid_t session_pid(const struct session *s);
bool session_running(const struct session *s);
/* The exit record; NULL until the exited callback has run. */
const struct session_exit *session_exit_status(const struct session *s);

/* Queue raw bytes for the program. Returns 0, or -1 (DF_E_SESSION_FAILED) once it has gone. */
int session_write(struct session *s, const void *bytes, size_t len, struct df_error *err);

/* Paste text (bracketed when the program asked for it; see screen_paste). */
int session_paste(struct session *s, const char *text, size_t len, struct df_error *err);

/* A named key or a character with modifiers (see screen_key and screen_char). */
int session_key(struct session *s, const char *name, unsigned mods, struct df_error *err);
int session_char(struct session *s, uint32_t codepoint, unsigned mods, struct df_error *err);

/* A tmux send-keys style list (see screen_send_keys). */
int session_send_keys(struct session *s, const char *spec, struct df_error *err);

/* Resize the screen and the terminal (the program gets SIGWINCH). */
void session_resize(struct session *s, int rows, int cols);

/*
 * Ask the program to end: SIGTERM to its process group, then SIGKILL once
 * cfg->grace_ms have passed if it has not exited. Idempotent.
 */
void session_stop(struct session *s);

/* Bytes written to the transcript so far. */
size_t session_transcript_bytes(const struct session *s);

#endif
