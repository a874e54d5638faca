/* lib/utf8: decoding, encoding and counting against fixed cases and every scalar value. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/utf8.h"

/* Every scalar value encodes to what utf8_decode reads back, at its length. */
static void
test_round_trip_every_scalar(void **state)
{
	char b[4];
	uint32_t c;

	(void)state;
	for (uint32_t v = 0; v <= 0x10ffff; v++) {
		size_t n;

		if (v >= 0xd800 && v <= 0xdfff)
			continue;
		n = utf8_encode(v, b);
		assert_int_equal(n, v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4);
		assert_int_equal(utf8_decode(b, n, &c), n);
		assert_int_equal(c, v);
		assert_int_equal(utf8_check(b, n), n);
	}
}

static void
test_decode_refuses_what_is_not_utf8(void **state)
{
	uint32_t c = 7;

	(void)state;
	assert_int_equal(utf8_decode("\xc0\xaf", 2, &c), 0);         /* overlong '/' */
	assert_int_equal(utf8_decode("\xe0\x80\xaf", 3, &c), 0);     /* overlong, 3 bytes */
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &c), 0);     /* a surrogate */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &c), 0); /* past U+10FFFF */
	assert_int_equal(utf8_decode("\xe2\x82", 2, &c), 0);         /* cut short */
	assert_int_equal(utf8_decode("\x80", 1, &c), 0);             /* a lone continuation */
	assert_int_equal(utf8_decode("a", 0, &c), 0);                /* nothing */
	assert_int_equal(c, 7);
	assert_int_equal(utf8_decode("\xe2\x82\xac!", 4, &c), 3);
	assert_int_equal(c, 0x20ac);
}

static void
test_encode_past_unicode_is_replacement(void **state)
{
	char b[4];

	(void)state;
	assert_int_equal(utf8_encode(0x110000, b), 3);
	assert_memory_equal(b, "\xef\xbf\xbd", 3);
}

static void
test_count(void **state)
{
	(void)state;
	assert_int_equal(utf8_count(""), 0);
	assert_int_equal(utf8_count("abc"), 3);
	assert_int_equal(utf8_count("h\xc3\xa9llo w\xc3\xb6r \xf0\x9f\x98\x80"), 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_scalar),
		cmocka_unit_test(test_decode_refuses_what_is_not_utf8),
		cmocka_unit_test(test_encode_past_unicode_is_replacement),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
