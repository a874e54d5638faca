/*
 * The agent terminal pane: the live screen of the selected run's session,
 * kept from the server's screen messages (a snapshot, then damaged rows)
 * and drawn as styled spans. Colours go through colour.c; wide characters
 * advance by their width and every row starts with a wmove, so a client
 * whose wcwidth disagrees with libvterm is re-aligned at the next span.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "draw.h"

static void
free_rows(struct term_screen *ts)
{
	for (int y = 0; y < ts->rows; y++) {
		for (size_t i = 0; i < ts->rowv[y].nspans; i++)
			free(ts->rowv[y].spans[i].text);
		free(ts->rowv[y].spans);
	}
	free(ts->rowv);
	ts->rowv = NULL;
}

void
term_reset(struct tui *t)
{
	struct term_screen *ts = &t->term;

	histmode_close(t); /* its session is no longer shown */
	free_rows(ts);
	free(ts->session);
	free(ts->title);
	free(ts->error);
	free(ts->state);
	memset(ts, 0, sizeof *ts);
}

void
term_apply(struct tui *t, struct proto_screen *s)
{
	struct term_screen *ts = &t->term;

	if (ts->session == NULL || s->session == NULL || strcmp(ts->session, s->session) != 0)
		return;
	if (s->full || s->rows != ts->rows || s->cols != ts->cols || ts->rowv == NULL) {
		free_rows(ts);
		ts->rows = s->rows;
		ts->cols = s->cols;
		ts->rowv = xcalloc((size_t)s->rows, sizeof *ts->rowv);
		for (int y = 0; y < s->rows; y++)
			ts->rowv[y].y = y;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		struct proto_row *src = &s->rowv[i], *dst;

		if (src->y < 0 || src->y >= ts->rows)
			continue;
		dst = &ts->rowv[src->y];
		for (size_t k = 0; k < dst->nspans; k++)
			free(dst->spans[k].text);
		free(dst->spans);
		/* Take the spans over from the message. */
		dst->spans = src->spans;
		dst->nspans = src->nspans;
		src->spans = NULL;
		src->nspans = 0;
	}
	ts->cursor_row = s->cursor_row;
	ts->cursor_col = s->cursor_col;
	ts->cursor_visible = s->cursor_visible;
	free(ts->title);
	ts->title = xstrdup(s->title != NULL ? s->title : "");
	free(ts->state);
	ts->state = s->state != NULL ? xstrdup(s->state) : NULL;
	ts->have = 1;
	t->dirty = 1;
	histmode_screen_changed(t);
}

static attr_t
span_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & PROTO_ATTR_BOLD)
		r |= A_BOLD;
	if (a & PROTO_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & PROTO_ATTR_ITALIC)
		r |= A_ITALIC;
	if (a & PROTO_ATTR_BLINK)
		r |= A_BLINK;
	if (a & PROTO_ATTR_REVERSE)
		r |= A_REVERSE;
	if (a & PROTO_ATTR_CONCEAL)
		r |= A_INVIS;
	return r;
}

/* Draw one span's text from column x (window coordinates y0/x0 added); returns the next column. */
static int
draw_span(WINDOW *win, int wy, int x0, int x, int limit, const struct proto_span *sp, attr_t attr,
          int pair)
{
	const char *s = sp->text;
	size_t len = strlen(s);
	mbstate_t st;

	memset(&st, 0, sizeof st);
	while (len > 0 && x < limit) {
		wchar_t wc[CCHARW_MAX + 1];
		int nwc = 0, cw;
		size_t n = mbrtowc(&wc[0], s, len, &st);
		cchar_t cc;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			wc[0] = 0xFFFD;
		}
		s += n;
		len -= n;
		nwc = 1;
		if (wc[0] < L' ' || wc[0] == 127)
			wc[0] = L' ';
		/* Combining characters that follow belong to this cell. */
		while (len > 0 && nwc < CCHARW_MAX - 1) {
			wchar_t c2;
			mbstate_t st2 = st;
			size_t n2 = mbrtowc(&c2, s, len, &st2);

			if (n2 == (size_t)-1 || n2 == (size_t)-2 || n2 == 0 || wcwidth(c2) != 0)
				break;
			wc[nwc++] = c2;
			s += n2;
			len -= n2;
			st = st2;
		}
		wc[nwc] = 0;
		cw = wcwidth(wc[0]);
		if (cw < 0) { /* unknown to this libc: a padded replacement */
			wc[0] = 0xFFFD;
			wc[1] = 0;
			cw = 1;
		}
		if (cw == 0) {
			wc[0] = L' ';
			wc[1] = 0;
			cw = 1;
		}
		if (x + cw > limit) { /* a wide character cut by the edge */
			wc[0] = L' ';
			wc[1] = 0;
			cw = 1;
		}
		setcchar(&cc, wc, attr, (short)pair, &pair);
		mvwadd_wch(win, wy, x0 + x, &cc);
		x += cw;
	}
	return x;
}

