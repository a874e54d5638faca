/*
 * The cells of one terminal screen: a table of row pointers, each row a flat
 * array of compact 16-byte cells. A full-width scroll moves row pointers
 * (O(rows)), never cells; partial scrolls (a scroll region with margins,
 * insert/delete characters) move cells within rows. Combining marks live
 * beside their row, looked up only for cells flagged as carrying some. No
 * terminal semantics here: screen.c drives it from libvterm's state layer.
 */
#ifndef DEVFLOW_GRID_H
#define DEVFLOW_GRID_H

#include <stdbool.h>
#include <stdint.h>

/* Code points per cell: a base character and up to five combining marks. */
#define GRID_MAX_CHARS 6
/* The ch of a cell covered by the wide character on its left. */
#define GRID_CONT 0xffffffffu

/* A colour: its kind in the top byte, the palette index or 0xRRGGBB below. */
#define GRID_COLOR_DEFAULT 0u
#define GRID_COLOR_INDEX (1u << 24)
#define GRID_COLOR_RGB (2u << 24)
#define GRID_COLOR_KIND(c) ((c)&0xff000000u)

/* Pen attributes. */
enum {
	GRID_BOLD = 1 << 0,
	GRID_UNDERLINE = 3 << 1, /* two bits: single, double, curly */
	GRID_UNDERLINE_SHIFT = 1,
	GRID_ITALIC = 1 << 3,
	GRID_BLINK = 1 << 4,
	GRID_REVERSE = 1 << 5,
	GRID_STRIKE = 1 << 6,
	GRID_FONT = 15 << 7, /* four bits: alternative font 0-9 */
	GRID_FONT_SHIFT = 7,
};

/* Cell flags, not part of the pen. */
enum {
	GRID_PROTECTED = 1 << 0, /* DECSCA: kept by a selective erase */
	GRID_COMBINED = 1 << 1,  /* the row holds combining marks for this cell */
};

struct grid_pen {
	uint32_t fg, bg;
	uint16_t attrs;
};

struct grid_cell {
	uint32_t ch; /* code point; 0 erased (blank); GRID_CONT */
	uint32_t fg, bg;
	uint16_t attrs;
	uint16_t flags;
};

/* Combining marks of the cell at col, NUL-terminated unless all are used. */
struct grid_comb {
	int col;
	uint32_t marks[GRID_MAX_CHARS - 1];
};

struct grid_row {
	int ncomb, combcap;
	struct grid_comb *comb;
	struct grid_cell cells[];
};

/* Rows [start_row, end_row) by columns [start_col, end_col). */
struct grid_rect {
	int start_row, end_row, start_col, end_col;
};

struct grid {
	int rows, cols;
	struct grid_row **row;   /* rows pointers, top first */
	struct grid_row **spare; /* scratch for scrolls */
};

/* A rows x cols grid (each at least 1) of blank cells in pen. Free with grid_free(). */
struct grid *grid_new(int rows, int cols, const struct grid_pen *pen);
void grid_free(struct grid *g);

/* A blank row of cols cells in pen, outside any grid; free with grid_row_free(). */
struct grid_row *grid_row_new(int cols, const struct grid_pen *pen);
void grid_row_free(struct grid_row *r);

/* Blank cells [from, to) of r with pen (and forget their marks). */
void grid_row_clear(struct grid_row *r, int from, int to, const struct grid_pen *pen);

/*
 * Resize, keeping the top-left part; new cells are blank in pen. Rows whose
 * width does not change keep their storage.
 */
void grid_resize(struct grid *g, int rows, int cols, const struct grid_pen *pen);

/*
 * Write a glyph: chars (a base character and its combining marks, NUL-ended
 * unless GRID_MAX_CHARS long) at row, col in pen; the width-1 cells to its
 * right become GRID_CONT. Out-of-range positions are ignored.
 */
void grid_put(struct grid *g, int row, int col, const uint32_t *chars, int width,
              const struct grid_pen *pen, bool protect);

/* Blank rect in pen; selective spares protected cells. */
void grid_erase(struct grid *g, struct grid_rect rect, bool selective, const struct grid_pen *pen);

/*
 * Move the cells of src to dest (same size; they may overlap), marks
 * included. What src leaves behind is unchanged (the caller erases it).
 */
void grid_move(struct grid *g, struct grid_rect dest, struct grid_rect src);

/*
 * Scroll rows [top, bottom) of full width up by n (n > 0) or down (n < 0),
 * |n| < bottom - top, by moving row pointers; the rows brought in are blank
 * in pen.
 */
void grid_scroll_rows(struct grid *g, int top, int bottom, int n, const struct grid_pen *pen);

/* The code points of a cell (base then marks), 0-terminated when shorter; returns how many. */
int grid_row_chars(const struct grid_row *r, int col, uint32_t out[GRID_MAX_CHARS]);

/* Set the combining marks of a cell of r (marks NUL-ended or GRID_MAX_CHARS - 1 long). */
void grid_row_set_marks(struct grid_row *r, int col, const uint32_t *marks);

/* True when every cell of the row is erased (ch 0), whatever its pen. */
bool grid_row_erased(const struct grid_row *r, int cols);

#endif
