/*
 * What the files of the protocol server share, and nothing outside
 * src/server/ includes (the public API is server.h): the server, its clients,
 * their screen subscriptions and the request being answered, and the
 * helpers one of the server's files defines for the others, by file (the
 * files and their jobs are listed atop server.c).
 */
#ifndef DEVFLOW_SERVER_INT_H
#define DEVFLOW_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/loop.h"
#include "proto/proto.h"
#include "proto/result.h"
#include "proto/sock.h"
#include "store/store.h"
#include "server.h"

/* A client's subscription to one session's screen: what its next frame holds. */
struct ssub {
	char *session;
	unsigned char *dirty; /* one bit per row */
	int rows;
	int full; /* the next frame is a snapshot */
	int meta; /* cursor or title changed */
	struct ssub *next;
};

/* A connected client; dead ones are freed by reap_clients outside any dispatch. */
struct sclient {
	struct server *srv;
	unsigned serial;
	int fd;
	struct sock_peer peer;
	char actor[64];
	char name[128];
	int hello;
	struct proto_reader rd;
	struct proto_writer wr;
	int ev_all;
	char **ev_runs;
	size_t nev_runs;
	struct ssub *subs;
	uint64_t last_frame;
	uint64_t frame_timer;
	int in_dispatch;
	int dead;
	struct sclient *next;
};

/* A screen someone subscribes to, as its rows were last compared (hashes). */
struct watch {
	char *session;
	int changed; /* told so by server_screen_changed, not checked yet */
	int rows, cols;
	uint64_t *hash;
	const struct screen *screen; /* whose damage the hashes follow */
	int crow, ccol, cvis;
	char *title;
	char *state; /* what detection said at the last check, or NULL */
	int refs;
	struct watch *next;
};

struct server {
	char *workspace;
	struct loop *loop;
	struct engine *engine;
	struct store *store;
	const struct server_session_ops *sops;
	void *sctx;
	int log_fd;
	int frame_ms;
	void (*on_shutdown)(void *ctx);
	void *shutdown_ctx;
	int (*on_reload)(void *ctx, cJSON **result, struct df_error *err);
	void *reload_ctx;
	struct sock_listener listener;
	int listening;
	struct sclient *clients;
	unsigned next_serial;
	struct watch *watches;
	uint64_t tick_timer;
	uint64_t last_tick;
	int notify;            /* the caller reports every screen change: no periodic tick */
	struct worker *worker; /* diffs run here, off the loop */
	void (*diff_hook)(void *ctx);
	void *diff_hook_ctx;
};

/* Every session row of every run, in run then creation order. */
struct sess_list {
	struct store_session *v;
	size_t n;
};

/* A request being answered, as the op functions get it. */
struct op_ctx {
	struct server *srv;
	struct sclient *c;
	uint64_t id; /* the request's, for a reply sent later */
	const char *op;
	const cJSON *args;
	/* After the reply: */
	char *snapshot; /* send this session's snapshot */
	int shutdown;
};

/* ---- server-fn.c: what the ops share ------------------------------------- */

/*
 * args.name of op: absent (or null) gives NULL, def or 0; the wrong type, a
 * required string missing or empty, or an integer outside lo..hi is -1 with
 * invalid_argument naming "op.name".
 */
int srv_arg_str(const char *op, const cJSON *args, const char *name, int required, const char **out,
                struct df_error *err);
int srv_arg_int(const char *op, const cJSON *args, const char *name, long long lo, long long hi,
                long long def, long long *out, struct df_error *err);
int srv_arg_bool(const char *op, const cJSON *args, const char *name, int *out,
                 struct df_error *err);
/* The run named (by prefix) in the request's required args.run. */
int srv_arg_run(struct op_ctx *x, char run_id[DF_ID_MAX], struct df_error *err);

int srv_pick_unique(const char *kind, const char *prefix, char **ids, size_t n, char out[DF_ID_MAX],
                    enum df_code none_code, struct df_error *err);
int srv_resolve_run(struct server *srv, const char *prefix, char out[DF_ID_MAX],
                    struct df_error *err);
int srv_all_sessions(struct server *srv, const char *run_id, struct sess_list *out,
                     struct df_error *err);
