/*
 * History mode of the agent pane (see histmode.h): the view over the
 * fetched lines, its keys, the fetches as it moves and the searches.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "draw.h"
#include "histmode.h"

/* Lines a fetch asks for around a missing one. */
#define HISTORY_PAGE 200

/* The rows of the agent pane's inside: the view's height (at least 1). */
static int
view_rows(struct tui *t)
{
	int rows = 0, cols = 0;

	if (t->panes[PANE_TERM].h > 2)
		app_pane_inner(&t->panes[PANE_TERM], &rows, &cols);
	return rows > 0 ? rows : 1;
}

static int64_t
page(struct tui *t)
{
	int rows = view_rows(t);

	return rows > 1 ? rows - 1 : 1;
}

/* The last top there is: the screen's last row at the pane's bottom (or the first line). */
static int64_t
top_max(struct tui *t)
{
	const struct histnum *hn = &t->hist.buf.hn;
	int64_t m = histnum_last(hn) - view_rows(t) + 1;

	return m > histnum_first(hn) ? m : histnum_first(hn);
}

static void
clamp(struct tui *t)
{
	struct histmode *h = &t->hist;

	if (h->top > top_max(t))
		h->top = top_max(t);
	if (h->top < histnum_first(&h->buf.hn))
		h->top = histnum_first(&h->buf.hn);
}

static cJSON *
session_args(const struct histmode *h)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "session", h->session);
	return a;
}

/*
 * Ask for what the view lacks: at first the page above the screen's end;
 * then a page around the first line shown that is not held, or, after the
 * screen changed, the lines shown (and with them where the lines stand).
 * One request at a time; the reply asks again if need be.
 */
static void
fetch(struct tui *t)
{
	struct histmode *h = &t->hist;
	int64_t rows = view_rows(t), miss, from, to;
	cJSON *a;

	if (!h->on || h->fetching || t->client == NULL)
		return;
	a = session_args(h);
	cJSON_AddTrueToObject(a, "spans");
	if (!h->buf.have) {
		cJSON_AddNumberToObject(a, "start", -(double)(HISTORY_PAGE + 2 * rows));
	} else {
		to = h->top + rows - 1 < histnum_last(&h->buf.hn) ? h->top + rows - 1
		                                                  : histnum_last(&h->buf.hn);
		miss = histbuf_missing(&h->buf, h->top, to);
		if (miss < 0 && h->gen == h->fetch_gen) {
			cJSON_Delete(a);
			return;
		}
		from = h->top;
		if (miss >= 0) {
			from = miss < h->top + rows / 2 ? miss - HISTORY_PAGE + rows : miss;
			if (from < histnum_first(&h->buf.hn))
				from = histnum_first(&h->buf.hn);
			to = from + HISTORY_PAGE - 1;
		}
		cJSON_AddNumberToObject(a, "from", (double)from);
		cJSON_AddNumberToObject(a, "to", (double)to);
	}
	h->fetch_gen = h->gen;
	if (app_send(t, "history", a, PEND_HISTORY, NULL) == 0)
		h->fetching = 1;
}

void
histmode_open(struct tui *t, int page_up)
{
	struct histmode *h = &t->hist;

	if (t->term.session == NULL || !t->term.have) {
		app_refuse(t, "no agent terminal to scroll back through");
		return;
	}
	if (t->panes[PANE_TERM].h == 0 && !t->wide) {
		t->show_term = 1; /* narrow: the agent's pane over the lists, as t does */
		app_layout(t);
	}
	if (t->panes[PANE_TERM].h == 0) {
		app_refuse(t, "the screen is too small for the agent's pane");
		return;
	}
	if (h->on)
		return;
	histbuf_init(&h->buf);
	h->on = 1;
	h->session = xstrdup(t->term.session);
	h->page_up = page_up;
	h->top = 0;
	h->match = -1;
	h->gen = h->fetch_gen = 0;
	t->focus = PANE_TERM;
	t->dirty = 1;
	fetch(t);
}

void
histmode_close(struct tui *t)
{
	struct histmode *h = &t->hist;

	if (!h->on)
		return;
	histbuf_free(&h->buf);
	free(h->session);
	h->session = NULL;
	editor_free(&h->input);
	h->on = h->searching = h->fetching = h->search_inflight = 0;
	t->dirty = 1;
}

void
histmode_screen_changed(struct tui *t)
{
	if (!t->hist.on)
		return;
	t->hist.gen++;
	fetch(t);
}

/* Scroll by delta lines (or to an end), fetching what comes into view. */
static void
move_by(struct tui *t, int64_t delta)
{
	t->hist.top += delta;
	clamp(t);
	fetch(t);
	t->dirty = 1;
}

