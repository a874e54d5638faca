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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "lib/xalloc.h"
#include "engine_harness.h"

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
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
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

static void
assert_report(struct harness *h, const char *run)
{
	struct store_run r;
	struct stat sb;

	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	assert_int_equal(stat(r.final_report_path, &sb), 0);
	store_run_clear(&r);
}

static int
sessions_in_state(struct harness *h, const char *run, const char *state)
{
	struct store_session *s;
	size_t n;
	int c = 0;

	assert_int_equal(store_sessions_list(h->st, run, &s, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].state, state) == 0)
			c++;
	store_sessions_free(s, n);
	return c;
}

static void
test_reject(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;

	start_to_plan_gate(h, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_REJECT, "r1", "carol", "no", NULL, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h_count_events(h, run, "run.failed"), 1);
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
	assert_int_equal(sessions_in_state(h, run, "FAILED_NEEDS_HUMAN"), 1);
	assert_int_equal(h_last_session(h, run)->alive, 0);
	assert_report(h, run);
}

/* Abort, then check everything the rule asks for. */
static void
abort_and_check(struct harness *h, const char *run)
{
	struct df_error err;
	char req[ENGINE_ID_MAX];
	int before;

	assert_int_equal(engine_abort(h->e, run, "operator", &err), 0);
	assert_string_equal(h_run_state(h, run), "aborted");
	assert_int_equal(h_count_events(h, run, "run.aborted"), 1);
	assert_int_equal(h_pending_approval(h, run, req), 0);
	assert_int_equal(sessions_in_state(h, run, "RUNNING") + sessions_in_state(h, run, "IDLE") +
	                     sessions_in_state(h, run, "WAITING_FOR_APPROVAL"),
	                 0);
	for (size_t i = 0; i < h->nsess; i++)
		assert_int_equal(h->sess[i].alive, 0);
	assert_report(h, run);
	/* Aborting again changes nothing. */
	before = h_event_total(h, run);
	assert_int_equal(engine_abort(h->e, run, "again", &err), 0);
	assert_int_equal(h_event_total(h, run), before);
}

static void
test_abort_from_planning(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	abort_and_check(h, run);
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h_count_events(h, run, "session.failed"), 1);
}

static void
test_abort_from_executing(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	start_to_plan_gate(h, run);
	approve(h, run, "a1", NULL);
	assert_string_equal(h_run_state(h, run), "executing");
	assert_string_equal(h_phase_state(h, run, "implement"), "awaiting_artifact");
	abort_and_check(h, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "completed");
}

static void
test_abort_from_awaiting_approval(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	start_to_plan_gate(h, run);
	abort_and_check(h, run);
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
}

static void
test_abort_from_paused(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "paused");
	abort_and_check(h, run);
}

/* created and bound only exist inside a start: put a run back there by hand. */
static void
test_abort_from_created_and_bound(void **state)
{
	struct harness *h = *state;
	const char *states[] = { "bound", "created" };
	char run[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(store_run_transition(h->st, run, states[i], NULL, NULL, &err), 0);
		assert_string_equal(h_run_state(h, run), states[i]);
	}
	abort_and_check(h, run);
}

static void
test_abort_of_terminal_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;

	start_to_plan_gate(h, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_decide(h->e, run, req, ENGINE_REJECT, "r", "x", NULL, NULL, &err),
	                 0);
	assert_int_equal(engine_abort(h->e, run, "late", &err), -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	assert_string_equal(h_run_state(h, run), "failed");
}

