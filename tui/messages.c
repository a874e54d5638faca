/*
 * The status line's messages and their history (messages.h): a message is
 * fitted to the width it is drawn at each time it is drawn, so a resize
 * fits it anew, and never cut mid-word: a long server error reads in two
 * rows, or abbreviated before its hint with the whole text in the history.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "draw.h"
#include "messages.h"

void
messages_add(struct messages *m, int err, const char *text, const char *hint, int64_t now_ms,
             time_t wall)
{
	struct message *msg;

	if (m->n == MESSAGES_KEEP) {
		free(m->v[0].text);
		free(m->v[0].hint);
		memmove(&m->v[0], &m->v[1], (m->n - 1) * sizeof *m->v);
		m->n--;
	}
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	msg = &m->v[m->n++];
	msg->text = xstrdup(text);
	/* A hint the message already says would be said twice. */
	msg->hint =
	    hint != NULL && hint[0] != '\0' && strstr(text, hint) == NULL ? xstrdup(hint) : NULL;
	msg->err = err;
	msg->at = now_ms;
	msg->wall = wall;
	m->shown = 1;
}

const struct message *
messages_current(const struct messages *m)
{
	return m->shown && m->n > 0 ? &m->v[m->n - 1] : NULL;
}

void
messages_hide(struct messages *m)
{
	m->shown = 0;
}

int64_t
messages_due(const struct messages *m)
{
	const struct message *msg = messages_current(m);

	if (msg == NULL)
		return -1;
	return msg->at + (msg->err ? MESSAGES_ERROR_MS : MESSAGES_INFO_MS);
}

int
messages_expire(struct messages *m, int64_t now_ms)
{
	int64_t due = messages_due(m);

	if (due < 0 || now_ms < due)
		return 0;
	m->shown = 0;
	return 1;
}

char *
messages_full(const struct message *msg)
{
	return msg->hint != NULL ? xasprintf("%s (%s)", msg->text, msg->hint) : xstrdup(msg->text);
}

/* The bytes of s that fit in width cells (at least one character). */
static size_t
fit_bytes(const char *s, size_t len, int width)
{
	mbstate_t st;
	size_t off = 0;
	int used = 0;

	memset(&st, 0, sizeof st);
	while (off < len) {
		wchar_t wc;
		int cw;
		size_t n = mbchar_next(s + off, len - off, &st, &wc, &cw);

		if (used + cw > width && off > 0)
			break;
		used += cw;
		off += n;
	}
	return off;
}

/*
 * Wrap s at spaces into rows of width cells (a word wider than a row is
 * broken where the row ends); returns the number of rows, and the rows in
 * *out (NULL-terminated) unless out is NULL.
 */
static size_t
wrap(const char *s, int width, char ***out)
{
	struct buf row = BUF_INIT;
	char **v = NULL;
	size_t n = 0;
	int rw = 0;

#define PUSH_ROW()                                                                                 \
	do {                                                                                       \
		if (out != NULL) {                                                                 \
			v = xreallocarray(v, n + 2, sizeof *v);                                    \
			v[n] = row.data != NULL ? buf_detach(&row) : xstrdup("");                  \
		}                                                                                  \
		buf_reset(&row);                                                                   \
		n++;                                                                               \
		rw = 0;                                                                            \
	} while (0)
	while (*s != '\0') {
		size_t len = strcspn(s, " ");
		char *word;
		int ww;

		if (len == 0) {
			s++;
			continue;
		}
		word = xstrndup(s, len);
		ww = str_width(word);
		if (rw > 0 && rw + 1 + ww > width)
			PUSH_ROW();
		while (ww > width) { /* no boundary in it: break where the row ends */
			size_t k = fit_bytes(word, strlen(word), width - rw - (rw > 0));
			char *rest;

			if (rw > 0)
				buf_putc(&row, ' ');
			buf_append(&row, word, k);
			PUSH_ROW();
			rest = xstrdup(word + k);
			free(word);
			word = rest;
			ww = str_width(word);
		}
		if (ww > 0) {
			if (rw > 0) {
				buf_putc(&row, ' ');
				rw++;
			}
			buf_puts(&row, word);
			rw += ww;
		}
		free(word);
		s += len;
	}
	if (rw > 0 || n == 0)
		PUSH_ROW();
#undef PUSH_ROW
	buf_free(&row);
	if (out != NULL) {
		v[n] = NULL;
		*out = v;
	}
	return n;
}

/* The first k words of text, then "…" and " (hint)" when hint. */
static char *
abbreviated(const char *text, size_t k, const char *hint)
{
	struct buf b = BUF_INIT;
	const char *s = text;

	for (size_t i = 0; i < k; i++) {
		size_t len;

		s += strspn(s, " ");
		len = strcspn(s, " ");
		buf_printf(&b, "%s%.*s", i ? " " : "", (int)len, s);
		s += len;
	}
	/* Punctuation before the cut reads as the end of a clause: drop it. */
	while (b.len > 0 && strchr(",;:-(", b.data[b.len - 1]) != NULL)
		b.len--;
	buf_puts(&b, "…");
	if (hint != NULL)
		buf_printf(&b, " (%s)", hint);
	return buf_detach(&b);
}

static size_t
count_words(const char *s)
{
	size_t n = 0;

	while (*s != '\0') {
		s += strspn(s, " ");
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " ");
	}
	return n;
}

char **
messages_fit(const struct message *msg, int width, int maxrows, size_t *n)
{
	char *full = messages_full(msg);
	char **rows;

	if (width < 1)
		width = 1;
	if (maxrows < 1)
		maxrows = 1;
	if (wrap(full, width, NULL) > (size_t)maxrows) {
		/* The most words of the text that fit with the hint; then without it. */
		size_t words = count_words(msg->text);

		for (int pass = 0; pass < 2; pass++) {
			const char *hint = pass == 0 ? msg->hint : NULL;
			int found = 0;

			if (pass == 1 && msg->hint == NULL)
				break;
			for (size_t k = words; k-- > 0 && !found;) {
				char *c = abbreviated(msg->text, k, hint);

				if (wrap(c, width, NULL) <= (size_t)maxrows) {
					free(full);
					full = c;
					found = 1;
				} else
					free(c);
			}
			if (found)
				break;
		}
	}
	*n = wrap(full, width, &rows);
	/* Still too long (a word wider than every row): the rows that fit. */
	while (*n > (size_t)maxrows) {
		free(rows[--*n]);
		rows[*n] = NULL;
	}
	free(full);
	return rows;
}

char *
messages_history(const struct messages *m, int width)
{
	struct buf b = BUF_INIT;

	if (m->n == 0)
		return xstrdup("(no messages yet)");
	for (size_t i = m->n; i-- > 0;) {
		const struct message *msg = &m->v[i];
		struct message body = *msg;
		char when[16], **rows;
		struct tm tm;
		size_t n;

		localtime_r(&msg->wall, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		/* Errors say so; the text wraps under its time, never cut. */
		body.text = msg->err ? xasprintf("error: %s", msg->text) : msg->text;
		rows = messages_fit(&body, width > 12 ? width - 10 : 1, 1000, &n);
		for (size_t k = 0; k < n; k++)
			buf_printf(&b, "%-8s  %s\n", k == 0 ? when : "", rows[k]);
		str_vec_free(rows);
		if (msg->err)
			free(body.text);
	}
	return buf_detach(&b);
}

void
messages_free(struct messages *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].text);
		free(m->v[i].hint);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}
