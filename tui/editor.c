/*
 * A text with a cursor, the comment editor's and each form field's and the
 * filter's: UTF-8 aware moves and edits (Backspace, Delete, arrows, Home,
 * End, C-a, C-e, C-u), lines when multiline, and drawing wrapped at words
 * into a window with the cursor line kept in view.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/xalloc.h"
#include "draw.h"
#include "editor.h"
#include "keys.h"

void
editor_init(struct editor *e, const char *text, int multiline)
{
	memset(e, 0, sizeof *e);
	e->multiline = multiline;
	buf_puts(&e->text, text != NULL ? text : "");
	if (e->text.data == NULL)
		buf_puts(&e->text, "");
	e->cur = e->text.len;
}

void
editor_free(struct editor *e)
{
	buf_free(&e->text);
	memset(e, 0, sizeof *e);
}

const char *
editor_text(const struct editor *e)
{
	return e->text.data != NULL ? e->text.data : "";
}

static size_t
prev_char(const struct editor *e, size_t at)
{
	const char *s = editor_text(e);

	if (at == 0)
		return 0;
	at--;
	while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
		at--;
	return at;
}

static size_t
next_char(const struct editor *e, size_t at)
{
	const char *s = editor_text(e);

	if (at >= e->text.len)
		return e->text.len;
	at++;
	while (at < e->text.len && ((unsigned char)s[at] & 0xC0) == 0x80)
		at++;
	return at;
}

static void
erase_range(struct editor *e, size_t from, size_t to)
{
	memmove(e->text.data + from, e->text.data + to, e->text.len - to + 1);
	e->text.len -= to - from;
}

static void
insert(struct editor *e, const char *s, size_t n)
{
	size_t tail = e->text.len - e->cur;
	char *save = xstrndup(e->text.data + e->cur, tail);

	e->text.len = e->cur;
	buf_append(&e->text, s, n);
	buf_append(&e->text, save, tail);
	free(save);
	e->cur += n;
}

/* Start of the line holding at, and the column (in characters) of at. */
static size_t
line_start(const struct editor *e, size_t at, size_t *col)
{
	const char *s = editor_text(e);
	size_t st = at;

	while (st > 0 && s[st - 1] != '\n')
		st--;
	if (col != NULL) {
		*col = 0;
		for (size_t i = st; i < at; i = next_char(e, i))
			(*col)++;
	}
	return st;
}

static size_t
advance_cols(const struct editor *e, size_t from, size_t cols)
{
	const char *s = editor_text(e);

	while (cols > 0 && from < e->text.len && s[from] != '\n') {
		from = next_char(e, from);
		cols--;
	}
	return from;
}

int
editor_key(struct editor *e, int key)
{
	const char *s = editor_text(e);

	switch (key) {
	case 127:
	case 8:
	case KEYS_FN | KEY_BACKSPACE:
		if (e->cur > 0) {
			size_t p = prev_char(e, e->cur);

			erase_range(e, p, e->cur);
			e->cur = p;
		}
		return 1;
	case KEYS_FN | KEY_DC:
		if (e->cur < e->text.len)
			erase_range(e, e->cur, next_char(e, e->cur));
		return 1;
	case KEYS_FN | KEY_LEFT:
		e->cur = prev_char(e, e->cur);
		return 1;
	case KEYS_FN | KEY_RIGHT:
		e->cur = next_char(e, e->cur);
		return 1;
	case KEYS_FN | KEY_HOME:
	case 1: /* C-a */
		e->cur = line_start(e, e->cur, NULL);
		return 1;
	case KEYS_FN | KEY_END:
	case 5: /* C-e */
		while (e->cur < e->text.len && s[e->cur] != '\n')
			e->cur++;
		return 1;
	case 21: /* C-u: clear the line */
	{
		size_t st = line_start(e, e->cur, NULL);

		erase_range(e, st, e->cur);
		e->cur = st;
		return 1;
	}
	case KEYS_FN | KEY_UP:
	case KEYS_FN | KEY_DOWN: {
		size_t col, st = line_start(e, e->cur, &col);

		if (!e->multiline)
			return 0;
		if (key == (KEYS_FN | KEY_UP)) {
			if (st == 0)
				return 1;
			e->cur = advance_cols(e, line_start(e, st - 1, NULL), col);
		} else {
			size_t end = e->cur;

			while (end < e->text.len && s[end] != '\n')
				end++;
			if (end >= e->text.len)
				return 1;
			e->cur = advance_cols(e, end + 1, col);
		}
		return 1;
	}
	case '\r':
	case '\n':
	case KEYS_FN | KEY_ENTER:
		if (!e->multiline)
			return 0;
		insert(e, "\n", 1);
		return 1;
	default:
		break;
	}
	if (key >= ' ' && key != 127 && !(key & KEYS_FN)) {
		struct buf mb = BUF_INIT;

		put_key_char(&mb, key);
		insert(e, mb.data, mb.len);
		buf_free(&mb);
		return 1;
	}
	return 0;
}

