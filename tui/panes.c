/*
 * The list panes — runs, phases of the selected run, the approval queue
 * ("Waiting for you") and the selected run's events — each an ops table
 * (draw, handle, refresh, count) over the model, plus what every list
 * pane shares: the selection's attributes, its moves, its scrolling.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "abbrev.h"
#include "draw.h"

/* Fill the rest of a line inside the frame with blanks in attr. */
static void
fill(WINDOW *win, int y, int x, int width, attr_t attr, int pair)
{
	cchar_t cc;
	wchar_t sp[2] = { L' ', 0 };

	setcchar(&cc, sp, attr, (short)pair, &pair);
	for (int i = 0; i < width; i++)
		mvwadd_wch(win, y, x + i, &cc);
}

/* Rows of content inside the frame. */
static int
content_rows(const struct pane *p)
{
	int r, c;

	app_pane_inner(p, &r, &c);
	return r < 0 ? 0 : r;
}

void
pane_line_attr(struct pane *p, struct tui *t, size_t line, attr_t *attr, int *pair)
{
	*attr = A_NORMAL;
	*pair = 0;
	if (line == p->list.sel && t->focus == (enum pane_id)(p - t->panes))
		*attr = A_REVERSE;
}

int
pane_move(struct pane *p, struct tui *t, enum tui_request req)
{
	/* The selection was set from outside (a click, a row found): nothing to move. */
	if (req == REQ_NONE) {
		t->dirty = 1;
		return 1;
	}
	if (!list_move(&p->list, p->ops->count(p, t), content_rows(p), req))
		return 0;
	t->dirty = 1;
	return 1;
}

/*
 * Frame a list pane of n rows: the selection clamped and kept in view
 * first, so that the position in the title's note ("12/301") is the one
 * drawn.
 */
static void
list_frame(struct pane *p, struct tui *t, const char *title, size_t n)
{
	char pos[48];

	list_clamp(&p->list, n, content_rows(p));
	list_indicator(&p->list, n, pos, sizeof pos);
	pane_frame(p, t, title, pos);
}

/* Pad or clip s to exactly width cells into b. */
static void
col(struct buf *b, const char *s, int width)
{
	int w = 0, cw;
	mbstate_t st;
	size_t len = strlen(s);

	memset(&st, 0, sizeof st);
	while (len > 0) {
		wchar_t wc;
		size_t n = mbchar_next(s, len, &st, &wc, &cw);

		if (w + cw > width)
			break;
		buf_append(b, s, n);
		w += cw;
		s += n;
		len -= n;
	}
	for (; w < width; w++)
		buf_putc(b, ' ');
}

/* ---- Runs ------------------------------------------------------------------ */

size_t
app_visible_runs(struct tui *t, struct model_run ***out)
{
	struct model_run **v = xcalloc(t->model.nruns + 1, sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < t->model.nruns; i++) {
		struct model_run *r = &t->model.runs[i];

		if (t->filter != NULL && t->filter[0] != '\0' &&
		    strcasestr(r->id, t->filter) == NULL &&
		    strcasestr(r->repo, t->filter) == NULL &&
		    strcasestr(r->state, t->filter) == NULL &&
		    strcasestr(r->base, t->filter) == NULL &&
		    strcasestr(r->template_name, t->filter) == NULL &&
		    strcasestr(r->phase, t->filter) == NULL)
			continue;
		v[n++] = r;
	}
	*out = v;
	return n;
}

static size_t
runs_count(struct pane *p, struct tui *t)
{
	struct model_run **v;
	size_t n = app_visible_runs(t, &v);

	(void)p;
	free(v);
	return n;
}

/* How long r has been (waiting: since its oldest queue item) into age. */
static void
run_age(struct tui *t, const struct model_run *r, time_t now, char age[16])
{
	time_t since = r->created ? r->created : r->changed;

	for (size_t k = 0; r->waiting && k < t->model.nqueue; k++)
		if (strcmp(t->model.queue[k].run_id, r->id) == 0) {
			since = t->model.queue[k].since;
			break;
		}
	model_age(now - since, age);
}

