/*
 * Screens kept in sync with the clients that subscribe to them, by state.
 *
 * For every session someone watches, the server remembers a hash of each
 * row as last seen. When the screen may have changed (a notification, or
 * the frame tick that runs only while screens are watched) the rows the
 * screen reports written since (its damage) whose hash differs are marked
 * dirty in every subscriber's set; a client gets one
 * frame per dirty session holding the *current* content of its dirty rows,
 * once its socket has drained and its frame interval has passed. Nothing but
 * dirty bits accumulates for a slow client.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent/screen.h"
#include "lib/xalloc.h"
#include "server-int.h"

static int32_t
wire_color(const struct screen_color *c)
{
	switch (c->kind) {
	case SCREEN_COLOR_INDEX:
		return c->index;
	case SCREEN_COLOR_RGB:
		return PROTO_COLOR_RGB(c->r, c->g, c->b);
	default:
		return PROTO_COLOR_DEFAULT;
	}
}

static unsigned
wire_attrs(const struct screen_attrs *a)
{
	return (a->bold ? PROTO_ATTR_BOLD : 0) | (a->underline ? PROTO_ATTR_UNDERLINE : 0) |
	       (a->italic ? PROTO_ATTR_ITALIC : 0) | (a->reverse ? PROTO_ATTR_REVERSE : 0);
}

void
srv_row_spans(struct proto_row *pr, const struct screen_row *row)
{
	for (size_t i = 0; i < row->n; i++) {
		const struct screen_span *sp = &row->spans[i];

		proto_row_add_span(pr, sp->col, sp->text, strlen(sp->text),
		                   wire_color(&sp->attrs.fg), wire_color(&sp->attrs.bg),
		                   wire_attrs(&sp->attrs));
	}
}

static void
add_row(struct proto_screen *ps, struct screen *scr, int y)
{
	struct screen_row row;

	screen_row_spans(scr, y, &row);
	srv_row_spans(proto_screen_add_row(ps, y), &row);
	screen_row_free(&row);
}

static uint64_t
row_hash(struct screen *scr, int y)
{
	struct screen_row row;
	uint64_t h = 1469598103934665603ULL;

#define MIX(v)                                                                                     \
	do {                                                                                       \
		h ^= (uint64_t)(v);                                                                \
		h *= 1099511628211ULL;                                                             \
	} while (0)
	screen_row_spans(scr, y, &row);
	for (size_t i = 0; i < row.n; i++) {
		const struct screen_span *sp = &row.spans[i];

		MIX(sp->col);
		MIX(wire_color(&sp->attrs.fg));
		MIX(wire_color(&sp->attrs.bg));
		MIX(wire_attrs(&sp->attrs));
		for (const char *p = sp->text; *p; p++)
			MIX((unsigned char)*p);
		MIX(0xff);
	}
#undef MIX
	screen_row_free(&row);
	return h;
}

/* A screen message for session sid: every non-blank row (full) or the dirty ones. */
cJSON *
srv_screen_frame(const char *sid, struct screen *scr, const char *state, int full,
                 const unsigned char *dirty)
{
	struct proto_screen ps = { 0 };
	bool vis;
	cJSON *msg;

	ps.session = xstrdup(sid);
	ps.full = full;
	screen_size(scr, &ps.rows, &ps.cols);
	screen_cursor(scr, &ps.cursor_row, &ps.cursor_col, &vis);
	ps.cursor_visible = vis;
	if (ps.cursor_row < 0)
		ps.cursor_row = 0;
	if (ps.cursor_row >= ps.rows)
		ps.cursor_row = ps.rows - 1;
	if (ps.cursor_col < 0)
		ps.cursor_col = 0;
	if (ps.cursor_col > ps.cols)
		ps.cursor_col = ps.cols;
	ps.title = xstrdup(screen_title(scr));
	ps.state = state != NULL ? xstrdup(state) : NULL;
	for (int y = 0; y < ps.rows; y++) {
		if (full || (dirty != NULL && (dirty[y / 8] & (1u << (y % 8)))))
			add_row(&ps, scr, y);
	}
	msg = proto_screen_json(&ps);
	proto_screen_free(&ps);
	return msg;
}

