/*
 * cli/args: the verbs' one command-line parser and the usage and help made
 * from the same tables: every kind of option and argument, each error
 * naming what was wrong, and the text --help prints.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"

static const struct args_opt opts[] = {
	{ .name = "follow", .short_name = 'f', .kind = ARGS_FLAG, .help = "follow" },
	{ .short_name = 'e', .kind = ARGS_FLAG, .help = "escapes" },
	{ .name = "comment", .short_name = 'm', .kind = ARGS_VALUE, .arg = "TEXT", .help = "text" },
	{ .name = "backend", .kind = ARGS_REPEAT, .arg = "ROLE=BACKEND", .help = "a backend" },
	{ .short_name = 'S', .kind = ARGS_VALUE, .arg = "START", .help = "first line" },
	{ 0 },
};

static const struct args_pos one_run[] = {
	{ .name = "RUN", .kind = ARGS_REQUIRED, .help = "the run" },
	{ .name = "FILE", .kind = ARGS_OPTIONAL, .help = "a file" },
	{ 0 },
};

static const struct args_pos event_rest[] = {
	{ .name = "EVENT", .kind = ARGS_REQUIRED, .help = "the event" },
	{ .name = "ARG", .kind = ARGS_REST, .help = "its arguments" },
	{ 0 },
};

/* Parse the NULL-ended words (argv[0] is "verb") against opts and pos. */
#define PARSE(a, err, pos, ...) parse_words(a, err, pos, 0, (char *[]){ "verb", __VA_ARGS__, NULL })

static int
parse_words(struct args *a, struct df_error *err, const struct args_pos *pos, int stop, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(err, 0, sizeof(*err));
	return args_parse(opts, pos, argc, argv, stop, a, err);
}

static void
expect_error(const struct args_pos *pos, char **argv, const char *message)
{
	struct args a;
	struct df_error err;

	assert_int_equal(parse_words(&a, &err, pos, 0, argv), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_string_equal(err.message, message);
	args_free(&a);
}

static void
test_options_and_arguments_in_any_order(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, one_run, "-f", "r1", "--comment", "two words", "--backend",
	                       "planner=fake", "--backend=implementer=claude", "f.json"),
	                 0);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[0], "r1");
	assert_string_equal(a.pos[1], "f.json");
	assert_null(a.pos[2]);
	assert_int_equal(args_has(&a, "follow"), 1);
	assert_int_equal(args_has(&a, "e"), 0);
	assert_string_equal(args_get(&a, "comment"), "two words");
	assert_string_equal(args_get_all(&a, "backend")[0], "planner=fake");
	assert_string_equal(args_get_all(&a, "backend")[1], "implementer=claude");
	assert_null(args_get_all(&a, "backend")[2]);
	assert_null(args_get(&a, "S"));
	args_free(&a);
}

static void
test_short_forms(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	/* Flags in a cluster, a value glued on, a value that starts with '-'. */
	assert_int_equal(PARSE(&a, &err, one_run, "-fe", "r1", "-mhello", "-S", "-10"), 0);
	assert_int_equal(args_has(&a, "f"), 1);
	assert_int_equal(args_has(&a, "e"), 1);
	assert_string_equal(args_get(&a, "comment"), "hello");
	assert_string_equal(args_get(&a, "S"), "-10");
	args_free(&a);
	assert_int_equal(PARSE(&a, &err, one_run, "r1", "-fS5"), 0);
	assert_string_equal(args_get(&a, "S"), "5");
	args_free(&a);
}

static void
test_double_dash_and_dash(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, one_run, "-", "--", "-f"), 0);
	assert_string_equal(a.pos[0], "-");
	assert_string_equal(a.pos[1], "-f");
	assert_int_equal(args_has(&a, "follow"), 0);
	args_free(&a);
}

static void
test_rest_is_verbatim(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, event_rest, "-f", "Stop", "--frob", "{\"a\":1}", "-e"), 0);
	assert_int_equal(a.npos, 4);
	assert_string_equal(a.pos[1], "--frob");
	assert_string_equal(a.pos[3], "-e");
	assert_int_equal(args_has(&a, "e"), 0);
	args_free(&a);
}

static void
test_stop_at_first_argument(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	assert_int_equal(parse_words(&a, &err, NULL, 1,
	                             (char *[]){ "devflow", "-f", "ls", "--active", "x", NULL }),
	                 0);
	assert_int_equal(args_has(&a, "follow"), 1);
	assert_int_equal(a.npos, 3);
	assert_string_equal(a.pos[0], "ls");
	assert_string_equal(a.pos[1], "--active");
	args_free(&a);
}

