/*
 * The commit at the end of each phase, off the engine's step: the engine
 * asks its host (commit_start) and hears the result later
 * (engine_commit_done). The harness's host makes each commit at once (its
 * result comes back within the step that asked) or holds it until the test
 * says (h_run_commits), so both orders are tested: the next phase starts,
 * and the run completes, only once the commit is recorded; a server that
 * died between phase.completed and the commit, or between the commit and
 * its event, commits once after its restart; pause, abort and the
 * self-check leave a commit under way alone.
 */
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

#include "lib/xalloc.h"
#include "engine_harness.h"

static void
approve(struct harness *h, const char *run)
{
	h_must_decide(h, run, ENGINE_APPROVE, "t", "alice", NULL);
}

/* The seq of the run's first event of type whose payload holds phaseKey key; 0 when none. */
static int64_t
seq_of(struct harness *h, const char *run, const char *type, const char *key)
{
	struct store_event *ev;
	size_t n;
	int64_t seq = 0;
	char *want = xasprintf("\"phaseKey\":\"%s\"", key);

	assert_int_equal(store_events_list(h->st, run, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n && seq == 0; i++)
		if (strcmp(ev[i].type, type) == 0 && (key == NULL || strstr(ev[i].payload, want)))
			seq = ev[i].seq;
	store_events_free(ev, n);
	free(want);
	return seq;
}

/* How many commits the run's branch has over main. */
static int
branch_commits(struct harness *h, const char *run)
{
	char *cmd = xasprintf("git -C '%s' rev-list --count main..devflow/%s/main", h->repo, run);
	FILE *p = popen(cmd, "r");
	int n = -1;

	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

/* The run's branch tip (static buffer). */
static const char *
branch_tip(struct harness *h, const char *run)
{
	static char buf[64];
	char *cmd = xasprintf("git -C '%s' rev-parse devflow/%s/main", h->repo, run);
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
	free(cmd);
	return buf;
}

/* A run past its plan's gate whose implement phase writes a.c (a change to commit). */
static void
start_past_plan(struct harness *h, char run[ENGINE_ID_MAX])
{
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script_fix(h, "implement", H_CHANGE_OK, "a.c", "int a;\n", H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_approval");
	approve(h, run);
}

/* Made within the step that asked: every phase committed once, in order, before the end. */
static void
test_commits_made_at_once(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	start_past_plan(h, run);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	approve(h, run);
	assert_string_equal(h_run_state(h, run), "completed");
	assert_int_equal(h->commits_started, 3);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 3);
	assert_int_equal(h_count_events(h, run, "phase.commit_failed"), 0);
	/* The plan changed nothing but its artifact: an empty commit, recorded as such. */
	assert_non_null(
	    strstr(h_last_payload(h, run, "phase.committed"), "\"phaseKey\":\"review\""));
	assert_true(seq_of(h, run, "phase.committed", "plan") > 0);
	assert_true(seq_of(h, run, "phase.committed", "plan") <
	            seq_of(h, run, "phase.started", "implement"));
	assert_true(seq_of(h, run, "phase.committed", "implement") <
	            seq_of(h, run, "phase.started", "review"));
	assert_true(seq_of(h, run, "phase.committed", "review") <
	            seq_of(h, run, "run.completed", NULL));
	assert_int_equal(branch_commits(h, run), 1);
	assert_int_equal(h->step_failures, 0);
}

/* Held: the next phase's agent starts only once the commit is recorded. */
static void
test_next_phase_waits_for_the_commit(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], key[ENGINE_ID_MAX];
	char *payload;

	h->commits_hold = 1;
	start_past_plan(h, run);
	/* The plan completed; its commit is asked for, not made: implement waits. */
	assert_string_equal(h_phase_state(h, run, "plan"), "completed");
	assert_int_equal(h_count_events(h, run, "phase.completed"), 1);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 0);
	assert_int_equal(h_count_events(h, run, "phase.started"), 1);
	assert_int_equal(h->nsess, 1);
	assert_string_equal(h_run_state(h, run), "executing");
	assert_int_equal(engine_commit_pending(h->e, run, key), 1);
	assert_string_equal(key, "plan");
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_non_null(strstr(h_last_payload(h, run, "phase.committed"), "\"empty\":true"));
	/* Recorded: implement ran, wrote a.c and completed; the review waits for its commit. */
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "pending");
	assert_int_equal(h->nsess, 2);
	assert_int_equal(branch_commits(h, run), 0);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_int_equal(branch_commits(h, run), 1);
	payload = xasprintf("\"commit\":\"%s\"", branch_tip(h, run));
	assert_non_null(strstr(h_last_payload(h, run, "phase.committed"), payload));
	free(payload);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(engine_commit_pending(h->e, run, key), 0);
	assert_int_equal(h->step_failures, 0);
}

/* Held at the final gate: the run completes (and its report is written) after the commit. */
static void
test_run_completes_after_its_last_commit(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], key[ENGINE_ID_MAX];
	struct store_run r;

	start_past_plan(h, run);
	h->commits_hold = 1;
	approve(h, run);
	assert_string_equal(h_phase_state(h, run, "review"), "completed");
	assert_string_equal(h_run_state(h, run), "executing");
	assert_int_equal(h_count_events(h, run, "run.completed"), 0);
	assert_int_equal(engine_commit_pending(h->e, run, key), 1);
	assert_string_equal(key, "review");
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_string_equal(h_run_state(h, run), "completed");
	assert_true(seq_of(h, run, "phase.committed", "review") <
	            seq_of(h, run, "run.completed", NULL));
	assert_int_equal(store_run_get(h->st, run, &r, NULL), 1);
	assert_non_null(r.final_report_path);
	store_run_clear(&r);
}

