/*
 * The TUI application: connection and requests, the event loop (poll on the
 * server socket and the keyboard, at most ~30 frames per second), layout,
 * header and footer, and reconnection. What keys and requests do is
 * actions.c's, what the server's messages change reply.c's, attach mode
 * attach.c's, the headless script mode script.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "lib/clock.h"
#include "lib/paths.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "app.h"
#include "colour.h"
#include "draw.h"
#include "tty.h"
#include "tui.h"

#define FRAME_MS 33

static void
vmessage(struct tui *t, int err, const char *fmt, va_list ap)
{
	char tmp[2048];

	vsnprintf(tmp, sizeof tmp, fmt, ap);
	messages_add(&t->msgs, err, tmp, NULL, app_now_ms(t), time(NULL));
	t->dirty = 1;
}

void
app_message(struct tui *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(t, err, fmt, ap);
	va_end(ap);
}

void
app_refuse(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(t, 1, fmt, ap);
	va_end(ap);
	app_drop_typeahead(t);
}

void
app_message_error(struct tui *t, const struct df_error *e)
{
	messages_add(&t->msgs, 1, e->message, e->hint, app_now_ms(t), time(NULL));
	t->dirty = 1;
}

int64_t
app_now_ms(const struct tui *t)
{
	return t->headless ? t->vclock : clock_mono_ms();
}

void
app_messages_open(struct tui *t)
{
	char *text = messages_history(&t->msgs, COLS - 2);

	views_pager(t, "Messages", text, 0);
	free(text);
}

/*
 * Benchmarks: with DEVFLOW_TUI_MARKS=FILE the TUI appends "LABEL MS" lines
 * (monotonic milliseconds) at start, when a decision is recorded, and at
 * the script's `:mark LABEL`.
 */
void
app_mark_at(const char *label, int64_t ms)
{
	const char *path = getenv("DEVFLOW_TUI_MARKS");
	FILE *f;

	if (path == NULL || path[0] == '\0' || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s %lld\n", label, (long long)ms);
	fclose(f);
}

void
app_mark(const char *label)
{
	app_mark_at(label, clock_mono_ms());
}

/* ---- requests ---------------------------------------------------------------- */

int
app_send(struct tui *t, const char *op, cJSON *args, enum pend_kind kind, const char *run_id)
{
	struct df_error err;
	uint64_t id;
	struct pending *p;

	if (t->client == NULL) {
		cJSON_Delete(args);
		app_message(t, 1, "not connected to the server: %s needs it", op);
		return -1;
	}
	if (client_send(t->client, op, args, &id, &err) != 0) {
		cJSON_Delete(args);
		app_message_error(t, &err);
		return -1;
	}
	cJSON_Delete(args);
	t->pend = xreallocarray(t->pend, t->npend + 1, sizeof *t->pend);
	p = &t->pend[t->npend++];
	memset(p, 0, sizeof *p);
	p->id = id;
	p->kind = kind;
	snprintf(p->run_id, sizeof p->run_id, "%s", run_id ? run_id : "");
	snprintf(p->what, sizeof p->what, "%s", op);
	return 0;
}

cJSON *
app_run_args(const char *run_id)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "run", run_id);
	return a;
}

static int
pending_has(struct tui *t, enum pend_kind kind, const char *run_id)
{
	for (size_t i = 0; i < t->npend; i++)
		if (t->pend[i].kind == kind &&
		    (run_id == NULL || strcmp(t->pend[i].run_id, run_id) == 0))
			return 1;
	return 0;
}

int
app_awaiting_decision(struct tui *t)
{
	return pending_has(t, PEND_DECIDE, NULL) || pending_has(t, PEND_PAUSE, NULL);
}

void
app_release_keys(struct tui *t, int ok)
{
	int *keys = t->held;
	size_t n = t->nheld;

	t->held = NULL;
	t->nheld = 0;
	if (!ok) {
		/* As after a refusal of the TUI's own (app_refuse): the rest goes too. */
		app_drop_typeahead(t);
		free(keys);
		return;
	}
	t->typeahead_dropped = 0;
	/* A key may send another decision (the rest is held again) or ask (the rest goes). */
	for (size_t i = 0; i < n && !t->typeahead_dropped && !t->quit; i++)
		app_key(t, keys[i]);
	free(keys);
}

void
app_want_ls(struct tui *t)
{
	if (pending_has(t, PEND_LS, NULL))
		t->want_ls = 1;
	else
		app_send(t, "ls", cJSON_CreateObject(), PEND_LS, NULL);
}

void
app_want_status(struct tui *t, const char *run_id)
{
	if (!pending_has(t, PEND_STATUS, run_id)) {
		app_send(t, "status", app_run_args(run_id), PEND_STATUS, run_id);
		return;
	}
	for (size_t i = 0; i < t->nwant_status; i++)
		if (strcmp(t->want_status[i], run_id) == 0)
			return;
	t->want_status = xreallocarray(t->want_status, t->nwant_status + 1, sizeof *t->want_status);
	t->want_status[t->nwant_status++] = xstrdup(run_id);
}

