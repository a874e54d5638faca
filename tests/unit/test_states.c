/* The state lists of store/states.h: names, parsing, flags, SQL lists. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/states.h"

/* The SQL lists are the CHECK lists the store's first migration was released with. */
static void
test_sql_lists_are_the_released_ones(void **state)
{
	(void)state;
	assert_string_equal(DF_STATES_SQL(DF_RUN_STATES),
	                    "'created','bound','executing','planning','awaiting_approval','paused',"
	                    "'completed','failed','aborted'");
	assert_string_equal(DF_STATES_SQL(DF_PHASE_STATES),
	                    "'pending','running','awaiting_artifact','validating',"
	                    "'awaiting_approval','completed','failed','skipped'");
	assert_string_equal(DF_STATES_SQL(DF_APPROVAL_STATES),
	                    "'pending','approved','rejected','changes_requested','aborted'");
	assert_string_equal(
	    DF_STATES_SQL(DF_SESSION_STATES),
	    "'STARTING','RUNNING','IDLE','BUSY','NEEDS_INPUT','WAITING_FOR_APPROVAL',"
	    "'EXITED','STOPPED','FAILED_NEEDS_HUMAN'");
}

static void
test_names_round_trip(void **state)
{
	enum df_run_state r;
	enum df_phase_state p;
	enum df_approval_state a;
	enum df_session_state s;

	(void)state;
	for (int i = 0; i < DF_RUN_STATE_COUNT; i++) {
		assert_int_equal(df_run_state_parse(df_run_state_name((enum df_run_state)i), &r),
		                 0);
		assert_int_equal(r, i);
	}
	for (int i = 0; i < DF_PHASE_STATE_COUNT; i++) {
		assert_int_equal(
		    df_phase_state_parse(df_phase_state_name((enum df_phase_state)i), &p), 0);
		assert_int_equal(p, i);
	}
	for (int i = 0; i < DF_APPROVAL_STATE_COUNT; i++) {
		assert_int_equal(
		    df_approval_state_parse(df_approval_state_name((enum df_approval_state)i), &a),
		    0);
		assert_int_equal(a, i);
	}
	for (int i = 0; i < DF_SESSION_STATE_COUNT; i++) {
		assert_int_equal(
		    df_session_state_parse(df_session_state_name((enum df_session_state)i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(df_run_state_name(DF_RUN_AWAITING_APPROVAL), "awaiting_approval");
	assert_string_equal(df_session_state_name(DF_SESSION_FAILED), "FAILED_NEEDS_HUMAN");
	assert_int_equal(df_run_state_parse("Planning", &r), -1);
	assert_int_equal(df_run_state_parse("", &r), -1);
	assert_int_equal(df_run_state_parse(NULL, &r), -1);
	assert_string_equal(df_run_state_name(DF_RUN_STATE_COUNT), "?");
}

static void
test_flags(void **state)
{
	(void)state;
	assert_true(df_run_state_flags("completed") & DF_ST_TERMINAL);
	assert_true(df_run_state_flags("failed") & DF_ST_TERMINAL);
	assert_true(df_run_state_flags("aborted") & DF_ST_TERMINAL);
	assert_false(df_run_state_flags("paused") & DF_ST_TERMINAL);
	assert_false(df_run_state_flags("awaiting_approval") & DF_ST_TERMINAL);
	assert_true(df_run_state_flags("planning") & DF_ST_LIVE);
	assert_true(df_run_state_flags("executing") & DF_ST_LIVE);
	assert_false(df_run_state_flags("awaiting_approval") & DF_ST_LIVE);
	assert_int_equal(df_run_state_flags("nonsense"), 0);
	assert_true(df_phase_state_flags("awaiting_approval") & DF_ST_LIVE);
	assert_false(df_phase_state_flags("pending") & DF_ST_LIVE);
	assert_true(df_phase_state_flags("skipped") & DF_ST_TERMINAL);
	assert_false(df_approval_state_flags("pending") & DF_ST_TERMINAL);
	assert_true(df_approval_state_flags("changes_requested") & DF_ST_TERMINAL);
	assert_true(df_session_state_flags("NEEDS_INPUT") & DF_ST_LIVE);
	assert_false(df_session_state_flags("WAITING_FOR_APPROVAL") & DF_ST_LIVE);
	assert_true(df_session_state_flags("STARTING") & DF_ST_LIVE);
	assert_true(df_session_state_flags("STOPPED") & DF_ST_TERMINAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sql_lists_are_the_released_ones),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
