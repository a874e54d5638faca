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

#include "lib/xalloc.h"
#include "engine_harness.h"

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

	h_must_start(h, NULL, run);
	snprintf(sid, sizeof(sid), "%s", h_last_session(h, run)->id);
	engine_session_event(h->e, sid, ENGINE_SESSION_BUSY, NULL, 0);
	assert_string_equal(session_state(h, sid), "BUSY");
	h_must_pause(h, run);
	h_restart(h, 0);
	assert_string_equal(h_run_state(h, run), "paused");
	/* The dead server's session is not left busy. */
	assert_string_equal(session_state(h, sid), "FAILED_NEEDS_HUMAN");
	assert_non_null(strstr(h_last_payload(h, run, "session.failed"), "process_restart"));

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_resume(h, run);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(strstr(h_last_payload(h, run, "phase.started"), "\"process_restart\""));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_no_invalid_argument(h);
}

static void
test_resume_after_restart_with_an_invalid_artifact_restarts(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	h_must_start(h, NULL, run);
	h_must_pause(h, run);
	/* The agent wrote an invalid plan while the run was paused, then the server died. */
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, "{\"summary\":\"s\",\"phases\":\"not a list\"}");
	free(p);
	h_restart(h, 0);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_resume(h, run);
	/* No repair prompt to a session this server never had: the phase restarted. */
	assert_no_invalid_argument(h);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_non_null(strstr(h_last_payload(h, run, "phase.started"), "\"process_restart\""));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_resume_after_restart_with_a_valid_artifact_goes_on(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *p;

	h_must_start(h, NULL, run);
	h_must_pause(h, run);
	p = h_worktree_file(h, run, "plan.json");
	h_write(p, H_PLAN_OK);
	free(p);
	h_restart(h, 0);
	h_must_resume(h, run);
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
	h_must_start(h, NULL, run);
	h_restart(h, 0); /* restart 1 */
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	h_must_pause(h, run);
	h_restart(h, 0);
	h_must_resume(h, run); /* past the limit */
	assert_string_equal(h_run_state(h, run), "failed");
	assert_non_null(
	    strstr(h_last_payload(h, run, "run.failed"), "\"process_restart_unrecovered\""));
	assert_has_report(h, run);
	assert_no_invalid_argument(h);
}

static void
test_resume_after_live_restart_keeps_the_agent(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	/* The agent outlived the server (it is live in this one): its phase goes on. */
	h_must_start(h, NULL, run);
	h_must_pause(h, run);
	h_restart(h, 1);
	h_must_resume(h, run);
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
	h_must_start(h, NULL, run);
	texts = h->ntexts;
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h->ntexts, texts);
	assert_non_null(strstr(h_last_payload(h, run, "run.failed"), "\"session_exited\""));
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_has_report(h, run);
}