/* Events a page of the Events pane's way back holds. */
#define EVENTS_PAGE 200

void
app_want_older_events(struct tui *t)
{
	struct model_status *s = t->sel_run ? model_status(&t->model, t->sel_run) : NULL;
	struct pane *p = &t->panes[PANE_EVENTS];
	int64_t oldest, after;
	int rows, cols;
	cJSON *a;

	if (s == NULL || s->nevents == 0 || (oldest = s->events[0].seq) <= 1 ||
	    pending_has(t, PEND_EVENTS, s->run_id))
		return;
	app_pane_inner(p, &rows, &cols);
	if (p->list.sel + (size_t)(rows > 0 ? rows : 1) < s->nevents)
		return; /* not near the oldest yet */
	/* Seqs count up from 1 per run: the page before oldest is after_seq .. oldest - 1. */
	after = oldest - 1 - EVENTS_PAGE > 0 ? oldest - 1 - EVENTS_PAGE : 0;
	a = app_run_args(s->run_id);
	cJSON_AddNumberToObject(a, "after_seq", (double)after);
	cJSON_AddNumberToObject(a, "limit", (double)(oldest - 1 - after));
	app_send(t, "events", a, PEND_EVENTS, s->run_id);
}

/* ---- terminal subscription ------------------------------------------------------ */

void
app_pane_inner(const struct pane *p, int *rows, int *cols)
{
	*rows = p->h - 1 - (p->last ? 1 : 0);
	*cols = p->w - 2;
}

void
app_follow_session(struct tui *t)
{
	const struct model_status *s = t->sel_run ? model_status(&t->model, t->sel_run) : NULL;
	const struct model_session *ss = model_live_session(s);
	/*
	 * An ended session has no terminal left to subscribe to (the pane says
	 * so); one that ended while shown keeps its last picture.
	 */
	const char *want = ss && (model_session_live(ss->state) ||
	                          (t->term.session && strcmp(t->term.session, ss->id) == 0))
	                       ? ss->id
	                       : NULL;
	int rows = 0, cols = 0;

	if (t->client == NULL)
		return;
	if ((want == NULL) != (t->term.session == NULL) ||
	    (want != NULL && strcmp(want, t->term.session) != 0)) {
		if (t->term.session != NULL) {
			struct proto_sub sub = { PROTO_TOPIC_SCREEN, NULL, t->term.session };

			app_send(t, "unsubscribe", proto_sub_args(&sub), PEND_OTHER, NULL);
		}
		term_reset(t);
		if (want != NULL) {
			struct proto_sub sub = { PROTO_TOPIC_SCREEN, NULL, want };

			t->term.session = xstrdup(want);
			app_send(t, "subscribe", proto_sub_args(&sub), PEND_SUB, "screen");
		}
		t->dirty = 1;
	}
	if (t->term.session == NULL || ss == NULL || !model_session_live(ss->state))
		return;
	if (t->ov == OV_ATTACH) {
		rows = LINES - 1;
		cols = COLS;
	} else if (t->panes[PANE_TERM].h > 2)
		app_pane_inner(&t->panes[PANE_TERM], &rows, &cols);
	if (rows < 1 || cols < 1 || (rows == t->term.sent_rows && cols == t->term.sent_cols))
		return;
	{
		struct proto_resize rz = { t->term.session, rows, cols };

		t->term.sent_rows = rows;
		t->term.sent_cols = cols;
		app_send(t, "resize", proto_resize_args(&rz), PEND_OTHER, NULL);
	}
}

/* Do what a pane asked. */
static int
pane_result_apply(struct tui *t, enum pane_result r, const char *run)
{
	if (r == PANE_SELECT_RUN)
		app_select_run(t, run);
	return r != PANE_IGNORED;
}

int
app_pane_handle(struct tui *t, struct pane *p, enum tui_request req)
{
	const char *run = NULL;
	enum pane_result r = p->ops->handle(p, t, req, &run);

	return pane_result_apply(t, r, run);
}

void
app_pane_reload(struct tui *t, struct pane *p)
{
	const char *run = NULL;
	enum pane_result r = p->ops->reload(p, t, &run);

	pane_result_apply(t, r, run);
}

const struct model_item *
app_queue_item(const struct tui *t)
{
	if (t->focus == PANE_QUEUE && t->panes[PANE_QUEUE].list.sel < t->model.nqueue)
		return &t->model.queue[t->panes[PANE_QUEUE].list.sel];
	return NULL;
}

const struct model_item *
app_question_item(const struct tui *t)
{
	const struct model_item *it = app_queue_item(t);

	return it != NULL && it->kind == MODEL_ITEM_QUESTION && it->nchoices > 0 ? it : NULL;
}

void
app_select_queue_run(struct tui *t)
{
	const struct model_item *it = app_queue_item(t);

	if (it != NULL)
		app_select_run(t, it->run_id);
}