/* The runs' columns in display order. */
enum { RC_REPO, RC_BASE, RC_TEMPLATE, RC_STATE, RC_PHASE, RC__COUNT };

struct runs_cols {
	int on[RC__COUNT], width[RC__COUNT];
	int abbr; /* states by their short names (abbrev.h) */
	int left; /* cells for the columns, the age's left aside */
};

static int
max_width(int w, const char *s, int cap)
{
	int sw = str_width(s);

	if (sw > cap)
		sw = cap;
	return sw > w ? sw : w;
}

/* Add column c when it fits in *used: 1 when it did. */
static int
runs_col_fits(struct runs_cols *c, int col, int width, int *used)
{
	if (width <= 0 || *used + width + 1 > c->left)
		return 0;
	c->on[col] = 1;
	c->width[col] = width;
	*used += width + 1;
	return 1;
}

/*
 * The columns the runs get in inner cells: each as wide as its widest
 * entry (states 17, the longest state), by priority — repository, state,
 * phase, then base and template where they fit. When the first three do
 * not fit, states take their short names (abbrev.h), then the phase goes:
 * a name is never cut mid-word (a repository over 20 cells ends in "…").
 */
static void
runs_layout(struct tui *t, struct model_run **v, size_t n, int inner, time_t now,
            struct runs_cols *c)
{
	int w[RC__COUNT] = { 0 }, rw = 0, used;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n; i++) {
		char age[16], right[24];

		run_age(t, v[i], now, age);
		snprintf(right, sizeof right, "%s%s", v[i]->waiting ? "⚑ " : "", age);
		rw = max_width(rw, right, 24);
		w[RC_REPO] = max_width(w[RC_REPO], v[i]->repo, 20);
		w[RC_BASE] = max_width(w[RC_BASE], v[i]->base, 16);
		w[RC_TEMPLATE] = max_width(w[RC_TEMPLATE], v[i]->template_name, 16);
		if (!v[i]->terminal)
			w[RC_PHASE] = max_width(w[RC_PHASE], v[i]->phase, 16);
	}
	/* States are a known few: the longest one's width keeps the column put. */
	w[RC_STATE] = n > 0 ? 17 : 0;
	c->left = inner - rw - 1;
	/* "▶ " and the id: 10 cells, each column one more for its blank. */
	if (10 + w[RC_REPO] + 1 + w[RC_STATE] + 1 + (w[RC_PHASE] ? w[RC_PHASE] + 1 : 0) > c->left &&
	    w[RC_STATE] > ABBREV_STATE_WIDTH) {
		c->abbr = 1;
		w[RC_STATE] = ABBREV_STATE_WIDTH;
	}
	used = 10;
	if (!runs_col_fits(c, RC_REPO, w[RC_REPO], &used) && c->left - used - 1 >= 4)
		runs_col_fits(c, RC_REPO, c->left - used - 1, &used);
	if (runs_col_fits(c, RC_STATE, w[RC_STATE], &used))
		runs_col_fits(c, RC_PHASE, w[RC_PHASE], &used);
	if (runs_col_fits(c, RC_BASE, w[RC_BASE], &used))
		runs_col_fits(c, RC_TEMPLATE, w[RC_TEMPLATE], &used);
}

