/* Configuration lines: words, quotes, comments, bad lines with their numbers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/conf.h"

static char path[] = "/tmp/devflow-test-conf.XXXXXX";

static void
write_file(const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
words_quotes_and_comments(void **state)
{
	struct conf_file cf;
	char *w[4], why[64];

	(void)state;
	write_file("# a comment\n\n  set a 'b c'  \nset x \"say \\\"hi\\\"\" # not a comment\n"
	           "set q 'open\nbind '\n");
	assert_int_equal(conf_open(&cf, path), 1);
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), 3);
	assert_int_equal(cf.lineno, 3);
	assert_string_equal(w[2], "b c");
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), 4);
	assert_string_equal(w[2], "say \"hi\"");
	assert_string_equal(w[3], "#");
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), -1);
	assert_int_equal(cf.lineno, 5);
	assert_string_equal(why, "unbalanced single quote");
	/* Without quotes (keys.conf), a quote is a character like another. */
	assert_int_equal(conf_next(&cf, w, 4, 0, why, sizeof(why)), 2);
	assert_string_equal(w[1], "'");
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), 0);
	conf_close(&cf);
	unlink(path);
}

static void
long_line_and_missing_file(void **state)
{
	struct conf_file cf;
	char *w[4], why[64], big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	strcpy(path, "/tmp/devflow-test-conf.XXXXXX");
	write_file(big);
	{
		FILE *f = fopen(path, "a");

		fputs("set ok yes\n", f);
		fclose(f);
	}
	assert_int_equal(conf_open(&cf, path), 1);
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), -1);
	assert_string_equal(why, "line too long");
	assert_int_equal(conf_next(&cf, w, 4, 1, why, sizeof(why)), 3);
	assert_int_equal(cf.lineno, 2);
	conf_close(&cf);
	unlink(path);
	assert_int_equal(conf_open(&cf, "/nonexistent/devflow/config"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_quotes_and_comments),
		cmocka_unit_test(long_line_and_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
