/*
 * A client's frames in and out (tmux's server-client.c): requests read from
 * its socket, at most a few reads a turn so that one chatty client cannot
 * starve the rest, each handed to the dispatcher; replies, frames and pushed
 * events queued and written as the socket takes them; a client too slow to
 * drain its output, or that sends a bad frame, closed with the reason in the
 * log. A closed client is freed only outside any dispatch of its own.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "server-int.h"

/* A client whose unsent output passes this is closed as too slow (events only can grow it). */
#define MAX_BACKLOG (16u * 1024 * 1024)
/* Reads per readable client per loop turn, so one chatty client cannot starve the rest. */
#define READS_PER_TURN 4

/* ------------------------------------------------------------------------ */
/* Output */

void
srv_client_want_write(struct sclient *c)
{
	loop_fd_set(c->srv->loop, c->fd,
	            LOOP_READ | (proto_writer_pending(&c->wr) > 0 ? LOOP_WRITE : 0));
}

/* Write what the socket takes; 0, or -1 when the client was closed. */
int
srv_client_flush(struct sclient *c)
{
	struct df_error err;

	if (c->dead)
		return -1;
	if (proto_writer_flush(&c->wr, c->fd, &err) != 0) {
		srv_client_close(c, "write failed: %s", err.message);
		return -1;
	}
	if (proto_writer_pending(&c->wr) > MAX_BACKLOG) {
		srv_client_close(c, "too slow: %zu bytes unsent", proto_writer_pending(&c->wr));
		return -1;
	}
	srv_client_want_write(c);
	if (proto_writer_pending(&c->wr) == 0 && c->frame_timer == 0) {
		/* Frames held back while the socket was busy go out at the next boundary. */
		for (struct ssub *s = c->subs; s != NULL; s = s->next) {
			if (srv_sub_pending(s)) {
				uint64_t now = loop_now(c->srv->loop);
				uint64_t due = c->last_frame + (uint64_t)c->srv->frame_ms;

				c->frame_timer = loop_timer_add(
				    c->srv->loop, due > now ? due - now : 0, srv_frame_timer_cb, c);
				break;
			}
		}
	}
	return 0;
}

void
srv_client_queue(struct sclient *c, cJSON *msg)
{
	struct df_error err;

	if (proto_writer_queue(&c->wr, msg, &err) != 0) {
		/* Too large for a frame: tell the client instead of dropping silently. */
		cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");

		if (cJSON_IsNumber(id)) {
			cJSON *rep = proto_reply_error((uint64_t)id->valuedouble, &err);

			proto_writer_queue(&c->wr, rep, NULL);
			cJSON_Delete(rep);
		}
		server_log(c->srv, "client %u: message dropped: %s", c->serial, err.message);
	}
	cJSON_Delete(msg);
}

/* ------------------------------------------------------------------------ */
/* Lifetime */

/* End c's subscriptions (their screens unwatched) and its frame timer. */
static void
client_unsubscribe(struct sclient *c)
{
	while (c->subs != NULL) {
		struct ssub *s = c->subs;

		c->subs = s->next;
		srv_watch_unref(c->srv, s->session);
		srv_sub_free(s);
	}
	if (c->frame_timer != 0) {
		loop_timer_cancel(c->srv->loop, c->frame_timer);
		c->frame_timer = 0;
	}
}

void
srv_client_destroy(struct sclient *c)
{
	client_unsubscribe(c);
	for (size_t i = 0; i < c->nev_runs; i++)
		free(c->ev_runs[i]);
	free(c->ev_runs);
	proto_reader_free(&c->rd);
	proto_writer_free(&c->wr);
	free(c);
}

/* Unlink and free dead clients not inside a dispatch. */
void
srv_reap_clients(struct server *srv)
{
	for (struct sclient **pc = &srv->clients; *pc != NULL;) {
		struct sclient *c = *pc;

		if (c->dead && !c->in_dispatch) {
			*pc = c->next;
			srv_client_destroy(c);
		} else {
			pc = &c->next;
		}
	}
}