/* Search for the pattern from the current match (or the view), in its direction or against it. */
static void
search(struct tui *t, int reverse)
{
	struct histmode *h = &t->hist;
	int backward = h->backward != reverse;
	int64_t rows = view_rows(t), from;
	cJSON *a;

	if (h->pattern[0] == '\0') {
		app_refuse(t, "no search yet: / searches forward, ? backward");
		return;
	}
	if (h->match >= h->top && h->match < h->top + rows)
		from = h->match + (backward ? -1 : 1);
	else
		from = backward ? h->top + rows - 1 : h->top;
	if (from < 0)
		from = 0;
	a = session_args(h);
	cJSON_AddStringToObject(a, "text", h->pattern);
	cJSON_AddNumberToObject(a, "from", (double)from);
	cJSON_AddBoolToObject(a, "backward", backward);
	cJSON_AddTrueToObject(a, "wrap");
	if (app_send(t, "history-search", a, PEND_HISTORY_SEARCH, NULL) == 0)
		h->search_inflight = 1;
}

/* A key on the open search line: Enter searches, Esc closes it, others edit. */
static void
search_key(struct tui *t, int key)
{
	struct histmode *h = &t->hist;

	if (key == KEY_ESCAPE) {
		h->searching = 0;
		editor_free(&h->input);
	} else if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) {
		const char *text = editor_text(&h->input);

		if (strlen(text) > HISTMODE_PATTERN_MAX) {
			app_refuse(t, "a search of %zu bytes: at most %d", strlen(text),
			           HISTMODE_PATTERN_MAX);
			return;
		}
		if (text[0] != '\0')
			snprintf(h->pattern, sizeof h->pattern, "%s", text);
		h->backward = h->searching == '?';
		h->searching = 0;
		editor_free(&h->input);
		search(t, 0);
	} else
		editor_key(&h->input, key);
	t->dirty = 1;
}

/* 1 when key moves the view, with *delta the lines it moves the top by. */
static int
movement(struct tui *t, int key, enum tui_request req, int64_t *delta)
{
	const struct histmode *h = &t->hist;

	if (req == REQ_MOVE_DOWN || req == REQ_MOVE_UP)
		*delta = req == REQ_MOVE_DOWN ? 1 : -1;
	else if (req == REQ_PAGE_DOWN || req == REQ_PAGE_UP)
		*delta = req == REQ_PAGE_DOWN ? page(t) : -page(t);
	else if (key == 'g' || key == (KEYS_FN | KEY_HOME))
		*delta = histnum_first(&h->buf.hn) - h->top;
	else if (key == 'G' || key == (KEYS_FN | KEY_END))
		*delta = top_max(t) - h->top;
	else
		return 0;
	return 1;
}

int
histmode_key(struct tui *t, int key)
{
	struct histmode *h = &t->hist;
	enum tui_request req;
	int64_t delta;

	if (!h->on)
		return 0;
	if (h->searching) {
		search_key(t, key);
		return 1;
	}
	req = keymap_lookup(&t->keys, key);
	if (movement(t, key, req, &delta)) {
		if (h->buf.have) /* else nothing to move over yet: a second PgUp stays */
			move_by(t, delta);
	} else if (key == '/' || key == '?') {
		h->searching = key;
		editor_init(&h->input, NULL, 0);
		t->dirty = 1;
	} else if (key == 'n' || key == 'N')
		search(t, key == 'N');
	else {
		histmode_close(t); /* q, Esc and every other key: back to live, nothing else */
		app_message(t, 0, "back to the live screen");
	}
	return 1;
}

int
histmode_paste(struct tui *t, const char *text)
{
	if (!t->hist.on || !t->hist.searching)
		return 0;
	editor_paste(&t->hist.input, text);
	t->dirty = 1;
	return 1;
}

void
histmode_reply(struct tui *t, const struct proto_msg *m)
{
	struct histmode *h = &t->hist;
	struct result_history r;
	struct df_error err;
	int first = !h->buf.have;

	h->fetching = 0;
	if (!h->on)
		return;
	if (!m->ok) {
		histmode_close(t);
		app_message_error(t, &m->error);
		return;
	}
	if (result_history_parse(m->result, &r, &err) != 0 || strcmp(r.session, h->session) != 0) {
		result_history_free(&r);
		return;
	}
	histbuf_put(&h->buf, &r, h->top);
	result_history_free(&r);
	if (first)
		h->top = top_max(t) - (h->page_up ? page(t) : 0);
	clamp(t);
	t->dirty = 1;
	fetch(t);
}

