/*
 * Grid of cells behind a terminal screen. Rows are separately allocated so
 * that scrolling whole rows is a shuffle of pointers; combining marks are
 * rare, so they sit in a small per-row list instead of widening every cell.
 * A mark entry counts only while its cell carries GRID_COMBINED: writers
 * clear the flag and leave the entry, which the next addition reclaims.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "lib/xalloc.h"

static void
fill(struct grid_cell *c, int n, const struct grid_pen *pen)
{
	struct grid_cell blank = { 0, pen->fg, pen->bg, pen->attrs, 0 };

	for (int i = 0; i < n; i++)
		c[i] = blank;
}

struct grid_row *
grid_row_new(int cols, const struct grid_pen *pen)
{
	struct grid_row *r = xmalloc(sizeof *r + (size_t)cols * sizeof r->cells[0]);

	r->ncomb = r->combcap = 0;
	r->comb = NULL;
	fill(r->cells, cols, pen);
	return r;
}

void
grid_row_free(struct grid_row *r)
{
	if (r == NULL)
		return;
	free(r->comb);
	free(r);
}

void
grid_row_clear(struct grid_row *r, int from, int to, const struct grid_pen *pen)
{
	if (to > from)
		fill(r->cells + from, to - from, pen);
}

struct grid *
grid_new(int rows, int cols, const struct grid_pen *pen)
{
	struct grid *g = xcalloc(1, sizeof *g);

	g->rows = rows < 1 ? 1 : rows;
	g->cols = cols < 1 ? 1 : cols;
	g->row = xcalloc((size_t)g->rows, sizeof *g->row);
	g->spare = xcalloc((size_t)g->rows, sizeof *g->spare);
	for (int i = 0; i < g->rows; i++)
		g->row[i] = grid_row_new(g->cols, pen);
	return g;
}

void
grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->rows; i++)
		grid_row_free(g->row[i]);
	free(g->row);
	free(g->spare);
	free(g);
}

/* Entry of the marks of col, or NULL (flag or not). */
static struct grid_comb *
comb_find(const struct grid_row *r, int col)
{
	for (int i = 0; i < r->ncomb; i++)
		if (r->comb[i].col == col)
			return &r->comb[i];
	return NULL;
}

void
grid_row_set_marks(struct grid_row *r, int col, const uint32_t *marks)
{
	struct grid_comb *e = comb_find(r, col);

	if (e == NULL) {
		/* Reclaim entries whose cells lost their marks before growing. */
		int k = 0;
		for (int i = 0; i < r->ncomb; i++)
			if (r->cells[r->comb[i].col].flags & GRID_COMBINED)
				r->comb[k++] = r->comb[i];
		r->ncomb = k;
		if (r->ncomb == r->combcap) {
			r->combcap = r->combcap ? r->combcap * 2 : 2;
			r->comb = xreallocarray(r->comb, (size_t)r->combcap, sizeof *r->comb);
		}
		e = &r->comb[r->ncomb++];
		e->col = col;
	}
	memset(e->marks, 0, sizeof e->marks);
	for (int i = 0; i < GRID_MAX_CHARS - 1 && marks[i] != 0; i++)
		e->marks[i] = marks[i];
	r->cells[col].flags |= GRID_COMBINED;
}

int
grid_row_chars(const struct grid_row *r, int col, uint32_t out[GRID_MAX_CHARS])
{
	int n = 1;

	memset(out, 0, sizeof(uint32_t) * GRID_MAX_CHARS);
	out[0] = r->cells[col].ch;
	if (out[0] == 0)
		return 0;
	if (r->cells[col].flags & GRID_COMBINED) {
		const struct grid_comb *e = comb_find(r, col);
		for (int i = 0; e != NULL && i < GRID_MAX_CHARS - 1 && e->marks[i] != 0; i++)
			out[n++] = e->marks[i];
	}
	return n;
}

bool
grid_row_erased(const struct grid_row *r, int cols)
{
	for (int c = 0; c < cols; c++)
		if (r->cells[c].ch != 0)
			return false;
	return true;
}

void
grid_put(struct grid *g, int row, int col, const uint32_t *chars, int width,
         const struct grid_pen *pen, bool protect)
{
	if (row < 0 || row >= g->rows || col < 0 || col >= g->cols)
		return;
	struct grid_row *r = g->row[row];
	struct grid_cell *c = &r->cells[col];
	c->ch = chars[0];
	c->fg = pen->fg;
	c->bg = pen->bg;
	c->attrs = pen->attrs;
	c->flags = protect ? GRID_PROTECTED : 0;
	if (chars[0] != 0 && chars[1] != 0)
		grid_row_set_marks(r, col, chars + 1);
	/*
	 * The cells under the right part keep their pen and protection, as
	 * libvterm's screen did (a selective erase then spares them).
	 */
	for (int i = 1; i < width && col + i < g->cols; i++) {
		r->cells[col + i].ch = GRID_CONT;
		r->cells[col + i].flags &= (uint16_t)~GRID_COMBINED;
	}
}