void
app_select_run(struct tui *t, const char *run_id)
{
	if (run_id != NULL && t->sel_run != NULL && strcmp(run_id, t->sel_run) == 0)
		return;
	if (run_id == NULL && t->sel_run == NULL)
		return;
	/* A terminal run stops being followed once another is selected. */
	if (t->sel_run != NULL) {
		struct model_run *old = model_run(&t->model, t->sel_run);

		if (old != NULL && old->terminal)
			model_drop_status(&t->model, t->sel_run);
	}
	free(t->sel_run);
	t->sel_run = run_id ? xstrdup(run_id) : NULL;
	t->panes[PANE_PHASES].list.sel = t->panes[PANE_PHASES].list.top = 0;
	t->panes[PANE_EVENTS].list.sel = t->panes[PANE_EVENTS].list.top = 0;
	if (run_id != NULL && model_status(&t->model, run_id) == NULL)
		app_want_status(t, run_id);
	app_follow_session(t);
	t->dirty = 1;
}

/* ---- connection ------------------------------------------------------------------ */

static void
lost(struct tui *t, const struct df_error *e)
{
	client_free(t->client);
	t->client = NULL;
	free(t->banner);
	t->banner = xasprintf("server connection lost — reconnecting… (%s)", e->message);
	t->npend = 0;
	app_release_keys(t, 0); /* typed for a server that went */
	t->want_ls = 0;
	for (size_t i = 0; i < t->nwant_status; i++)
		free(t->want_status[i]);
	t->nwant_status = 0;
	term_reset(t);
	t->reconnect_at = time(NULL) + 1;
	t->dirty = 1;
}

static void
start_session(struct tui *t)
{
	struct proto_sub sub = { PROTO_TOPIC_EVENTS, NULL, NULL };

	app_send(t, "subscribe", proto_sub_args(&sub), PEND_SUB, NULL);
	app_want_ls(t);
}

static int
connect_server(struct tui *t, int autostart, struct df_error *err)
{
	struct client_opts o = { 0 };

	o.workspace = t->workspace;
	o.name = "devflow-tui " PACKAGE_VERSION;
	o.autostart = autostart;
	o.server_uid_set = t->server_uid_set;
	o.server_uid = t->server_uid;
	t->client = client_connect(&o, err);
	if (t->client == NULL)
		return -1;
	start_session(t);
	return 0;
}

static void
try_reconnect(struct tui *t)
{
	struct df_error err;

	if (t->client != NULL || time(NULL) < t->reconnect_at)
		return;
	if (connect_server(t, 0, &err) != 0) {
		t->reconnect_at = time(NULL) + 1;
		return;
	}
	free(t->banner);
	t->banner = NULL;
	app_message(t, 0, "reconnected to the server");
}

/* ---- layout ------------------------------------------------------------------ */

static void
place(struct pane *p, int y, int x, int h, int w, int first, int last)
{
	if (p->win != NULL)
		delwin(p->win);
	p->win = NULL;
	p->y = y;
	p->x = x;
	p->h = h;
	p->w = w;
	p->first = first;
	p->last = last;
	if (h > 0 && w > 0)
		p->win = newwin(h, w, y, x);
	if (p->win == NULL)
		p->h = p->w = 0;
}

/* Stack panes ids[0..n) in a column: heights by weights of the content rows. */
static void
column(struct tui *t, const enum pane_id *ids, const int *weight, int n, int y, int x, int h, int w)
{
	int content = h - n - 1, total = 0, used = 0;

	for (int i = 0; i < n; i++)
		total += weight[i];
	for (int i = 0; i < n; i++) {
		int rows = i == n - 1 ? content - used : content * weight[i] / total;

		if (rows < 1)
			rows = 1;
		place(&t->panes[ids[i]], y, x, 1 + rows + (i == n - 1), w, i == 0, i == n - 1);
		y += 1 + rows;
		used += rows;
	}
}

void
app_layout(struct tui *t)
{
	int h = LINES - 2;

	for (int i = 0; i < PANE__COUNT; i++)
		place(&t->panes[i], 0, 0, 0, 0, 0, 0);
	if (h < 4 || COLS < 20)
		return;
	t->wide = COLS >= 110 && LINES >= 20;
	if (t->wide) {
		static const enum pane_id left[] = { PANE_RUNS, PANE_PHASES, PANE_QUEUE,
			                             PANE_EVENTS };
		static const int wt[] = { 30, 25, 20, 25 };
		int lw = COLS * 44 / 100;

		column(t, left, wt, 4, 1, 0, h, lw);
		place(&t->panes[PANE_TERM], 1, lw, h, COLS - lw, 1, 1);
	} else if (t->show_term) {
		place(&t->panes[PANE_TERM], 1, 0, h, COLS, 1, 1);
	} else if (h >= 28) {
		static const enum pane_id ids[] = { PANE_RUNS, PANE_PHASES, PANE_QUEUE,
			                            PANE_EVENTS };
		static const int wt[] = { 30, 25, 20, 25 };

		column(t, ids, wt, 4, 1, 0, h, COLS);
	} else {
		static const enum pane_id ids[] = { PANE_RUNS, PANE_PHASES, PANE_QUEUE };
		static const int wt[] = { 36, 36, 28 };

		column(t, ids, wt, 3, 1, 0, h, COLS);
	}
	if (t->panes[t->focus].h == 0)
		t->focus = t->show_term && !t->wide ? PANE_TERM : PANE_RUNS;
	t->full_redraw = 1;
	t->dirty = 1;
	app_follow_session(t);
}

