/* The grid of cells: writes, erases, moves, row scrolls, marks, resize. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/grid.h"

static const struct grid_pen plain = { 0, 0, 0 };
static const struct grid_pen red = { GRID_COLOR_INDEX | 1, 0, GRID_BOLD };

/* Write ASCII text at row, col, one cell a character. */
static void
puts_at(struct grid *g, int row, int col, const char *s, const struct grid_pen *pen)
{
	for (; *s; s++, col++) {
		uint32_t ch[2] = { (unsigned char)*s, 0 };
		grid_put(g, row, col, ch, 1, pen, false);
	}
}

/* Row as ASCII: erased '.', wide continuation '>', anything else '?'. */
static const char *
row_str(const struct grid *g, int row)
{
	static char out[256];
	int i;

	for (i = 0; i < g->cols; i++) {
		uint32_t ch = g->row[row]->cells[i].ch;
		out[i] = ch == 0 ? '.' : ch == GRID_CONT ? '>' : ch < 0x80 ? (char)ch : '?';
	}
	out[i] = 0;
	return out;
}

static void
test_put_and_wide(void **state)
{
	struct grid *g = grid_new(3, 8, &plain);
	uint32_t wide[2] = { 0x4e2d, 0 };

	(void)state;
	assert_string_equal(row_str(g, 0), "........");
	puts_at(g, 0, 1, "ab", &red);
	grid_put(g, 0, 4, wide, 2, &plain, false);
	assert_string_equal(row_str(g, 0), ".ab.?>..");
	assert_int_equal(g->row[0]->cells[1].fg, GRID_COLOR_INDEX | 1);
	assert_int_equal(g->row[0]->cells[1].attrs, GRID_BOLD);
	/* Out of range: ignored, nothing written. */
	grid_put(g, 3, 0, wide, 1, &plain, false);
	grid_put(g, 0, 8, wide, 1, &plain, false);
	/* A wide character in the last column has no room for its right part. */
	grid_put(g, 1, 7, wide, 2, &plain, false);
	assert_string_equal(row_str(g, 1), ".......?");
	grid_free(g);
}

static void
test_erase_selective_and_pen(void **state)
{
	struct grid *g = grid_new(2, 6, &plain);
	uint32_t x[2] = { 'x', 0 };

	(void)state;
	puts_at(g, 0, 0, "abcdef", &plain);
	grid_put(g, 0, 2, x, 1, &plain, true);
	grid_erase(g, (struct grid_rect){ 0, 1, 0, 6 }, true, &red);
	assert_string_equal(row_str(g, 0), "..x...");
	/* Erased cells take the pen (background colour erase). */
	assert_int_equal(g->row[0]->cells[0].fg, red.fg);
	grid_erase(g, (struct grid_rect){ 0, 5, -3, 99 }, false, &plain);
	assert_string_equal(row_str(g, 0), "......");
	grid_free(g);
}

static void
test_scroll_rows_moves_pointers(void **state)
{
	struct grid *g = grid_new(4, 3, &plain);

	(void)state;
	for (int r = 0; r < 4; r++) {
		char s[2] = { (char)('a' + r), 0 };
		puts_at(g, r, 0, s, &plain);
	}
	struct grid_row *b = g->row[1];
	grid_scroll_rows(g, 0, 4, 1, &red);
	assert_ptr_equal(g->row[0], b); /* the row itself moved, not its cells */
	assert_string_equal(row_str(g, 0), "b..");
	assert_string_equal(row_str(g, 2), "d..");
	assert_string_equal(row_str(g, 3), "...");
	assert_int_equal(g->row[3]->cells[0].fg, red.fg);
	/* Down by 2 within rows 1-3. */
	grid_scroll_rows(g, 1, 4, -2, &plain);
	assert_string_equal(row_str(g, 0), "b..");
	assert_string_equal(row_str(g, 1), "...");
	assert_string_equal(row_str(g, 2), "...");
	assert_string_equal(row_str(g, 3), "c..");
	/* A scroll of the whole height or nothing changes nothing here (the caller erases). */
	grid_scroll_rows(g, 0, 4, 4, &plain);
	grid_scroll_rows(g, 0, 4, 0, &plain);
	assert_string_equal(row_str(g, 0), "b..");
	grid_free(g);
}

