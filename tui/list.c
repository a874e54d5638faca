/*
 * A list's selection and scroll position: moves and clamping shared by
 * every list pane (list.h), instead of each pane's own arithmetic.
 */
#include "config.h"

#include "list.h"

int
list_move(struct list *l, size_t n, int rows, enum tui_request req)
{
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (l->sel + 1 < n)
			l->sel++;
		return 1;
	case REQ_MOVE_UP:
		if (l->sel > 0)
			l->sel--;
		return 1;
	case REQ_PAGE_DOWN:
		l->sel = l->sel + page < n ? l->sel + page : (n ? n - 1 : 0);
		return 1;
	case REQ_PAGE_UP:
		l->sel = l->sel > page ? l->sel - page : 0;
		return 1;
	default:
		return 0;
	}
}

void
list_clamp(struct list *l, size_t n, int rows)
{
	if (n == 0)
		l->sel = 0;
	else if (l->sel >= n)
		l->sel = n - 1;
	if (rows <= 0)
		return;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	if (l->top + (size_t)rows > n)
		l->top = n > (size_t)rows ? n - (size_t)rows : 0;
}
