/*
 * The session driver: the engine's struct engine_session_ops over real agent
 * sessions (session.h) on one loop, with a detector (detect.h) per session
 * built from the backend's definition (devflow/backend@1). It turns what the
 * detector sees (idle, busy, needs input) and how the program ends into
 * engine_session_event calls, delivers instructions as the backend wants
 * them (a bracketed paste once the agent is ready, or a new process with the
 * text in its argv), and lets the server find a session to show its screen,
 * send it keys or resize it. A CLI hook (Claude Code's Stop and
 * Notification, Codex's notify) reports through driver_hook; once a session
 * has been heard from by hook, its screen patterns no longer report idle,
 * busy or needs input: a hook beats a pattern.
 *
 * Prompt modes:
 * - paste: start spawns the program; send waits until the agent is idle,
 *   pastes, presses Enter and checks the input line (detect_send_prompt).
 *   Instructions sent while one is in flight wait their turn.
 * - argv: start only checks and records; the first send runs the program
 *   with "{prompt}" in its argv replaced by the text. While that process
 *   runs, further instructions are pasted as in paste mode (interactive
 *   CLIs that take a first prompt on the command line). A process that
 *   exits 0 has finished its turn: that is reported as idle, the session
 *   stays alive, and the next instruction starts a new process with the
 *   text in its argv (one-shot CLIs). Any other exit is the session's exit.
 *   The first process's transcript is the engine's path; process n > 1
 *   appends ".<n>" to it.
 *
 * Every child gets DEVFLOW_SESSION_ID and DEVFLOW_RUN_ID (and
 * DEVFLOW_WORKSPACE when the options name one) in its environment, so a
 * hook command run by the agent CLI (`devflow hook idle`, ...) can find the
 * server and say which session it speaks for.
 *
 * Before a session's first process starts, the backend's argv, configFiles
 * and hooks are prepared as docs/backends.md says: "{worktree}" (the
 * session's working directory) and "{devflow}" (the devflow program's
 * absolute path) are replaced in argv, in configFiles paths, keys and string
 * values, and in hooks; configFiles are merged into the CLI's own
 * configuration files ("~/" is the agent's HOME: the backend's env HOME, else
 * the driver's); and, when the driver's options say hooks are received,
 * hooks.argv is appended to argv and hooks.configFiles merged too (agentcfg.h).
 * A configuration file that cannot be merged fails the start.
 *
 * Resuming: when the spec names a conversation (resume_conversation) and the
 * backend has "resume", the session's processes run the backend's
 * resume.argv ("{conversation}" replaced) appended to argv, or instead of it
 * when resume.replace is true; hooks.argv follows either. When a resumed
 * process exits non-zero within 10 s of its start (the CLI does not know the
 * conversation, or refuses the flag), the session is started afresh once,
 * without resume, and the instructions the resumed process had taken are
 * delivered again, first; the engine is told (engine_session_resume_failed)
 * instead of the exit. A resumed process that runs longer, or exits 0, has
 * resumed.
 */
#ifndef DEVFLOW_DRIVER_H
#define DEVFLOW_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/detect.h"
#include "agent/session.h"
#include "engine/engine.h"
#include "lib/error.h"
#include "lib/loop.h"

struct driver;

struct driver_options {
	int rows, cols;    /* terminal size of new sessions; 0 means 24 x 80 */
	unsigned grace_ms; /* SIGTERM to SIGKILL on stop; 0 means 5000 */
	/* Exited sessions kept for their last screen (oldest freed first); 0 means 16. */
	size_t keep_exited;
	/* Given to every child as DEVFLOW_WORKSPACE (so `devflow hook` finds the server); may be
	 * NULL. */
	const char *workspace;
	/*
	 * Whoever runs the driver receives `devflow hook` (the server does): the
	 * backend's hooks (hooks.argv appended to argv, hooks.configFiles merged)
	 * are applied. false: they are not, and screen patterns alone report.
	 */
	bool hooks;
	/* What "{devflow}" stands for; NULL means paths_bin_dir()/devflow. */
	const char *devflow_bin;
};

/*
 * A driver on loop (borrowed; it must be the process's signal loop). opts may
 * be NULL for the defaults. The engine is attached later with
 * driver_set_engine, because the engine is created with the driver's ops.
 * Free with driver_free.
 */
struct driver *driver_new(struct loop *loop, const struct driver_options *opts);

/*
 * Attach (or, with NULL, detach) the engine that session events go to.
 * While detached, nothing is reported (used when the server shuts down:
 * sessions that die with the server are recovered by the next one).
 */