static void
runs_draw(struct pane *p, struct tui *t)
{
	struct model_run **v;
	size_t n = app_visible_runs(t, &v);
	int rows = content_rows(p), inner = p->w - 2;
	time_t now = time(NULL);
	char title[128];
	struct runs_cols cols;

	if (t->filter != NULL && t->filter[0] != '\0')
		snprintf(title, sizeof title, "Runs · /%s", t->filter);
	else
		snprintf(title, sizeof title, "Runs");
	list_frame(p, t, title, n);
	if (n == 0 && rows > 0) {
		char k[64], *empty;

		/* The key that starts one, as bound (keys.conf may move it). */
		keymap_keys_of(&t->keys, REQ_NEW_RUN, k, sizeof k);
		*strchrnul(k, ' ') = '\0';
		empty = t->model.nruns ? xstrdup("no run matches the filter")
		        : k[0]         ? xasprintf("no runs yet — press %s to start one", k)
		                       : xstrdup("no runs yet");
		put_clipped(p->win, 1, 2, empty, inner - 2, A_DIM, 0);
		free(empty);
	}
	runs_layout(t, v, n, inner, now, &cols);
	for (int i = 0; i < rows && p->list.top + (size_t)i < n; i++) {
		struct model_run *r = v[p->list.top + (size_t)i];
		struct buf b = BUF_INIT;
		char age[16], right[24];
		int selected = t->sel_run != NULL && strcmp(t->sel_run, r->id) == 0;
		int rw;
		attr_t a;
		int pair;
		int term = r->terminal;
		const char *shown_phase = term ? "" : r->phase;

		/* A waiting run shows how long it has waited. */
		run_age(t, r, now, age);
		snprintf(right, sizeof right, "%s%s", r->waiting ? "⚑ " : "", age);
		rw = str_width(right);
		buf_puts(&b, selected ? "▶ " : "  ");
		col(&b, r->id, 8);
		buf_putc(&b, ' ');
		{
			const char *val[RC__COUNT] = { r->repo, r->base, r->template_name,
				                       cols.abbr ? abbrev_state(r->state)
				                                 : r->state,
				                       shown_phase };

			for (int c = 0; c < RC__COUNT; c++)
				if (cols.on[c]) {
					char *shown = clip_words(val[c], cols.width[c]);

					col(&b, shown, cols.width[c]);
					buf_putc(&b, ' ');
					free(shown);
				}
		}
		pane_line_attr(p, t, p->list.top + (size_t)i, &a, &pair);
		if (term && a == A_NORMAL)
			a = A_DIM;
		fill(p->win, 1 + i, 1, inner, a, pair);
		put_clipped(p->win, 1 + i, 1, b.data, cols.left, a, pair);
		put_clipped(p->win, 1 + i, 1 + inner - rw, right, rw, r->waiting ? a | A_BOLD : a,
		            r->waiting && a == A_NORMAL ? colour_pair(COLOR_YELLOW, -1) : pair);
		buf_free(&b);
	}
	free(v);
}

static enum pane_result
runs_refresh(struct pane *p, struct tui *t, const char **run)
{
	struct model_run **v;
	size_t n = app_visible_runs(t, &v);
	enum pane_result r = PANE_HANDLED;

	/* Keep the selection on the selected run when the list changes. */
	if (t->sel_run != NULL)
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i]->id, t->sel_run) == 0)
				p->list.sel = i;
	list_clamp(&p->list, n, 0);
	if (n > 0 && (t->sel_run == NULL || strcmp(v[p->list.sel]->id, t->sel_run) != 0)) {
		*run = v[p->list.sel]->id;
		r = PANE_SELECT_RUN;
	} else if (n == 0 && t->sel_run != NULL) {
		*run = NULL;
		r = PANE_SELECT_RUN;
	}
	free(v);
	return r;
}

static enum pane_result
runs_handle(struct pane *p, struct tui *t, enum tui_request req, const char **run)
{
	struct model_run **v;
	size_t n;
	enum pane_result r = PANE_HANDLED;

	if (!pane_move(p, t, req))
		return PANE_IGNORED;
	n = app_visible_runs(t, &v);
	if (p->list.sel < n) {
		*run = v[p->list.sel]->id;
		r = PANE_SELECT_RUN;
	}
	free(v);
	return r;
}

static void
runs_row_text(struct pane *p, struct tui *t, size_t i, struct buf *b)
{
	struct model_run **v;
	size_t n = app_visible_runs(t, &v);

	(void)p;
	if (i < n)
		buf_printf(b, "%s %s %s %s %s %s", v[i]->id, v[i]->repo, v[i]->base,
		           v[i]->template_name, v[i]->state, v[i]->phase);
	free(v);
}

const struct pane_ops runs_ops = {
	.name = "runs",
	.draw = runs_draw,
	.handle = runs_handle,
	.reload = runs_refresh,
	.count = runs_count,
	.row_text = runs_row_text,
};

