/*
 * The rebase follow-up in the engine (engine-rebase.c), on the harness's
 * real store and git repository: engine_rebase_start refuses a run that is
 * not completed, starts a run of the rebase template on a branch at the
 * run's tip with the run's implementer, links the two both ways, answers
 * again with the same run while it is active, refuses once it completed;
 * and a landing of a follow-up of a follow-up records the whole chain as
 * landed through it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "engine/land.h"
#include "engine/worktree.h"
#include "lib/xalloc.h"
#include "engine_harness.h"

static void
approve(struct harness *h, const char *run)
{
	char req[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_pending_approval(h, run, req), 1);
	if (engine_decide(h->e, run, req, ENGINE_APPROVE, req, "alice", NULL, NULL, &err) != 0)
		fail_msg("approve: %s", err.message);
}

/* A development run through both gates to completed. */
static void
complete_run(struct harness *h, char run[ENGINE_ID_MAX])
{
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_must_start(h, NULL, run);
	approve(h, run);
	approve(h, run);
	assert_string_equal(h_run_state(h, run), "completed");
}

/* The commit a branch of the harness's repository points at. */
static char *
tip(struct harness *h, const char *branch)
{
	char *cmd = xasprintf("git -C '%s' rev-parse '%s'", h->repo, branch), line[128] = "";
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	pclose(p);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

static void
test_rebase_follow_up(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], follow[ENGINE_ID_MAX], again[ENGINE_ID_MAX], id[ENGINE_ID_MAX];
	char *want, *got, *branch;
	struct df_error err;
	struct store_run_inputs in;
	int already = -1;

	complete_run(h, run);
	h_script(h, "rebase", H_CHANGE_OK, H_IDLE);
	assert_int_equal(
	    engine_rebase_start(h->e, run, "NOTES.md, b.txt", "alice", follow, &already, &err), 0);
	assert_int_equal(already, 0);
	assert_string_not_equal(follow, run);
	assert_string_equal(h_phase_state(h, follow, "rebase"), "awaiting_approval");
	/* Its branch started at the run's tip, not at main. */
	branch = worktree_branch_name(run);
	want = tip(h, branch);
	free(branch);
	branch = xasprintf("devflow/%s/main~0", follow);
	got = tip(h, branch);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(branch);
	/* What to do, where, and the links both ways. */
	assert_int_equal(store_run_inputs_get(h->st, follow, &in, NULL), 1);
	assert_non_null(strstr(in.requirements_md, "(`git merge main`)"));
	assert_non_null(strstr(in.requirements_md, "conflicts in: NOTES.md, b.txt."));
	assert_non_null(strstr(in.objective, "\"conflicts\":[\"NOTES.md\",\"b.txt\"]"));
	store_run_inputs_clear(&in);
	assert_non_null(
	    strstr(h_last_payload(h, follow, "run.created"), "\"templateName\":\"rebase\""));
	assert_int_equal(engine_rebase_origin(h->e, follow, id, &err), 1);
	assert_string_equal(id, run);
	assert_int_equal(engine_rebase_followup(h->e, run, id, &err), 1);
	assert_string_equal(id, follow);
	assert_non_null(
	    strstr(h_last_payload(h, run, "run.rebase_started"), "\"actor\":\"alice\""));
	assert_string_equal(h_run_state(h, run), "completed"); /* never reopened */

	/* Asked again while it is active: the same run, nothing new. */
	assert_int_equal(engine_rebase_start(h->e, run, "NOTES.md", "bob", again, &already, &err),
	                 0);
	assert_int_equal(already, 1);
	assert_string_equal(again, follow);
	assert_int_equal(h_count_events(h, run, "run.rebase_started"), 1);

	/* Completed, it is to be landed, not started again. */
	approve(h, follow);
	assert_string_equal(h_run_state(h, follow), "completed");
	assert_int_equal(engine_rebase_start(h->e, run, "NOTES.md", "bob", again, &already, &err),
	                 -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	assert_non_null(strstr(err.message, "land that one"));
}

static void
test_rebase_refusals_and_chain(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], f1[ENGINE_ID_MAX], f2[ENGINE_ID_MAX], commit[ENGINE_ID_MAX];
	char via[ENGINE_ID_MAX];
	struct engine_land_record rec = { .type = "run.landed",
		                          .actor = "carol",
		                          .mode = "auto",
		                          .how = "fast-forward",
		                          .commit = "c0ffee" };
	struct df_error err;
	int already;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_must_start(h, NULL, run);
	assert_int_equal(engine_rebase_start(h->e, run, "x", "alice", f1, &already, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_STATE_CHANGED);
	assert_non_null(strstr(err.message, "is awaiting_approval"));
	assert_int_equal(engine_rebase_start(h->e, "nope", "x", "alice", f1, &already, &err), -1);
	assert_int_equal(err.code, DF_E_RUN_NOT_FOUND);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	approve(h, run);
	approve(h, run);

	/* A follow-up of a follow-up: landing the last lands the chain, via it. */
	h_script(h, "rebase", H_CHANGE_OK, H_IDLE);
	assert_int_equal(engine_rebase_start(h->e, run, "a", "alice", f1, &already, &err), 0);
	approve(h, f1);
	h_script(h, "rebase", H_CHANGE_OK, H_IDLE);
	assert_int_equal(engine_rebase_start(h->e, f1, "a", "alice", f2, &already, &err), 0);
	approve(h, f2);
	assert_int_equal(engine_landed_via(h->e, run, commit, via, &err), 0);
	assert_int_equal(engine_record_land(h->e, f2, &rec, &err), 0);
	assert_int_equal(engine_landed_via(h->e, f2, commit, via, &err), 1);
	assert_string_equal(via, "");
	assert_int_equal(engine_landed_via(h->e, f1, commit, via, &err), 1);
	assert_string_equal(via, f2);
	assert_int_equal(engine_landed_via(h->e, run, commit, via, &err), 1);
	assert_string_equal(via, f2);
	assert_string_equal(commit, "c0ffee");
	/* Recorded again (a replay): nothing more. */
	assert_int_equal(engine_record_land(h->e, f2, &rec, &err), 0);
	assert_int_equal(h_count_events(h, run, "run.landed"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup, h_teardown)
		T(test_rebase_follow_up),
		T(test_rebase_refusals_and_chain),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