static void
test_help_ends_the_parse(void **state)
{
	struct args a;
	struct df_error err;

	(void)state;
	/* No RUN: help wins over what is missing. */
	assert_int_equal(PARSE(&a, &err, one_run, "-h"), 0);
	assert_int_equal(a.help, 1);
	args_free(&a);
	assert_int_equal(PARSE(&a, &err, one_run, "r1", "--help", "--frob"), 0);
	assert_int_equal(a.help, 1);
	args_free(&a);
}

static void
test_errors_name_what_was_wrong(void **state)
{
	(void)state;
	expect_error(one_run, (char *[]){ "verb", "r1", "--frob", NULL },
	             "unknown option '--frob'");
	expect_error(one_run, (char *[]){ "verb", "r1", "--frob=1", NULL },
	             "unknown option '--frob'");
	expect_error(one_run, (char *[]){ "verb", "r1", "-x", NULL }, "unknown option '-x'");
	expect_error(one_run, (char *[]){ "verb", "r1", "-fx", NULL },
	             "unknown option '-x' (in '-fx')");
	expect_error(one_run, (char *[]){ "verb", "r1", "--comment", NULL },
	             "--comment needs a value (TEXT)");
	expect_error(one_run, (char *[]){ "verb", "r1", "-m", NULL }, "-m needs a value (TEXT)");
	expect_error(one_run, (char *[]){ "verb", "r1", "-m", "a", "--comment", "b", NULL },
	             "--comment given more than once");
	expect_error(one_run, (char *[]){ "verb", "r1", "-f", "-f", NULL },
	             "-f given more than once");
	expect_error(one_run, (char *[]){ "verb", "r1", "--follow=yes", NULL },
	             "--follow takes no value (given 'yes')");
	expect_error(one_run, (char *[]){ "verb", "-f", NULL }, "which run? (RUN is missing)");
	expect_error(one_run, (char *[]){ "verb", "r1", "f", "extra", NULL },
	             "unexpected argument 'extra'");
	expect_error(event_rest, (char *[]){ "verb", NULL }, "which event? (EVENT is missing)");
}

static void
test_required_option(void **state)
{
	static const struct args_opt req[] = {
		{ .name = "requirements",
		  .kind = ARGS_VALUE,
		  .arg = "FILE|-",
		  .required = 1,
		  .help = "the requirements" },
		{ 0 },
	};
	struct args a;
	struct df_error err;
	char *argv[] = { "start", NULL };

	(void)state;
	assert_int_equal(args_parse(req, NULL, 1, argv, 0, &a, &err), -1);
	assert_string_equal(err.message, "--requirements FILE|- is required");
	args_free(&a);
}

static void
test_usage_and_help_from_the_tables(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	args_usage(&b, opts, one_run);
	assert_string_equal(b.data, "RUN [FILE] [--follow] [-e] [--comment TEXT] "
	                            "[--backend ROLE=BACKEND]... [-S START]");
	buf_reset(&b);
	args_usage(&b, NULL, event_rest);
	assert_string_equal(b.data, "EVENT [ARG...]");
	buf_reset(&b);
	args_help(&b, opts, event_rest);
	assert_non_null(strstr(b.data, "arguments:\n  EVENT                     the event\n"
	                               "  ARG...                    its arguments\n"));
	assert_non_null(strstr(b.data, "\noptions:\n  -f, --follow              follow\n"
	                               "  -e                        escapes\n"
	                               "  -m, --comment TEXT        text\n"));
	assert_non_null(strstr(b.data,
	                       "      --backend ROLE=BACKEND\n"
	                       "                            a backend (may be repeated)\n"));
	assert_non_null(strstr(b.data, "  -h, --help                print this help and exit\n"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_and_arguments_in_any_order),
		cmocka_unit_test(test_short_forms),
		cmocka_unit_test(test_double_dash_and_dash),
		cmocka_unit_test(test_rest_is_verbatim),
		cmocka_unit_test(test_stop_at_first_argument),
		cmocka_unit_test(test_help_ends_the_parse),
		cmocka_unit_test(test_errors_name_what_was_wrong),
		cmocka_unit_test(test_required_option),
		cmocka_unit_test(test_usage_and_help_from_the_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