void
editor_paste(struct editor *e, const char *text)
{
	size_t n = strlen(text), i = 0;

	while (!e->multiline && n > 0 && text[n - 1] == '\n')
		n--;
	while (i < n) {
		size_t j = i;

		while (j < n && (unsigned char)text[j] >= ' ' && text[j] != 127)
			j++;
		if (j > i) {
			insert(e, text + i, j - i);
			i = j;
			continue;
		}
		if (text[i] == '\n')
			insert(e, e->multiline ? "\n" : " ", 1);
		else if (text[i] == '\t') {
			size_t col;

			line_start(e, e->cur, &col);
			insert(e, "        ", 8 - col % 8);
		}
		i++;
	}
}

/*
 * The visual line and column of the cursor in e's text wrapped at words
 * to w cells (wrap_line, as editor_draw draws it). A cursor past the last
 * cell of a line (after the blank a line broke at) is shown at the start
 * of the next, where what is typed goes.
 */
static void
cursor_place(const struct editor *e, int w, int *line, int *col)
{
	const char *s = editor_text(e);
	size_t off = 0;
	int ln = 0;

	for (;;) {
		size_t next;
		int last;

		wrap_line(s + off, w, &next);
		last = s[off + next] == '\0' && (next == 0 || s[off + next - 1] != '\n');
		/* next 0: the empty line after a final newline (or an empty text). */
		if (e->cur < off + next || (last && e->cur <= off + next) || next == 0) {
			char *before = xstrndup(s + off, e->cur - off);
			int c = str_width(before);

			free(before);
			*line = c >= w ? ln + 1 : ln;
			*col = c >= w ? 0 : c;
			return;
		}
		off += next;
		ln++;
	}
}

void
editor_draw(struct editor *e, WINDOW *win, int y, int x, int h, int w, attr_t attr, int *cy,
            int *cx)
{
	const char *s = editor_text(e);
	int line = 0, cl, cc;
	size_t off = 0;

	if (w < 1 || h < 1)
		return;
	/* The cursor's line kept in view. */
	cursor_place(e, w, &cl, &cc);
	if (cl < e->top)
		e->top = cl;
	if (cl >= e->top + h)
		e->top = cl - h + 1;
	*cy = y + cl - e->top;
	*cx = x + cc;
	while (s[off] != '\0' && line < e->top + h) {
		size_t next, n = wrap_line(s + off, w, &next);

		if (line >= e->top) {
			char *seg = xstrndup(s + off, n);

			put_clipped(win, y + line - e->top, x, seg, w, attr, 0);
			free(seg);
		}
		off += next;
		line++;
	}
}

void
editor_show_cursor(WINDOW *win, int cy, int cx)
{
	cchar_t cc;

	if (mvwin_wch(win, cy, cx, &cc) != ERR) {
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short pr;

		getcchar(&cc, wc, &a, &pr, NULL);
		setcchar(&cc, wc, a | A_REVERSE, pr, NULL);
		mvwadd_wch(win, cy, cx, &cc);
	}
}
