/*
 * ere: the bounds checked before glibc compiles a regular expression. The
 * refused patterns are the ones measured to take seconds to minutes in
 * regcomp or regexec; the accepted ones are what schemas and backends use.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/ere.h"

static void
refused(const char *re, const char *why)
{
	char msg[256] = "";

	assert_int_equal(ere_check(re, msg, sizeof(msg)), -1);
	if (strstr(msg, why) == NULL)
		fail_msg("%s: got '%s', expected '%s'", re, msg, why);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("^a************************{9}+$", "pattern too complex: a quantifier on a "
	                                           "quantifier (\"*\" after \"a*\")");
	refused("^a**{9}+", "a quantifier on a quantifier");
	refused("a{2}{3}", "a quantifier on a quantifier (\"{3}\" after \"a{2}\")");
	refused("a+?", "a quantifier on a quantifier");
	refused("(a*)*", "\"*\" repeats \"(a*)\", which can match the empty string");
	refused("^(((a*)*){9})+$", "which can match the empty string");
	refused("^((a*|b*){9}){9}$", "which can match the empty string");
	refused("(a|)+", "which can match the empty string");
	refused("(^)*x", "which can match the empty string");
	refused("^(a{1,100}){1,100}$", "repetitions expand to 10000 positions, over the limit "
	                               "of 1000");
	refused("((a{20}){20}){20}", "repetitions expand to");
	refused("a{1001}", "repetitions expand to 1001 positions");
	refused("a{600}b{600}", "repetitions expand to 1200 positions");
}

static void
test_accepted_and_fast(void **state)
{
	static const char *const ok[] = {
		"^[a-z][a-z0-9_-]*$",
		"^> ?$",
		"(Thinking|Working)\\.\\.\\.",
		"Do you trust the files in this folder\\?",
		"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
		"(a*)?",
		"(\\s*,\\s*)*",
		"^(a{1,30}){1,30}$",
		"a{1000}",
		"[[:alpha:]]+[]*]?",
		"x\\{2\\}",
		"((a)|b)*c",
		"",
	};
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		regex_t re;
		clock_t t0 = clock();

		if (ere_compile(&re, ok[i], REG_EXTENDED | REG_NOSUB, msg, sizeof(msg)) != 0)
			fail_msg("%s: %s", ok[i], msg);
		regfree(&re);
		assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	}
}

static void
test_length_and_syntax(void **state)
{
	char big[ERE_MAX_LENGTH + 2], msg[256];
	regex_t re;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ere_compile(&re, big, REG_EXTENDED, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "pattern too long: 1001 bytes, over the limit of 1000");
	/* Syntax errors are regcomp's, with its message. */
	assert_int_equal(ere_compile(&re, "(unclosed", REG_EXTENDED, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "Unmatched ( or \\(");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_accepted_and_fast),
		cmocka_unit_test(test_length_and_syntax),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
