/*
 * The line numbers of an agent's history (proto/histnum): tmux's -S/-E
 * numbers against stable ones while lines arrive and fall off, ranges
 * clamped as tmux clamps them, a start after the end refused; and the
 * smartcase search the history search uses (lib/str's str_search).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/str.h"
#include "proto/histnum.h"

static void
test_numbers(void **state)
{
	struct histnum h = { .dropped = 0, .size = 100, .rows = 24 };

	(void)state;
	/* -1 is the last history line, 0 the first screen row. */
	assert_int_equal(histnum_stable(&h, -1), 99);
	assert_int_equal(histnum_stable(&h, 0), 100);
	assert_int_equal(histnum_stable(&h, -100), 0);
	assert_int_equal(histnum_tmux(&h, 0), -100);
	assert_int_equal(histnum_first(&h), 0);
	assert_int_equal(histnum_last(&h), 123);
	assert_int_equal(histnum_index(&h, 123), 123);
	assert_int_equal(histnum_index(&h, 124), -1);
	/* Ten lines arrive and ten fall off the top: stable numbers stay, tmux's move. */
	h.dropped = 10;
	assert_int_equal(histnum_tmux(&h, 99), -11);
	assert_int_equal(histnum_index(&h, 9), -1);
	assert_int_equal(histnum_index(&h, 10), 0);
	assert_int_equal(histnum_index(&h, 133), 123);
	assert_int_equal(histnum_first(&h), 10);
}

static void
test_ranges(void **state)
{
	struct histnum h = { .dropped = 5, .size = 100, .rows = 24 };
	int64_t first, last, s, e;
	struct df_error err;

	(void)state;
	/* - and -: everything held. */
	assert_int_equal(histnum_range(&h, NULL, NULL, "history", &first, &last, &err), 0);
	assert_int_equal(first, 5);
	assert_int_equal(last, 128);
	/* -S -10 -E -1: the last ten history lines. */
	s = -10;
	e = -1;
	assert_int_equal(histnum_range(&h, &s, &e, "history", &first, &last, &err), 0);
	assert_int_equal(first, 95);
	assert_int_equal(last, 104);
	/* Beyond what is held: clamped, as tmux does. */
	s = -100000;
	e = 5000;
	assert_int_equal(histnum_range(&h, &s, &e, "history", &first, &last, &err), 0);
	assert_int_equal(first, 5);
	assert_int_equal(last, 128);
	/* A start after the end is refused, naming both. */
	s = 3;
	e = -3;
	assert_int_equal(histnum_range(&h, &s, &e, "history", &first, &last, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_string_equal(err.message, "history: start 3 is after end -3");
	/* No history at all: the screen alone. */
	h.size = 0;
	h.dropped = 0;
	s = -50;
	assert_int_equal(histnum_range(&h, &s, NULL, "history", &first, &last, &err), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, 23);
}

static void
test_search(void **state)
{
	(void)state;
	/* All lowercase: either case matches. */
	assert_int_equal(str_search("an Error here", "error"), 3);
	assert_int_equal(str_search("ERROR", "error"), 0);
	/* An uppercase letter: exact. */
	assert_int_equal(str_search("an error here", "Error"), -1);
	assert_int_equal(str_search("an error, an Error", "Error"), 13);
	/* Not ASCII: bytes as they are. */
	assert_int_equal(str_search("déjà vu", "à v"), 4);
	assert_int_equal(str_search("short", "shorter"), -1);
	assert_int_equal(str_search("anything", ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