static void
test_pause_and_resume(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *plan;
	struct store_run r;
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_string_equal(r.state, "paused");
	assert_string_equal(r.paused_from_state, "planning");
	store_run_clear(&r);
	/* The agent writes its plan while the run is paused: nothing moves. */
	plan = h_worktree_file(h, run, "plan.json");
	h_write(plan, H_PLAN_OK);
	free(plan);
	engine_session_event(h->e, h_last_session(h, run)->id, ENGINE_SESSION_IDLE, NULL, 0);
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	/* Nor does the clock. */
	h_advance(h, 2LL * ENGINE_DEFAULT_PHASE_TIMEOUT_MS);
	assert_string_equal(h_run_state(h, run), "paused");
	/* Pausing again is a no-op. */
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	assert_int_equal(h_count_events(h, run, "run.paused"), 1);
	assert_int_equal(engine_resume(h->e, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(h_count_events(h, run, "run.resumed"), 1);
	/* Pause and resume from awaiting_approval. */
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	assert_int_equal(engine_resume(h->e, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
}

static void
test_pause_refused_on_terminal_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(engine_pause(h->e, run, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	assert_int_equal(engine_resume(h->e, run, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	assert_int_equal(engine_pause(h->e, "nope", &err), -1);
	assert_int_equal(err.code, DF_E_RUN_NOT_FOUND);
}

static void
test_approval_replay_and_conflict(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;
	int replayed = -1, before;

	start_to_plan_gate(h, run);
	h_script(h, "implement", NULL, H_NONE);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_APPROVE, "tok", "alice", "ok", &replayed, &err),
	    0);
	assert_int_equal(replayed, 0);
	before = h_event_total(h, run);
	/* The same token and action: a replay that adds nothing. */
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_APPROVE, "tok", "alice", "ok", &replayed, &err),
	    0);
	assert_int_equal(replayed, 1);
	assert_int_equal(h_event_total(h, run), before);
	/* The same token, another action: a conflict. */
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_REJECT, "tok", "alice", NULL, &replayed, &err),
	    -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	/* Another token on a request no longer pending, on a run not awaiting approval. */
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_APPROVE, "tok2", "alice", NULL, &replayed, &err),
	    -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_int_equal(h_event_total(h, run), before);
	assert_string_equal(h_run_state(h, run), "executing");
	/* Unknown requests. */
	assert_int_equal(
	    engine_decide(h->e, run, "nope", ENGINE_APPROVE, "t", "a", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_APPROVAL_NOT_FOUND);
}

static void
test_decision_on_terminal_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX];
	struct df_error err;

	start_to_plan_gate(h, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	assert_int_equal(engine_abort(h->e, run, NULL, &err), 0);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_APPROVE, "late", "alice", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_non_null(strstr(err.hint, "run_state=aborted"));
}

static const char PLAN_DUP[] =
    "{\"summary\":\"s\",\"phases\":["
    "{\"key\":\"implement\",\"title\":\"A\",\"roles\":[\"implementer\"],\"gates\":[]},"
    "{\"key\":\"implement\",\"title\":\"B\",\"roles\":[\"implementer\"],\"gates\":[]}]}";
static const char PLAN_COLLIDES[] =
    "{\"summary\":\"s\",\"phases\":["
    "{\"key\":\"plan\",\"title\":\"A\",\"roles\":[\"implementer\"],\"gates\":[]}]}";
static const char PLAN_UNBOUND[] =
    "{\"summary\":\"s\",\"phases\":["
    "{\"key\":\"deploy\",\"title\":\"A\",\"roles\":[\"operator\"],\"gates\":[]}]}";

static void
test_plan_duplicate_keys_and_template_collisions(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", PLAN_DUP, H_IDLE);
	h_script(h, "plan", PLAN_COLLIDES, H_IDLE);
	h_script(h, "plan", PLAN_UNBOUND, H_IDLE);
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	/* Three plans rejected: the first two get repair prompts naming the problem. */
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 3);
	assert_int_equal(h->ntexts, 3);
	assert_non_null(strstr(h->texts[1], "Validation errors:\n- /phases/1/key: phase key "
	                                    "'implement' repeats /phases/0\n"));
	assert_non_null(strstr(h->texts[2], "- /phases/0/key: phase key 'plan' collides with a "
	                                    "phase of the template\n"));
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_string_equal(h_phase_state(h, run, "implement"), "");
	assert_report(h, run);
}

static void
test_plan_changed_after_validation(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *plan;

	start_to_plan_gate(h, run);
	plan = h_worktree_file(h, run, "plan.json");
	h_write(plan, "{\"summary\":\"sneaky\",\"phases\":[{\"key\":\"x\",\"title\":\"X\","
	              "\"roles\":[\"implementer\"],\"gates\":[]}]}");
	free(plan);
	approve(h, run, "a", NULL);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h->last_step_error.code, DF_E_INTERNAL_STATE_CORRUPTION);
	assert_non_null(strstr(h->last_step_error.message, "changed after it was validated"));
	assert_string_equal(h_phase_state(h, run, "x"), "");
	assert_report(h, run);
}

