/* The history store: trimmed lines as text and runs, exact round trips, bounds. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/grid.h"
#include "agent/history.h"

static const struct grid_pen plain = { 0, 0, 0 };

/* A row of cols cells holding s (ASCII) in pen, the rest blank. */
static struct grid_row *
row_of(const char *s, int cols, const struct grid_pen *pen)
{
	struct grid_row *r = grid_row_new(cols, &plain);

	for (int i = 0; s[i] && i < cols; i++)
		r->cells[i] =
		    (struct grid_cell){ (unsigned char)s[i], pen->fg, pen->bg, pen->attrs, 0 };
	return r;
}

static void
test_push_trims_and_round_trips(void **state)
{
	struct history *h = history_new(100);
	const struct grid_pen green = { GRID_COLOR_INDEX | 2, GRID_COLOR_RGB | 0x102030,
		                        GRID_BOLD | GRID_REVERSE };
	struct grid_row *r = row_of("hello", 80, &plain);
	uint32_t acute[2] = { 0x301, 0 };
	uint32_t chars[GRID_MAX_CHARS];
	int n;

	(void)state;
	/* hello, an erased cell, a wide character, e + combining mark, coloured tail */
	r->cells[6] = (struct grid_cell){ 0x4e2d, green.fg, green.bg, green.attrs, 0 };
	r->cells[7] = (struct grid_cell){ GRID_CONT, green.fg, green.bg, green.attrs, 0 };
	r->cells[8] = (struct grid_cell){ 'e', 0, 0, 0, 0 };
	grid_row_set_marks(r, 8, acute);
	r->cells[9] = (struct grid_cell){ 0, 0, GRID_COLOR_INDEX | 4, 0, 0 };
	history_push(h, r, 80, 0);
	assert_int_equal(history_count(h), 1);
	/* Compact: the line takes far less than 80 cells of 16 bytes in its chunk. */
	assert_true(history_bytes(h) < 20000);

	struct grid_row *back = history_row(h, 0, &n);
	assert_int_equal(n, 10); /* trimmed after the coloured blank */
	for (int i = 0; i < n; i++) {
		assert_int_equal(back->cells[i].ch, r->cells[i].ch);
		assert_int_equal(back->cells[i].fg, r->cells[i].fg);
		assert_int_equal(back->cells[i].bg, r->cells[i].bg);
		assert_int_equal(back->cells[i].attrs, r->cells[i].attrs);
	}
	assert_int_equal(grid_row_chars(back, 8, chars), 2);
	assert_int_equal(chars[1], 0x301);
	grid_row_free(back);

	/* Popped back into a narrower row: cut at its width, then blank. */
	struct grid_row *into = row_of("zzzzzzzzzzzz", 12, &green);
	assert_int_equal(history_pop(h, into, 12, 0), 0);
	assert_int_equal(into->cells[0].ch, 'h');
	assert_int_equal(into->cells[6].ch, 0x4e2d);
	assert_int_equal(into->cells[7].ch, GRID_CONT);
	assert_int_equal(grid_row_chars(into, 8, chars), 2);
	assert_int_equal(into->cells[10].ch, 0);
	assert_int_equal(into->cells[10].bg, GRID_COLOR_DEFAULT);
	assert_int_equal(history_count(h), 0);
	assert_int_equal(history_pop(h, into, 12, 0), -1);
	assert_int_equal(history_bytes(h), 64 * sizeof(void *)); /* the chunk went back */
	grid_row_free(into);
	grid_row_free(r);
	history_free(h);
}

static void
test_line_cap_drops_oldest(void **state)
{
	struct history *h = history_new(3);
	char s[16];
	int n;

	(void)state;
	for (int i = 0; i < 5; i++) {
		snprintf(s, sizeof s, "line %d", i);
		struct grid_row *r = row_of(s, 20, &plain);
		history_push(h, r, 20, GRID_REVERSE);
		grid_row_free(r);
	}
	assert_int_equal(history_count(h), 3);
	assert_int_equal(history_dropped(h), 2);
	struct grid_row *r = history_row(h, 0, &n);
	assert_int_equal(r->cells[5].ch, '2');
	/* attr_xor applied, so the blank cells are not trailing blanks any more. */
	assert_int_equal(n, 20);
	assert_int_equal(r->cells[0].attrs, GRID_REVERSE);
	grid_row_free(r);
	assert_null(history_row(h, 3, &n));

	/* No history at all: every line counts as dropped. */
	struct history *none = history_new(0);
	r = row_of("x", 4, &plain);
	history_push(none, r, 4, 0);
	assert_int_equal(history_count(none), 0);
	assert_int_equal(history_dropped(none), 1);
	grid_row_free(r);
	history_free(none);
	history_free(h);
}

static void
test_byte_budget_drops_oldest(void **state)
{
	struct history *h = history_new(10000);
	struct grid_row *r = row_of("0123456789012345678901234567890123456789", 40, &plain);

	(void)state;
	for (int i = 0; i < 1000; i++)
		history_push(h, r, 40, 0);
	assert_int_equal(history_count(h), 1000);
	size_t full = history_bytes(h);
	history_set_budget(h, full / 2);
	assert_true(history_bytes(h) <= full / 2);
	size_t kept = history_count(h);
	assert_true(kept > 0 && kept < 1000);
	assert_int_equal(history_dropped(h), 1000 - kept);
	for (int i = 0; i < 1000; i++)
		history_push(h, r, 40, 0);
	assert_true(history_bytes(h) <= full / 2);
	/* Within a chunk (16 KiB, about 250 of these lines) of what the budget first kept. */
	assert_true(history_count(h) + 260 > kept && history_count(h) < kept + 260);
	/* A budget smaller than one line still keeps the newest line. */
	history_set_budget(h, 1);
	assert_int_equal(history_count(h), 1);
	history_push(h, r, 40, 0);
	assert_true(history_count(h) >= 1);
	assert_true(history_bytes(h) <= 16384 + 64 * sizeof(void *) * 16);
	grid_row_free(r);
	history_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_trims_and_round_trips),
		cmocka_unit_test(test_line_cap_drops_oldest),
		cmocka_unit_test(test_byte_budget_drops_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
