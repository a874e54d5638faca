/*
 * The pager: a text to scroll, an artifact, a diff (+ - @@ lines coloured),
 * a report or the help screen.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "colour.h"
#include "draw.h"
#include "list.h"
#include "overlay.h"

void
pager_open(struct pager *pg, const char *title, const char *text, int diff)
{
	pager_free(pg);
	pg->title = xstrdup(title);
	pg->lines = split_lines(text, &pg->n);
	/* A trailing newline leaves an empty last line: drop it. */
	if (pg->n > 1 && pg->lines[pg->n - 1][0] == '\0')
		free(pg->lines[--pg->n]);
	pg->top = 0;
	pg->diff = diff;
}

void
pager_free(struct pager *pg)
{
	for (size_t i = 0; i < pg->n; i++)
		free(pg->lines[i]);
	free(pg->lines);
	free(pg->title);
	pg->lines = NULL;
	pg->title = NULL;
	pg->n = pg->top = 0;
	pg->diff = 0;
}

void
pager_draw(const struct pager *pg, int y, int x, int h, int w)
{
	WINDOW *win;
	char title[256];

	snprintf(title, sizeof title, "%s · %zu/%zu · q close", pg->title, pg->n ? pg->top + 1 : 0,
	         pg->n);
	win = box_win(y, x, h, w, title);
	if (win == NULL)
		return;
	for (int i = 0; i < h - 2 && pg->top + (size_t)i < pg->n; i++) {
		const char *l = pg->lines[pg->top + (size_t)i];
		int pair = 0;
		attr_t a = A_NORMAL;

		if (pg->diff) {
			if (strncmp(l, "+++", 3) == 0 || strncmp(l, "---", 3) == 0 ||
			    strncmp(l, "diff ", 5) == 0)
				a = A_BOLD;
			else if (l[0] == '+')
				pair = colour_pair(COLOR_GREEN, -1);
			else if (l[0] == '-')
				pair = colour_pair(COLOR_RED, -1);
			else if (strncmp(l, "@@", 2) == 0)
				pair = colour_pair(COLOR_CYAN, -1);
		}
		put_clipped(win, 1 + i, 1, l, w - 2, a, pair);
	}
	wnoutrefresh(win);
	delwin(win);
}

enum overlay_result
pager_key(struct pager *pg, const struct keymap *keys, int key)
{
	enum tui_request req = keymap_lookup(keys, key);
	struct list l = { pg->top, pg->top };

	if (key == 'q' || key == KEY_ESCAPE || req == REQ_QUIT)
		return OVERLAY_DONE;
	/* The rows shown: the screen less header, footer and the box's frame. */
	if (list_scroll(&l, pg->n, LINES - 4, req))
		pg->top = l.top;
	return OVERLAY_KEEP;
}
