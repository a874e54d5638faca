/*
 * The line over the footer where `/` text is typed: the runs filter (the
 * runs list follows it as it is typed; Enter keeps it, Esc clears it) or
 * a search of another list (find.c acts on it).
 */
#include "config.h"

#include <stdlib.h>

#include "lib/xalloc.h"
#include "draw.h"
#include "overlay.h"

void
filter_draw(const struct editor *e, const char *hint)
{
	WINDOW *win = newwin(1, COLS, LINES - 1, 0);
	char *s;

	if (win == NULL)
		return;
	s = xasprintf("/%s", editor_text(e));
	put_clipped(win, 0, 0, s, COLS - 1, A_BOLD, 0);
	put_clipped(win, 0, str_width(s) < COLS - 1 ? str_width(s) : COLS - 1, " ", 1, A_REVERSE,
	            0);
	{
		char *h = xasprintf("  %s", hint);

		put_clipped(win, 0, str_width(s) + 2 < COLS ? str_width(s) + 2 : COLS, h,
		            COLS - str_width(s) - 2, A_DIM, 0);
		free(h);
	}
	free(s);
	wnoutrefresh(win);
	delwin(win);
}

enum overlay_result
filter_key(struct editor *e, int key)
{
	if (key == KEY_ESCAPE)
		return OVERLAY_CANCEL;
	if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER))
		return OVERLAY_DONE;
	editor_key(e, key);
	return OVERLAY_CHANGED;
}