static void
test_invalid_artifact_repair_then_valid(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", "{\"summary\":\"\",\"phases\":[]}", H_IDLE);
	h_script(h, "plan", "not json", H_IDLE);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	assert_int_equal(h_start(h,
	                         "{\"scenarios\":{\"plan\":{\"scenario\":\"invalid\","
	                         "\"repairScenario\":\"ok\"}}}",
	                         run, &err),
	                 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(h->ntexts, 3);
	assert_non_null(strstr(h->texts[0], "Scenario: invalid\n"));
	assert_null(strstr(h->texts[0], "Validation errors:"));
	assert_non_null(strstr(h->texts[1], "Scenario: ok\n"));
	assert_non_null(strstr(h->texts[1], "Validation errors:\n- /summary: "));
	assert_non_null(strstr(h->texts[2], "not valid JSON"));
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 2);
	assert_int_equal(h_count_events(h, run, "artifact.validated"), 1);
	assert_int_equal(h_phase_attempts(h, run, "plan"), 1);
	/* The same invalid bytes reported twice are judged once. */
	engine_session_event(h->e, h_last_session(h, run)->id, ENGINE_SESSION_IDLE, NULL, 0);
	assert_int_equal(h_count_events(h, run, "artifact.validated"), 1);
}

static void
test_invalid_past_the_limit_fails_the_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	for (int i = 0; i < 3; i++) {
		char *bad = xasprintf("{\"summary\":\"\",\"phases\":[],\"n\":%d}", i);

		h_script(h, "plan", bad, H_IDLE);
		free(bad);
	}
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 3);
	assert_int_equal(h->ntexts, 3); /* the first attempt and two repairs */
	assert_int_equal(h_count_events(h, run, "phase.failed"), 1);
	assert_int_equal(h_count_events(h, run, "run.failed"), 1);
	assert_report(h, run);
}

static void
test_phase_timeout(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	h_advance(h, ENGINE_DEFAULT_PHASE_TIMEOUT_MS - 1);
	assert_string_equal(h_run_state(h, run), "planning");
	h_advance(h, 1);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h_count_events(h, run, "phase.failed"), 1);
	assert_report(h, run);
}

static void
test_session_exit_without_artifact_fails_the_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", NULL, H_EXIT);
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_int_equal(h_count_events(h, run, "session.exited"), 1);
	assert_report(h, run);
}

static void
test_session_events_are_recorded_once(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	const char *sid;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	sid = h_last_session(h, run)->id;
	engine_session_event(h->e, sid, ENGINE_SESSION_BUSY, NULL, 0);
	engine_session_event(h->e, sid, ENGINE_SESSION_IDLE, NULL, 0);
	engine_session_event(h->e, sid, ENGINE_SESSION_IDLE, NULL, 0);
	engine_session_event(h->e, sid, ENGINE_SESSION_NEEDS_INPUT, "Allow write? (y/n)", 0);
	engine_session_event(h->e, sid, ENGINE_SESSION_NEEDS_INPUT, "Allow write? (y/n)", 0);
	engine_session_event(h->e, "unknown-session", ENGINE_SESSION_IDLE, NULL, 0);
	assert_int_equal(h_count_events(h, run, "session.idle"), 1);
	assert_int_equal(h_count_events(h, run, "session.needs_input"), 1);
	assert_int_equal(h_count_events(h, run, "session.started"), 1);
	h_event_total(h, run);
}

/*
 * An answer from the queue: the session is busy again at once, the answer
 * and its actor are recorded, and the same question asked again after it is
 * a new session.needs_input (reports of one asking stay one event).
 */
static void
test_answered_question(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	struct store_session s;
	const char *sid;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	sid = h_last_session(h, run)->id;
	engine_session_asks(h->e, sid, ENGINE_FROM_SCREEN, "tail\nDo you want to proceed?",
	                    "Do you want to proceed?", "[{\"key\":\"1\",\"label\":\"Yes\"}]");
	assert_int_equal(store_session_get(h->st, sid, &s, &err), 1);
	assert_string_equal(s.state, "NEEDS_INPUT");
	store_session_clear(&s);
	assert_int_equal(engine_session_answered(h->e, sid, "1", "Yes", "Do you want to proceed?",
	                                         "alice", &err),
	                 0);
	assert_int_equal(store_session_get(h->st, sid, &s, &err), 1);
	assert_string_equal(s.state, "BUSY");
	store_session_clear(&s);
	assert_int_equal(h_count_events(h, run, "session.answered"), 1);
	/* Asked again, the very same screen: a new question. */
	engine_session_asks(h->e, sid, ENGINE_FROM_SCREEN, "tail\nDo you want to proceed?",
	                    "Do you want to proceed?", "[{\"key\":\"1\",\"label\":\"Yes\"}]");
	engine_session_asks(h->e, sid, ENGINE_FROM_SCREEN, "tail\nDo you want to proceed?",
	                    "Do you want to proceed?", "[{\"key\":\"1\",\"label\":\"Yes\"}]");
	assert_int_equal(h_count_events(h, run, "session.needs_input"), 2);
	assert_int_equal(
	    engine_session_answered(h->e, "no-such-session", "1", "Yes", "q", "alice", &err), -1);
	assert_int_equal(err.code, DF_E_SESSION_NOT_FOUND);
}