void
srv_client_close(struct sclient *c, const char *fmt, ...)
{
	char reason[1200];
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	server_log(c->srv, "client %u (pid %ld, uid %lu%s%s) closed: %s", c->serial,
	           (long)c->peer.pid, (unsigned long)c->peer.uid, c->name[0] ? ", " : "", c->name,
	           reason);
	loop_fd_remove(c->srv->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = 1;
	/* Subscriptions end now, so nothing else is sent or watched for it. */
	client_unsubscribe(c);
}

/* A bad frame: tell the client why (best effort), log, close. */
void
srv_client_reject(struct sclient *c, const struct df_error *e)
{
	cJSON *rep = proto_reply_error(0, e);

	proto_writer_queue(&c->wr, rep, NULL);
	cJSON_Delete(rep);
	proto_writer_flush(&c->wr, c->fd, NULL);
	srv_client_close(c, "%s", e->message);
}

int
server_client_count(const struct server *srv)
{
	int n = 0;

	for (const struct sclient *c = srv->clients; c != NULL; c = c->next)
		if (!c->dead)
			n++;
	return n;
}

/* ------------------------------------------------------------------------ */
/* Input */

static void
client_readable(struct sclient *c)
{
	struct df_error err;
	struct proto_msg m;
	int eof = 0;

	for (int i = 0; i < READS_PER_TURN && !eof; i++) {
		enum proto_io io = proto_reader_read(&c->rd, c->fd, &err);

		if (io == PROTO_IO_ERROR) {
			srv_client_close(c, "read failed: %s", err.message);
			return;
		}
		if (io == PROTO_IO_AGAIN)
			break;
		if (io == PROTO_IO_EOF)
			eof = 1;
	}
	for (;;) {
		int r = proto_reader_pop(&c->rd, &m, &err);

		if (r < 0) {
			srv_client_reject(c, &err);
			return;
		}
		if (r == 0)
			break;
		r = srv_dispatch(c, &m);
		proto_msg_clear(&m);
		if (r < 0 || c->dead)
			return;
	}
	if (eof) {
		if (proto_reader_eof(&c->rd, &err) != 0)
			srv_client_close(c, "%s", err.message);
		else
			srv_client_close(c, "disconnected");
	}
}

void
srv_client_io(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct sclient *c = arg;
	struct server *srv = c->srv;

	(void)loop;
	(void)fd;
	c->in_dispatch = 1;
	if (events & LOOP_WRITE) {
		if (srv_client_flush(c) == 0 && proto_writer_pending(&c->wr) == 0)
			srv_client_pump(c, 0);
	}
	if (!c->dead && (events & (LOOP_READ | LOOP_HUP)))
		client_readable(c);
	c->in_dispatch = 0;
	srv_reap_clients(srv);
}

/* ------------------------------------------------------------------------ */
/* Events */

void
server_push_event(struct server *srv, const struct store_event *ev)
{
	cJSON *msg = cJSON_CreateObject();
	unsigned char *frame;
	size_t len;
	struct df_error err;

	cJSON_AddStringToObject(msg, "type", "event");
	cJSON_AddItemToObject(msg, "event", srv_event_json(ev));
	frame = proto_encode(msg, &len, &err);
	cJSON_Delete(msg);
	if (frame == NULL) {
		server_log(srv, "event %s/%lld not pushed: %s", ev->run_id, (long long)ev->seq,
		           err.message);
		return;
	}
	for (struct sclient *c = srv->clients; c != NULL; c = c->next) {
		int want = c->ev_all;

		if (c->dead || !c->hello)
			continue;
		for (size_t i = 0; !want && i < c->nev_runs; i++)
			want = strcmp(c->ev_runs[i], ev->run_id) == 0;
		if (!want)
			continue;
		proto_writer_queue_frame(&c->wr, frame, len);
		srv_client_flush(c);
	}
	free(frame);
	/* No reap here: the caller may be inside a client's dispatch. */
}