/* A server dead after phase.completed, before the commit: the next one commits, once. */
static void
test_restart_before_the_commit(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->commits_hold = 1;
	start_past_plan(h, run);
	h_run_commits(h, 1); /* the plan's */
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_int_equal(h->ncommits, 1);
	h_restart(h, 0);
	/* Recovery asked again for the implement phase's commit, and waits for it. */
	assert_int_equal(h->ncommits, 1);
	assert_string_equal(h->commits[0].phase_key, "implement");
	assert_string_equal(h_phase_state(h, run, "review"), "pending");
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_int_equal(branch_commits(h, run), 1);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 2);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h_count_events(h, run, "phase.started"), 3);
	/* A second restart finds nothing owed. */
	h_restart(h, 0);
	assert_int_equal(h->ncommits, 0);
}

/* A server dead after the commit, before its event: the replay finds it, records it once. */
static void
test_restart_after_the_commit(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], tip[64];
	char *payload;

	h->commits_hold = 1;
	start_past_plan(h, run);
	h_run_commits(h, 1);
	assert_int_equal(h_run_commits(h, 0), 1); /* made; the result is lost */
	assert_int_equal(branch_commits(h, run), 1);
	snprintf(tip, sizeof(tip), "%s", branch_tip(h, run));
	assert_int_equal(h_count_events(h, run, "phase.committed"), 1);
	h_restart(h, 0);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_int_equal(branch_commits(h, run), 1);
	assert_string_equal(branch_tip(h, run), tip);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 2);
	payload = xasprintf("\"commit\":\"%s\"", tip);
	assert_non_null(strstr(h_last_payload(h, run, "phase.committed"), payload));
	free(payload);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
}

/* Paused while committing: recorded, but nothing starts until resume. */
static void
test_pause_while_committing(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->commits_hold = 1;
	start_past_plan(h, run);
	h_must_pause(h, run);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 1);
	assert_string_equal(h_run_state(h, run), "paused");
	assert_int_equal(h_count_events(h, run, "phase.started"), 1);
	assert_int_equal(h->nsess, 1);
	h_must_resume(h, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
}

/* Aborted while committing: the commit's result is recorded; nothing starts. */
static void
test_abort_while_committing(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	h->commits_hold = 1;
	start_past_plan(h, run);
	assert_int_equal(engine_abort(h->e, run, "test", &err), 0);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_string_equal(h_run_state(h, run), "aborted");
	assert_int_equal(h_count_events(h, run, "phase.committed"), 1);
	assert_int_equal(h_count_events(h, run, "phase.started"), 1);
	assert_int_equal(h->nsess, 1);
	assert_int_equal(h->step_failures, 0);
}

/* The self-check leaves a commit under way alone: not stranded, nothing started. */
static void
test_self_check_while_committing(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;
	int found = -1;

	h->commits_hold = 1;
	start_past_plan(h, run);
	assert_int_equal(engine_self_check(h->e, &found, &err), 0);
	assert_int_equal(found, 0);
	assert_int_equal(h->nsess, 1);
	assert_int_equal(h->ncommits, 1);
	/* Its result lost, and an engine that does not know of it (no recovery): asked again. */
	assert_int_equal(h_run_commits(h, 0), 1);
	h_engine(h);
	assert_int_equal(engine_self_check(h->e, &found, &err), 0);
	assert_int_equal(found, 1);
	assert_string_equal(h->stranded_run, run);
	assert_non_null(strstr(h->stranded_what, "commit ran in no process"));
	assert_int_equal(h->nsess, 1);
	assert_int_equal(h->ncommits, 1);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_int_equal(h_count_events(h, run, "phase.committed"), 1);
}

/* A commit that fails is recorded (phase.commit_failed) and the run goes on. */
static void
test_commit_failure_goes_on(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	char *git = NULL, *aside = NULL;

	h->commits_hold = 1;
	start_past_plan(h, run);
	h_run_commits(h, 1);
	/* The worktree's .git link gone for the commit: git cannot open it. */
	git = h_worktree_file(h, run, ".git");
	aside = xasprintf("%s.aside", git);
	assert_int_equal(rename(git, aside), 0);
	assert_int_equal(h_run_commits(h, 1), 1);
	assert_int_equal(rename(aside, git), 0);
	assert_int_equal(h_count_events(h, run, "phase.commit_failed"), 1);
	assert_non_null(strstr(h_last_payload(h, run, "phase.commit_failed"), "\"error\":"));
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	/* Recorded: a restart does not commit it again. */
	h_restart(h, 0);
	assert_int_equal(h->ncommits, 0);
	free(git);
	free(aside);
}

/* A commit the host cannot start: phase.commit_failed with why, and the run goes on. */
static void
test_commit_not_started(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->commits_refuse = 1;
	start_past_plan(h, run);
	assert_int_equal(h_count_events(h, run, "phase.commit_failed"), 2);
	assert_non_null(
	    strstr(h_last_payload(h, run, "phase.commit_failed"), "no thread for the commit"));
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(branch_commits(h, run), 0);
}

/* A host without commit_start: the engine commits in its own step. */
static void
test_host_without_commit_runner(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h->no_check_runner = 1;
	h_engine(h);
	start_past_plan(h, run);
	approve(h, run);
	assert_string_equal(h_run_state(h, run), "completed");
	assert_int_equal(h->commits_started, 0);
	assert_int_equal(h_count_events(h, run, "phase.committed"), 3);
	assert_int_equal(branch_commits(h, run), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commits_made_at_once, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_next_phase_waits_for_the_commit, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_run_completes_after_its_last_commit, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_restart_before_the_commit, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_restart_after_the_commit, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_pause_while_committing, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_while_committing, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_self_check_while_committing, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_commit_failure_goes_on, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_commit_not_started, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_host_without_commit_runner, h_setup,
		                                h_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