static void
test_conversation_id_kept(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	struct store_session s;
	const char *sid;
	int total;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	sid = h_last_session(h, run)->id;
	assert_int_equal(store_session_get(h->st, sid, &s, &err), 1);
	assert_null(s.conversation_id);
	store_session_clear(&s);
	total = h_event_total(h, run);
	engine_session_conversation(h->e, sid, "thr-1");
	engine_session_conversation(h->e, sid, "thr-2");
	engine_session_conversation(h->e, sid, "thr-2");
	engine_session_conversation(h->e, "unknown-session", "thr-3");
	assert_int_equal(store_session_get(h->st, sid, &s, &err), 1);
	assert_string_equal(s.conversation_id, "thr-2");
	assert_string_equal(s.state, "RUNNING");
	store_session_clear(&s);
	assert_int_equal(h_event_total(h, run), total); /* a detail of the row, not an event */
}

static void
test_artifact_event_from_the_watcher(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path;
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	path = h_worktree_file(h, run, "plan.json");
	{
		char *expected, *real, *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));

		real = realpath(dir, NULL);
		assert_non_null(real);
		assert_int_equal(engine_expected_artifact(h->e, run, &expected, &err), 1);
		assert_non_null(strstr(expected, "/main/plan.json"));
		assert_int_equal(strncmp(expected, real, strlen(real)), 0);
		free(expected);
		free(real);
		free(dir);
	}
	h_write(path, H_PLAN_OK);
	engine_artifact_event(h->e, run, "/elsewhere/plan.json");
	assert_string_equal(h_run_state(h, run), "planning");
	engine_artifact_event(h->e, run, path);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	{
		char *expected = (char *)"x";

		assert_int_equal(engine_expected_artifact(h->e, run, &expected, &err), 0);
		assert_null(expected);
		assert_int_equal(engine_expected_artifact(h->e, "nope", &expected, &err), -1);
		assert_int_equal(err.code, DF_E_RUN_NOT_FOUND);
	}
	free(path);
}

static void
test_stale_artifact_is_moved_aside(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], req[ENGINE_ID_MAX], *aside;
	struct df_error err;
	struct stat sb;

	start_to_plan_gate(h, run);
	assert_int_equal(h_pending_approval(h, run, req), 1);
	/* The second attempt writes nothing yet: the old plan must not count. */
	h_script(h, "plan", NULL, H_IDLE);
	assert_int_equal(
	    engine_decide(h->e, run, req, ENGINE_REQUEST_CHANGES, "c", "bob", "more", NULL, &err),
	    0);
	assert_string_equal(h_run_state(h, run), "planning");
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	aside = xasprintf("%s/%s/attempts/plan/plan.json.1", h->ws, run);
	assert_int_equal(stat(aside, &sb), 0);
	free(aside);
}

static void
test_status(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *json;
	struct df_error err;
	cJSON *doc;
	const cJSON *x;

	start_to_plan_gate(h, run);
	assert_int_equal(engine_status(h->e, run, &json, &err), 0);
	doc = cJSON_Parse(json);
	assert_non_null(doc);
	x = cJSON_GetObjectItem(doc, "run");
	assert_string_equal(cJSON_GetObjectItem(x, "state")->valuestring, "awaiting_approval");
	assert_string_equal(cJSON_GetObjectItem(x, "baseBranch")->valuestring, "main");
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "phases"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "phaseKey")->valuestring, "plan");
	assert_int_equal(cJSON_GetObjectItem(x, "attempts")->valueint, 1);
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "approvals"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "gateKey")->valuestring, "plan_review");
	assert_string_equal(cJSON_GetObjectItem(x, "state")->valuestring, "pending");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(x, "payload"), "artifactPath")->valuestring,
	    "plan.json");
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "sessions"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "state")->valuestring, "WAITING_FOR_APPROVAL");
	x = cJSON_GetObjectItem(doc, "events");
	assert_true(cJSON_GetArraySize(x) <= 20);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(x, cJSON_GetArraySize(x) - 1), "type")
	        ->valuestring,
	    "approval.requested");
	cJSON_Delete(doc);
	free(json);
	assert_int_equal(engine_status(h->e, "missing", &json, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_NOT_FOUND);
	assert_null(json);
}