void
grid_erase(struct grid *g, struct grid_rect rect, bool selective, const struct grid_pen *pen)
{
	struct grid_cell blank = { 0, pen->fg, pen->bg, pen->attrs, 0 };

	if (rect.start_row < 0)
		rect.start_row = 0;
	if (rect.end_row > g->rows)
		rect.end_row = g->rows;
	if (rect.start_col < 0)
		rect.start_col = 0;
	if (rect.end_col > g->cols)
		rect.end_col = g->cols;
	for (int row = rect.start_row; row < rect.end_row; row++) {
		struct grid_cell *c = g->row[row]->cells;
		for (int col = rect.start_col; col < rect.end_col; col++)
			if (!selective || !(c[col].flags & GRID_PROTECTED))
				c[col] = blank;
	}
}

/* Copy n cells from src at scol to dst at dcol (rows may be the same), marks included. */
static void
cells_move(struct grid_row *dst, int dcol, const struct grid_row *src, int scol, int n)
{
	struct grid_comb *moved = NULL;
	int nmoved = 0;

	/* Marks first, read before the cells (and perhaps the entries) are overwritten. */
	for (int i = 0; i < src->ncomb; i++) {
		int col = src->comb[i].col;
		if (col >= scol && col < scol + n && (src->cells[col].flags & GRID_COMBINED)) {
			moved = xreallocarray(moved, (size_t)nmoved + 1, sizeof *moved);
			moved[nmoved] = src->comb[i];
			moved[nmoved++].col = col - scol + dcol;
		}
	}
	memmove(&dst->cells[dcol], &src->cells[scol], (size_t)n * sizeof dst->cells[0]);
	for (int i = 0; i < nmoved; i++) {
		dst->cells[moved[i].col].flags &= (uint16_t)~GRID_COMBINED;
		grid_row_set_marks(dst, moved[i].col, moved[i].marks);
	}
	free(moved);
}

void
grid_move(struct grid *g, struct grid_rect dest, struct grid_rect src)
{
	int cols = src.end_col - src.start_col;
	int down = src.start_row - dest.start_row;
	int first, stop, step;

	/* Walk so that no source row is overwritten before it is read. */
	if (down < 0) {
		first = dest.end_row - 1;
		stop = dest.start_row - 1;
		step = -1;
	} else {
		first = dest.start_row;
		stop = dest.end_row;
		step = 1;
	}
	for (int row = first; row != stop; row += step)
		cells_move(g->row[row], dest.start_col, g->row[row + down], src.start_col, cols);
}

void
grid_scroll_rows(struct grid *g, int top, int bottom, int n, const struct grid_pen *pen)
{
	int height = bottom - top;
	int k = n > 0 ? n : -n;

	if (n == 0 || k >= height)
		return;
	if (n > 0) {
		memcpy(g->spare, &g->row[top], (size_t)k * sizeof *g->row);
		memmove(&g->row[top], &g->row[top + k], (size_t)(height - k) * sizeof *g->row);
		memcpy(&g->row[bottom - k], g->spare, (size_t)k * sizeof *g->row);
		top = bottom - k;
	} else {
		memcpy(g->spare, &g->row[bottom - k], (size_t)k * sizeof *g->row);
		memmove(&g->row[top + k], &g->row[top], (size_t)(height - k) * sizeof *g->row);
		memcpy(&g->row[top], g->spare, (size_t)k * sizeof *g->row);
	}
	for (int i = top; i < top + k; i++) {
		fill(g->row[i]->cells, g->cols, pen);
		g->row[i]->ncomb = 0;
	}
}

void
grid_resize(struct grid *g, int rows, int cols, const struct grid_pen *pen)
{
	struct grid_row **row = xcalloc((size_t)rows, sizeof *row);
	int keep = rows < g->rows ? rows : g->rows;
	int w = cols < g->cols ? cols : g->cols;

	for (int i = 0; i < keep; i++) {
		if (cols == g->cols) {
			row[i] = g->row[i];
			continue;
		}
		row[i] = grid_row_new(cols, pen);
		cells_move(row[i], 0, g->row[i], 0, w);
		grid_row_free(g->row[i]);
	}
	for (int i = keep; i < g->rows; i++)
		grid_row_free(g->row[i]);
	for (int i = keep; i < rows; i++)
		row[i] = grid_row_new(cols, pen);
	free(g->row);
	free(g->spare);
	g->row = row;
	g->spare = xcalloc((size_t)rows, sizeof *g->spare);
	g->rows = rows;
	g->cols = cols;
}
