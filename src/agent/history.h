/*
 * A terminal's history: the lines that scrolled off the top of its grid,
 * kept compactly. Each line is one allocation holding its cells trimmed of
 * trailing blanks as UTF-8 text plus runs of attributes (not a cell array),
 * in a ring of line pointers bounded both by a line count and by a byte
 * budget; the oldest lines go first. Lines decode back into grid rows, to be
 * read or to return to the screen when it grows.
 */
#ifndef DEVFLOW_HISTORY_H
#define DEVFLOW_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "grid.h"

/* Bytes a history may hold unless told otherwise (history_set_budget). */
#define HISTORY_DEFAULT_BUDGET ((size_t)4 << 20)

struct history;

/* An empty history of at most max_lines lines (0: none are kept) and HISTORY_DEFAULT_BUDGET bytes.
 */
struct history *history_new(size_t max_lines);
void history_free(struct history *h);

/*
 * Bound the bytes the lines and their ring take; the oldest lines are
 * dropped at once if over. Lines are held in 16 KiB chunks, so the bound is
 * kept chunk by chunk, and the newest line is kept whatever its size.
 */
void history_set_budget(struct history *h, size_t bytes);

/*
 * Append the first cols cells of row as the newest line, dropping the
 * oldest when a bound is reached; attr_xor is applied to every cell's
 * attributes (the screen's reverse video).
 */
void history_push(struct history *h, const struct grid_row *row, int cols, uint16_t attr_xor);

/*
 * Take the newest line back into row (cols cells wide; cells past the line
 * are blank in the default pen), attr_xor applied to every cell's
 * attributes but the right parts of wide characters, which keep the pen row
 * had. Returns 0, or -1 when the history is empty.
 */
int history_pop(struct history *h, struct grid_row *row, int cols, uint16_t attr_xor);

/* Lines held; index 0 is the oldest. */
size_t history_count(const struct history *h);

/* Lines dropped off the top since the history was made. */
uint64_t history_dropped(const struct history *h);

/* Bytes held (lines and ring). */
size_t history_bytes(const struct history *h);

/*
 * Line index as a new row of *ncells cells (at least 1; the trimmed length,
 * 0 for an empty line), or NULL when out of range. Free with grid_row_free().
 */
struct grid_row *history_row(const struct history *h, size_t index, int *ncells);

#endif