static void
test_status_events_are_the_last_twenty(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *json;
	struct df_error err;
	cJSON *doc;
	const cJSON *ev;
	int total;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	for (int i = 0; i < 11; i++) {
		assert_int_equal(engine_pause(h->e, run, &err), 0);
		assert_int_equal(engine_resume(h->e, run, &err), 0);
	}
	total = h_event_total(h, run);
	assert_true(total > 20);
	assert_int_equal(engine_status(h->e, run, &json, &err), 0);
	doc = cJSON_Parse(json);
	ev = cJSON_GetObjectItem(doc, "events");
	assert_int_equal(cJSON_GetArraySize(ev), 20);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 19), "seq")->valueint, total);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "seq")->valueint,
	                 total - 19);
	cJSON_Delete(doc);
	free(json);
}

static void
test_resume_after_the_agent_left(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	struct h_sess *s;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_int_equal(engine_pause(h->e, run, &err), 0);
	s = h_last_session(h, run);
	s->alive = 0;
	engine_session_event(h->e, s->id, ENGINE_SESSION_EXITED, NULL, 0);
	/* It left on its own: not stopped, its status is news. */
	assert_non_null(strstr(h_last_payload(h, run, "session.exited"), "\"stopped\":false"));
	assert_string_equal(h_run_state(h, run), "paused");
	assert_int_equal(engine_resume(h->e, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
}

/* An agent devflow stopped (the run aborted) is "stopped", not a status 143 to report. */
static void
test_exit_after_stop(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	struct h_sess *s;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	s = h_last_session(h, run);
	assert_int_equal(engine_abort(h->e, run, "operator", &err), 0);
	engine_session_event(h->e, s->id, ENGINE_SESSION_EXITED, NULL, 143);
	assert_non_null(h_last_payload(h, run, "session.exited"));
	assert_non_null(strstr(h_last_payload(h, run, "session.exited"), "\"stopped\":true"));
	assert_non_null(strstr(h_last_payload(h, run, "session.exited"), "\"status\":143"));
}

static void
test_production_host_defaults(void **state)
{
	char a[ENGINE_ID_MAX], b[ENGINE_ID_MAX];
	int64_t t0 = engine_clock_now_ms(NULL);

	(void)state;
	engine_uuid_new_id(NULL, a);
	engine_uuid_new_id(NULL, b);
	assert_int_equal(strlen(a), 36);
	assert_string_not_equal(a, b);
	assert_true(t0 > 1700000000000LL);
	assert_true(engine_clock_now_ms(NULL) >= t0);
}

static void
test_session_exit_after_a_valid_artifact(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_EXIT);
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_int_equal(h_count_events(h, run, "session.exited"), 1);
	assert_int_equal(h_count_events(h, run, "artifact.validated"), 1);
}

static void
test_backend_missing_from_the_catalog(void **state)
{
	struct harness *h = *state;
	static const struct binding_override ov[] = { { .role = "planner", .backend = "ghost" },
		                                      { .role = "implementer", .backend = "fake" },
		                                      { .role = "reviewer", .backend = "fake" } };
	struct engine_start_request req = { 0 };
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h->ghost_backend = 1;
	h_engine(h);
	req.requirements_md = "x";
	req.repo_path = h->repo;
	req.base_branch = "main";
	req.overrides = ov;
	req.noverrides = 3;
	assert_int_equal(engine_start(h->e, &req, run, &err), 0);
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "plan"), "failed");
	assert_int_equal(h->last_step_error.code, DF_E_BACKEND_UNAVAILABLE);
	assert_non_null(strstr(h->last_step_error.message, "ghost"));
	assert_int_equal(h->nsess, 0);
}

/*
 * Start a run whose planner writes nothing, put what make_artifact makes at
 * plan.json, and report it as the watcher would: the engine must judge it
 * invalid (never block on it, never read more than the limit) and send a
 * repair prompt naming the path and what is wrong.
 */