/* ---- Phases ---------------------------------------------------------------- */

static struct model_status *
sel_status(struct tui *t)
{
	return t->sel_run != NULL ? model_status(&t->model, t->sel_run) : NULL;
}

static size_t
phases_count(struct pane *p, struct tui *t)
{
	struct model_status *s = sel_status(t);

	(void)p;
	return s != NULL ? s->nphases : 0;
}

/*
 * " role → persona/backend", or "" when the phase names no role; brief:
 * " persona/backend" when the role is the persona's name (as it mostly
 * is), for narrow panes.
 */
static char *
phase_binding(const struct model_phase *ph, int brief)
{
	if (ph->role[0] == '\0')
		return xstrdup("");
	if (ph->persona == NULL && ph->backend == NULL)
		return xasprintf(" %s", ph->role);
	if (brief && ph->persona != NULL && strcmp(ph->persona, ph->role) == 0)
		return xasprintf(" %s%s%s", ph->persona, ph->backend ? "/" : "",
		                 ph->backend ? ph->backend : "");
	return xasprintf(" %s → %s%s%s", ph->role, ph->persona ? ph->persona : "",
	                 ph->persona && ph->backend ? "/" : "", ph->backend ? ph->backend : "");
}

/* How the phases are drawn: column widths, the short forms used. */
struct phases_cols {
	int kw, sw, aw, rw, tw; /* key, state, attempts, binding, title (0: none) */
	int brief;              /* bindings as " persona/backend" */
	int abbr;               /* states by their short names (abbrev.h) */
	int bind;               /* the bindings shown at all */
};

static int
phases_base(const struct phases_cols *c)
{
	return 3 + c->kw + 1 + c->sw + c->aw + (c->bind ? c->rw : 0);
}

/*
 * The columns of n phases in inner cells: each as wide as its widest
 * entry. What does not fit is shortened deliberately, in this order:
 * the title (left out below 8 cells, else ending in "…" at a word), the
 * bindings (" persona/backend" when the role is the persona's), the
 * states (abbrev.h), then the bindings go — never a key or name cut.
 */
static void
phases_layout(const struct model_status *s, size_t n, int inner, struct phases_cols *c)
{
	int sw = 0, swa = 0, rwf = 0, rwb = 0, maxt = 0;

	memset(c, 0, sizeof *c);
	for (size_t k = 0; k < n; k++) {
		char *full = phase_binding(&s->phases[k], 0),
		     *brief = phase_binding(&s->phases[k], 1);

		c->kw = max_width(c->kw, s->phases[k].key, 16);
		sw = max_width(sw, s->phases[k].state, 32);
		swa = max_width(swa, abbrev_state(s->phases[k].state), 32);
		maxt = max_width(maxt, s->phases[k].title, 1000);
		rwf = max_width(rwf, full, 1000);
		rwb = max_width(rwb, brief, 1000);
		if (s->phases[k].attempts > 1)
			c->aw = 3;
		free(full);
		free(brief);
	}
	c->bind = 1;
	c->sw = sw;
	c->rw = rwf;
	if (phases_base(c) > inner) {
		c->brief = 1;
		c->rw = rwb;
	}
	if (phases_base(c) > inner) {
		c->abbr = 1;
		c->sw = swa;
	}
	if (phases_base(c) > inner)
		c->bind = 0;
	/*
	 * Where there is room, keys get 9 cells and states 17 (the longest), so
	 * the columns stay put as phases arrive and states change.
	 */
	if (!c->abbr &&
	    3 + (c->kw < 9 ? 9 : c->kw) + 1 + 17 + c->aw + (c->bind ? c->rw : 0) <= inner) {
		c->kw = c->kw < 9 ? 9 : c->kw;
		c->sw = 17;
	}
	/* The title comes last: only when every other column is whole. */
	if (c->bind && !c->brief && maxt > 0 && inner - phases_base(c) - 1 >= 8)
		c->tw = inner - phases_base(c) - 1 < maxt ? inner - phases_base(c) - 1 : maxt;
}

