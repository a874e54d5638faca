/*
 * A list's position, as every list pane holds one (runs, phases, the
 * queue, events): the selected row and the first row shown, the moves a
 * request asks for, and keeping both inside the list and the selection in
 * view. The panes draw; this only counts, so it is unit-tested (no curses).
 */
#ifndef DEVFLOW_TUI_LIST_H
#define DEVFLOW_TUI_LIST_H

#include <stddef.h>

#include "request.h"

struct list {
	size_t sel; /* the selected row */
	size_t top; /* the first row shown */
};

/* No row (list_find found none). */
#define LIST_NONE ((size_t)-1)

/*
 * Move l's selection in a list of n rows shown rows at a time for a
 * movement request: a row, a page (rows - 1, at least 1), the first or
 * the last row. Returns 1 when req is a movement request (even one that
 * cannot move), 0 otherwise.
 */
int list_move(struct list *l, size_t n, int rows, enum tui_request req);

/*
 * Keep the selection inside [0, n) and, when rows > 0, in view: top
 * follows it and never leaves rows past the end empty when it can show them.
 */
void list_clamp(struct list *l, size_t n, int rows);

/*
 * A view without a selection (the pager): move its first row for req,
 * down to the last row at the top; the last page (move-last-line) leaves
 * the last row at the bottom. 1 when req is a movement request.
 */
int list_scroll(struct list *l, size_t n, int rows, enum tui_request req);

/* A view without a selection: its first row lines rows down (negative: up), down to the last row.
 */
void list_scroll_lines(struct list *l, size_t n, int lines);

/*
 * The mouse wheel: lines rows down (negative: up), the selection with
 * the view, so it stays on the row under the pointer where it can.
 */
void list_wheel(struct list *l, size_t n, int rows, int lines);

/* A click on the row-th row shown: 1 (selected) when a row is there, else 0. */
int list_click(struct list *l, size_t n, int row);

/*
 * The position "12/301" (selection, count) into out (size bytes); "" for
 * an empty list.
 */
void list_indicator(const struct list *l, size_t n, char *out, size_t size);

/*
 * The next row after from (dir 1) or before it (dir -1), going round the
 * end, for which match(i, ctx) is true; from itself is tried last. Returns
 * LIST_NONE when none matches.
 */
size_t list_find(size_t n, size_t from, int dir, int (*match)(size_t i, void *ctx), void *ctx);

#endif
