/*
 * The pager: a text to scroll, an artifact, a diff (+ - @@ lines coloured),
 * a report or the help screen; `/` searches it (as less), n and N go on.
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
	free(pg->search);
	free(pg->note);
	editor_free(&pg->find);
	memset(pg, 0, sizeof *pg);
}

/* Show the matches of the last search in line l (drawn at row y) in reverse. */
static void
mark_matches(WINDOW *win, int y, int w, const char *l, const char *text, int pair)
{
	size_t tl = strlen(text);

	for (const char *m = strcasestr(l, text); m != NULL && tl > 0;
	     m = strcasestr(m + tl, text)) {
		char *before = xstrndup(l, (size_t)(m - l)), *hit = xstrndup(m, tl);
		int x = str_width(before);

		if (x < w)
			put_clipped(win, y, 1 + x, hit, w - x, A_REVERSE, pair);
		free(before);
		free(hit);
	}
}

/* The search line or what the last search found not, over the box's bottom line. */
static void
draw_find(const struct pager *pg, WINDOW *win, int h, int w)
{
	if (pg->finding) {
		char *s = xasprintf(" /%s", editor_text(&pg->find));
		int x = put_clipped(win, h - 1, 1, s, w - 3, A_BOLD, 0);

		put_clipped(win, h - 1, 1 + x, " ", 1, A_REVERSE, 0);
		free(s);
	} else if (pg->note != NULL) {
		char *s = xasprintf(" %s ", pg->note);

		put_clipped(win, h - 1, 1, s, w - 2, A_BOLD, colour_pair(COLOR_RED, -1));
		free(s);
	}
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
		if (pg->search != NULL)
			mark_matches(win, 1 + i, w - 2, l, pg->search, pair);
	}
	draw_find(pg, win, h, w);
	wnoutrefresh(win);
	delwin(win);
}

struct pager_match {
	const struct pager *pg;
	const char *text;
};

static int
line_matches(size_t i, void *arg)
{
	const struct pager_match *m = arg;

	return strcasestr(m->pg->lines[i], m->text) != NULL;
}

/* Show the next line after from (dir 1) or before it (-1) holding the last search. */
static void
pager_find(struct pager *pg, size_t from, int dir)
{
	struct pager_match m = { pg, pg->search };
	size_t i = list_find(pg->n, from, dir, line_matches, &m);

	free(pg->note);
	pg->note = NULL;
	if (i == LIST_NONE)
		pg->note = xasprintf("no line holds \"%s\"", pg->search);
	else
		pg->top = i;
}

/* A key while the search line is open: Esc closes it, Enter searches. */
static void
find_key(struct pager *pg, int key)
{
	if (key == KEY_ESCAPE) {
		pg->finding = 0;
		editor_free(&pg->find);
	} else if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) {
		pg->finding = 0;
		if (editor_text(&pg->find)[0] != '\0') {
			free(pg->search);
			pg->search = xstrdup(editor_text(&pg->find));
			/* From the top line itself: a match in view is shown where it is. */
			pager_find(pg, pg->top == 0 ? (size_t)-1 : pg->top - 1, 1);
		}
		editor_free(&pg->find);
	} else
		editor_key(&pg->find, key);
}

enum overlay_result
pager_key(struct pager *pg, const struct keymap *keys, int key)
{
	enum tui_request req = keymap_lookup(keys, key);
	struct list l = { pg->top, pg->top };

	if (pg->finding) {
		find_key(pg, key);
		return OVERLAY_KEEP;
	}
	if (key == 'q' || key == KEY_ESCAPE || req == REQ_QUIT)
		return OVERLAY_DONE;
	free(pg->note);
	pg->note = NULL;
	if (req == REQ_FILTER) {
		pg->finding = 1;
		editor_init(&pg->find, NULL, 0);
	} else if (req == REQ_FIND_NEXT || req == REQ_FIND_PREV) {
		if (pg->search == NULL)
			pg->note = xstrdup("nothing searched yet: / types the text");
		else
			pager_find(pg, pg->top, req == REQ_FIND_NEXT ? 1 : -1);
	} else if (list_scroll(&l, pg->n, LINES - 4, req)) {
		/* The rows shown: the screen less header, footer and the box's frame. */
		pg->top = l.top;
	}
	return OVERLAY_KEEP;
}

void
pager_wheel(struct pager *pg, int lines)
{
	struct list l = { pg->top, pg->top };

	list_scroll_lines(&l, pg->n, lines);
	pg->top = l.top;
}