/* ---- drawing ------------------------------------------------------------------ */

static void
draw_header(struct tui *t)
{
	WINDOW *w = newwin(1, COLS, 0, 0);
	struct buf b = BUF_INIT;
	size_t waiting = t->model.nqueue;
	int pair;

	if (w == NULL)
		return;
	if (t->banner != NULL) {
		pair = colour_pair(COLOR_WHITE, COLOR_RED);
		wbkgdset(w, ' ' | A_BOLD | COLOR_PAIR(pair));
		werase(w);
		buf_printf(&b, " devflow  %s", t->banner);
		put_clipped(w, 0, 0, b.data, COLS, A_BOLD | (pair ? 0 : A_REVERSE), pair);
	} else {
		const char *home = getenv("HOME");
		const char *ws = t->workspace;

		buf_puts(&b, " devflow  ");
		if (COLS >= 100) {
			if (home != NULL && home[0] && strncmp(ws, home, strlen(home)) == 0 &&
			    ws[strlen(home)] == '/')
				buf_printf(&b, "ws ~%s   ", ws + strlen(home));
			else
				buf_printf(&b, "ws %s   ", ws);
		}
		buf_printf(&b, "%zu run%s · %zu waiting%s", t->model.nruns,
		           t->model.nruns == 1 ? "" : "s", waiting, COLS >= 100 ? " for you" : "");
		werase(w);
		put_clipped(w, 0, 0, b.data, COLS - 8, A_BOLD, 0);
		put_clipped(w, 0, COLS - 7, " ? help", 7, A_NORMAL, 0);
	}
	wnoutrefresh(w);
	delwin(w);
	buf_free(&b);
}

struct footer_item {
	enum tui_request req;
	const char *label;
	int prio; /* lower first when space is short */
};

/*
 * The key an item shows in the footer (its first binding, Enter as ⏎) into
 * k, or NULL when the item is not shown: above maxprio, unbound, or the
 * terminal toggle on a wide screen.
 */
static const char *
footer_key(const struct tui *t, const struct footer_item *it, int maxprio, char *k, size_t ksize)
{
	if (it->prio > maxprio || (it->req == REQ_TERMINAL && t->wide))
		return NULL;
	keymap_keys_of(&t->keys, it->req, k, ksize);
	if (k[0] == '\0')
		return NULL;
	*strchrnul(k, ' ') = '\0';
	return strcmp(k, "Enter") == 0 ? "⏎" : k;
}

/*
 * The keys an open overlay takes, as "KEY label" pairs, shown in the
 * footer instead of the main view's keys; NULL when none is open (the
 * filter's editor covers the footer itself).
 */
static const char *const *
overlay_hints(const struct tui *t)
{
	static const char *const pager[] = { "j/k scroll", "PgDn/PgUp page", "g/G top/end",
		                             "/ find",     "n/N next/prev",  "q close",
		                             NULL };
	static const char *const finding[] = { "Enter find", "Esc cancel", NULL };
	static const char *const confirm[] = { "y yes", "n no", NULL };
	static const char *const editor[] = { "C-s send", "Esc cancel", NULL };
	static const char *const form[] = { "Tab next", "C-s start", "Esc cancel", NULL };
	static const char *const choice[] = { "←/→ choose", "Tab next", "C-s start", "Esc cancel",
		                              NULL };

	if (t->ov == OV_NONE && t->hist.on)
		return histmode_hints();
	switch (t->ov) {
	case OV_HELP:
	case OV_PAGER:
		return t->pager.finding ? finding : pager;
	case OV_CONFIRM:
		return confirm;
	case OV_EDITOR:
		return editor;
	case OV_FORM:
		return t->form.focus == FORM_BACKEND ? choice : form;
	default:
		return NULL;
	}
}

/* Put the "KEY label" pairs from x: the key bold. */
static void
put_hints(WINDOW *w, int x, const char *const *hints)
{
	for (size_t i = 0; hints[i] != NULL && x < COLS - 1; i++) {
		const char *sp = strchr(hints[i], ' ');
		char key[32];

		snprintf(key, sizeof key, "%.*s", (int)(sp - hints[i]), hints[i]);
		x += put_clipped(w, 0, x, key, COLS - 1 - x, A_BOLD, 0);
		x += put_clipped(w, 0, x, sp, COLS - 1 - x, A_NORMAL, 0);
		x += put_clipped(w, 0, x, "  ", COLS - 1 - x, A_NORMAL, 0);
	}
}

