/*
 * `devflow attach SESSION [--detach-key KEY]`: a raw full-screen attach to
 * one agent terminal, from any login and without curses. The terminal goes
 * into raw mode on the alternate screen; the server's snapshot and then its
 * damaged rows are drawn with plain escape sequences (cursor positioning and
 * SGR from the styled spans); what the user types travels as key events
 * (named keys, control and meta characters), printable text in batches,
 * pastes as pastes (our terminal's bracketed paste is turned on); a window
 * resize becomes a resize of the agent's terminal. The detach key (C-] by
 * default) ends the attach; the terminal is restored on every way out
 * (detach, server gone, signals).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "proto/keyin.h"
#include "proto/proto.h"
#include "cli.h"
#include "verb.h"

static int cmd_attach_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt attach_opts[] = {
	{ .name = "detach-key",
	  .kind = ARGS_VALUE,
	  .arg = "KEY",
	  .help = "the control key that ends the attach (default C-])" },
	{ 0 },
};

const struct cmd_entry cmd_attach_entry = {
	.name = "attach",
	.summary = "attach to an agent's terminal (C-] detaches)",
	.opts = attach_opts,
	.args = cli_session_arg,
	.exec = cmd_attach_exec,
};

static struct termios saved_tio;
static int tio_saved;
static int sig_pipe[2] = { -1, -1 };

static void
out_write(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void
term_restore(void)
{
	static const char leave[] = "\033[?2004l\033[0m\033[?7h\033[?25h\033[?1049l";

	if (!tio_saved)
		return;
	out_write(leave, sizeof(leave) - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
}

static void
on_fatal_signal(int signo)
{
	term_restore();
	signal(signo, SIG_DFL);
	raise(signo);
}

static void
on_winch(int signo)
{
	int e = errno;

	(void)signo;
	if (write(sig_pipe[1], "w", 1) < 0) {
		/* The pipe is full: a resize is already pending. */
	}
	errno = e;
}

static int
term_enter(struct df_error *err)
{
	static const char enter[] = "\033[?1049h\033[?7l\033[?2004h\033[H\033[2J";
	struct termios raw;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "attach needs a terminal on standard input and output");
	if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "tcgetattr: %s", strerror(errno));
	raw = saved_tio;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "tcsetattr: %s", strerror(errno));
	tio_saved = 1;
	atexit(term_restore);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGQUIT, on_fatal_signal);
	out_write(enter, sizeof(enter) - 1);
	return 0;
}

static void
term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row > PROTO_MAX_ROWS ? PROTO_MAX_ROWS : ws.ws_row;
		*cols = ws.ws_col > PROTO_MAX_COLS ? PROTO_MAX_COLS : ws.ws_col;
	}
}

/* ------------------------------------------------------------------------ */
/* Output: frames to escape sequences */

static void
draw_frame(const struct proto_screen *ps, int term_rows)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "\033[?25l");
	if (ps->full)
		buf_puts(&b, "\033[0m\033[H\033[2J");
	for (size_t i = 0; i < ps->nrows; i++) {
		const struct proto_row *row = &ps->rowv[i];

		if (row->y >= term_rows)
			continue;
		buf_printf(&b, "\033[%d;1H\033[0m\033[2K", row->y + 1);
		verb_row_text(&b, row, 1);
	}
	buf_printf(&b, "\033[0m\033[%d;%dH", ps->cursor_row + 1,
	           (ps->cursor_col >= ps->cols ? ps->cols - 1 : ps->cursor_col) + 1);
	if (ps->cursor_visible)
		buf_puts(&b, "\033[?25h");
	out_write(b.data, b.len);
	buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Input: decoded keys (keyin.h) to requests */

struct attach {
	struct client *c;
	const char *session;
	struct keyin in;
	int detached;
	int gone;   /* the attach ends: input closed, server gone, agent ended */
	int failed; /* ... with err */
	struct df_error err;
	char *ended; /* why the attach ended on its own */
};

static void
send_req(struct attach *a, const char *op, cJSON *args)
{
	struct df_error err;

	client_send(a->c, op, args, NULL, &err);
	cJSON_Delete(args);
}