/* One phase's line into b, as the columns say. */
static void
phase_line(struct buf *b, const struct model_phase *ph, const struct phases_cols *c)
{
	char num[16];

	snprintf(num, sizeof num, "%2d ", ph->seq);
	buf_puts(b, num);
	col(b, ph->key, c->kw);
	buf_putc(b, ' ');
	if (c->tw > 0) {
		char *title = clip_words(ph->title, c->tw);

		col(b, title, c->tw);
		buf_putc(b, ' ');
		free(title);
	}
	col(b, c->abbr ? abbrev_state(ph->state) : ph->state, c->sw);
	if (ph->attempts > 1)
		buf_printf(b, " ×%d", ph->attempts);
	else if (c->aw > 0)
		buf_puts(b, "   ");
	if (c->bind) {
		char *bind = phase_binding(ph, c->brief);

		buf_puts(b, bind);
		free(bind);
	}
}

/* seq key [title] state [×n] role → persona/backend (phases_layout says how wide). */
static void
phases_draw(struct pane *p, struct tui *t)
{
	struct model_status *s = sel_status(t);
	int rows = content_rows(p), inner = p->w - 2;
	char title[64];
	size_t n = s != NULL ? s->nphases : 0;
	struct phases_cols c;

	phases_layout(s, n, inner, &c);
	snprintf(title, sizeof title, t->sel_run ? "Phases · %.8s" : "Phases",
	         t->sel_run ? t->sel_run : "");
	list_frame(p, t, title, n);
	for (int i = 0; i < rows && p->list.top + (size_t)i < n; i++) {
		struct model_phase *ph = &s->phases[p->list.top + (size_t)i];
		struct buf b = BUF_INIT;
		attr_t a;
		int pair;

		phase_line(&b, ph, &c);
		pane_line_attr(p, t, p->list.top + (size_t)i, &a, &pair);
		if (a == A_NORMAL && strcmp(ph->state, "awaiting_approval") == 0) {
			a = A_BOLD;
			pair = colour_pair(COLOR_YELLOW, -1);
		} else if (a == A_NORMAL && strcmp(ph->state, "failed") == 0)
			pair = colour_pair(COLOR_RED, -1);
		else if (a == A_NORMAL && strcmp(ph->state, "completed") == 0)
			pair = colour_pair(COLOR_GREEN, -1);
		fill(p->win, 1 + i, 1, inner, a, pair);
		put_clipped(p->win, 1 + i, 1, b.data, inner, a, pair);
		buf_free(&b);
	}
}

static enum pane_result
list_handle(struct pane *p, struct tui *t, enum tui_request req, const char **run)
{
	(void)run;
	return pane_move(p, t, req) ? PANE_HANDLED : PANE_IGNORED;
}

static enum pane_result
list_refresh(struct pane *p, struct tui *t, const char **run)
{
	size_t n = p->ops->count(p, t);

	(void)run;
	list_clamp(&p->list, n, 0);
	return PANE_HANDLED;
}

static void
phases_row_text(struct pane *p, struct tui *t, size_t i, struct buf *b)
{
	struct model_status *s = sel_status(t);

	(void)p;
	if (s != NULL && i < s->nphases) {
		struct model_phase *ph = &s->phases[i];
		char *bind = phase_binding(ph, 0);

		buf_printf(b, "%d %s %s %s%s", ph->seq, ph->key, ph->title, ph->state, bind);
		free(bind);
	}
}

const struct pane_ops phases_ops = {
	.name = "phases",
	.draw = phases_draw,
	.handle = list_handle,
	.reload = list_refresh,
	.count = phases_count,
	.row_text = phases_row_text,
};

/* ---- Approval queue ------------------------------------------------------------ */

static size_t
queue_count(struct pane *p, struct tui *t)
{
	(void)p;
	return t->model.nqueue;
}

/* The shortest a question's text is cut to before its answers shrink to their keys. */
#define QUEUE_TEXT_MIN 12