/*
 * With a question focused, the footer lists its answers ("1 Yes  2 Always
 * 3 No") before attaching, moving on and detaching.
 */
static void
question_hints(struct tui *t, WINDOW *w, const struct model_item *it)
{
	static const struct footer_item rest[] = {
		{ REQ_ATTACH, "attach", 0 },
		{ REQ_NEXT_PANE, "next pane", 0 },
		{ REQ_QUIT, "detach", 0 },
	};
	const char **hints = xcalloc(it->nchoices + 4, sizeof *hints);
	size_t n = 0;

	for (size_t i = 0; i < it->nchoices; i++)
		hints[n++] = xasprintf("%s %s", it->choices[i].key, it->choices[i].label);
	for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
		char k[128];
		const char *shown = footer_key(t, &rest[i], 0, k, sizeof k);

		if (shown != NULL)
			hints[n++] = xasprintf("%s %s", shown, rest[i].label);
	}
	put_hints(w, 1, hints);
	for (size_t i = 0; i < n; i++)
		free((char *)hints[i]);
	free(hints);
}

/*
 * The status line's message, fitted to the width (messages_fit): a long
 * one takes the row above the footer too, over the panes' bottom frame,
 * until it goes. Returns 0 when there is no message to show.
 */
static int
draw_message(struct tui *t, WINDOW *w)
{
	const struct message *msg = messages_current(&t->msgs);
	int pair = msg != NULL && msg->err ? colour_pair(COLOR_RED, -1) : 0;
	size_t n;
	char **rows;

	if (msg == NULL)
		return 0;
	rows = messages_fit(msg, COLS - 2, LINES >= 10 ? 2 : 1, &n);
	if (n > 1) {
		WINDOW *above = newwin(1, COLS, LINES - 2, 0);

		if (above != NULL) {
			werase(above);
			put_clipped(above, 0, 1, rows[0], COLS - 2, A_BOLD, pair);
			wnoutrefresh(above);
			delwin(above);
		}
	}
	put_clipped(w, 0, 1, rows[n - 1], COLS - 2, A_BOLD, pair);
	str_vec_free(rows);
	return 1;
}

static void
draw_footer(struct tui *t)
{
	static const struct footer_item items[] = {
		{ REQ_APPROVE, "approve", 0 }, { REQ_CHANGES, "changes", 0 },
		{ REQ_REJECT, "reject", 0 },   { REQ_ABORT, "abort", 2 },
		{ REQ_PAUSE, "pause", 2 },     { REQ_ARTIFACT, "artifact", 2 },
		{ REQ_DIFF, "diff", 2 },       { REQ_REPORT, "report", 3 },
		{ REQ_ATTACH, "attach", 0 },   { REQ_NEW_RUN, "new", 3 },
		{ REQ_FILTER, "filter", 3 },   { REQ_TERMINAL, "terminal", 1 },
		{ REQ_HELP, "help", 1 },       { REQ_QUIT, "detach", 0 },
	};
	WINDOW *w = newwin(1, COLS, LINES - 1, 0);

	if (w == NULL)
		return;
	werase(w);
	if (draw_message(t, w)) {
		/* the message has the line */
	} else if (overlay_hints(t) != NULL) {
		put_hints(w, 1, overlay_hints(t));
	} else if (app_question_item(t) != NULL) {
		question_hints(t, w, app_question_item(t));
	} else {
		int n = (int)(sizeof items / sizeof items[0]);
		int maxprio = 3, width;

		for (;; maxprio--) {
			width = 0;
			for (int i = 0; i < n; i++) {
				char k[128];
				const char *shown = footer_key(t, &items[i], maxprio, k, sizeof k);

				if (shown != NULL)
					width +=
					    str_width(shown) + 1 + str_width(items[i].label) + 2;
			}
			if (width <= COLS - 1 || maxprio == 0)
				break;
		}
		{
			int x = 1;

			for (int i = 0; i < n; i++) {
				char k[128];
				const char *shown = footer_key(t, &items[i], maxprio, k, sizeof k);

				if (shown == NULL)
					continue;
				if (x >= COLS - 1)
					break;
				x += put_clipped(w, 0, x, shown, COLS - 1 - x, A_BOLD, 0);
				x += put_clipped(w, 0, x, " ", COLS - 1 - x, A_NORMAL, 0);
				x +=
				    put_clipped(w, 0, x, items[i].label, COLS - 1 - x, A_NORMAL, 0);
				x += put_clipped(w, 0, x, "  ", COLS - 1 - x, A_NORMAL, 0);
			}
		}
	}
	wnoutrefresh(w);
	delwin(w);
}