static struct watch *
watch_find(struct server *srv, const char *sid)
{
	for (struct watch *w = srv->watches; w != NULL; w = w->next)
		if (strcmp(w->session, sid) == 0)
			return w;
	return NULL;
}

void
srv_sub_resize(struct ssub *s, int rows)
{
	free(s->dirty);
	s->rows = rows;
	s->dirty = xcalloc((size_t)(rows + 7) / 8, 1);
	s->full = 1;
}

/* Compare the watched screen with its hashes; mark differences on every subscriber. */
static void
watch_check(struct server *srv, struct watch *w)
{
	struct session *s = srv_live_session(srv, w->session);
	struct screen *scr;
	int rows, cols, crow, ccol, resized;
	bool vis;
	const char *title, *state;
	unsigned char damaged[(1000 + 7) / 8]; /* screen.h: at most 1000 rows */

	if (s == NULL)
		return;
	scr = session_screen(s);
	screen_size(scr, &rows, &cols);
	resized = rows != w->rows || cols != w->cols || w->screen != scr;
	w->screen = scr;
	/* Only rows written since the last check can differ from their hashes. */
	screen_damage_take(scr, damaged, sizeof damaged);
	if (resized) {
		free(w->hash);
		w->rows = rows;
		w->cols = cols;
		w->hash = xcalloc((size_t)rows, sizeof(*w->hash));
	}
	screen_cursor(scr, &crow, &ccol, &vis);
	title = screen_title(scr);
	state = srv_live_state(srv, w->session);
	for (struct sclient *c = srv->clients; c != NULL; c = c->next) {
		for (struct ssub *sub = c->subs; sub != NULL; sub = sub->next) {
			if (strcmp(sub->session, w->session) != 0)
				continue;
			if (sub->rows != rows)
				srv_sub_resize(sub, rows);
			if (resized)
				sub->full = 1;
		}
	}
	for (int y = 0; y < rows; y++) {
		if (!resized && !(damaged[y / 8] & (1u << (y % 8))))
			continue;
		uint64_t h = row_hash(scr, y);

		if (!resized && h == w->hash[y])
			continue;
		w->hash[y] = h;
		for (struct sclient *c = srv->clients; c != NULL; c = c->next)
			for (struct ssub *sub = c->subs; sub != NULL; sub = sub->next)
				if (strcmp(sub->session, w->session) == 0)
					sub->dirty[y / 8] |= (unsigned char)(1u << (y % 8));
	}
	/* A detected state of its own (busy to idle with no row changed) is news too. */
	if (crow != w->crow || ccol != w->ccol || (int)vis != w->cvis ||
	    strcmp(title, w->title != NULL ? w->title : "") != 0 ||
	    strcmp(state != NULL ? state : "", w->state != NULL ? w->state : "") != 0) {
		w->crow = crow;
		w->ccol = ccol;
		w->cvis = vis;
		free(w->title);
		w->title = xstrdup(title);
		free(w->state);
		w->state = state != NULL ? xstrdup(state) : NULL;
		for (struct sclient *c = srv->clients; c != NULL; c = c->next)
			for (struct ssub *sub = c->subs; sub != NULL; sub = sub->next)
				if (strcmp(sub->session, w->session) == 0)
					sub->meta = 1;
	}
}

void
srv_sub_free(struct ssub *s)
{
	free(s->session);
	free(s->dirty);
	free(s);
}

int
srv_sub_pending(const struct ssub *s)
{
	if (s->full || s->meta)
		return 1;
	for (int i = 0; i < (s->rows + 7) / 8; i++)
		if (s->dirty[i])
			return 1;
	return 0;
}

void
srv_frame_timer_cb(struct loop *loop, void *arg)
{
	struct sclient *c = arg;

	(void)loop;
	c->frame_timer = 0;
	srv_client_pump(c, 0);
}

/*
 * Send frames for dirty subscriptions when the socket has drained and the
 * frame interval has passed (force: now, e.g. the snapshot after subscribe).
 */