static void
test_change_request_after_restart_starts_a_fresh_session(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], sid[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	snprintf(sid, sizeof(sid), "%s", h_last_session(h, run)->id);
	assert_string_equal(session_state(h, sid), "WAITING_FOR_APPROVAL");
	h_restart(h, 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	/* The waiting agent died with the server: its row says so. */
	assert_string_equal(session_state(h, sid), "FAILED_NEEDS_HUMAN");
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_decide(h, run, ENGINE_REQUEST_CHANGES, "rc", "alice", "Shorter, please.");
	assert_no_invalid_argument(h);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_string_not_equal(h_last_session(h, run)->id, sid);
	assert_non_null(strstr(h_last_text(h), "Shorter, please."));
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

/* ---- A full disk in the middle of a step; the self-check ---- */

static int
count_active(struct harness *h)
{
	int64_t n = 0;

	assert_int_equal(store_run_count_active(h->st, &n, NULL), 0);
	return (int)n;
}

static void
test_disk_full_before_the_first_phase_is_rearmed(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	/* The run, run.started and executing are committed; then the disk is full. */
	store_fault_disk_full(h->st, 3);
	h_start(h, NULL, run, &err);
	assert_string_equal(h_run_state(h, run), "executing");
	assert_string_equal(h_phase_state(h, run, "plan"), "pending");
	assert_int_equal(h->nsess, 0);
	/* Space comes back; within one self-check period the run moves again. */
	store_fault_disk_full(h->st, -1);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_advance(h, ENGINE_DEFAULT_SELF_CHECK_MS);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	assert_non_null(strstr(h_last_payload(h, run, "phase.started"), "\"process_restart\""));
	assert_int_equal(h->stranded, 1);
	assert_string_equal(h->stranded_run, run);
}

static void
test_disk_full_after_the_agent_started_is_rearmed(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], sid[ENGINE_ID_MAX];
	struct df_error err;

	/* The attempt is committed and its agent started; nothing after that can be written. */
	store_fault_disk_full(h->st, 4);
	h_start(h, NULL, run, &err);
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(h_phase_state(h, run, "plan"), "running");
	snprintf(sid, sizeof(sid), "%s", h_last_session(h, run)->id);
	store_fault_disk_full(h->st, -1);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_advance(h, ENGINE_DEFAULT_SELF_CHECK_MS);
	/* The half-started attempt is stopped and the phase begun again. */
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_int_equal(h_last_session(h, run)->alive, 1);
	assert_string_not_equal(h_last_session(h, run)->id, sid);
	assert_string_equal(session_state(h, sid), "FAILED_NEEDS_HUMAN");
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_disk_full_after_a_decision_is_rearmed(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	/* The approval is committed; the next phase cannot start. */
	store_fault_disk_full(h->st, 1);
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
	assert_string_equal(h_run_state(h, run), "executing");
	assert_string_equal(h_phase_state(h, run, "plan"), "completed");
	assert_string_equal(h_phase_state(h, run, "implement"), ""); /* the plan not yet applied */
	store_fault_disk_full(h->st, -1);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_advance(h, ENGINE_DEFAULT_SELF_CHECK_MS);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_artifact");
}

static void
test_disk_full_when_a_start_cleans_up_fails_the_run_later(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct engine_start_request req = { 0 };
	struct df_error err;

	h->max_runs = 1;
	h_engine(h);
	/* The worktree cannot be made, and the run cannot be deleted: it stays "created". */
	h_fake_request(&req, h->repo, "no-such-branch");
	req.run_id = "nobranch";
	store_fault_disk_full(h->st, 1);
	assert_int_equal(engine_start(h->e, &req, run, &err), -1);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	store_fault_disk_full(h->st, -1);
	assert_int_equal(count_active(h), 1);
	h_advance(h, ENGINE_DEFAULT_SELF_CHECK_MS);
	/* It no longer counts against the limit; it failed with a reason and a report. */
	assert_int_equal(count_active(h), 0);
	assert_string_equal(h_run_state(h, "nobranch"), "failed");
	assert_non_null(strstr(h_last_payload(h, "nobranch", "run.failed"), "\"reason\""));
	assert_has_report(h, "nobranch");
	h_must_start(h, NULL, run);
}

static void
test_disk_full_while_writing_a_report_is_retried(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct store_run r;
	struct df_error err;

	h_must_start(h, NULL, run);
	/* The abort is committed; recording its report is not. */
	store_fault_disk_full(h->st, 1);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_string_equal(r.state, "aborted");
	assert_null(r.final_report_path);
	store_run_clear(&r);
	store_fault_disk_full(h->st, -1);
	h_advance(h, ENGINE_DEFAULT_SELF_CHECK_MS);
	assert_has_report(h, run);
}

/* Point the harness at a new repository (one active run per repository and base). */
static void
next_repo(struct harness *h, const char *name)
{
	char *cmd;

	free(h->repo);
	h->repo = xasprintf("%s/%s", h->dir, name);
	cmd = xasprintf("git init -q -b main '%s' && git -C '%s' -c user.name=t -c "
	                "user.email=t@example.org commit -q --allow-empty -m init",
	                h->repo, h->repo);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_self_check_leaves_driven_runs_alone(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], run2[ENGINE_ID_MAX], run3[ENGINE_ID_MAX];
	int before, before2, before3;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run); /* at its gate */
	next_repo(h, "repo2");
	h_must_start(h, NULL, run2); /* its agent at work */
	next_repo(h, "repo3");
	h_must_start(h, NULL, run3);
	h_must_pause(h, run3); /* paused */
	before = h_event_total(h, run);
	before2 = h_event_total(h, run2);
	before3 = h_event_total(h, run3);
	h_advance(h, 3 * ENGINE_DEFAULT_SELF_CHECK_MS);
	assert_int_equal(h->stranded, 0);
	assert_int_equal(h_event_total(h, run), before);
	assert_int_equal(h_event_total(h, run2), before2);
	assert_int_equal(h_event_total(h, run3), before3);
	assert_string_equal(h_run_state(h, run2), "planning");
	assert_int_equal(h_last_session(h, run2)->alive, 1);
}

static void
test_self_check_off(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h->self_check_ms = -1;
	h_engine(h);
	store_fault_disk_full(h->st, 3);
	h_start(h, NULL, run, &err);
	store_fault_disk_full(h->st, -1);
	h_advance(h, 10 * ENGINE_DEFAULT_SELF_CHECK_MS);
	assert_string_equal(h_phase_state(h, run, "plan"), "pending");
	assert_int_equal(h->stranded, 0);
}

static void
test_self_check_past_the_restart_limit_fails(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h->restart_limit = 1;
	h->self_check_ms = 1000;
	h_engine(h);
	/* Each attempt's agent is started and then the disk is full again. */
	store_fault_disk_full(h->st, 4);
	h_start(h, NULL, run, &err);
	store_fault_disk_full(h->st, 2); /* the restart's two commits, then full again */
	h_advance(h, 1000);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 2);
	assert_string_equal(h_phase_state(h, run, "plan"), "running");
	store_fault_disk_full(h->st, -1);
	h_advance(h, 1000);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_non_null(
	    strstr(h_last_payload(h, run, "run.failed"), "\"process_restart_unrecovered\""));
	assert_has_report(h, run);
	assert_int_equal(h_last_session(h, run)->alive, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup, h_teardown)
		T(test_resume_after_restart_restarts_the_dead_agents_phase),
		T(test_resume_after_restart_with_an_invalid_artifact_restarts),
		T(test_resume_after_restart_with_a_valid_artifact_goes_on),
		T(test_resume_after_restarts_past_the_limit_fails_unrecovered),
		T(test_resume_after_live_restart_keeps_the_agent),
		T(test_repair_for_an_exited_agent_is_not_sent),
		T(test_change_request_after_restart_starts_a_fresh_session),
		T(test_disk_full_before_the_first_phase_is_rearmed),
		T(test_disk_full_after_the_agent_started_is_rearmed),
		T(test_disk_full_after_a_decision_is_rearmed),
		T(test_disk_full_when_a_start_cleans_up_fails_the_run_later),
		T(test_disk_full_while_writing_a_report_is_retried),
		T(test_self_check_leaves_driven_runs_alone),
		T(test_self_check_off),
		T(test_self_check_past_the_restart_limit_fails),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