static void
test_move_cells_and_marks(void **state)
{
	struct grid *g = grid_new(3, 6, &plain);
	uint32_t e_acute[3] = { 'e', 0x301, 0 };
	uint32_t out[GRID_MAX_CHARS];

	(void)state;
	puts_at(g, 0, 0, "abcdef", &plain);
	grid_put(g, 0, 3, e_acute, 1, &plain, false);
	assert_int_equal(grid_row_chars(g->row[0], 3, out), 2);
	assert_int_equal(out[1], 0x301);
	/* Delete two characters at column 1: cells 3..5 move to 1..3. */
	grid_move(g, (struct grid_rect){ 0, 1, 1, 4 }, (struct grid_rect){ 0, 1, 3, 6 });
	grid_erase(g, (struct grid_rect){ 0, 1, 4, 6 }, false, &plain);
	assert_string_equal(row_str(g, 0), "aeef..");
	assert_int_equal(grid_row_chars(g->row[0], 1, out), 2);
	assert_int_equal(out[0], 'e');
	assert_int_equal(out[1], 0x301);
	assert_int_equal(grid_row_chars(g->row[0], 2, out), 1);
	assert_int_equal(grid_row_chars(g->row[0], 4, out), 0);
	/* A partial-width region moved down a row (a scroll region with margins). */
	grid_move(g, (struct grid_rect){ 1, 3, 0, 3 }, (struct grid_rect){ 0, 2, 0, 3 });
	assert_string_equal(row_str(g, 1), "aee...");
	assert_int_equal(grid_row_chars(g->row[1], 1, out), 2);
	assert_int_equal(out[1], 0x301);
	/* Overwriting the cell drops its marks. */
	puts_at(g, 1, 1, "z", &plain);
	assert_int_equal(grid_row_chars(g->row[1], 1, out), 1);
	grid_free(g);
}

static void
test_resize_keeps_top_left(void **state)
{
	struct grid *g = grid_new(2, 4, &plain);
	uint32_t e_acute[3] = { 'e', 0x301, 0 };
	uint32_t out[GRID_MAX_CHARS];

	(void)state;
	puts_at(g, 0, 0, "abcd", &plain);
	puts_at(g, 1, 0, "wxyz", &plain);
	grid_put(g, 1, 1, e_acute, 1, &plain, false);
	struct grid_row *r0 = g->row[0];
	grid_resize(g, 3, 4, &red);
	assert_ptr_equal(g->row[0], r0); /* same width: the row is kept */
	assert_string_equal(row_str(g, 2), "....");
	assert_int_equal(g->row[2]->cells[0].fg, red.fg);
	grid_resize(g, 2, 6, &plain);
	assert_string_equal(row_str(g, 0), "abcd..");
	assert_string_equal(row_str(g, 1), "weyz..");
	assert_int_equal(grid_row_chars(g->row[1], 1, out), 2);
	grid_resize(g, 1, 2, &plain);
	assert_int_equal(g->rows, 1);
	assert_int_equal(g->cols, 2);
	assert_string_equal(row_str(g, 0), "ab");
	assert_true(!grid_row_erased(g->row[0], 2));
	grid_erase(g, (struct grid_rect){ 0, 1, 0, 2 }, false, &red);
	assert_true(grid_row_erased(g->row[0], 2));
	grid_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_and_wide),
		cmocka_unit_test(test_erase_selective_and_pen),
		cmocka_unit_test(test_scroll_rows_moves_pointers),
		cmocka_unit_test(test_move_cells_and_marks),
		cmocka_unit_test(test_resize_keeps_top_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