static void
on_key(void *arg, const char *name, uint32_t ch, unsigned mods)
{
	struct attach *a = arg;
	struct proto_key k = { a->session, PROTO_KEY_NONE, ch, mods };

	if (name != NULL && (k.key = proto_key_from_name(name)) == PROTO_KEY_NONE)
		return;
	send_req(a, "key", proto_key_args(&k));
}

/* The op "type" or "paste" with TEXT (LEN bytes) for the attached session. */
static void
send_text(struct attach *a, const char *op, const char *text, size_t len)
{
	cJSON *args = cJSON_CreateObject();
	char *t = xstrndup(text, len);

	cJSON_AddStringToObject(args, "session", a->session);
	cJSON_AddStringToObject(args, "text", t);
	free(t);
	send_req(a, op, args);
}

static void
on_text(void *arg, const char *text, size_t len)
{
	send_text(arg, "type", text, len);
}

static void
on_paste(void *arg, const char *text, size_t len)
{
	send_text(arg, "paste", text, len);
}

static void
on_detach(void *arg)
{
	((struct attach *)arg)->detached = 1;
}

static const struct keyin_ops keyin_ops = { on_key, on_text, on_paste, on_detach };

static void
send_resize(struct attach *a)
{
	struct proto_resize r = { a->session, 24, 80 };

	term_size(&r.rows, &r.cols);
	send_req(a, "resize", proto_resize_args(&r));
}

/*
 * The agent's program ended: the attach says so and ends. Stopped by
 * devflow (session.failed: its run ended; session.exited marked stopped:
 * an abort, a phase moving on) reads "stopped", its status (the signal
 * devflow sent) being no news; a program that ended on its own gives its
 * status.
 */
static void
program_ended(struct attach *a, const char *type, const cJSON *payload)
{
	long long status;

	free(a->ended);
	if (strcmp(type, "session.failed") == 0 ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(payload, "stopped")))
		a->ended = xstrdup("stopped by devflow");
	else if (json_int(cJSON_GetObjectItemCaseSensitive(payload, "status"), INT_MIN, INT_MAX,
	                  &status) == 0)
		a->ended = xasprintf("its program ended with status %lld", status);
	else
		a->ended = xstrdup("its program has ended");
	a->gone = 1;
}

/* A message from the server: a screen to draw, an event, a failed request. */
static void
on_message(struct attach *a, const struct proto_msg *m)
{
	int rows, cols;

	if (m->kind == PROTO_MSG_SCREEN) {
		struct proto_screen ps = { 0 };

		if (proto_screen_parse(m->json, &ps, NULL) == 0) {
			term_size(&rows, &cols);
			draw_frame(&ps, rows);
		}
		proto_screen_free(&ps);
	} else if (m->kind == PROTO_MSG_EVENT) {
		struct proto_event ev;

		if (proto_event_parse(m->json, &ev, NULL) == 0 &&
		    (strcmp(ev.type, "session.exited") == 0 ||
		     strcmp(ev.type, "session.failed") == 0) &&
		    strcmp(json_str(ev.payload, "sessionId", ""), a->session) == 0)
			program_ended(a, ev.type, ev.payload);
	} else if (m->kind == PROTO_MSG_REPLY && !m->ok && m->error.code == DF_E_SESSION_FAILED) {
		a->err = m->error;
		a->gone = a->failed = 1;
	}
}

/*
 * Resolve the session's name (a prefix) into sid and check its terminal is
 * live, before going raw; then follow the session's run, to leave when the
 * agent's program ends. 0, or -1 with a->err.
 */