void
app_render(struct tui *t)
{
	if (colour_evicted())
		t->full_redraw = 1;
	if (t->full_redraw) {
		clearok(curscr, TRUE);
		t->full_redraw = 0;
	}
	if (t->ov == OV_ATTACH) {
		app_draw_attach(t);
	} else {
		draw_header(t);
		for (int i = 0; i < PANE__COUNT; i++) {
			struct pane *p = &t->panes[i];

			if (p->win == NULL || p->h == 0)
				continue;
			p->ops->draw(p, t);
			wnoutrefresh(p->win);
		}
		/* The filter's editor is drawn on the footer's line; a message over the overlays.
		 */
		if (t->ov == OV_FILTER)
			draw_footer(t);
		views_draw(t);
		if (t->ov != OV_FILTER)
			draw_footer(t);
		/* History mode's search line goes over the footer. */
		histmode_draw_prompt(t);
	}
	doupdate();
	/* A pair recycled during this frame recoloured older cells: draw again. */
	if (colour_evicted()) {
		t->full_redraw = 1;
		t->dirty = 1;
	} else
		t->dirty = 0;
}

/* ---- keys ---------------------------------------------------------------------- */

void
app_drop_typeahead(struct tui *t)
{
	flushinp();
	t->typeahead_dropped = 1;
}

/*
 * Read every key curses has (but none after one that asked a question);
 * returns 1 when any was read.
 */
static int
read_keys(struct tui *t)
{
	wint_t wc;
	int r, any = 0;

	t->typeahead_dropped = 0;
	while ((r = wget_wch(stdscr, &wc)) != ERR) {
		any = 1;
		if (r == KEY_CODE_YES)
			app_key(t, KEYS_FN | (int)wc);
		else
			app_key(t, (int)wc);
		if (t->quit || t->typeahead_dropped)
			break;
	}
	app_flush_typed(t);
	return any;
}

/* ---- main --------------------------------------------------------------------- */

static int
idle(struct tui *t)
{
	return t->npend == 0 && !t->want_ls && t->nwant_status == 0 && !t->dirty &&
	       t->typed.len == 0 && (t->client == NULL || client_queued(t->client) == 0);
}

static void
ensure_utf8_locale(void)
{
	const char *cs;

	if (setlocale(LC_ALL, "") == NULL)
		setlocale(LC_ALL, "C");
	cs = nl_langinfo(CODESET);
	if (cs == NULL || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0))
		if (setlocale(LC_ALL, "C.UTF-8") == NULL)
			setlocale(LC_CTYPE, "C.UTF-8");
}

static void
tui_free(struct tui *t)
{
	for (int i = 0; i < PANE__COUNT; i++)
		if (t->panes[i].win != NULL)
			delwin(t->panes[i].win);
	term_reset(t);
	pager_free(&t->pager);
	form_free(&t->form);
	comment_free(&t->comment);
	editor_free(&t->flt);
	client_free(t->client);
	model_free(&t->model);
	keymap_free(&t->keys);
	for (size_t i = 0; i < t->nwant_status; i++)
		free(t->want_status[i]);
	free(t->want_status);
	for (size_t i = 0; i < t->nseen; i++)
		free(t->seen_items[i]);
	free(t->seen_items);
	free(t->pend);
	free(t->held);
	free(t->sel_run);
	free(t->filter);
	free(t->search);
	confirm_free(&t->confirm);
	messages_free(&t->msgs);
	free(t->banner);
	free(t->workspace);
	buf_free(&t->typed);
	buf_free(&t->pasted);
}

/* The keymap: defaults, then keys.conf of the config dir (shown as ~/... in errors). */
static void
load_keys(struct tui *t)
{
	const char *home = getenv("HOME");
	char *dir, *path, *shown = NULL;

	keymap_init(&t->keys);
	dir = paths_config_dir();
	path = xasprintf("%s/keys.conf", dir);
	if (home != NULL && home[0] != '\0' && strncmp(path, home, strlen(home)) == 0 &&
	    path[strlen(home)] == '/')
		shown = xasprintf("~%s", path + strlen(home));
	keymap_load(&t->keys, path, shown);
	free(shown);
	free(path);
	free(dir);
}

/* Not headless: the TUI draws on the terminal it runs in. 0, or -1 (said why). */
static int
tty_open(struct tui *t)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "devflow: the TUI needs a terminal (see devflow --help for the "
		                "verbs)\n");
		return -1;
	}
	t->out = stdout;
	return 0;
}

/*
 * Bracketed paste mode, on for the whole TUI: the terminal marks a paste
 * (ESC [200~ … ESC [201~), so a pasted text arrives as text — inserted in
 * a text field, sent to the agent while attached, ignored elsewhere —
 * and is never taken for keys (a paste of "Xylophone notes" would abort a
 * run: X asks, y answers). Written in headless mode too, for the tests.
 */
static void
bracketed_paste(struct tui *t, int on)
{
	fputs(on ? "\033[?2004h" : "\033[?2004l", t->out);
	fflush(t->out);
}

/* The terminal the TUI draws on: $TERM, or headless xterm-256color when unset. */
static const char *
term_name(const struct tui *t)
{
	const char *term = getenv("TERM");

	if (term != NULL && term[0] != '\0')
		return term;
	return t->headless ? "xterm-256color" : "";
}

