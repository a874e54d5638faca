/*
 * The protocol server (see server.h), as tmux's server.c: the listener that
 * accepts clients on the poll loop, the log, and the server's lifetime. Its
 * other jobs have their files, sharing server-int.h: server-client.c a
 * client's frames in and out and the event pushes; server-ops.c the request
 * dispatcher and one function an op; server-job.c the ops on a run's
 * worktree (diff on the worker thread, artifact); server-screen.c the
 * screens kept in sync with their subscribers; server-history.c an agent
 * terminal's history, read by range and searched; server-fn.c what the ops
 * share (arguments, names by prefix, events as JSON).
 */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "proto/proto.h"
#include "proto/sock.h"
#include "server.h"
#include "server-int.h"

#define DEFAULT_FRAME_MS 33
/* Threads for slow jobs (diffs): two diffs may run while a third waits. */
#define WORKER_THREADS 2

/* ------------------------------------------------------------------------ */
/* Log */

void
server_log(struct server *srv, const char *fmt, ...)
{
	char ts[STORE_TS_MAX];
	struct buf b = BUF_INIT;
	va_list ap;
	char line[2048];

	if (srv == NULL || srv->log_fd < 0)
		return;
	store_now(ts);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_printf(&b, "%s [%ld] %s\n", ts, (long)getpid(), line);
	if (write(srv->log_fd, b.data, b.len) < 0) {
		/* Nowhere left to report it. */
	}
	buf_free(&b);
}

void
server_actor_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
	    res->pw_name != NULL && res->pw_name[0] != '\0')
		snprintf(out, size, "%s", res->pw_name);
	else
		snprintf(out, size, "uid:%lu", (unsigned long)uid);
}

/* ------------------------------------------------------------------------ */
/* Listener */

static void
listener_io(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct server *srv = arg;

	(void)events;
	for (int i = 0; i < 16; i++) {
		struct sock_peer peer;
		struct df_error err;
		struct sclient *c;
		int cfd, r = sock_accept(fd, &cfd, &peer, &err);

		if (r < 0) {
			server_log(srv, "accept failed: %s", err.message);
			return;
		}
		if (r == 0)
			return;
		c = xcalloc(1, sizeof(*c));
		c->srv = srv;
		c->serial = ++srv->next_serial;
		c->fd = cfd;
		c->peer = peer;
		server_actor_name(peer.uid, c->actor, sizeof(c->actor));
		proto_reader_init(&c->rd, PROTO_TO_SERVER);
		proto_writer_init(&c->wr);
		if (loop_fd_add(loop, cfd, LOOP_READ, srv_client_io, c, &err) != 0) {
			server_log(srv, "cannot watch client: %s", err.message);
			close(cfd);
			srv_client_destroy(c);
			continue;
		}
		c->next = srv->clients;
		srv->clients = c;
		server_log(srv, "client %u connected (pid %ld, uid %lu, %s)", c->serial,
		           (long)peer.pid, (unsigned long)peer.uid, c->actor);
	}
}

/* ------------------------------------------------------------------------ */
/* Lifetime */

struct server *
server_new(const struct server_config *cfg, struct df_error *err)
{
	struct server *srv;

	if (cfg->workspace == NULL || cfg->loop == NULL || cfg->engine == NULL ||
	    cfg->store == NULL) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "server: workspace, loop, engine and store are required");
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->workspace = xstrdup(cfg->workspace);
	srv->loop = cfg->loop;
	srv->engine = cfg->engine;
	srv->store = cfg->store;
	srv->sops = cfg->sessions;
	srv->sctx = cfg->sessions_ctx;
	srv->log_fd = cfg->log_fd;
	srv->frame_ms = cfg->frame_interval_ms > 0 ? cfg->frame_interval_ms : DEFAULT_FRAME_MS;
	srv->notify = cfg->screen_notifications;
	srv->on_shutdown = cfg->on_shutdown;
	srv->shutdown_ctx = cfg->shutdown_ctx;
	srv->on_reload = cfg->on_reload;
	srv->reload_ctx = cfg->reload_ctx;
	srv->diff_hook = cfg->diff_hook;
	srv->diff_hook_ctx = cfg->diff_hook_ctx;
	srv->listener.fd = -1;
	if ((srv->worker = worker_new(srv->loop, WORKER_THREADS, err)) == NULL) {
		free(srv->workspace);
		free(srv);
		return NULL;
	}
	if (sock_listen(cfg->workspace, &srv->listener, err) != 0) {
		worker_free(srv->worker);
		free(srv->workspace);
		free(srv);
		return NULL;
	}
	if (loop_fd_add(srv->loop, srv->listener.fd, LOOP_READ, listener_io, srv, err) != 0) {
		worker_free(srv->worker);
		sock_listener_close(&srv->listener);
		free(srv->workspace);
		free(srv);
		return NULL;
	}
	srv->listening = 1;
	server_log(srv, "listening on %s", srv->listener.path);
	return srv;
}

void
server_stop_listening(struct server *srv)
{
	if (srv == NULL || !srv->listening)
		return;
	loop_fd_remove(srv->loop, srv->listener.fd);
	sock_listener_close(&srv->listener);
	srv->listening = 0;
	server_log(srv, "stopped accepting connections");
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	/* Diffs still running finish first; their replies are dropped. */
	worker_free(srv->worker);
	server_stop_listening(srv);
	for (struct sclient *c = srv->clients; c != NULL; c = c->next) {
		if (!c->dead) {
			proto_writer_flush(&c->wr, c->fd, NULL);
			srv_client_close(c, "server shutting down");
		}
		c->in_dispatch = 0;
	}
	srv_reap_clients(srv);
	while (srv->watches != NULL) {
		struct watch *w = srv->watches;

		srv->watches = w->next;
		srv_watch_free(w);
	}
	if (srv->tick_timer != 0)
		loop_timer_cancel(srv->loop, srv->tick_timer);
	free(srv->workspace);
	free(srv);
}
