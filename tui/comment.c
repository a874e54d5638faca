/*
 * The request-changes comment editor: the gate's artifact summary on top
 * (its first line at once, the rest when the artifact arrives), the
 * comment below; C-s sends, Esc cancels (the application asks first when
 * the comment runs over more than one line).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "overlay.h"

void
comment_open(struct comment *c, const char *run_id, const char *approval_id, char *summary)
{
	editor_init(&c->ed, "", 1);
	snprintf(c->run, sizeof c->run, "%s", run_id);
	snprintf(c->approval, sizeof c->approval, "%s", approval_id);
	free(c->summary);
	c->summary = summary;
}

void
comment_free(struct comment *c)
{
	editor_free(&c->ed);
	free(c->summary);
	c->summary = NULL;
}

int
comment_blank(const struct comment *c)
{
	const char *s = editor_text(&c->ed);

	while (*s == ' ' || *s == '\n')
		s++;
	return *s == '\0';
}

int
comment_multiline(const struct comment *c)
{
	return !comment_blank(c) && strchr(editor_text(&c->ed), '\n') != NULL;
}

void
comment_draw(struct comment *c, int y, int x, int h, int w)
{
	int cy, cx;
	WINDOW *win;
	char title[160];
	size_t nsum = 0;
	char **sum = split_lines(c->summary ? c->summary : "", &nsum);
	int sumh;

	snprintf(title, sizeof title, "Request changes · %.8s · C-s send · Esc cancel", c->run);
	win = box_win(y, x, h, w, title);
	if (win == NULL)
		goto out;
	/* The summary, wrapped, over at most half of the box. */
	sumh = 0;
	for (size_t i = 0; i < nsum && sumh < (h - 2) / 2; i++)
		sumh += put_wrapped(win, 1 + sumh, 2, sum[i][0] ? sum[i] : " ", w - 4,
		                    (h - 2) / 2 - sumh, A_DIM, 0);
	mvwhline_set(win, 1 + sumh, 1, WACS_HLINE, w - 2);
	put_clipped(win, 1 + sumh, 2, " Your comment ", w - 4, A_BOLD, 0);
	editor_draw(&c->ed, win, 2 + sumh, 2, h - 3 - sumh, w - 4, A_NORMAL, &cy, &cx);
	editor_show_cursor(win, cy, cx);
	wnoutrefresh(win);
	delwin(win);
out:
	for (size_t i = 0; i < nsum; i++)
		free(sum[i]);
	free(sum);
}

enum overlay_result
comment_key(struct comment *c, int key)
{
	if (key == KEY_ESCAPE)
		return OVERLAY_CANCEL;
	if (key == KEY_CS)
		return OVERLAY_SUBMIT;
	editor_key(&c->ed, key);
	return OVERLAY_KEEP;
}