/*
 * A terminal that cannot move the cursor would show a blank screen that
 * still acts on keys: refused, saying why, before curses takes the screen or
 * a server is started. 0, or -1 (said why).
 */
static int
term_check(const struct tui *t)
{
	const char *term = term_name(t);
	int r = tty_can_address(term, fileno(t->out));

	if (r == 1)
		return 0;
	fprintf(
	    stderr,
	    "devflow: the TUI needs a terminal that can move the cursor: TERM=%s %s\n"
	    "hint: run it in a terminal such as xterm, tmux or screen (e.g. TERM=xterm-256color), "
	    "or use the verbs (devflow --help)\n",
	    term, r < 0 ? "is unknown here" : "cannot");
	return -1;
}

/* Start curses on t->out (keys from in when headless). 0, or -1 (said why). */
static int
curses_start(struct tui *t, FILE *in)
{
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	t->scr = newterm(t->headless ? term_name(t) : NULL, t->out, t->headless ? in : stdin);
	if (t->scr == NULL) {
		fprintf(stderr, "devflow: cannot initialise the terminal (TERM=%s)\n",
		        getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	set_term(t->scr);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	define_key("\033[200~", KEYS_PASTE_START);
	define_key("\033[201~", KEYS_PASTE_END);
	curs_set(0);
	mouse_start();
	colour_start();
	bracketed_paste(t, 1);
	return 0;
}

/* ---- suspend (C-z) ---------------------------------------------------------------- */

/* A SIGTSTP from outside (kill -TSTP): the handler only notes it and wakes the loop. */
static volatile sig_atomic_t tstp_pending;
static int wake_fd = -1;

static void
on_tstp(int sig)
{
	int saved = errno;
	char c = 'z';

	(void)sig;
	tstp_pending = 1;
	if (wake_fd >= 0 && write(wake_fd, &c, 1) < 0) {
		/* full: the loop wakes anyway */
	}
	errno = saved;
}

/* Our SIGTSTP handler (over curses' own, which knows nothing of paste mode) and its pipe. */
static void
tstp_install(struct tui *t)
{
	struct sigaction sa;

	t->wake[0] = t->wake[1] = -1;
	if (t->headless)
		return;
	if (pipe(t->wake) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(t->wake[i], F_SETFL, fcntl(t->wake[i], F_GETFL) | O_NONBLOCK);
			fcntl(t->wake[i], F_SETFD, FD_CLOEXEC);
		}
		wake_fd = t->wake[1];
	} else
		t->wake[0] = t->wake[1] = -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tstp;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTSTP, &sa, NULL);
}

static void
tstp_remove(struct tui *t)
{
	if (t->headless)
		return;
	signal(SIGTSTP, SIG_DFL);
	wake_fd = -1;
	for (int i = 0; i < 2; i++)
		if (t->wake[i] >= 0)
			close(t->wake[i]);
	t->wake[0] = t->wake[1] = -1;
}

/* The size the terminal has now (it may have changed while stopped), for curses. */
static void
take_size(struct tui *t)
{
	struct winsize ws;

	if (t->headless || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
	    ws.ws_col == 0)
		return;
	if (ws.ws_row != LINES || ws.ws_col != COLS)
		resizeterm(ws.ws_row, ws.ws_col);
}

void
app_suspend(struct tui *t)
{
	char buf[64];

	app_flush_typed(t);
	bracketed_paste(t, 0);
	endwin();
	fflush(t->out);
	if (!t->headless) {
		struct sigaction dfl, ours;

		/* Stop the job as the terminal's C-z would; we go on here after fg (SIGCONT). */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGTSTP, &dfl, &ours);
		kill(0, SIGTSTP);
		sigaction(SIGTSTP, &ours, NULL);
	}
	tstp_pending = 0;
	while (t->wake[0] >= 0 && read(t->wake[0], buf, sizeof buf) > 0)
		;
	/* Back: curses' modes, paste mode, the size of now, every cell drawn again. */
	reset_prog_mode();
	take_size(t);
	refresh();
	bracketed_paste(t, 1);
	app_layout(t);
	t->full_redraw = 1;
	t->dirty = 1;
}

/* Take every message the client has read. */
static void
take_messages(struct tui *t)
{
	struct proto_msg m;

	if (t->client == NULL)
		return;
	while (client_pop(t->client, &m) == 1) {
		app_on_message(t, &m);
		proto_msg_clear(&m);
	}
}

/* Ages on screen move with the clock (not in headless mode: idle means idle). */
static void
clock_tick(struct tui *t)
{
	static time_t last_tick;
	time_t s;

	if (t->headless || t->ov == OV_ATTACH)
		return;
	s = time(NULL);
	if (s != last_tick) {
		last_tick = s;
		t->dirty = 1;
	}
}

/*
 * The event loop: messages, a frame at most every FRAME_MS, the script's
 * next step when idle, then poll on the server socket and the keyboard.
 */
