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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "proto.h"
#include "verb.h"
#include "xalloc.h"

static int cmd_attach_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_attach_entry = {
	.name = "attach",
	.usage = "SESSION [--detach-key C-]]",
	.summary = "attach to an agent's terminal (C-] detaches)",
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

/* "C-]" / "C-a" / "^]" → the byte the terminal sends; -1 when not a control key. */
static int
parse_detach_key(const char *s)
{
	char c;

	if ((s[0] == 'C' && s[1] == '-') || s[0] == '^')
		c = s[s[0] == '^' ? 1 : 2];
	else
		return -1;
	if (c == '\0' || s[(s[0] == '^' ? 2 : 3)] != '\0')
		return -1;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c < '@' || c > '_')
		return -1;
	return c - '@';
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
/* Input: terminal bytes to key events */

struct attach {
	struct client *c;
	const char *session;
	int detach_byte;
	struct buf text;  /* printable text not yet sent */
	struct buf paste; /* inside a bracketed paste */
	int in_paste;
	int detached;
};

static void
send_req(struct attach *a, const char *op, cJSON *args)
{
	struct df_error err;

	client_send(a->c, op, args, NULL, &err);
	cJSON_Delete(args);
}

static void
flush_text(struct attach *a)
{
	cJSON *args;

	if (a->text.len == 0)
		return;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", a->session);
	cJSON_AddStringToObject(args, "text", a->text.data);
	send_req(a, "type", args);
	buf_reset(&a->text);
}

static void
send_key(struct attach *a, const char *key, uint32_t ch, unsigned mods)
{
	struct proto_key k = { a->session, PROTO_KEY_NONE, ch, mods };

	flush_text(a);
	if (key != NULL)
		k.key = proto_key_from_name(key);
	send_req(a, "key", proto_key_args(&k));
}

static unsigned
xterm_mods(int m)
{
	/* xterm's modifier parameter is 1 + bits (shift 1, alt 2, ctrl 4). */
	return m > 1 ? (unsigned)(m - 1) & 7u : 0;
}

/*
 * Decode one escape sequence at s (s[0] == ESC) of len bytes. Returns the
 * bytes used, 0 when incomplete.
 */
static size_t
decode_escape(struct attach *a, const unsigned char *s, size_t len)
{
	static const struct {
		const char *seq, *key;
	} simple[] = {
		{ "[A", "Up" },   { "[B", "Down" }, { "[C", "Right" }, { "[D", "Left" },
		{ "OA", "Up" },   { "OB", "Down" }, { "OC", "Right" }, { "OD", "Left" },
		{ "[H", "Home" }, { "[F", "End" },  { "OH", "Home" },  { "OF", "End" },
		{ "OP", "F1" },   { "OQ", "F2" },   { "OR", "F3" },    { "OS", "F4" },
		{ "[Z", "Tab" }, /* shift-tab: below */
	};
	static const struct {
		int n;
		const char *key;
	} tilde[] = {
		{ 1, "Home" },     { 2, "Insert" }, { 3, "Delete" }, { 4, "End" },  { 5, "PageUp" },
		{ 6, "PageDown" }, { 7, "Home" },   { 8, "End" },    { 11, "F1" },  { 12, "F2" },
		{ 13, "F3" },      { 14, "F4" },    { 15, "F5" },    { 17, "F6" },  { 18, "F7" },
		{ 19, "F8" },      { 20, "F9" },    { 21, "F10" },   { 23, "F11" }, { 24, "F12" },
	};
	size_t i;

	if (len < 2)
		return 0;
	if (s[1] == '[' || s[1] == 'O') {
		int p1 = 0, p2 = 0, *p = &p1;

		for (i = 2; i < len; i++) {
			if (s[i] >= '0' && s[i] <= '9')
				*p = *p * 10 + (s[i] - '0');
			else if (s[i] == ';')
				p = &p2;
			else
				break;
		}
		if (i >= len)
			return 0;
		if (s[1] == '[' && s[i] == '~') {
			if (p1 == 200) {
				a->in_paste = 1;
				return i + 1;
			}
			for (size_t k = 0; k < sizeof(tilde) / sizeof(tilde[0]); k++)
				if (tilde[k].n == p1) {
					send_key(a, tilde[k].key, 0, xterm_mods(p2));
					return i + 1;
				}
			return i + 1; /* unknown: dropped */
		}
		for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
			if (simple[k].seq[0] == (char)s[1] && simple[k].seq[1] == (char)s[i]) {
				unsigned mods = xterm_mods(p2);

				if (s[i] == 'Z')
					mods |= PROTO_MOD_SHIFT;
				send_key(a, simple[k].key, 0, mods);
				return i + 1;
			}
		}
		return i + 1;
	}
	/* ESC + a character: alt (meta) */
	if (s[1] == 0x1b) {
		send_key(a, "Escape", 0, 0);
		return 1;
	}
	if (s[1] >= 0x20 && s[1] < 0x7f) {
		send_key(a, NULL, s[1], PROTO_MOD_ALT);
		return 2;
	}
	send_key(a, "Escape", 0, 0);
	return 1;
}

