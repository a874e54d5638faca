/*
 * The tests' faults ($DEVFLOW_TEST_FAULT): a list of name or name:arg, read
 * at each check; a name matches whole, never as a prefix of another.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/fault.h"

static void
test_unset_is_no_fault(void **state)
{
	char arg[16] = "x";

	(void)state;
	unsetenv("DEVFLOW_TEST_FAULT");
	assert_int_equal(fault_get("commit-slow", arg, sizeof(arg)), 0);
	assert_int_equal(fault_is("phase-completed", "implement"), 0);
	setenv("DEVFLOW_TEST_FAULT", "", 1);
	assert_int_equal(fault_get("commit-slow", arg, sizeof(arg)), 0);
}

static void
test_names_and_arguments(void **state)
{
	char arg[16];

	(void)state;
	setenv("DEVFLOW_TEST_FAULT", "land-merged,commit-slow:3000,phase-completed:implement", 1);
	assert_int_equal(fault_get("land-merged", arg, sizeof(arg)), 1);
	assert_string_equal(arg, "");
	assert_int_equal(fault_get("commit-slow", arg, sizeof(arg)), 1);
	assert_string_equal(arg, "3000");
	assert_int_equal(fault_is("phase-completed", "implement"), 1);
	assert_int_equal(fault_is("phase-completed", "plan"), 0);
	assert_int_equal(fault_is("phase-completed", "impl"), 0);
	assert_int_equal(fault_get("phase-committed", arg, sizeof(arg)), 0);
	/* A name is whole: "commit" is not "commit-slow", nor "land" "land-merged". */
	assert_int_equal(fault_get("commit", arg, sizeof(arg)), 0);
	assert_int_equal(fault_get("land", NULL, 0), 0);
	/* An argument longer than the buffer is cut, never overflows it. */
	setenv("DEVFLOW_TEST_FAULT", "phase-completed:a-very-long-phase-key", 1);
	assert_int_equal(fault_get("phase-completed", arg, 8), 1);
	assert_string_equal(arg, "a-very-");
	unsetenv("DEVFLOW_TEST_FAULT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset_is_no_fault),
		cmocka_unit_test(test_names_and_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
