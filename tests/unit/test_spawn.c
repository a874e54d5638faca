/* spawn_run: input and output, the environment, a missing command, a timeout that kills. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/clock.h"
#include "lib/spawn.h"

static void
feeds_input_and_reads_output(void **state)
{
	const char *argv[] = { "sh", "-c", "cat; echo \"[$DF_X]\" >&2; exit 3", NULL };
	const char *env[] = { "DF_X=value", NULL };
	struct spawn_opts o = { .argv = argv,
		                .env = env,
		                .input = "hello\n",
		                .input_len = 6,
		                .timeout_ms = 5000,
		                .max_output = 1024 };
	struct spawn_result r;
	struct df_error err;

	(void)state;
	assert_int_equal(spawn_run(&o, &r, &err), 0);
	assert_int_equal(r.status, 3);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.output, "hello\n[value]\n");
	free(r.output);
}

static void
caps_output(void **state)
{
	const char *argv[] = { "sh", "-c", "yes | head -c 100000", NULL };
	struct spawn_opts o = { .argv = argv, .timeout_ms = 5000, .max_output = 10 };
	struct spawn_result r;
	struct df_error err;

	(void)state;
	assert_int_equal(spawn_run(&o, &r, &err), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.output), 10);
	free(r.output);
}

static void
missing_command_is_an_error(void **state)
{
	const char *argv[] = { "devflow-no-such-command", NULL };
	struct spawn_opts o = { .argv = argv, .timeout_ms = 5000, .max_output = 10 };
	struct spawn_result r;
	struct df_error err;

	(void)state;
	assert_int_equal(spawn_run(&o, &r, &err), -1);
	assert_non_null(strstr(err.message, "cannot run devflow-no-such-command"));
	assert_non_null(strstr(err.hint, "installed"));
}

static void
timeout_kills_the_group(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	struct spawn_opts o = { .argv = argv, .timeout_ms = 300, .max_output = 10 };
	struct spawn_result r;
	struct df_error err;
	int64_t t0 = clock_mono_ms();

	(void)state;
	assert_int_equal(spawn_run(&o, &r, &err), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.status, 128 + 9);
	assert_true(clock_mono_ms() - t0 < 3000);
	free(r.output);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(feeds_input_and_reads_output),
		cmocka_unit_test(caps_output),
		cmocka_unit_test(missing_command_is_an_error),
		cmocka_unit_test(timeout_kills_the_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