/*
 * A question whose answers are known, on row y after the head in b (its
 * role "asks" and an open quote): its text, cut after a word with "…"
 * where the row is short so that the answers after it always show: "1 Yes · 2 Always · 3 No"
 * (keys bold), or only their keys "1/2/3" where even that leaves the text
 * less than QUEUE_TEXT_MIN cells (the footer lists them whole once the
 * question is focused).
 */
static void
queue_question(struct pane *p, struct tui *t, const struct model_item *it, int y, struct buf *b,
               int width, attr_t a, int pair)
{
	struct buf ans = BUF_INIT;
	int x, room, tw, compact = 0;

	(void)t;
	for (size_t k = 0; k < it->nchoices; k++)
		buf_printf(&ans, "%s%s %s", k ? " · " : "", it->choices[k].key,
		           it->choices[k].label);
	x = 1 + put_clipped(p->win, y, 1, b->data, width, a, pair);
	tw = str_width(it->detail);
	/* Room for the text between the quotes, the answers two cells after them. */
	room = width - (x - 1) - 1 - 2 - str_width(ans.data);
	if (room < tw && room < QUEUE_TEXT_MIN) {
		compact = 1;
		room = width - (x - 1) - 1 - 2 - (int)(2 * it->nchoices - 1);
	}
	if (room >= tw) {
		x += put_clipped(p->win, y, x, it->detail, tw, a, pair);
	} else if (room > 1) {
		struct buf cut = BUF_INIT;

		/* Cut at a word's end where one fits, never inside a word. */
		col(&cut, it->detail, room - 1);
		while (cut.len > 0 && cut.data[cut.len - 1] == ' ')
			cut.data[--cut.len] = '\0';
		if (cut.len < strlen(it->detail) && it->detail[cut.len] != ' ' &&
		    strrchr(cut.data, ' ') != NULL) {
			cut.len = (size_t)(strrchr(cut.data, ' ') - cut.data);
			cut.data[cut.len] = '\0';
		}
		x += put_clipped(p->win, y, x, cut.data, room - 1, a, pair);
		x += put_clipped(p->win, y, x, "…", 1, a, pair);
		buf_free(&cut);
	}
	x += put_clipped(p->win, y, x, "\"", 1 + width - x, a, pair);
	x += 2;
	for (size_t k = 0; k < it->nchoices && x < 1 + width; k++) {
		if (k > 0)
			x += put_clipped(p->win, y, x, compact ? "/" : " · ", 1 + width - x, a,
			                 pair);
		x += put_clipped(p->win, y, x, it->choices[k].key, 1 + width - x, a | A_BOLD, pair);
		if (compact)
			continue;
		x += put_clipped(p->win, y, x, " ", 1 + width - x, a, pair);
		x += put_clipped(p->win, y, x, it->choices[k].label, 1 + width - x, a, pair);
	}
	buf_free(&ans);
}

static void
queue_draw(struct pane *p, struct tui *t)
{
	int rows = content_rows(p), inner = p->w - 2;
	size_t n = t->model.nqueue;
	time_t now = time(NULL);

	list_frame(p, t, "Waiting for you", n);
	if (n == 0 && rows > 0)
		put_clipped(p->win, 1, 2, "nothing waits for you", inner - 2, A_DIM, 0);
	for (int i = 0; i < rows && p->list.top + (size_t)i < n; i++) {
		struct model_item *it = &t->model.queue[p->list.top + (size_t)i];
		struct buf b = BUF_INIT;
		char age[16];
		attr_t a;
		int pair, aw;

		model_age(now - it->since, age);
		aw = str_width(age);
		buf_puts(&b, it->kind == MODEL_ITEM_GATE ? "⚑ " : "? ");
		col(&b, it->run_id, 8);
		buf_putc(&b, ' ');
		if (it->kind == MODEL_ITEM_GATE) {
			col(&b, it->label, 13);
			buf_putc(&b, ' ');
			buf_puts(&b, it->detail);
		} else if (it->nchoices > 0) {
			buf_printf(&b, "%s asks \"", it->label);
		} else
			buf_printf(&b, "%s asks \"%s\"", it->label, it->detail);
		pane_line_attr(p, t, p->list.top + (size_t)i, &a, &pair);
		if (a == A_NORMAL)
			pair = colour_pair(COLOR_YELLOW, -1);
		fill(p->win, 1 + i, 1, inner, a, pair);
		if (it->kind == MODEL_ITEM_QUESTION && it->nchoices > 0) {
			queue_question(p, t, it, 1 + i, &b, inner - aw - 1, a, pair);
		} else {
			char *shown = clip_words(b.data, inner - aw - 1);

			put_clipped(p->win, 1 + i, 1, shown, inner - aw - 1, a, pair);
			free(shown);
		}
		put_clipped(p->win, 1 + i, 1 + inner - aw, age, aw, a, pair);
		buf_free(&b);
	}
}

