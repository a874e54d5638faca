/*
 * The drawing helpers the panes, the overlays and the application share:
 * UTF-8 text put into a window clipped or wrapped to a number of cells
 * (control characters blanked, invalid bytes shown as '?', combining
 * characters joined to their cell), its display width, and pane frames.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "draw.h"

size_t
mbchar_next(const char *s, size_t len, mbstate_t *st, wchar_t *wc, int *cw)
{
	size_t n = mbrtowc(wc, s, len, st);

	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		memset(st, 0, sizeof *st);
		*wc = L'?';
		*cw = 1;
		return 1;
	}
	*cw = wcwidth(*wc);
	if (*cw < 0)
		*cw = 1;
	return n;
}

void
put_key_char(struct buf *b, int key)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key, &st);
	if (n != (size_t)-1)
		buf_append(b, mb, n);
}

int
str_width(const char *s)
{
	mbstate_t st;
	int w = 0, cw;
	size_t len = strlen(s);

	memset(&st, 0, sizeof st);
	while (len > 0) {
		wchar_t wc;
		size_t n = mbchar_next(s, len, &st, &wc, &cw);

		w += cw;
		s += n;
		len -= n;
	}
	return w;
}

size_t
wrap_line(const char *s, int width, size_t *next)
{
	size_t len = strcspn(s, "\n"), i = 0, brk = 0, after = 0;
	int cells = 0;
	mbstate_t st;

	memset(&st, 0, sizeof st);
	while (i < len) {
		wchar_t wc;
		int cw;
		size_t n = mbchar_next(s + i, len - i, &st, &wc, &cw);

		if (s[i] == ' ') {
			/* The line may end before this blank run, the next start after it. */
			if (i > 0 && s[i - 1] != ' ')
				brk = i;
			after = i + 1;
		} else if (cells + cw > width) {
			if (brk > 0) {
				*next = after;
				return brk;
			}
			/* One word wider than the line: cut it (at least one character). */
			if (i == 0)
				i = n;
			*next = i;
			return i;
		}
		cells += cw;
		i += n;
	}
	/* The end of the line (or of s): trailing blanks left out. */
	*next = s[len] == '\n' ? len + 1 : len;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	return len;
}

char *
clip_words(const char *s, int width)
{
	struct buf b = BUF_INIT;
	size_t next, n;

	if (str_width(s) <= width)
		return xstrdup(s);
	if (width <= 1)
		return xstrdup(width == 1 ? "…" : "");
	n = wrap_line(s, width - 1, &next);
	buf_append(&b, s, n);
	while (b.len > 0 && strchr(" ,;:.-/", b.data[b.len - 1]) != NULL)
		b.len--;
	buf_puts(&b, "…");
	return buf_detach(&b);
}

void
wrap_hanging(struct buf *b, const char *first, const char *s, int indent, int width)
{
	int w = width - indent > 1 ? width - indent : 1;

	buf_puts(b, first);
	do {
		size_t next, n = wrap_line(s, w, &next);

		buf_append(b, s, n);
		buf_putc(b, '\n');
		s += next;
		if (*s != '\0')
			buf_printf(b, "%*s", indent, "");
	} while (*s != '\0');
}

int
put_clipped(WINDOW *win, int y, int x, const char *s, int width, attr_t attr, int pair)
{
	mbstate_t st;
	size_t len = strlen(s);
	int used = 0;

	memset(&st, 0, sizeof st);
	wmove(win, y, x);
	while (len > 0 && used < width) {
		wchar_t wc[2] = { 0, 0 };
		int cw;
		size_t n = mbchar_next(s, len, &st, &wc[0], &cw);
		cchar_t cc;

		if (wc[0] < L' ' || wc[0] == 127)
			wc[0] = L' ';
		else if (wcwidth(wc[0]) < 0)
			wc[0] = L'?';
		if (cw == 0) { /* a combining character: attach to the previous cell */
			s += n;
			len -= n;
			continue;
		}
		if (used + cw > width)
			break;
		setcchar(&cc, wc, attr, (short)pair, &pair);
		wadd_wch(win, &cc);
		used += cw;
		s += n;
		len -= n;
	}
	return used;
}

int
put_wrapped(WINDOW *win, int y, int x, const char *s, int width, int maxrows, attr_t attr, int pair)
{
	int rows = 0;

	while (*s != '\0' && rows < maxrows && width > 0) {
		size_t next, n = wrap_line(s, width, &next);
		char *line = xstrndup(s, n);

		put_clipped(win, y + rows, x, line, width, attr, pair);
		free(line);
		rows++;
		s += next;
	}
	return rows;
}

void
frame_draw(WINDOW *w, int h, int width, int first, int last, int focused, const char *title,
           const char *note)
{
	int pair = focused ? colour_pair(COLOR_CYAN, -1) : 0;
	attr_t a = focused ? A_BOLD : A_NORMAL;
	int tw;

	werase(w);
	wattr_set(w, A_NORMAL, (short)pair, &pair);
	mvwadd_wch(w, 0, 0, first ? WACS_ULCORNER : WACS_LTEE);
	mvwhline_set(w, 0, 1, WACS_HLINE, width - 2);
	mvwadd_wch(w, 0, width - 1, first ? WACS_URCORNER : WACS_RTEE);
	for (int y = 1; y < h; y++) {
		mvwadd_wch(w, y, 0, WACS_VLINE);
		mvwadd_wch(w, y, width - 1, WACS_VLINE);
	}
	if (last && h >= 2) {
		mvwadd_wch(w, h - 1, 0, WACS_LLCORNER);
		mvwhline_set(w, h - 1, 1, WACS_HLINE, width - 2);
		mvwadd_wch(w, h - 1, width - 1, WACS_LRCORNER);
	}
	wattr_set(w, A_NORMAL, 0, NULL);
	{
		char *s = xasprintf(" %s ", title);

		tw = put_clipped(w, 0, 1, s, width - 3, a, pair);
		free(s);
	}
	if (note != NULL && note[0] != '\0') {
		char *s = xasprintf(" %s ", note);
		int nw = str_width(s);

		if (1 + tw + nw < width - 2)
			put_clipped(w, 0, width - 1 - nw - 1, s, nw, a, pair);
		free(s);
	}
}

void
pane_frame(struct pane *p, struct tui *t, const char *title, const char *note)
{
	frame_draw(p->win, p->h, p->w, p->first, p->last, t->focus == (enum pane_id)(p - t->panes),
	           title, note);
}

/* A framed window over the screen, titled; NULL when it cannot be made. */
WINDOW *
box_win(int y, int x, int h, int w, const char *title)
{
	WINDOW *win = newwin(h, w, y, x);

	if (win == NULL)
		return NULL;
	frame_draw(win, h, w, 1, 1, 0, title, NULL);
	return win;
}

/* Split text into lines (caller frees each and the array). */
char **
split_lines(const char *text, size_t *n)
{
	char **v = NULL;
	const char *s = text;

	*n = 0;
	while (*s != '\0' || s == text) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		struct buf line = BUF_INIT;

		int indent = 1;

		/* Indenting tabs become two spaces, other tabs one; CR is dropped. */
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\t')
				buf_puts(&line, indent ? "  " : " ");
			else if (s[i] != '\r')
				buf_putc(&line, s[i]);
			if (s[i] != '\t')
				indent = 0;
		}
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = line.data ? buf_detach(&line) : xstrdup("");
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return v;
}