void
srv_client_pump(struct sclient *c, int force)
{
	struct server *srv = c->srv;
	uint64_t now;
	int any = 0;

	if (c->dead || c->subs == NULL)
		return;
	for (struct ssub *s = c->subs; s != NULL && !any; s = s->next)
		any = srv_sub_pending(s) && srv_live_session(srv, s->session) != NULL;
	if (!any)
		return;
	if (proto_writer_pending(&c->wr) > 0) {
		srv_client_want_write(c); /* resumed from the write callback */
		return;
	}
	now = loop_now(srv->loop);
	if (!force && c->last_frame != 0 && now < c->last_frame + (uint64_t)srv->frame_ms) {
		if (c->frame_timer == 0)
			c->frame_timer =
			    loop_timer_add(srv->loop, c->last_frame + (uint64_t)srv->frame_ms - now,
			                   srv_frame_timer_cb, c);
		return;
	}
	for (struct ssub *s = c->subs; s != NULL; s = s->next) {
		struct session *sess;

		int rows, cols;

		if (!srv_sub_pending(s) || (sess = srv_live_session(srv, s->session)) == NULL)
			continue;
		/*
		 * The screen may have been resized since the last check (a resize op,
		 * then a frame timer before the tick): the dirty set must cover every
		 * row of the frame, and a new size is sent whole.
		 */
		screen_size(session_screen(sess), &rows, &cols);
		if (rows != s->rows)
			srv_sub_resize(s, rows);
		srv_client_queue(c, srv_screen_frame(s->session, session_screen(sess),
		                                     srv_live_state(srv, s->session), s->full,
		                                     s->dirty));
		memset(s->dirty, 0, (size_t)(s->rows + 7) / 8);
		s->full = 0;
		s->meta = 0;
	}
	c->last_frame = now;
	srv_client_flush(c);
}

static void
pump_all(struct server *srv)
{
	for (struct sclient *c = srv->clients; c != NULL; c = c->next)
		srv_client_pump(c, 0);
}

static void
tick(struct loop *loop, void *arg)
{
	struct server *srv = arg;

	(void)loop;
	srv->tick_timer = 0;
	srv->last_tick = loop_now(srv->loop);
	for (struct watch *w = srv->watches; w != NULL; w = w->next) {
		if (!srv->notify || w->changed)
			watch_check(srv, w);
		w->changed = 0;
	}
	pump_all(srv);
	srv_reap_clients(srv);
	if (srv->watches != NULL && !srv->notify)
		srv->tick_timer = loop_timer_add(srv->loop, (uint64_t)srv->frame_ms, tick, srv);
}

void
server_screen_changed(struct server *srv, const char *session_id)
{
	struct watch *w = watch_find(srv, session_id);
	uint64_t now, due;

	if (w == NULL)
		return;
	w->changed = 1;
	if (srv->tick_timer != 0)
		return; /* coalesced into the pending check */
	now = loop_now(srv->loop);
	due = srv->last_tick + (uint64_t)srv->frame_ms;
	srv->tick_timer = loop_timer_add(srv->loop, due > now ? due - now : 0, tick, srv);
}

void
srv_watch_ref(struct server *srv, const char *sid)
{
	struct watch *w = watch_find(srv, sid);

	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->session = xstrdup(sid);
		w->crow = -1;
		w->next = srv->watches;
		srv->watches = w;
		watch_check(srv, w);
	}
	w->refs++;
	if (srv->tick_timer == 0 && !srv->notify)
		srv->tick_timer = loop_timer_add(srv->loop, (uint64_t)srv->frame_ms, tick, srv);
}

void
srv_watch_free(struct watch *w)
{
	free(w->session);
	free(w->hash);
	free(w->title);
	free(w->state);
	free(w);
}

void
srv_watch_unref(struct server *srv, const char *sid)
{
	for (struct watch **pw = &srv->watches; *pw != NULL; pw = &(*pw)->next) {
		struct watch *w = *pw;

		if (strcmp(w->session, sid) != 0)
			continue;
		if (--w->refs > 0)
			return;
		*pw = w->next;
		srv_watch_free(w);
		break;
	}
	if (srv->watches == NULL && srv->tick_timer != 0) {
		loop_timer_cancel(srv->loop, srv->tick_timer);
		srv->tick_timer = 0;
	}
}