void
histmode_search_reply(struct tui *t, const struct proto_msg *m)
{
	struct histmode *h = &t->hist;
	struct result_history_search r;
	struct df_error err;
	int64_t rows = view_rows(t);

	h->search_inflight = 0;
	if (!h->on)
		return;
	if (!m->ok) {
		app_message_error(t, &m->error);
		return;
	}
	if (result_history_search_parse(m->result, &r, &err) != 0) {
		app_message_error(t, &err);
		return;
	}
	if (!r.found) {
		h->match = -1;
		app_message(t, 1, "not found: %s", h->pattern);
		return;
	}
	h->match = r.line;
	if (r.wrapped)
		app_message(t, 0, "search wrapped: went on from the %s line",
		            h->backward ? "last" : "first");
	if (h->match < h->top || h->match >= h->top + rows)
		h->top = h->match - rows / 2;
	clamp(t);
	fetch(t);
	t->dirty = 1;
}

/* The cells of row's text from byte off for len bytes: the first at *x, *w of them. */
static void
cells_of(const char *text, size_t off, size_t len, int *x, int *w)
{
	char *pre = xstrndup(text, off), *hit = xstrndup(text + off, len);

	*x = str_width(pre);
	*w = str_width(hit);
	free(pre);
	free(hit);
}

/* Highlight the pattern's matches on row y of win (the current match's line in yellow). */
static void
highlight(struct tui *t, WINDOW *win, int y, int cols, const struct proto_row *row, int current)
{
	const char *pat = t->hist.pattern;
	char *text;
	size_t off = 0, len = strlen(pat);
	long at;
	int pair = current ? colour_pair(COLOR_BLACK, COLOR_YELLOW) : 0;
	attr_t a = current ? (pair ? A_BOLD : A_BOLD | A_REVERSE) : A_REVERSE;

	if (len == 0)
		return;
	text = histbuf_text(row);
	while ((at = str_search(text + off, pat)) >= 0) {
		int x, w;

		cells_of(text, off + (size_t)at, len, &x, &w);
		if (x >= cols)
			break;
		mvwchgat(win, y, x, x + w > cols ? cols - x : w, a, (short)pair, NULL);
		off += (size_t)at + len;
	}
	free(text);
}

void
histmode_draw(struct tui *t, WINDOW *win, int rows, int cols)
{
	struct histmode *h = &t->hist;
	int missing = 0;

	for (int y = 0; y < rows; y++) {
		const struct proto_row *row =
		    h->buf.have ? histbuf_line(&h->buf, h->top + y) : NULL;

		wmove(win, y, 0);
		wclrtoeol(win);
		if (row == NULL) {
			missing |= h->buf.have && h->top + y <= histnum_last(&h->buf.hn);
			continue;
		}
		term_draw_row(win, y, row, cols);
		highlight(t, win, y, cols, row, h->top + y == h->match);
	}
	if (!h->buf.have)
		put_clipped(win, 0, 1, "loading the history…", cols - 1, A_DIM, 0);
	if (missing)
		fetch(t); /* the pane grew (a resize): what it now shows */
}

void
histmode_note(const struct tui *t, char *out, size_t n)
{
	const struct histmode *h = &t->hist;
	const struct histnum *hn = &h->buf.hn;

	if (!h->buf.have)
		snprintf(out, n, "[history]");
	else
		snprintf(out, n, "[history %lld/%lld]", (long long)(h->top - histnum_first(hn) + 1),
		         (long long)(hn->size + hn->rows));
}

void
histmode_draw_prompt(struct tui *t)
{
	struct histmode *h = &t->hist;
	WINDOW *win;
	char *s;
	int w;

	if (!h->on || !h->searching || (win = newwin(1, COLS, LINES - 1, 0)) == NULL)
		return;
	s = xasprintf("%c%s", h->searching, editor_text(&h->input));
	w = str_width(s);
	put_clipped(win, 0, 0, s, COLS - 1, A_BOLD, 0);
	put_clipped(win, 0, w < COLS - 1 ? w : COLS - 1, " ", 1, A_REVERSE, 0);
	put_clipped(win, 0, w + 2 < COLS ? w + 2 : COLS,
	            h->searching == '/' ? "  Enter search forward · Esc cancel"
	                                : "  Enter search backward · Esc cancel",
	            COLS - w - 2, A_DIM, 0);
	free(s);
	wnoutrefresh(win);
	delwin(win);
}

const char *const *
histmode_hints(void)
{
	static const char *const hints[] = { "j/k line", "PgUp/PgDn page", "g/G ends", "/ ? search",
		                             "n/N next", "q live",         NULL };

	return hints;
}
