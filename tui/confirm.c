/*
 * The confirmation a destructive key asks first (reject a gate, abort a
 * run): the question in red, y answers yes, any other key no.
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

void
confirm_draw(const struct confirm *cf)
{
	int w = str_width(cf->question) + 6, h = 5;
	WINDOW *win;

	if (w > COLS)
		w = COLS;
	if (w < 30)
		w = COLS < 30 ? COLS : 30;
	win = box_win((LINES - h) / 2, (COLS - w) / 2, h, w, "Confirm");
	if (win == NULL)
		return;
	put_clipped(win, 1, 2, cf->question, w - 4, A_BOLD, colour_pair(COLOR_RED, -1));
	put_clipped(win, 3, 2, "y yes · any other key: no", w - 4, A_DIM, 0);
	wnoutrefresh(win);
	delwin(win);
}

enum overlay_result
confirm_key(struct confirm *cf, int key)
{
	(void)cf;
	return key == 'y' || key == 'Y' ? OVERLAY_SUBMIT : OVERLAY_CANCEL;
}
