/*
 * The mouse, as htop's: a click selects a row of a list or focuses a pane,
 * the wheel scrolls the lists (the selection with them), the pager and
 * help. Only button presses and the wheel are asked of the terminal
 * (xterm's protocol through curses' mousemask), so Shift still selects
 * text the terminal's own way, and a click never answers a question or
 * types into a field. The headless script's :click and :wheel lines come
 * in through app_mouse as the terminal's would.
 */
#include "config.h"

#include "app.h"

/* Rows a wheel notch scrolls. */
#define WHEEL_ROWS 3

void
mouse_start(void)
{
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	/* Presses as they come: no waiting to tell a click from a double click. */
	mouseinterval(0);
}

/* The pane shown at screen row y, column x, or NULL. */
static struct pane *
pane_at(struct tui *t, int y, int x)
{
	for (int i = 0; i < PANE__COUNT; i++) {
		struct pane *p = &t->panes[i];

		if (p->h > 0 && y >= p->y && y < p->y + p->h && x >= p->x && x < p->x + p->w)
			return p;
	}
	return NULL;
}

void
app_mouse(struct tui *t, enum mouse_kind kind, int y, int x)
{
	struct pane *p;
	int rows, cols, lines = kind == MOUSE_WHEEL_UP ? -WHEEL_ROWS : WHEEL_ROWS;

	if (t->ov == OV_HELP || t->ov == OV_PAGER) {
		if (kind != MOUSE_CLICK)
			pager_wheel(&t->pager, lines);
		t->dirty = 1;
		return;
	}
	/* A question, a field, attach mode: the mouse decides nothing there. */
	if (t->ov != OV_NONE || (p = pane_at(t, y, x)) == NULL)
		return;
	app_pane_inner(p, &rows, &cols);
	t->dirty = 1;
	if (kind == MOUSE_CLICK) {
		t->focus = (enum pane_id)(p - t->panes);
		if (p->ops->row_text != NULL &&
		    list_click(&p->list, p->ops->count(p, t), y - p->y - 1))
			app_pane_handle(t, p, REQ_NONE);
		return;
	}
	if (p->ops->row_text == NULL) /* the agent's terminal: nothing to scroll yet */
		return;
	list_wheel(&p->list, p->ops->count(p, t), rows, lines);
	app_pane_handle(t, p, REQ_NONE);
}

void
mouse_key(struct tui *t)
{
	MEVENT ev;

	/* An event curses could not read, a release, a button not asked for: nothing. */
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON1_PRESSED)
		app_mouse(t, MOUSE_CLICK, ev.y, ev.x);
	else if (ev.bstate & BUTTON4_PRESSED)
		app_mouse(t, MOUSE_WHEEL_UP, ev.y, ev.x);
	else if (ev.bstate & BUTTON5_PRESSED)
		app_mouse(t, MOUSE_WHEEL_DOWN, ev.y, ev.x);
}