static void
main_loop(struct tui *t, struct script *sc)
{
	struct df_error err;
	int64_t last_frame = 0;

	while (!t->quit) {
		struct pollfd pfd[3]; /* the server, the keyboard, the wake pipe */
		int nfd = 0, timeout = 1000;
		int64_t now = clock_mono_ms();

		take_messages(t);
		app_flush_typed(t);
		if (messages_expire(&t->msgs, app_now_ms(t)))
			t->dirty = 1;
		if (t->loaded == 1 && t->npend == 0 && t->nwant_status == 0) {
			/* The first picture is complete: new queue items notify from now on. */
			t->loaded = 2;
		}
		if (t->dirty && now - last_frame >= FRAME_MS) {
			app_render(t);
			last_frame = now;
			if (t->headless)
				script_check_wait(sc);
		}
		if (t->headless && idle(t))
			script_step(t, sc);
		if (t->quit)
			break;
		if (t->client == NULL)
			try_reconnect(t);
		if (t->client != NULL) {
			pfd[nfd].fd = client_fd(t->client);
			pfd[nfd].events = client_poll_events(t->client);
			pfd[nfd].revents = 0;
			nfd++;
		} else
			timeout = 250;
		if (!t->headless) {
			pfd[nfd].fd = STDIN_FILENO;
			pfd[nfd].events = POLLIN;
			pfd[nfd].revents = 0;
			nfd++;
			if (t->wake[0] >= 0) {
				pfd[nfd].fd = t->wake[0];
				pfd[nfd].events = POLLIN;
				pfd[nfd].revents = 0;
				nfd++;
			}
		} else if (idle(t) || sc->wait_text != NULL || sc->sleep_until > 0)
			timeout = 20;
		if (t->dirty) {
			int64_t due = last_frame + FRAME_MS - clock_mono_ms();

			timeout = due < 0 ? 0 : (int)due;
		}
		if (!t->headless && messages_due(&t->msgs) >= 0) {
			int64_t due = messages_due(&t->msgs) - clock_mono_ms();

			if (due < timeout)
				timeout = due < 0 ? 0 : (int)due;
		}
		if (t->client != NULL && client_queued(t->client) > 0)
			timeout = 0;
		if (poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR)
			break;
		if (t->client != NULL && pfd[0].revents != 0 &&
		    client_handle(t->client, pfd[0].revents, &err) != 0)
			lost(t, &err);
		if (!t->headless)
			read_keys(t);
		if (tstp_pending)
			app_suspend(t);
		clock_tick(t);
	}
}

int
tui_main(const char *workspace, const uid_t *server_uid, const char *run_id)
{
	struct tui t;
	struct script sc;
	struct df_error err;
	const char *script = getenv("DEVFLOW_TUI_SCRIPT");
	FILE *in = NULL;
	int rc;

	memset(&t, 0, sizeof t);
	memset(&sc, 0, sizeof sc);
	app_mark("start");
	ensure_utf8_locale();
	t.workspace = paths_workspace(workspace);
	t.server_uid_set = server_uid != NULL;
	t.server_uid = server_uid != NULL ? *server_uid : 0;
	load_keys(&t);
	t.headless = script != NULL && script[0] != '\0';
	if (t.headless ? script_open(&t, &sc, script, &in) != 0 : tty_open(&t) != 0)
		goto fail_early;
	if (term_check(&t) != 0)
		goto fail_early;
	if (connect_server(&t, 1, &err) != 0) {
		fprintf(stderr, "devflow: %s\n", err.message);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		goto fail_early;
	}
	if (curses_start(&t, in) != 0)
		goto fail_early;
	tstp_install(&t);
	t.panes[PANE_RUNS].ops = &runs_ops;
	t.panes[PANE_PHASES].ops = &phases_ops;
	t.panes[PANE_QUEUE].ops = &queue_ops;
	t.panes[PANE_EVENTS].ops = &events_ops;
	t.panes[PANE_TERM].ops = &term_ops;
	t.focus = PANE_RUNS;
	if (run_id != NULL && run_id[0] != '\0')
		t.sel_run = xstrdup(run_id);
	app_layout(&t);
	if (t.keys.nerrors > 0)
		app_message(&t, 1, "%s%s", t.keys.errors[0],
		            t.keys.nerrors > 1 ? " (more in ? help)" : "");
	else if (client_started_server(t.client))
		app_message(&t, 0, "started the devflow server for %s", t.workspace);

	main_loop(&t, &sc);
	tstp_remove(&t);
	bracketed_paste(&t, 0);
	for (int i = 0; i < PANE__COUNT; i++)
		place(&t.panes[i], 0, 0, 0, 0, 0, 0);
	endwin();
	delscreen(t.scr);
	if (t.headless) {
		fclose(t.out);
		fclose(in);
	}
	script_close(&sc);
	colour_done();
	rc = t.rc;
	tui_free(&t);
	return rc;
fail_early:
	script_close(&sc);
	if (t.out != NULL && t.out != stdout)
		fclose(t.out);
	if (in)
		fclose(in);
	tui_free(&t);
	return 1;
}