/* Handle input bytes; returns how many were used (a partial sequence stays). */
static size_t
handle_input(struct attach *a, const unsigned char *s, size_t len, int final)
{
	size_t i = 0;

	while (i < len && !a->detached) {
		unsigned char ch = s[i];

		if (a->in_paste) {
			static const char end[] = "\033[201~";
			const unsigned char *e = NULL;

			for (size_t k = i; k + 6 <= len; k++)
				if (memcmp(s + k, end, 6) == 0) {
					e = s + k;
					break;
				}
			if (e == NULL) {
				/* keep a possible partial end marker for next time */
				size_t keep = len - i < 5 ? len - i : 5, take = len - i - keep;

				if (final)
					take = len - i;
				buf_append(&a->paste, s + i, take);
				return i + take;
			}
			buf_append(&a->paste, s + i, (size_t)(e - (s + i)));
			flush_text(a);
			{
				cJSON *args = cJSON_CreateObject();

				cJSON_AddStringToObject(args, "session", a->session);
				cJSON_AddStringToObject(args, "text",
				                        a->paste.data ? a->paste.data : "");
				send_req(a, "paste", args);
			}
			buf_reset(&a->paste);
			a->in_paste = 0;
			i = (size_t)(e - s) + 6;
			continue;
		}
		if ((int)ch == a->detach_byte) {
			flush_text(a);
			a->detached = 1;
			return i + 1;
		}
		if (ch == 0x1b) {
			size_t n;

			if (i + 1 >= len && final) {
				send_key(a, "Escape", 0, 0);
				i++;
				continue;
			}
			if ((n = decode_escape(a, s + i, len - i)) == 0) {
				if (final) {
					send_key(a, "Escape", 0, 0);
					i++;
					continue;
				}
				return i;
			}
			i += n;
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			send_key(a, "Enter", 0, 0);
		} else if (ch == '\t') {
			send_key(a, "Tab", 0, 0);
		} else if (ch == 0x7f || ch == 0x08) {
			send_key(a, "Backspace", 0, 0);
		} else if (ch == 0) {
			send_key(a, NULL, ' ', PROTO_MOD_CTRL);
		} else if (ch < 0x20) {
			send_key(a, NULL, (uint32_t)(ch + 'a' - 1), PROTO_MOD_CTRL);
		} else {
			/* printable text, UTF-8 sequences kept whole */
			size_t n = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;

			if (i + n > len && !final)
				return i;
			if (i + n > len)
				n = len - i;
			buf_append(&a->text, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	return i;
}

static void
send_resize(struct attach *a)
{
	struct proto_resize r = { a->session, 24, 80 };

	term_size(&r.rows, &r.cols);
	send_req(a, "resize", proto_resize_args(&r));
}

static int
cmd_attach_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL, *dkey = "C-]";
	struct attach a = { 0 };
	struct df_error err;
	cJSON *args, *res = NULL;
	unsigned char pending[4096];
	size_t npend = 0;
	char sid[PROTO_MAX_NAME + 1];
	int rc = CLI_OK, rows, cols, gone = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--detach-key") == 0 && i + 1 < argc)
			dkey = argv[++i];
		else if (argv[i][0] == '-' || name != NULL)
			return cli_usage(ctx, &cmd_attach_entry, "unexpected argument '%s'",
			                 argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		return cli_usage(ctx, &cmd_attach_entry, "which session? (SESSION is missing)");
	if ((a.detach_byte = parse_detach_key(dkey)) < 0)
		return cli_usage(ctx, &cmd_attach_entry,
		                 "--detach-key %s: expected a control key such as C-] or C-b",
		                 dkey);
	if ((a.c = verb_connect(ctx, 1, &err)) == NULL)
		return cli_fail(ctx, &err);
	/* Resolve the name (a prefix) and check the terminal is live before going raw. */
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "session", name);
	if (client_call(a.c, "capture", args, &res, &err) != 0) {
		cJSON_Delete(args);
		client_free(a.c);
		return cli_fail(ctx, &err);
	}
	cJSON_Delete(args);
	snprintf(sid, sizeof(sid), "%s", verb_str(res, "session", name));
	cJSON_Delete(res);
	a.session = sid;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || term_enter(&err) != 0) {
		client_free(a.c);
		return cli_fail(ctx, &err);
	}
	signal(SIGWINCH, on_winch);
	send_resize(&a);
	{
		struct proto_sub sub = { PROTO_TOPIC_SCREEN, NULL, sid };

		send_req(&a, "subscribe", proto_sub_args(&sub));
	}
	while (!a.detached && !gone) {
		struct pollfd p[3] = {
			{ STDIN_FILENO, POLLIN, 0 },
			{ client_fd(a.c), client_poll_events(a.c), 0 },
			{ sig_pipe[0], POLLIN, 0 },
		};
		struct proto_msg m;

		if (poll(p, 3, npend > 0 ? 50 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			char junk[64];

			while (read(sig_pipe[0], junk, sizeof(junk)) > 0)
				;
			send_resize(&a);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(STDIN_FILENO, pending + npend, sizeof(pending) - npend);

			if (n <= 0) {
				gone = 1;
				snprintf(err.message, sizeof(err.message), "end of input");
			} else {
				size_t used;

				npend += (size_t)n;
				used = handle_input(&a, pending, npend, 0);
				memmove(pending, pending + used, npend - used);
				npend -= used;
				flush_text(&a);
			}
		} else if (npend > 0) {
			/* a lone ESC (or a cut sequence) after 50 ms of quiet */
			size_t used = handle_input(&a, pending, npend, 1);

			memmove(pending, pending + used, npend - used);
			npend -= used;
			flush_text(&a);
		}
		if (p[1].revents && client_handle(a.c, p[1].revents, &err) != 0) {
			gone = 1;
			rc = CLI_ERROR;
		}
		while (client_pop(a.c, &m) == 1) {
			if (m.kind == PROTO_MSG_SCREEN) {
				struct proto_screen ps = { 0 };

				if (proto_screen_parse(m.json, &ps, NULL) == 0) {
					term_size(&rows, &cols);
					draw_frame(&ps, rows);
				}
				proto_screen_free(&ps);
			} else if (m.kind == PROTO_MSG_REPLY && !m.ok) {
				if (m.error.code == DF_E_SESSION_FAILED) {
					err = m.error;
					gone = 1;
					rc = CLI_ERROR;
				}
			}
			proto_msg_clear(&m);
		}
	}
	term_restore();
	client_free(a.c);
	buf_free(&a.text);
	buf_free(&a.paste);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	if (rc != CLI_OK)
		return cli_fail(ctx, &err);
	if (!ctx->json)
		fprintf(stderr, "[detached from session %s]\n", sid);
	return CLI_OK;
}
