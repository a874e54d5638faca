/*
 * The protocol server of a workspace (docs/protocol.md): it listens on
 * <workspace>/devflow.sock, accepts clients on the caller's poll loop, checks
 * their hello, answers their requests against the engine and the store
 * (start, ls, status, decide, pause, resume, report, events, sessions,
 * capture, key, paste, resize, hook, answer, subscribe, shutdown), pushes committed
 * run events to subscribers, and keeps subscribed clients in sync with agent
 * screens by state: per client and session a dirty-row set, filled when a
 * screen changes and drained into one frame per session when the client's
 * socket can take it, at most one frame per frame interval. A slow client
 * only accumulates dirty bits; it never makes the server queue screens
 * without bound nor stall other clients. A client that sends a bad frame is
 * closed with a logged reason; the others go on.
 *
 * The server owns its listener and its clients; the loop, the engine, the
 * store and the session lookup are borrowed (the runtime owns them).
 */
#ifndef DEVFLOW_SERVER_H
#define DEVFLOW_SERVER_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "agent/session.h"
#include "engine/engine.h"
#include "lib/error.h"
#include "lib/loop.h"
#include "store/store.h"

struct server;

/* An answer sent to a session's question: the choice's key and label, the question's text. */
struct server_answer {
	const char *choice, *label;
	char *question;
};

/* How the server reaches live agent sessions (the runtime's driver in production). */
struct server_session_ops {
	/* The live session with that id, or NULL when it has no process here. */
	struct session *(*get)(void *ctx, const char *session_id);
	/*
	 * An agent CLI hook fired for the session (`devflow hook EVENT` run by
	 * the agent): kind is the hook's event name; conversation the CLI's own
	 * conversation id and detail what the CLI said (a notification's
	 * message), each NULL when not given. Returns 0, or -1 with err. May be
	 * NULL (hooks are then refused with invalid_argument).
	 */
	int (*hook)(void *ctx, const char *session_id, const char *kind, const char *conversation,
	            const char *detail, struct df_error *err);
	/*
	 * A person (actor) answers the question the session asks with the answer
	 * whose key is choice: its keys are sent and session.answered recorded.
	 * Returns 0 with *out (out->question is the server's to free), or -1 with
	 * err. May be NULL (answers are then refused with invalid_argument).
	 */
	int (*answer)(void *ctx, const char *session_id, const char *choice, const char *actor,
	              struct server_answer *out, struct df_error *err);
	/*
	 * What screen detection says of the live session now ("busy", "idle",
	 * ...), or NULL; screen frames carry it. May be NULL.
	 */
	const char *(*state)(void *ctx, const char *session_id);
};

struct server_config {
	const char *workspace; /* copied; the socket is <workspace>/devflow.sock */
	struct loop *loop;     /* borrowed; must outlive the server */
	struct engine *engine; /* borrowed */
	struct store *store;   /* borrowed */
	const struct server_session_ops *sessions; /* borrowed; may be NULL (no live sessions) */
	void *sessions_ctx;
	int log_fd;            /* timestamped log lines go here (not closed); -1: none */
	int frame_interval_ms; /* minimum time between two screen frames to a client; 0: 33 */
	/*
	 * 1: the caller calls server_screen_changed on every change of a
	 * session's screen, so watched screens are checked only then; 0: they
	 * are checked once per frame interval while anyone watches a screen.
	 */
	int screen_notifications;
	/* Called once when a client asks the server to shut down (op "shutdown"); may be NULL. */
	void (*on_shutdown)(void *ctx);
	void *shutdown_ctx;
	/*
	 * Op "reload" (devflow reload): load the catalog again; 0 with *result
	 * (struct result_reload's JSON), or -1 with err (the old catalog stays).
	 * NULL: the op is refused.
	 */
	int (*on_reload)(void *ctx, cJSON **result, struct df_error *err);
	void *reload_ctx;
	/*
	 * Tests: called on the worker thread before each diff (to make one slow);
	 * it must touch nothing the loop owns. NULL in production.
	 */
	void (*diff_hook)(void *ctx);
	void *diff_hook_ctx;
};

/*
 * Listen on the workspace's socket (see sock_listen: take the workspace lock
 * first) and register on the loop. Returns the server (free with
 * server_free), or NULL with err (server_running, invalid_argument, io_error).
 */
struct server *server_new(const struct server_config *cfg, struct df_error *err);

/*
 * Stop accepting connections and close every client (flushing what their
 * sockets take without blocking), remove the socket file and free the
 * server. NULL is a no-op.
 */
void server_free(struct server *srv);

/* Stop accepting new connections (SIGTERM); clients already connected stay. */
void server_stop_listening(struct server *srv);

/* A run event was committed: push it to every client subscribed to its run. */
void server_push_event(struct server *srv, const struct store_event *ev);

/*
 * The screen of a session may have changed: at the next frame boundary the
 * server compares it with what subscribers last got and schedules frames for
 * the rows that differ. Cheap: call it on every output batch.
 */
void server_screen_changed(struct server *srv, const char *session_id);

/* Append one timestamped line to the log (printf-style). */
void server_log(struct server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Number of connected clients (tests). */
int server_client_count(const struct server *srv);

/*
 * The actor name recorded for a peer uid: the user name from the password
 * database, else "uid:N". Writes at most size bytes into out.
 */
void server_actor_name(uid_t uid, char *out, size_t size);

#endif
