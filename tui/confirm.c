/*
 * The confirmation a destructive key asks first (reject a gate, abort a
 * run), or an offer (a rebase run for a landing that conflicts): the
 * question in red, wrapped when long, y answers yes, any other key no.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "colour.h"
#include "draw.h"
#include "overlay.h"

void
confirm_open(struct confirm *cf, const char *action, const char *run_id, const char *approval_id,
             char *question)
{
	snprintf(cf->action, sizeof cf->action, "%s", action);
	snprintf(cf->run, sizeof cf->run, "%s", run_id);
	snprintf(cf->approval, sizeof cf->approval, "%s", approval_id);
	free(cf->question);
	cf->question = question;
}

void
confirm_free(struct confirm *cf)
{
	free(cf->question);
	cf->question = NULL;
}

/* The widest a confirmation grows before its question wraps. */
#define CONFIRM_MAX_W 80
/* The most rows its question takes. */
#define CONFIRM_MAX_ROWS 6

/* How many rows s takes wrapped at width (at least one). */
static int
rows_of(const char *s, int width)
{
	int n = 0;

	for (size_t next = 0; *s != '\0' && n < CONFIRM_MAX_ROWS; s += next, n++)
		wrap_line(s, width, &next);
	return n > 0 ? n : 1;
}

void
confirm_draw(const struct confirm *cf)
{
	int w = str_width(cf->question) + 6, h, rows;
	WINDOW *win;

	if (w > CONFIRM_MAX_W)
		w = CONFIRM_MAX_W; /* a long question (a landing's conflicts) wraps */
	if (w > COLS)
		w = COLS;
	if (w < 30)
		w = COLS < 30 ? COLS : 30;
	rows = rows_of(cf->question, w - 4);
	h = rows + 4;
	win = box_win((LINES - h) / 2, (COLS - w) / 2, h, w, "Confirm");
	if (win == NULL)
		return;
	put_wrapped(win, 1, 2, cf->question, w - 4, rows, A_BOLD, colour_pair(COLOR_RED, -1));
	put_clipped(win, rows + 2, 2, "y yes · any other key: no", w - 4, A_DIM, 0);
	wnoutrefresh(win);
	delwin(win);
}

enum overlay_result
confirm_key(struct confirm *cf, int key)
{
	(void)cf;
	return key == 'y' || key == 'Y' ? OVERLAY_SUBMIT : OVERLAY_CANCEL;
}
