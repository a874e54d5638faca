/*
 * The test server's poll loop (see echo_server.h): one non-blocking reader
 * and writer per connection, as the real server will have.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "proto/proto.h"
#include "proto/sock.h"
#include "echo_server.h"

#define MAX_CONNS 32

struct conn {
	int fd;
	int hello;
	int closing; /* close once the output is flushed */
	struct proto_reader rd;
	struct proto_writer wr;
};

static void
send_msg(struct conn *c, cJSON *msg)
{
	proto_writer_queue(&c->wr, msg, NULL);
	cJSON_Delete(msg);
}

static void
reply_error(struct conn *c, uint64_t id, enum df_class class, enum df_code code, const char *msg)
{
	struct df_error e;

	df_error_set(&e, class, code, "%s", msg);
	send_msg(c, proto_reply_error(id, &e));
}

/* Returns 1 when the server should shut down. */
static int
handle(struct conn *c, struct proto_msg *m)
{
	const cJSON *args = m->args;
	struct df_error e;

	if (strcmp(m->op, "hello") == 0) {
		struct proto_hello h;

		if (proto_hello_parse(args, &h, &e) < 0) {
			send_msg(c, proto_reply_error(m->id, &e));
			c->closing = 1;
			return 0;
		}
		c->hello = 1;
		send_msg(c, proto_reply_ok(m->id, proto_hello_result(getpid())));
		return 0;
	}
	if (!c->hello) {
		reply_error(c, m->id, DF_FATAL, DF_E_PROTOCOL, "the first request must be hello");
		c->closing = 1;
		return 0;
	}
	if (strcmp(m->op, "echo") == 0) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "op", m->op);
		cJSON_AddItemToObject(
		    r, "args", args != NULL ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
		send_msg(c, proto_reply_ok(m->id, r));
	} else if (strcmp(m->op, "emit") == 0) {
		const cJSON *count = cJSON_GetObjectItem(args, "count");
		const cJSON *run = cJSON_GetObjectItem(args, "run_id");
		int n = cJSON_IsNumber(count) ? count->valueint : 0;
		cJSON *r;

		for (int i = 1; i <= n; i++) {
			cJSON *payload = cJSON_CreateObject();
			struct proto_event ev = { .run_id = cJSON_IsString(run) ? run->valuestring
				                                                : "run-1",
				                  .seq = i,
				                  .type = "phase.started",
				                  .ts = "2026-11-25T08:00:00Z",
				                  .payload = payload };

			cJSON_AddNumberToObject(payload, "i", i);
			send_msg(c, proto_event_json(&ev));
			cJSON_Delete(payload);
		}
		if (cJSON_IsTrue(cJSON_GetObjectItem(args, "screen"))) {
			struct proto_screen s = { .session = "s1",
				                  .full = 1,
				                  .rows = 2,
				                  .cols = 10,
				                  .cursor_visible = 1,
				                  .title = "t" };
			struct proto_row *row = proto_screen_add_row(&s, 1);

			proto_row_add_span(row, 0, "hi", 2, 1, PROTO_COLOR_DEFAULT,
			                   PROTO_ATTR_BOLD);
			send_msg(c, proto_screen_json(&s));
			for (size_t i = 0; i < s.nrows; i++) {
				for (size_t k = 0; k < s.rowv[i].nspans; k++)
					free(s.rowv[i].spans[k].text);
				free(s.rowv[i].spans);
			}
			free(s.rowv);
		}
		r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "emitted", n);
		send_msg(c, proto_reply_ok(m->id, r));
	} else if (strcmp(m->op, "fail") == 0) {
		const cJSON *msg = cJSON_GetObjectItem(args, "message");

		df_error_set(&e, DF_HUMAN_REQUIRED, DF_E_APPROVAL_CONFLICT, "%s",
		             cJSON_IsString(msg) ? msg->valuestring : "failed");
		df_error_hint(&e, "decide again");
		strcpy(e.run_id, "run-7");
		strcpy(e.phase_id, "review");
		send_msg(c, proto_reply_error(m->id, &e));
	} else if (strcmp(m->op, "hangup") == 0) {
		c->closing = 2; /* at once, output dropped */
	} else if (strcmp(m->op, "garbage") == 0) {
		static const unsigned char bad[] = { 0, 0, 0, 3, 'a', 'b', 'c' };
		ssize_t w = write(c->fd, bad, sizeof(bad));

		(void)w;
		c->closing = 2;
	} else if (strcmp(m->op, "silence") == 0) {
		/* no reply */
	} else if (strcmp(m->op, "shutdown") == 0) {
		send_msg(c, proto_reply_ok(m->id, NULL));
		return 1;
	} else {
		reply_error(c, m->id, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown op");
	}
	return 0;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	proto_reader_free(&c->rd);
	proto_writer_free(&c->wr);
	c->fd = -1;
}

static void
conn_open(struct conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	proto_reader_init(&c->rd, PROTO_TO_SERVER);
	proto_writer_init(&c->wr);
}

/* Read and handle what arrived; returns 1 on shutdown. */
static int
conn_input(struct conn *c)
{
	struct proto_msg m;
	struct df_error e;
	enum proto_io io;
	int rc = 0, stop = 0;

	do
		io = proto_reader_read(&c->rd, c->fd, &e);
	while (io == PROTO_IO_DATA);
	while (!c->closing && (rc = proto_reader_pop(&c->rd, &m, &e)) == 1) {
		stop |= handle(c, &m);
		proto_msg_clear(&m);
	}
	if (!c->closing && rc < 0) {
		send_msg(c, proto_reply_error(0, &e));
		c->closing = 1;
	} else if (!c->closing && io == PROTO_IO_EOF) {
		if (proto_reader_eof(&c->rd, &e) < 0)
			send_msg(c, proto_reply_error(0, &e));
		c->closing = 1;
	} else if (io == PROTO_IO_ERROR) {
		c->closing = 2;
	}
	return stop;
}

void
echo_server_run(int listen_fd, int conn_fd)
{
	struct conn conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	int stop = 0, idx[MAX_CONNS + 1];

	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	if (conn_fd >= 0) {
		fcntl(conn_fd, F_SETFL, fcntl(conn_fd, F_GETFL) | O_NONBLOCK);
		conn_open(&conns[0], conn_fd);
	}
	for (;;) {
		nfds_t n = 0;
		int live = 0;

		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			if (proto_writer_flush(&c->wr, c->fd, NULL) < 0)
				c->closing = 2; /* the peer is gone */
			if (c->closing == 2 || (c->closing && proto_writer_pending(&c->wr) == 0) ||
			    (stop && proto_writer_pending(&c->wr) == 0)) {
				conn_close(c);
				continue;
			}
			live++;
			pfd[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			if (proto_writer_pending(&c->wr) > 0)
				pfd[n].events |= POLLOUT;
			idx[n++] = i;
		}
		if ((stop || listen_fd < 0) && live == 0)
			return;
		if (listen_fd >= 0 && !stop) {
			pfd[n] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
			idx[n++] = -1;
		}
		if (poll(pfd, n, -1) < 0)
			continue;
		for (nfds_t k = 0; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (idx[k] < 0) {
				struct sock_peer peer;
				int fd;

				while (sock_accept(listen_fd, &fd, &peer, NULL) == 1) {
					int slot = -1;

					for (int i = 0; i < MAX_CONNS && slot < 0; i++)
						if (conns[i].fd < 0)
							slot = i;
					if (slot < 0)
						close(fd);
					else
						conn_open(&conns[slot], fd);
				}
				continue;
			}
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				stop |= conn_input(&conns[idx[k]]);
		}
	}
}
