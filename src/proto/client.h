/*
 * The protocol client used by the CLI verbs and the TUI. It connects to the
 * server of a workspace, starting one in the background when none runs (as
 * tmux does: fork, setsid, exec `<the running devflow's path> server
 * --workspace W` with stdio on /dev/null, then retry the connection with
 * backoff), and says hello. Then:
 *
 * - synchronous calls (client_call): send a request, wait for the reply with
 *   its id; events, screens and other replies that arrive meanwhile are
 *   queued, never lost;
 * - non-blocking use (the TUI): poll client_fd() for client_poll_events(),
 *   hand the revents to client_handle(), take messages with client_pop(),
 *   send requests with client_send().
 *
 * The client owns its socket and every queued message.
 */
#ifndef DEVFLOW_CLIENT_H
#define DEVFLOW_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "lib/error.h"
#include "proto.h"

struct client;

struct client_opts {
	const char *workspace;  /* required; made absolute before use */
	const char *name;       /* sent in hello, e.g. "devflow-cli 0.1.0"; NULL: "devflow" */
	int autostart;          /* start a server when none is listening */
	const char *server_exe; /* what autostart runs; NULL: paths_self_exe() */
	int start_timeout_ms;   /* how long a started server may take to listen; 0: 5000 */
	int call_timeout_ms;    /* client_call's limit; 0: wait as long as it takes */
	int server_uid_set;     /* 1: the server must run as server_uid (--server-uid) */
	uid_t server_uid;       /* else as the invoking user (getuid) */
};

/*
 * Connect to the workspace's server (starting it when o->autostart and none
 * is listening) and do the hello handshake. Nothing is sent before the
 * trust check: the workspace directory and its socket must belong to the
 * expected uid (o->server_uid, else the invoking user) and so must the
 * process answering on the socket (SO_PEERCRED); a server is started only
 * in a workspace of the invoking user's own. Returns a client the caller
 * frees with client_free, or NULL with err: workspace_permissions (the
 * workspace, the socket or the server belongs to another uid; the
 * workspace cannot be created), io_error (the workspace cannot be
 * examined), server_unavailable (nothing listening and no autostart, the
 * server could not be started, exited early, or did not listen in time),
 * invalid_argument (socket path too long), protocol_error (handshake
 * failed, e.g. another protocol version).
 */
struct client *client_connect(const struct client_opts *o, struct df_error *err);

/*
 * A client over an already connected socket (taken over: closed by
 * client_free, or here on failure); says hello like client_connect.
 * call_timeout_ms as in client_opts.
 */
struct client *client_open_fd(int fd, const char *name, int call_timeout_ms, struct df_error *err);

/*
 * Close the connection and free everything queued. NULL is fine. Like
 * client_connect, it also reaps a server this process started that has
 * exited as its child (when the process is a container's PID 1 or a child
 * subreaper, the double-forked server is reparented to it).
 */
void client_free(struct client *c);

/* The server's pid from the hello reply. */
pid_t client_server_pid(const struct client *c);

/* 1 when client_connect started the server, else 0. */
int client_started_server(const struct client *c);

/*
 * Send request op with args (not consumed; NULL for none) and wait for its
 * reply. Returns 0 with *result set to the reply's result (the caller
 * cJSON_Deletes it; JSON null when the server sent none; pass result NULL
 * to drop it), or -1 with err: the server's error object as sent
 * (class, code, message, hint, run_id, phase_id), or a local failure —
 * server_unavailable (connection lost, call timed out) or protocol_error
 * (the server sent a bad frame). After a local failure the client is dead:
 * every later call fails the same way.
 */
int client_call(struct client *c, const char *op, const cJSON *args, cJSON **result,
                struct df_error *err);

/*
 * Queue request op with args (not consumed; NULL for none) without waiting;
 * its reply arrives through client_pop with this id. Writes what the socket
 * takes now; the rest goes out from client_handle. Returns 0 with *id (when
 * not NULL), or -1 with err.
 */
int client_send(struct client *c, const char *op, const cJSON *args, uint64_t *id,
                struct df_error *err);

/* The socket to poll. */
int client_fd(const struct client *c);

/* The poll events to wait for: POLLIN, plus POLLOUT while output is pending. */
short client_poll_events(const struct client *c);

/*
 * Act on poll's revents for client_fd(): flush pending output, read and
 * decode what arrived into the queue. Returns 0, or -1 with err when the
 * connection is lost or the server sent a bad frame (the client is dead).
 */
int client_handle(struct client *c, short revents, struct df_error *err);

/*
 * Take the oldest queued message (an event, a screen, or the reply to a
 * client_send) in arrival order. Returns 1 with *msg filled (the caller
 * clears it with proto_msg_clear), 0 when the queue is empty.
 */
int client_pop(struct client *c, struct proto_msg *msg);

/* Messages waiting in the queue. */
size_t client_queued(const struct client *c);

#endif