void
term_draw_row(WINDOW *win, int y, const struct proto_row *row, int limit)
{
	int ncolors = colour_enabled() ? COLORS : 0;

	wmove(win, y, 0);
	for (size_t i = 0; i < row->nspans; i++) {
		const struct proto_span *sp = &row->spans[i];
		int bold = 0, b2 = 0, fg, bg, pair;
		attr_t a = span_attrs(sp->attrs);
		int end = i + 1 < row->nspans ? row->spans[i + 1].x : limit;

		if (sp->x >= limit)
			break;
		fg = colour_map(sp->fg, ncolors, &bold);
		bg = colour_map(sp->bg, ncolors, &b2);
		if (bold)
			a |= A_BOLD;
		pair = colour_pair(fg, bg);
		draw_span(win, y, 0, sp->x, end < limit ? end : limit, sp, a, pair);
	}
}

void
term_draw_full(struct tui *t, WINDOW *win, int rows, int cols)
{
	struct term_screen *ts = &t->term;

	for (int y = 0; y < rows; y++) {
		wmove(win, y, 0);
		wclrtoeol(win);
	}
	for (int y = 0; y < rows && y < ts->rows; y++)
		term_draw_row(win, y, &ts->rowv[y], cols < ts->cols ? cols : ts->cols);
	if (ts->cursor_visible && ts->cursor_row < rows && ts->cursor_col < cols &&
	    ts->cursor_row < ts->rows) {
		cchar_t cc;

		if (mvwin_wch(win, ts->cursor_row, ts->cursor_col, &cc) != ERR) {
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pr;

			getcchar(&cc, wc, &a, &pr, NULL);
			setcchar(&cc, wc, a ^ A_REVERSE, pr, NULL);
			mvwadd_wch(win, ts->cursor_row, ts->cursor_col, &cc);
		}
	}
}

static void
term_draw(struct pane *p, struct tui *t)
{
	struct term_screen *ts = &t->term;
	const struct model_status *s = t->sel_run ? model_status(&t->model, t->sel_run) : NULL;
	const struct model_session *ss = model_live_session(s);
	char title[160], note[40] = "";
	const char *phase = "";
	WINDOW *inner;

	if (ss != NULL)
		for (size_t i = 0; i < s->nphases; i++)
			if (strcmp(s->phases[i].id, ss->phase_id) == 0)
				phase = s->phases[i].key;
	if (ss != NULL) {
		/*
		 * The session's state as status said it last, unless the screen
		 * says what detection sees now: no event follows an agent from
		 * idle to busy, so a spinner would sit under "idle". At a gate
		 * the engine's waiting_for_approval says more (a redraw there
		 * is no work).
		 */
		const char *st = ts->state != NULL && ts->session != NULL &&
		                         strcmp(ts->session, ss->id) == 0 &&
		                         model_session_live(ss->state) &&
		                         strcmp(ss->state, "WAITING_FOR_APPROVAL") != 0
		                     ? ts->state
		                     : ss->state;

		snprintf(title, sizeof title, "Agent · run %.8s · %s · %s → %s", t->sel_run, phase,
		         ss->role, ss->backend);
		for (size_t i = 0; i < sizeof note - 1 && st[i]; i++)
			note[i] = (char)(st[i] >= 'A' && st[i] <= 'Z' ? st[i] + 32 : st[i]);
	} else
		snprintf(title, sizeof title, "Agent");
	if (t->hist.on && ss != NULL) {
		/* The position where it is sure to be seen: role and state make room for it. */
		char pos[64];

		histmode_note(t, pos, sizeof pos);
		snprintf(title, sizeof title, "Agent · run %.8s · %s %s", t->sel_run, phase, pos);
		note[0] = '\0';
	}
	pane_frame(p, t, title, note);
	if (ss == NULL) {
		put_clipped(p->win, 1, 2,
		            t->sel_run ? "this run has no agent session" : "no run selected",
		            p->w - 4, A_DIM, 0);
		return;
	}
	if (!model_session_live(ss->state) && !ts->have) {
		char *msg = xasprintf("the agent's session has ended (%s)", note);

		put_clipped(p->win, 1, 2, msg, p->w - 4, A_DIM, 0);
		free(msg);
		return;
	}
	if (!ts->have) {
		put_clipped(p->win, 1, 2, ts->error ? ts->error : "waiting for the screen…",
		            p->w - 4, A_DIM, 0);
		return;
	}
	inner = derwin(p->win, p->h - 1 - (p->last ? 1 : 0), p->w - 2, 1, 1);
	if (inner != NULL) {
		int r, c;

		getmaxyx(inner, r, c);
		if (t->hist.on)
			histmode_draw(t, inner, r, c);
		else
			term_draw_full(t, inner, r, c);
		delwin(inner);
	}
}

/* PgUp enters history mode, a page above the screen. */
static enum pane_result
term_handle(struct pane *p, struct tui *t, enum tui_request req, const char **run)
{
	(void)p;
	(void)run;
	if (req != REQ_PAGE_UP)
		return PANE_IGNORED;
	histmode_open(t, 1);
	return PANE_HANDLED;
}

static enum pane_result
term_refresh(struct pane *p, struct tui *t, const char **run)
{
	(void)p;
	(void)t;
	(void)run;
	return PANE_HANDLED;
}

static size_t
term_count(struct pane *p, struct tui *t)
{
	(void)p;
	return (size_t)t->term.rows;
}

const struct pane_ops term_ops = {
	.name = "terminal",
	.draw = term_draw,
	.handle = term_handle,
	.reload = term_refresh,
	.count = term_count,
};
