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

/*
 * Move l's selection in a list of n rows shown rows at a time for a
 * movement request (a page is rows - 1, at least 1). Returns 1 when req
 * is a movement request (even one that cannot move), 0 otherwise.
 */
int list_move(struct list *l, size_t n, int rows, enum tui_request req);

/*
 * Keep the selection inside [0, n) and, when rows > 0, in view: top
 * follows it and never leaves rows past the end empty when it can show them.
 */
void list_clamp(struct list *l, size_t n, int rows);

#endif
