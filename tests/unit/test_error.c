/* Error values: codes round-trip through their names, messages compose. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"

static void
test_reference_codes_have_their_names(void **state)
{
	static const char *const names[] = {
		"active_run_exists",
		"max_concurrent_runs",
		"approval_conflict",
		"approval_not_found",
		"run_not_found",
		"run_state_changed",
		"template_load_failed",
		"workspace_permissions",
		"internal_state_corruption",
		"process_restart_unrecovered",
		"final_report_compose_failed",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum df_code c = df_code_from_name(names[i]);

		assert_int_not_equal(c, DF_E_NONE);
		assert_string_equal(df_code_name(c), names[i]);
	}
	assert_int_equal(df_code_from_name("no_such_code"), DF_E_NONE);
	assert_string_equal(df_code_name((enum df_code)9999), "unknown");
}

static void
test_set_hint_prefix(void **state)
{
	struct df_error err;

	(void)state;
	assert_int_equal(df_error_set(&err, DF_HUMAN_REQUIRED, DF_E_ACTIVE_RUN_EXISTS,
	                              "run %s is %s", "abc", "executing"),
	                 -1);
	df_error_hint(&err, "abort it first");
	df_error_prefix(&err, "start");
	assert_string_equal(err.message, "start: run abc is executing");
	assert_string_equal(err.hint, "abort it first");
	assert_string_equal(df_class_name(err.class), "human_required");
	assert_int_equal(df_error_set(NULL, DF_FATAL, DF_E_IO, "ignored"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_codes_have_their_names),
		cmocka_unit_test(test_set_hint_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
