/*
 * The list panes' shared position (tui/list.c): moves by a row, a page,
 * to either end; clamping to the list and keeping the selection in view.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_clamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
