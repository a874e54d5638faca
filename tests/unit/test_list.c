/*
 * The list panes' shared position (tui/list.c): moves by a row, a page,
 * to either end; clamping to the list and keeping the selection in view;
 * the pager's scrolling, the mouse wheel and clicks, the position shown
 * in a title and finding the next matching row.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tui/list.h"

static void
test_moves(void **state)
{
	struct list l = { 0, 0 };

	(void)state;
	assert_int_equal(list_move(&l, 301, 10, REQ_MOVE_UP), 1);
	assert_int_equal(l.sel, 0);
	list_move(&l, 301, 10, REQ_MOVE_DOWN);
	assert_int_equal(l.sel, 1);
	/* A page is a screenful less one row, so a line stays in view. */
	list_move(&l, 301, 10, REQ_PAGE_DOWN);
	assert_int_equal(l.sel, 10);
	list_move(&l, 301, 10, REQ_PAGE_UP);
	assert_int_equal(l.sel, 1);
	list_move(&l, 301, 10, REQ_PAGE_UP);
	assert_int_equal(l.sel, 0);
	l.sel = 295;
	list_move(&l, 301, 10, REQ_PAGE_DOWN);
	assert_int_equal(l.sel, 300);
	list_move(&l, 301, 10, REQ_MOVE_DOWN);
	assert_int_equal(l.sel, 300);
	/* One row shown: a page is still one row. */
	list_move(&l, 301, 1, REQ_PAGE_UP);
	assert_int_equal(l.sel, 299);
	/* An empty list stays at 0. */
	l.sel = 0;
	list_move(&l, 0, 10, REQ_PAGE_DOWN);
	assert_int_equal(l.sel, 0);
	assert_int_equal(list_move(&l, 301, 10, REQ_APPROVE), 0);
}

static void
test_clamp(void **state)
{
	struct list l = { 400, 0 };

	(void)state;
	list_clamp(&l, 301, 10);
	assert_int_equal(l.sel, 300);
	assert_int_equal(l.top, 291);
	l.sel = 5;
	list_clamp(&l, 301, 10);
	assert_int_equal(l.top, 5);
	/* A list shorter than the pane shows from its first row. */
	l.sel = 2;
	l.top = 2;
	list_clamp(&l, 4, 10);
	assert_int_equal(l.top, 0);
	/* rows 0: only the selection is clamped. */
	l.sel = 9;
	l.top = 7;
	list_clamp(&l, 4, 0);
	assert_int_equal(l.sel, 3);
	assert_int_equal(l.top, 7);
	list_clamp(&l, 0, 10);
	assert_int_equal(l.sel, 0);
	assert_int_equal(l.top, 0);
}

static void
test_first_last(void **state)
{
	struct list l = { 7, 3 };

	(void)state;
	assert_int_equal(list_move(&l, 301, 10, REQ_MOVE_LAST), 1);
	assert_int_equal(l.sel, 300);
	list_clamp(&l, 301, 10);
	assert_int_equal(l.top, 291);
	assert_int_equal(list_move(&l, 301, 10, REQ_MOVE_FIRST), 1);
	assert_int_equal(l.sel, 0);
	list_clamp(&l, 301, 10);
	assert_int_equal(l.top, 0);
	list_move(&l, 0, 10, REQ_MOVE_LAST);
	assert_int_equal(l.sel, 0);
}

