/*
 * A list's selection and scroll position: moves and clamping shared by
 * every list pane (list.h), instead of each pane's own arithmetic.
 */
#include "config.h"

#include <stdio.h>

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
	case REQ_MOVE_FIRST:
		l->sel = 0;
		return 1;
	case REQ_MOVE_LAST:
		l->sel = n ? n - 1 : 0;
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

int
list_scroll(struct list *l, size_t n, int rows, enum tui_request req)
{
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (l->top + 1 < n)
			l->top++;
		break;
	case REQ_MOVE_UP:
		if (l->top > 0)
			l->top--;
		break;
	case REQ_PAGE_DOWN:
		l->top = l->top + page < n ? l->top + page : (n ? n - 1 : 0);
		break;
	case REQ_PAGE_UP:
		l->top = l->top > page ? l->top - page : 0;
		break;
	case REQ_MOVE_FIRST:
		l->top = 0;
		break;
	case REQ_MOVE_LAST:
		l->top = n > page ? n - page : 0;
		break;
	default:
		return 0;
	}
	l->sel = l->top;
	return 1;
}

void
list_scroll_lines(struct list *l, size_t n, int lines)
{
	if (lines < 0)
		l->top = l->top > (size_t)-lines ? l->top - (size_t)-lines : 0;
	else if (n > 0)
		l->top = l->top + (size_t)lines < n ? l->top + (size_t)lines : n - 1;
	l->sel = l->top;
}

void
list_wheel(struct list *l, size_t n, int rows, int lines)
{
	size_t d = lines < 0 ? (size_t)-lines : (size_t)lines;
	/* The view stops where the last row is at the bottom. */
	size_t maxtop = rows > 0 && n > (size_t)rows ? n - (size_t)rows : 0;

	if (n == 0)
		return;
	if (lines > 0) {
		size_t room = maxtop > l->top ? maxtop - l->top : 0;

		/* At the end of the view the selection goes on to the last row. */
		l->top += d < room ? d : room;
		l->sel = l->sel + d < n ? l->sel + d : n - 1;
	} else {
		l->top = l->top > d ? l->top - d : 0;
		l->sel = l->sel > d ? l->sel - d : 0;
	}
	list_clamp(l, n, rows);
}

int
list_click(struct list *l, size_t n, int row)
{
	if (row < 0 || l->top + (size_t)row >= n)
		return 0;
	l->sel = l->top + (size_t)row;
	return 1;
}

void
list_indicator(const struct list *l, size_t n, char *out, size_t size)
{
	if (size == 0)
		return;
	if (n == 0)
		out[0] = '\0';
	else
		snprintf(out, size, "%zu/%zu", (l->sel < n ? l->sel : n - 1) + 1, n);
}

size_t
list_find(size_t n, size_t from, int dir, int (*match)(size_t i, void *ctx), void *ctx)
{
	if (n == 0)
		return LIST_NONE;
	if (from >= n)
		from = dir > 0 ? n - 1 : 0;
	for (size_t k = 1; k <= n; k++) {
		size_t i = dir > 0 ? (from + k) % n : (from + n - k % n) % n;

		if (match(i, ctx))
			return i;
	}
	return LIST_NONE;
}