/* The live session with that full id, or NULL. */
struct session *srv_live_session(struct server *srv, const char *id);
/* What detection says of the live session id now, or NULL (sops->state). */
const char *srv_live_state(struct server *srv, const char *id);
int srv_resolve_session(struct server *srv, const char *prefix, char out[DF_ID_MAX],
                        struct df_error *err);
struct session *srv_need_live_session(struct server *srv, const char *name, char id_out[DF_ID_MAX],
                                      struct df_error *err);
/* A run event as the protocol sends it (the caller frees it). */
cJSON *srv_event_json(const struct store_event *ev);

/* ---- server-client.c: a client's frames in and out ----------------------- */

/* Watch the client's socket for writing too while it has output queued. */
void srv_client_want_write(struct sclient *c);
/* Write what the socket takes; 0, or -1 when the client was closed. */
int srv_client_flush(struct sclient *c);
/* Queue msg (freed) for the client; one too large for a frame becomes an error reply. */
void srv_client_queue(struct sclient *c, cJSON *msg);
/* Free a client (unlinked, or never linked). */
void srv_client_destroy(struct sclient *c);
/* Unlink and free dead clients not inside a dispatch. */
void srv_reap_clients(struct server *srv);
/* Close the client's socket and end its subscriptions, logging why; freed later by reap_clients. */
void srv_client_close(struct sclient *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A bad frame: tell the client why (best effort), log, close. */
void srv_client_reject(struct sclient *c, const struct df_error *e);
/* The loop's callback for a client's socket (arg: the client). */
void srv_client_io(struct loop *loop, int fd, unsigned events, void *arg);

/* ---- server-ops.c: the request dispatcher and the ops -------------------- */

/* One request; returns -1 when the client was closed. */
int srv_dispatch(struct sclient *c, const struct proto_msg *m);

/* ---- server-screen.c: screens kept in sync with subscribers -------------- */

/* A screen message for session sid: every non-blank row (full) or the dirty ones. */
cJSON *srv_screen_frame(const char *sid, struct screen *scr, const char *state, int full,
                        const unsigned char *dirty);
struct screen_row;
/* Append a screen model's row (its spans) to pr as the protocol's spans. */
void srv_row_spans(struct proto_row *pr, const struct screen_row *row);
/* A subscription's dirty set for a screen of rows rows; its next frame is a snapshot. */
void srv_sub_resize(struct ssub *s, int rows);
void srv_sub_free(struct ssub *s);
/* Whether the subscription has something to send. */
int srv_sub_pending(const struct ssub *s);
/* The client's frame interval has passed: send what is pending. */
void srv_frame_timer_cb(struct loop *loop, void *arg);
/*
 * Send frames for dirty subscriptions when the socket has drained and the
 * frame interval has passed (force: now, e.g. the snapshot after subscribe).
 */
void srv_client_pump(struct sclient *c, int force);
/* A subscriber starts or stops watching session sid's screen. */
void srv_watch_ref(struct server *srv, const char *sid);
void srv_watch_unref(struct server *srv, const char *sid);
/* Free a watch taken off srv->watches. */
void srv_watch_free(struct watch *w);

/* ---- server-history.c: an agent terminal's history ---------------------- */

/* history: lines of a session's history and screen; history-search: find a text in them. */
int srv_op_history(struct op_ctx *x, cJSON **result, struct df_error *err);
int srv_op_history_search(struct op_ctx *x, cJSON **result, struct df_error *err);

/* ---- server-job.c: the ops on a run's worktree --------------------------- */

/* diff: 1 when the job was submitted (the reply comes later), or -1 with err. */
int srv_op_diff(struct op_ctx *x, cJSON **result, struct df_error *err);
int srv_op_artifact(struct op_ctx *x, cJSON **result, struct df_error *err);

/* ---- server-land.c: land and clean, git work on the worker thread -------- */

int srv_op_land(struct op_ctx *x, cJSON **result, struct df_error *err);
int srv_op_clean(struct op_ctx *x, cJSON **result, struct df_error *err);

/* ---- server-catalog.c: what the catalog offers a new run ------------------- */

/* backends: the catalog's backends, which are available, and a template's roles. */
int srv_op_backends(struct op_ctx *x, cJSON **result, struct df_error *err);

#endif