static void
test_scroll(void **state)
{
	struct list l = { 0, 0 };

	(void)state;
	/* A view without selection: the top moves, down to the last line. */
	list_scroll(&l, 100, 10, REQ_PAGE_DOWN);
	assert_int_equal(l.top, 9);
	list_scroll(&l, 100, 10, REQ_MOVE_LAST);
	assert_int_equal(l.top, 91);
	list_scroll(&l, 100, 10, REQ_PAGE_DOWN);
	assert_int_equal(l.top, 99);
	list_scroll(&l, 100, 10, REQ_MOVE_DOWN);
	assert_int_equal(l.top, 99);
	list_scroll(&l, 100, 10, REQ_MOVE_FIRST);
	assert_int_equal(l.top, 0);
	list_scroll(&l, 5, 10, REQ_MOVE_LAST);
	assert_int_equal(l.top, 0);
	assert_int_equal(list_scroll(&l, 5, 10, REQ_HELP), 0);
	/* The wheel over a view: by lines, down to the last row at the top. */
	l.top = 0;
	list_scroll_lines(&l, 100, 3);
	assert_int_equal(l.top, 3);
	list_scroll_lines(&l, 100, -5);
	assert_int_equal(l.top, 0);
	l.top = 98;
	list_scroll_lines(&l, 100, 3);
	assert_int_equal(l.top, 99);
	list_scroll_lines(&l, 0, 3);
	assert_int_equal(l.top, 99);
}

static void
test_wheel_and_click(void **state)
{
	struct list l = { 2, 0 };

	(void)state;
	/* The selection moves with the view: on the same row of the pane. */
	list_wheel(&l, 301, 10, 3);
	assert_int_equal(l.top, 3);
	assert_int_equal(l.sel, 5);
	list_wheel(&l, 301, 10, -5);
	assert_int_equal(l.top, 0);
	assert_int_equal(l.sel, 0);
	/* At the end the view stops and the selection goes on to the last row. */
	l.top = 290;
	l.sel = 295;
	list_wheel(&l, 301, 10, 3);
	assert_int_equal(l.top, 291);
	assert_int_equal(l.sel, 298);
	list_wheel(&l, 301, 10, 3);
	assert_int_equal(l.sel, 300);
	/* A short list does not scroll. */
	l.top = 0;
	l.sel = 1;
	list_wheel(&l, 4, 10, 3);
	assert_int_equal(l.top, 0);
	assert_int_equal(l.sel, 3);
	/* A click selects the row under it, not a row past the end. */
	l.top = 20;
	assert_int_equal(list_click(&l, 301, 4), 1);
	assert_int_equal(l.sel, 24);
	assert_int_equal(list_click(&l, 22, 4), 0);
	assert_int_equal(l.sel, 24);
	assert_int_equal(list_click(&l, 301, -1), 0);
}

static void
test_indicator(void **state)
{
	struct list l = { 11, 0 };
	char out[32];

	(void)state;
	list_indicator(&l, 301, out, sizeof out);
	assert_string_equal(out, "12/301");
	list_indicator(&l, 0, out, sizeof out);
	assert_string_equal(out, "");
	/* A selection past the end (not clamped yet) shows the last row. */
	list_indicator(&l, 5, out, sizeof out);
	assert_string_equal(out, "5/5");
}

static int
is_multiple(size_t i, void *ctx)
{
	return i % *(size_t *)ctx == 0;
}

static void
test_find(void **state)
{
	size_t m = 7;

	(void)state;
	assert_int_equal(list_find(301, 0, 1, is_multiple, &m), 7);
	assert_int_equal(list_find(301, 7, 1, is_multiple, &m), 14);
	assert_int_equal(list_find(301, 14, -1, is_multiple, &m), 7);
	/* Round the ends. */
	assert_int_equal(list_find(301, 300, 1, is_multiple, &m), 0);
	assert_int_equal(list_find(301, 0, -1, is_multiple, &m), 294);
	/* The row itself last: the only match is found from it. */
	m = 1000;
	assert_int_equal(list_find(301, 0, 1, is_multiple, &m), 0);
	assert_int_equal(list_find(301, 0, -1, is_multiple, &m), 0);
	m = 500;
	assert_int_equal(list_find(301, 3, 1, is_multiple, &m), 0);
	assert_int_equal(list_find(0, 0, 1, is_multiple, &m), LIST_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_first_last),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_wheel_and_click),
		cmocka_unit_test(test_indicator),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