static enum pane_result
queue_handle(struct pane *p, struct tui *t, enum tui_request req, const char **run)
{
	if (!pane_move(p, t, req))
		return PANE_IGNORED;
	if (p->list.sel >= t->model.nqueue)
		return PANE_HANDLED;
	*run = t->model.queue[p->list.sel].run_id;
	return PANE_SELECT_RUN;
}

static void
queue_row_text(struct pane *p, struct tui *t, size_t i, struct buf *b)
{
	(void)p;
	if (i < t->model.nqueue)
		buf_printf(b, "%s %s %s", t->model.queue[i].run_id, t->model.queue[i].label,
		           t->model.queue[i].detail);
}

const struct pane_ops queue_ops = {
	.name = "queue",
	.draw = queue_draw,
	.handle = queue_handle,
	.reload = list_refresh,
	.count = queue_count,
	.row_text = queue_row_text,
};

/* ---- Events ---------------------------------------------------------------- */

static size_t
events_count(struct pane *p, struct tui *t)
{
	struct model_status *s = sel_status(t);

	(void)p;
	return s != NULL ? s->nevents : 0;
}

static void
events_draw(struct pane *p, struct tui *t)
{
	struct model_status *s = sel_status(t);
	int rows = content_rows(p), inner = p->w - 2;
	size_t n = s != NULL ? s->nevents : 0;
	char title[64];

	snprintf(title, sizeof title, t->sel_run ? "Events · %.8s" : "Events",
	         t->sel_run ? t->sel_run : "");
	list_frame(p, t, title, n);
	/* Newest first. */
	for (int i = 0; i < rows && p->list.top + (size_t)i < n; i++) {
		struct model_event *e = &s->events[n - 1 - (p->list.top + (size_t)i)];
		struct buf b = BUF_INIT;
		attr_t a;
		int pair;
		const char *tm = strchr(e->ts, 'T');

		buf_printf(&b, "%.8s %s %s", tm ? tm + 1 : e->ts, e->type, e->text);
		pane_line_attr(p, t, p->list.top + (size_t)i, &a, &pair);
		if (a == A_NORMAL && (strstr(e->type, "failed") || strstr(e->type, "invalid") ||
		                      strstr(e->type, "aborted")))
			pair = colour_pair(COLOR_RED, -1);
		else if (a == A_NORMAL && strncmp(e->type, "approval.", 9) == 0)
			pair = colour_pair(COLOR_YELLOW, -1);
		fill(p->win, 1 + i, 1, inner, a, pair);
		{
			char *shown = clip_words(b.data, inner - 1);

			put_clipped(p->win, 1 + i, 2, shown, inner - 1, a, pair);
			free(shown);
		}
		buf_free(&b);
	}
}

/* Row i as shown: newest first. */
static void
events_row_text(struct pane *p, struct tui *t, size_t i, struct buf *b)
{
	struct model_status *s = sel_status(t);

	(void)p;
	if (s != NULL && i < s->nevents) {
		struct model_event *e = &s->events[s->nevents - 1 - i];

		buf_printf(b, "%s %s %s", e->ts, e->type, e->text);
	}
}

const struct pane_ops events_ops = {
	.name = "events",
	.draw = events_draw,
	.handle = list_handle,
	.reload = list_refresh,
	.count = events_count,
	.row_text = events_row_text,
};
