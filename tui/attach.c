/*
 * Attach mode: the agent's terminal fills the screen and every key goes to
 * the agent — printable runs as text (one `type` request a batch of keys),
 * the rest as key events — until C-] comes back to the panes; a bracketed
 * paste (collected by actions.c) goes as one `paste`.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/str.h"
#include "app.h"
#include "colour.h"
#include "draw.h"

#define KEY_DETACH 29 /* C-] */

void
app_draw_attach(struct tui *t)
{
	WINDOW *w = newwin(LINES - 1, COLS, 0, 0);
	WINDOW *s = newwin(1, COLS, LINES - 1, 0);
	const struct model_status *st = t->sel_run ? model_status(&t->model, t->sel_run) : NULL;
	const struct model_session *ss = model_live_session(st);
	char line[256];

	if (w == NULL || s == NULL) {
		if (w)
			delwin(w);
		if (s)
			delwin(s);
		return;
	}
	werase(w);
	term_draw_full(t, w, LINES - 1, COLS);
	snprintf(line, sizeof line, " attached to %.8s/%s · C-] back", t->sel_run ? t->sel_run : "",
	         ss ? ss->role : "?");
	werase(s);
	{
		int pair = colour_pair(COLOR_BLACK, COLOR_CYAN);

		wbkgdset(s, ' ' | (pair ? COLOR_PAIR(pair) : A_REVERSE));
		werase(s);
		put_clipped(s, 0, 0, line, COLS, pair ? A_NORMAL : A_REVERSE, pair);
		if (messages_current(&t->msgs) != NULL && COLS - str_width(line) - 2 > 0) {
			size_t n;
			char **rows = messages_fit(messages_current(&t->msgs),
			                           COLS - str_width(line) - 2, 1, &n);

			put_clipped(s, 0, str_width(line) + 2, rows[0], COLS - str_width(line) - 2,
			            A_BOLD | (pair ? A_NORMAL : A_REVERSE), pair);
			str_vec_free(rows);
		}
	}
	wnoutrefresh(w);
	wnoutrefresh(s);
	delwin(w);
	delwin(s);
}

void
app_attach(struct tui *t)
{
	const struct model_status *s;
	const struct model_session *ss;

	app_select_queue_run(t);
	if (t->sel_run == NULL) {
		app_refuse(t, "cannot attach: no run selected");
		return;
	}
	s = model_status(&t->model, t->sel_run);
	ss = model_live_session(s);
	if (ss == NULL) {
		app_refuse(t, "cannot attach: run %.8s has no agent session", t->sel_run);
		return;
	}
	if (!model_session_live(ss->state)) {
		app_refuse(t, "cannot attach: the agent of run %.8s has ended (%s)", t->sel_run,
		           ss->state);
		return;
	}
	t->ov = OV_ATTACH;
	messages_hide(&t->msgs);
	t->full_redraw = 1;
	t->dirty = 1;
	app_follow_session(t);
}

static void
detach(struct tui *t)
{
	t->ov = OV_NONE;
	t->full_redraw = 1;
	t->dirty = 1;
	app_follow_session(t);
}

/* Send the printable keys typed while attached as one `type` request. */
void
app_flush_typed(struct tui *t)
{
	cJSON *a;

	if (t->typed.len == 0)
		return;
	if (t->term.session != NULL) {
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "session", t->term.session);
		cJSON_AddStringToObject(a, "text", t->typed.data);
		app_send(t, "type", a, PEND_OTHER, NULL);
	}
	buf_reset(&t->typed);
}

void
app_attach_paste(struct tui *t, const char *text)
{
	struct proto_paste pp = { t->term.session, text };

	app_flush_typed(t);
	if (t->term.session != NULL && text[0] != '\0')
		app_send(t, "paste", proto_paste_args(&pp), PEND_OTHER, NULL);
}

/*
 * A key while attached: to the agent. Runs of printable characters go as
 * text (`type`, flushed after each batch of keys), the others as key events.
 */
void
app_attach_key(struct tui *t, int key)
{
	struct proto_key k = { t->term.session, PROTO_KEY_NONE, 0, 0 };

	if (key >= 32 && key != 127 && !(key & KEYS_FN)) {
		put_key_char(&t->typed, key);
		return;
	}
	app_flush_typed(t);
	if (key == KEY_DETACH) {
		detach(t);
		return;
	}
	if (t->term.session == NULL)
		return;
	if (key & KEYS_FN) {
		static const struct {
			int curses;
			enum proto_key_name name;
		} fk[] = {
			{ KEY_UP, PROTO_KEY_UP },
			{ KEY_DOWN, PROTO_KEY_DOWN },
			{ KEY_LEFT, PROTO_KEY_LEFT },
			{ KEY_RIGHT, PROTO_KEY_RIGHT },
			{ KEY_HOME, PROTO_KEY_HOME },
			{ KEY_END, PROTO_KEY_END },
			{ KEY_PPAGE, PROTO_KEY_PAGEUP },
			{ KEY_NPAGE, PROTO_KEY_PAGEDOWN },
			{ KEY_IC, PROTO_KEY_INSERT },
			{ KEY_DC, PROTO_KEY_DELETE },
			{ KEY_BACKSPACE, PROTO_KEY_BACKSPACE },
			{ KEY_ENTER, PROTO_KEY_ENTER },
			{ KEY_BTAB, PROTO_KEY_TAB },
		};
		int c = key & ~KEYS_FN;

		for (size_t i = 0; i < sizeof fk / sizeof fk[0]; i++)
			if (fk[i].curses == c) {
				k.key = fk[i].name;
				if (c == KEY_BTAB)
					k.mods = PROTO_MOD_SHIFT;
			}
		if (c >= KEY_F(1) && c <= KEY_F(12))
			k.key = (enum proto_key_name)(PROTO_KEY_F1 + (c - KEY_F(1)));
		if (k.key == PROTO_KEY_NONE)
			return;
	} else if (key == '\r' || key == '\n')
		k.key = PROTO_KEY_ENTER;
	else if (key == '\t')
		k.key = PROTO_KEY_TAB;
	else if (key == 27)
		k.key = PROTO_KEY_ESCAPE;
	else if (key == 127 || key == 8)
		k.key = PROTO_KEY_BACKSPACE;
	else if (key >= 1 && key < 32) {
		k.ch = (uint32_t)(key == 0 ? '@' : key + 'a' - 1 > 'z' ? key + '@' : key + 'a' - 1);
		k.mods = PROTO_MOD_CTRL;
	} else if (key >= 32)
		k.ch = (uint32_t)key;
	else
		return;
	app_send(t, "key", proto_key_args(&k), PEND_OTHER, NULL);
}
