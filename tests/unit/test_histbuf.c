/*
 * The TUI's copy of the history lines it fetched (tui/histbuf): pages
 * merged into one block or replacing it, lines still on the screen kept
 * only from the latest reply, lines fallen off the top dropped, and the
 * block bounded around the line read.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/histbuf.h"

/* A reply: lines first..first+count-1 reading "L<n>", the history of size lines. */
static void
reply(struct result_history *r, int64_t dropped, int64_t size, int64_t first, int64_t count)
{
	memset(r, 0, sizeof(*r));
	r->dropped = dropped;
	r->history_size = size;
	r->rows = 10;
	r->cols = 80;
	r->first = first;
	r->count = count;
	r->lines = calloc((size_t)count + 1, sizeof(*r->lines));
	for (int64_t i = 0; i < count; i++) {
		char text[32];

		snprintf(text, sizeof(text), "L%lld", (long long)(first + i));
		proto_row_add_span(&r->lines[i], 0, text, strlen(text), PROTO_COLOR_DEFAULT,
		                   PROTO_COLOR_DEFAULT, 0);
	}
	r->nlines = (size_t)count;
}

static void
put(struct histbuf *hb, int64_t dropped, int64_t size, int64_t first, int64_t count, int64_t keep)
{
	struct result_history r;

	reply(&r, dropped, size, first, count);
	histbuf_put(hb, &r, keep);
	result_history_free(&r);
}

static const char *
text_of(const struct histbuf *hb, int64_t n)
{
	const struct proto_row *row = histbuf_line(hb, n);

	return row != NULL && row->nspans > 0 ? row->spans[0].text : NULL;
}

static void
test_pages(void **state)
{
	struct histbuf hb;

	(void)state;
	histbuf_init(&hb);
	put(&hb, 0, 1000, 500, 100, 500);
	assert_true(hb.have);
	assert_string_equal(text_of(&hb, 500), "L500");
	assert_string_equal(text_of(&hb, 599), "L599");
	assert_null(histbuf_line(&hb, 499));
	assert_int_equal(histbuf_missing(&hb, 500, 599), -1);
	assert_int_equal(histbuf_missing(&hb, 450, 599), 450);
	/* The page above, touching it: one block. */
	put(&hb, 0, 1000, 400, 100, 450);
	assert_int_equal(histbuf_missing(&hb, 400, 599), -1);
	assert_string_equal(text_of(&hb, 400), "L400");
	/* A page far away replaces the block. */
	put(&hb, 0, 1000, 50, 10, 55);
	assert_string_equal(text_of(&hb, 55), "L55");
	assert_null(histbuf_line(&hb, 500));
	histbuf_free(&hb);
}

static void
test_screen_lines(void **state)
{
	struct histbuf hb;

	(void)state;
	histbuf_init(&hb);
	/* History of 100 lines: 100..109 are the screen's rows, loose. */
	put(&hb, 0, 100, 90, 20, 90);
	assert_string_equal(text_of(&hb, 105), "L105");
	/* A reply for 80..99 alone: the screen rows it did not cover may have changed. */
	put(&hb, 0, 100, 80, 20, 85);
	assert_string_equal(text_of(&hb, 95), "L95");
	assert_null(histbuf_line(&hb, 105));
	assert_int_equal(histbuf_missing(&hb, 80, 109), 100);
	histbuf_free(&hb);
}

static void
test_dropped(void **state)
{
	struct histbuf hb;

	(void)state;
	histbuf_init(&hb);
	put(&hb, 0, 1000, 0, 50, 0);
	/* Ten lines fell off the top: 0..9 are no longer held anywhere. */
	put(&hb, 10, 1000, 50, 10, 20);
	assert_null(histbuf_line(&hb, 9));
	assert_string_equal(text_of(&hb, 10), "L10");
	assert_string_equal(text_of(&hb, 59), "L59");
	histbuf_free(&hb);
}

static void
test_bounded(void **state)
{
	struct histbuf hb;

	(void)state;
	histbuf_init(&hb);
	for (int64_t f = 0; f < HISTBUF_MAX + 2000; f += 1000)
		put(&hb, 0, 10000, f, 1000, f);
	/* Read at the end: the oldest lines went. */
	assert_int_equal(hb.n, HISTBUF_MAX);
	assert_null(histbuf_line(&hb, 0));
	assert_non_null(histbuf_line(&hb, HISTBUF_MAX + 1999));
	/* Read at the start of the block, a page above it: the newest go. */
	put(&hb, 0, 10000, 1000, 1000, 1000);
	assert_int_equal(hb.n, HISTBUF_MAX);
	assert_non_null(histbuf_line(&hb, 1000));
	assert_null(histbuf_line(&hb, HISTBUF_MAX + 1999));
	histbuf_free(&hb);
}

static void
test_text(void **state)
{
	struct proto_row row = { 0 };
	char *s;

	(void)state;
	proto_row_add_span(&row, 2, "ab", 2, PROTO_COLOR_DEFAULT, PROTO_COLOR_DEFAULT, 0);
	proto_row_add_span(&row, 4, "cd", 2, 3, PROTO_COLOR_DEFAULT, PROTO_ATTR_BOLD);
	s = histbuf_text(&row);
	assert_string_equal(s, "  abcd");
	free(s);
	proto_row_clear(&row);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),   cmocka_unit_test(test_screen_lines),
		cmocka_unit_test(test_dropped), cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
