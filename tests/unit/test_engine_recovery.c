/*
 * A run is never stranded: the rules of DESIGN.md "Restart" applied on
 * resume as on recovery (a working phase whose agent is not live in this
 * server restarts with cause process_restart, or fails past the limit),
 * instructions never sent to a session this server does not have, session
 * rows of a dead server not left live, steps that fail after a commit (a
 * full disk, injected as failing commits), and the engine's self-check that
 * finds active runs nothing drives. On the engine test bench.
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
must_start(struct harness *h, const char *extra, char run[ENGINE_ID_MAX])
{
	struct df_error err;

	if (h_start(h, extra, run, &err) != 0)
		fail_msg("start: %s (%s)", err.message, df_code_name(err.code));
}

static void
decide(struct harness *h, const char *run, enum engine_action act, const char *token,
       const char *comment)
{
	char req[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_pending_approval(h, run, req), 1);
	if (engine_decide(h->e, run, req, act, token, "alice", comment, NULL, &err) != 0)
		fail_msg("decide: %s", err.message);
}

static void
must_resume(struct harness *h, const char *run)
{
	struct df_error err;

	if (engine_resume(h->e, run, &err) != 0)
		fail_msg("resume: %s (%s)", err.message, df_code_name(err.code));
}

static void
must_pause(struct harness *h, const char *run)
{
	struct df_error err;

	if (engine_pause(h->e, run, &err) != 0)
		fail_msg("pause: %s (%s)", err.message, df_code_name(err.code));
}

/* The payload of the run's last event of type (static buffer; "" when none). */
static const char *
last_payload(struct harness *h, const char *run, const char *type)
{
	static char buf[2048];
	struct store_event *ev;
	size_t n;

	buf[0] = '\0';
	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, type) == 0)
			snprintf(buf, sizeof(buf), "%s", ev[i].payload);
	store_events_free(ev, n);
	return buf;
}

/* The state of a session's row (static buffer). */
static const char *
session_state(struct harness *h, const char *sid)
{
	static char buf[64];
	struct store_session s;

	assert_int_equal(store_session_get(h->st, sid, &s, NULL), 1);
	snprintf(buf, sizeof(buf), "%s", s.state);
	store_session_clear(&s);
	return buf;
}

/* No step failed with invalid_argument (instructions to a session this server never had). */
static void
assert_no_invalid_argument(struct harness *h)
{
	if (h->step_failures > 0 && h->last_step_error.code == DF_E_INVALID_ARGUMENT)
		fail_msg("a step failed with invalid_argument: %s", h->last_step_error.message);
}

static void
assert_has_report(struct harness *h, const char *run)
{
	struct store_run r;

	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	store_run_clear(&r);
}

/* ---- Pause, the server dies, resume ---- */

static void
test_resume_after_restart_restarts_the_dead_agents_phase(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], sid[ENGINE_ID_MAX];

	must_start(h, NULL, run);
	snprintf(sid, sizeof(sid), "%s", h_last_session(h, run)->id);
	engine_session_event(h->e, sid, ENGINE_SESSION_BUSY, NULL, 0);
	assert_string_equal(session_state(h, sid), "BUSY");
	must_pause(h, run);
	h_restart(h, 0);
	assert_string_equal(h_run_state(h, run), "paused");
	/* The dead server's session is not left busy. */
	assert_string_equal(session_state(h, sid), "FAILED_NEEDS_HUMAN");
	assert_non_null(strstr(last_payload(h, run, "session.failed"), "process_restart"));

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	must_resume(h, run);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(strstr(last_payload(h, run, "phase.started"), "\"process_restart\""));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_no_invalid_argument(h);
}

static void
test_resume_after_restart_with_an_invalid_artifact_restarts(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	must_start(h, NULL, run);
	must_pause(h, run);
	/* The agent wrote an invalid plan while the run was paused, then the server died. */
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, "{\"summary\":\"s\",\"phases\":\"not a list\"}");
	free(p);
	h_restart(h, 0);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	must_resume(h, run);
	/* No repair prompt to a session this server never had: the phase restarted. */
	assert_no_invalid_argument(h);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(strstr(last_payload(h, run, "phase.started"), "\"process_restart\""));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_resume_after_restart_with_a_valid_artifact_goes_on(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	must_start(h, NULL, run);
	must_pause(h, run);
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, H_PLAN_OK);
	free(p);
	h_restart(h, 0);
	must_resume(h, run);
	/* The work the dead agent finished counts. */
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_no_invalid_argument(h);
}

static void
test_resume_after_restarts_past_the_limit_fails_unrecovered(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->restart_limit = 1;
	h_engine(h);
	must_start(h, NULL, run);
	h_restart(h, 0); /* restart 1 */
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	must_pause(h, run);
	h_restart(h, 0);
	must_resume(h, run); /* past the limit */
	assert_string_equal(h_run_state(h, run), "failed");
	assert_non_null(
	    strstr(last_payload(h, run, "run.failed"), "\"process_restart_unrecovered\""));
	assert_has_report(h, run);
	assert_no_invalid_argument(h);
}

static void
test_resume_after_live_restart_keeps_the_agent(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	/* The agent outlived the server (it is live in this one): its phase goes on. */
	must_start(h, NULL, run);
	must_pause(h, run);
	h_restart(h, 1);
	must_resume(h, run);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(session_state(h, h_last_session(h, run)->id), "RUNNING");
}

/* ---- Instructions never go to a session that is not live ---- */

static void
test_repair_for_an_exited_agent_is_not_sent(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	size_t texts;

	/* The agent writes an invalid plan and exits: no repair prompt to the dead session. */
	h_script(h, "plan", "{\"summary\":\"s\",\"phases\":\"x\"}", H_EXIT);
	must_start(h, NULL, run);
	texts = h->ntexts;
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h->ntexts, texts);
	assert_non_null(strstr(last_payload(h, run, "run.failed"), "\"session_exited\""));
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_has_report(h, run);
}

static void
test_change_request_after_restart_starts_a_fresh_session(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], sid[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	must_start(h, NULL, run);
	snprintf(sid, sizeof(sid), "%s", h_last_session(h, run)->id);
	assert_string_equal(session_state(h, sid), "WAITING_FOR_APPROVAL");
	h_restart(h, 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	/* The waiting agent died with the server: its row says so. */
	assert_string_equal(session_state(h, sid), "FAILED_NEEDS_HUMAN");
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	decide(h, run, ENGINE_REQUEST_CHANGES, "rc", "Shorter, please.");
	assert_no_invalid_argument(h);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_string_not_equal(h_last_session(h, run)->id, sid);
	assert_non_null(strstr(h_last_text(h), "Shorter, please."));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_resume_after_restart_restarts_the_dead_agents_phase),
		T(test_resume_after_restart_with_an_invalid_artifact_restarts),
		T(test_resume_after_restart_with_a_valid_artifact_goes_on),
		T(test_resume_after_restarts_past_the_limit_fails_unrecovered),
		T(test_resume_after_live_restart_keeps_the_agent),
		T(test_repair_for_an_exited_agent_is_not_sent),
		T(test_change_request_after_restart_starts_a_fresh_session),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