static void
refused_artifact(struct harness *h, void (*make_artifact)(const char *path), const char *expected)
{
	char run[ENGINE_ID_MAX], *path;
	struct df_error err;

	h_script(h, "plan", NULL, H_IDLE);
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	assert_int_equal(h->ntexts, 1);
	path = h_worktree_file(h, run, "plan.json");
	make_artifact(path);
	alarm(60); /* a blocking open or read would hang here: fail instead */
	engine_artifact_event(h->e, run, path);
	alarm(0);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_artifact");
	assert_int_equal(h->ntexts, 2);
	if (strstr(h->texts[1], expected) == NULL)
		fail_msg("the repair prompt does not say '%s':\n%.300s", expected,
		         strstr(h->texts[1], "Validation errors:")
		             ? strstr(h->texts[1], "Validation errors:")
		             : "(no validation errors)");
	/* The same file reported again is not judged again. */
	engine_artifact_event(h->e, run, path);
	assert_int_equal(h_count_events(h, run, "artifact.invalid"), 1);
	/* A regular file in its place is judged as usual. */
	assert_int_equal(unlink(path) == 0 || rmdir(path) == 0, 1);
	h_write(path, H_PLAN_OK);
	engine_artifact_event(h->e, run, path);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	free(path);
}

static void
make_fifo(const char *path)
{
	assert_int_equal(mkfifo(path, 0600), 0);
}

static void
make_symlink(const char *path)
{
	char *target = xasprintf("%s.real", path);

	h_write(target, H_PLAN_OK);
	assert_int_equal(symlink(target, path), 0);
	free(target);
}

static void
make_directory(const char *path)
{
	assert_int_equal(mkdir(path, 0700), 0);
}

static void
make_sparse(const char *path)
{
	h_write(path, "");
	assert_int_equal(truncate(path, 1536LL * 1024 * 1024), 0);
}

static void
make_2k(const char *path)
{
	char text[2048 + 64];

	snprintf(text, sizeof(text), "{\"summary\":\"%02000d\",\"phases\":[]}", 0);
	h_write(path, text);
}

static void
test_fifo_artifact_is_invalid(void **state)
{
	refused_artifact(*state, make_fifo, "- artifact plan.json is a FIFO, not a regular file");
}

static void
test_symlink_artifact_is_invalid(void **state)
{
	refused_artifact(*state, make_symlink,
	                 "- artifact plan.json is a symbolic link, not a regular file");
}

static void
test_directory_artifact_is_invalid(void **state)
{
	refused_artifact(*state, make_directory,
	                 "- artifact plan.json is a directory, not a regular file");
}

static void
test_sparse_huge_artifact_is_refused_unread(void **state)
{
	refused_artifact(*state, make_sparse,
	                 "- artifact plan.json is 1.5 GiB, over the 8 MiB limit");
}

static void
test_artifact_limit_is_configurable(void **state)
{
	struct harness *h = *state;

	h->max_artifact_bytes = 1024;
	h_engine(h);
	refused_artifact(h, make_2k, "- artifact plan.json is 2.0 KiB, over the 1 KiB limit");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_artifact_is_invalid, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_symlink_artifact_is_invalid, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_directory_artifact_is_invalid, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_sparse_huge_artifact_is_refused_unread,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_artifact_limit_is_configurable, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_happy_path_development_template, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_request_changes_then_approve, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_reject, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_from_planning, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_from_executing, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_from_awaiting_approval, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_from_paused, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_from_created_and_bound, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_of_terminal_run, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_pause_and_resume, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_pause_refused_on_terminal_run, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_approval_replay_and_conflict, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_decision_on_terminal_run, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_plan_duplicate_keys_and_template_collisions,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_plan_changed_after_validation, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_artifact_repair_then_valid, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_past_the_limit_fails_the_run, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_phase_timeout, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_session_exit_without_artifact_fails_the_run,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_session_events_are_recorded_once, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_artifact_event_from_the_watcher, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_stale_artifact_is_moved_aside, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_status, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_status_events_are_the_last_twenty, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_the_agent_left, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_exit_after_stop, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_session_exit_after_a_valid_artifact, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_backend_missing_from_the_catalog, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_answered_question, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_conversation_id_kept, h_setup, h_teardown),
		cmocka_unit_test(test_production_host_defaults),
	};

	return cmocka_run_group_tests_name("engine_flow", tests, NULL, NULL);
}