void driver_set_engine(struct driver *d, struct engine *e);

/* The engine_session_ops to pass to engine_new, with the driver as session_ctx. */
extern const struct engine_session_ops driver_engine_ops;

/*
 * Stop every running session (SIGTERM, grace, SIGKILL) with the engine
 * detached, and run the loop until they have all ended or timeout_ms has
 * passed (then they are killed). Returns the number of sessions that had
 * to be killed when the time ran out.
 */
size_t driver_shutdown(struct driver *d, unsigned timeout_ms);

/* Free the driver; sessions still running are killed (session_free). NULL is a no-op. */
void driver_free(struct driver *d);

/*
 * The session with this id (for screen snapshots, keys, resize): its
 * current process, or the last one when it has ended (its final screen
 * stays readable until the entry is evicted past keep_exited). NULL when
 * unknown or (argv mode) before the first instruction. Owned by the
 * driver: valid until control returns to the loop.
 */
struct session *driver_session(struct driver *d, const char *session_id);

/*
 * What the session's screen detection says now ("starting", "busy",
 * "idle", "needs_input"), or NULL for an unknown or ended session (static
 * strings).
 */
const char *driver_session_state(struct driver *d, const char *session_id);

struct driver_session_info {
	char *id, *run_id, *phase_id, *role_id, *backend;
	enum detect_state state; /* what the session looks like now */
	bool running;            /* a process is running */
	bool hooked;             /* a hook has reported for it */
	pid_t pid;               /* 0 when no process */
	int exit_status;         /* -1 until it ended; else the status (128 + signal) */
	char *resumed;           /* the conversation it was started resuming, or NULL */
	bool resume_failed;      /* that failed, and it was started afresh */
};

/*
 * The sessions the driver knows (live ones and the last exited ones), oldest
 * first. *out (free with driver_sessions_free) and *n.
 */
void driver_sessions_list(struct driver *d, struct driver_session_info **out, size_t *n);
void driver_sessions_free(struct driver_session_info *list, size_t n);

enum driver_hook_kind {
	DRIVER_HOOK_IDLE,        /* the agent finished its turn (Claude Code Stop, Codex notify) */
	DRIVER_HOOK_BUSY,        /* the agent took a prompt (UserPromptSubmit) */
	DRIVER_HOOK_NEEDS_INPUT, /* the agent waits for a person (Notification) */
};

/* "idle", "busy", "needs-input" (or "needs_input"). 0 and *out, or -1 for an unknown name. */
int driver_hook_kind_parse(const char *name, enum driver_hook_kind *out);

/*
 * A CLI hook reports for a session: the report goes to the engine at once
 * and, from now on, the session's screen patterns report only its exit.
 * detail is the question for needs_input (NULL: the last lines of the
 * screen). Returns 0, or -1 with err: invalid_argument for an unknown
 * session, session_failed for one that has ended.
 */
int driver_hook(struct driver *d, const char *session_id, enum driver_hook_kind kind,
                const char *detail, struct df_error *err);

/* An answer sent (driver_answer): borrowed from the session's backend, question owned. */
struct driver_answer {
	const char *choice, *label; /* the answer's key and label */
	char *question;             /* the question's text; the caller frees */
};

/*
 * A person answers the question session_id asks: the answer of the
 * backend's question on screen (screen.questions) whose key is choice has
 * its keys sent, the session stops waiting for a person at once (the
 * detector looks at the screen afresh; a question asked again is reported
 * again), and the engine records session.answered with actor. Returns 0
 * with *out, or -1 with err: session_not_found (not in this server),
 * session_failed (ended), run_state_changed (not asking now: answered,
 * or gone on; a question whose dialog redraws is still asking),
 * invalid_argument (a question with no declared answers, or no answer with
 * that key: the message lists them).
 */
int driver_answer(struct driver *d, const char *session_id, const char *choice, const char *actor,
                  struct driver_answer *out, struct df_error *err);

enum driver_change {
	DRIVER_OUTPUT, /* new output: the screen has damage */
	DRIVER_STATE,  /* the detected state changed */
	DRIVER_EXITED, /* the process ended */
};

/*
 * One observer (the server) told about every session's output, state
 * changes and exits, after the engine has been told. cb NULL removes it.
 */
typedef void driver_change_cb(struct driver *d, const char *session_id, enum driver_change what,
                              void *ctx);
void driver_on_change(struct driver *d, driver_change_cb *cb, void *ctx);

#endif