static int
attach_resolve(struct attach *a, const char *name, char sid[PROTO_MAX_NAME + 1])
{
	cJSON *args = cJSON_CreateObject(), *res = NULL;
	struct result_sessions sl;
	struct result_capture cap;

	cJSON_AddStringToObject(args, "session", name);
	if (client_call(a->c, "capture", args, &res, &a->err) != 0) {
		cJSON_Delete(args);
		df_error_prefix(&a->err, "attach");
		return -1;
	}
	cJSON_Delete(args);
	if (result_capture_parse(res, &cap, &a->err) != 0) {
		cJSON_Delete(res);
		df_error_prefix(&a->err, "attach");
		return -1;
	}
	snprintf(sid, PROTO_MAX_NAME + 1, "%s", cap.session);
	cJSON_Delete(res);
	a->session = sid;
	if (client_call(a->c, "sessions", NULL, &res, &a->err) != 0)
		return 0;
	if (result_sessions_parse(res, &sl, &a->err) != 0)
		sl.nsessions = 0;
	for (size_t i = 0; i < sl.nsessions; i++) {
		if (strcmp(sl.sessions[i].id, sid) != 0)
			continue;
		if (!sl.sessions[i].live)
			a->ended = xstrdup("its program has ended");
		args = cJSON_CreateObject();
		cJSON_AddStringToObject(args, "topic", "events");
		cJSON_AddStringToObject(args, "run_id", sl.sessions[i].run_id);
		client_call(a->c, "subscribe", args, NULL, &a->err);
		cJSON_Delete(args);
	}
	result_sessions_free(&sl);
	cJSON_Delete(res);
	return 0;
}

/* The raw terminal's loop: keys to the server, screens to the terminal. */
static void
attach_loop(struct attach *a)
{
	while (!a->detached && !a->gone) {
		struct pollfd p[3] = {
			{ STDIN_FILENO, POLLIN, 0 },
			{ client_fd(a->c), client_poll_events(a->c), 0 },
			{ sig_pipe[0], POLLIN, 0 },
		};
		struct proto_msg m;

		if (poll(p, 3, keyin_pending(&a->in) ? 50 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			char junk[64];

			while (read(sig_pipe[0], junk, sizeof(junk)) > 0)
				;
			send_resize(a);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			unsigned char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n <= 0)
				a->gone = 1;
			else
				keyin_feed(&a->in, buf, (size_t)n);
		} else if (keyin_pending(&a->in)) {
			/* a lone ESC (or a cut sequence) after 50 ms of quiet */
			keyin_timeout(&a->in);
		}
		if (p[1].revents && client_handle(a->c, p[1].revents, &a->err) != 0)
			a->gone = a->failed = 1;
		while (client_pop(a->c, &m) == 1) {
			on_message(a, &m);
			proto_msg_clear(&m);
		}
	}
}

static int
cmd_attach_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[1], *dkey = args_get(ctx->args, "detach-key");
	struct attach a = { 0 };
	char sid[PROTO_MAX_NAME + 1];
	int detach_byte;

	(void)argc; /* the table's one SESSION */
	if (dkey == NULL)
		dkey = "C-]";
	if ((detach_byte = keyin_control_byte(dkey)) < 0)
		return cli_usage(ctx, &cmd_attach_entry,
		                 "--detach-key %s: expected a control key such as C-] or C-b",
		                 dkey);
	if ((a.c = verb_connect(ctx, 1, &a.err)) == NULL)
		return cli_fail(ctx, &a.err);
	if (attach_resolve(&a, name, sid) != 0) {
		client_free(a.c);
		free(a.ended);
		return cli_fail(ctx, &a.err);
	}
	keyin_init(&a.in, detach_byte, &keyin_ops, &a);
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || term_enter(&a.err) != 0) {
		client_free(a.c);
		free(a.ended);
		return cli_fail(ctx, &a.err);
	}
	signal(SIGWINCH, on_winch);
	send_resize(&a);
	{
		struct proto_sub sub = { PROTO_TOPIC_SCREEN, NULL, sid };

		send_req(&a, "subscribe", proto_sub_args(&sub));
	}
	attach_loop(&a);
	term_restore();
	client_free(a.c);
	keyin_free(&a.in);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	if (a.failed) {
		free(a.ended);
		return cli_fail(ctx, &a.err);
	}
	if (!ctx->json) {
		if (a.ended != NULL)
			fprintf(stderr, "[session %s: %s]\n", sid, a.ended);
		else
			fprintf(stderr, "[detached from session %s]\n", sid);
	}
	free(a.ended);
	return CLI_OK;
}
