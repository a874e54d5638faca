/*
 * Checks devflow runs itself (docs/engine.md "Checks") and review rounds
 * (docs/engine.md "Review rounds"), on the engine harness: a real store and
 * git repository, a fake clock, a scripted driver, and real commands run by
 * the real check runner (checkrun_exec) in the run's worktree.
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

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/xalloc.h"
#include "engine_harness.h"

/* A plan whose implement phase carries checks (a JSON array text) and options. */
static char *
plan_with(const char *checks, const char *impl_more, const char *review_more)
{
	return xasprintf(
	    "{\"summary\":\"Do it.\",\"phases\":["
	    "{\"key\":\"implement\",\"title\":\"Implement it\",\"roles\":[\"implementer\"],"
	    "\"expectedArtifact\":{\"path\":\"change-summary.json\",\"schema\":\"dev/"
	    "change-summary@1\"},\"gates\":[]%s%s%s},"
	    "{\"key\":\"review\",\"title\":\"Review it\",\"roles\":[\"reviewer\"],"
	    "\"expectedArtifact\":{\"path\":\"review.json\",\"schema\":\"dev/review-findings@1\"},"
	    "\"gates\":[\"final_review\"]%s}]}",
	    checks ? ",\"checks\":" : "", checks ? checks : "", impl_more ? impl_more : "",
	    review_more ? review_more : "");
}

static void
approve(struct harness *h, const char *run, const char *token)
{
	h_must_decide(h, run, ENGINE_APPROVE, token, "alice", NULL);
}

/* Start, get the plan (plan text) approved: the implement phase begins. */
static void
start_past_plan(struct harness *h, const char *plan, const char *extra, char run[ENGINE_ID_MAX])
{
	h_script(h, "plan", plan, H_IDLE);
	h_must_start(h, extra, run);
	assert_string_equal(h_phase_state(h, run, "plan"), "awaiting_approval");
	approve(h, run, "p1");
}

/* The value of key in the run's last event of type (number), or -999 when absent. */
static double
last_num(struct harness *h, const char *run, const char *type, const char *key)
{
	cJSON *o = cJSON_Parse(h_last_payload(h, run, type));
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double d = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsBool(v) ? cJSON_IsTrue(v) : -999;

	cJSON_Delete(o);
	return d;
}

static char *
last_str(struct harness *h, const char *run, const char *type, const char *key)
{
	cJSON *o = cJSON_Parse(h_last_payload(h, run, type));
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *s = xstrdup(cJSON_IsString(v) ? v->valuestring : "");

	cJSON_Delete(o);
	return s;
}

/* The run's final report (it has ended), parsed; the caller deletes it. */
static cJSON *
report_of(struct harness *h, const char *run)
{
	char *path = xasprintf("%s/%s/%s.report.json", h->ws, run, run);
	char *text = buf_file_text(path, 1 << 20);
	cJSON *r;

	assert_non_null(text);
	r = cJSON_Parse(text);
	assert_non_null(r);
	free(text);
	free(path);
	return r;
}

/* How many of the report's commands have source src (and, for devflow, passed). */
static int
report_commands_from(const cJSON *r, const char *src, int passed)
{
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "commands"))
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "source");

		if (cJSON_IsString(s) && strcmp(s->valuestring, src) == 0 &&
		    (passed < 0 ||
		     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "passed")) == passed))
			n++;
	}
	return n;
}

static void
test_check_passes_phase_goes_on(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with(
	        "[{\"name\":\"greet\",\"argv\":[\"sh\",\"-c\",\"echo hello from the check\"]}]",
	        NULL, NULL),
	    *out, *text;

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h_count_events(h, run, "check.started"), 1);
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	assert_int_equal(h_count_events(h, run, "check.failed"), 0);
	assert_true(last_num(h, run, "check.passed", "exitCode") == 0);
	out = last_str(h, run, "check.passed", "outputPath");
	assert_non_null(strstr(out, "/checks/implement.1.0.greet.log"));
	text = buf_file_text(out, 4096);
	assert_non_null(text);
	assert_string_equal(text, "hello from the check\n");
	free(text);
	free(out);
	out = last_str(h, run, "check.passed", "tail");
	assert_string_equal(out, "hello from the check\n");
	free(out);
	approve(h, run, "f1");
	assert_string_equal(h_run_state(h, run), "completed");
	assert_int_equal(h->step_failures, 0);
	free(plan);
}

/* A check that fails until the agent writes "fixed" in the worktree. */
#define FIXABLE                                                                                    \
	"[{\"name\":\"make-test\",\"argv\":[\"sh\",\"-c\",\"test -f fixed || { echo 'FAIL: "       \
	"greeting is wrong'; exit 3; }\"]}]"

static void
test_check_fails_agent_repairs_it(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *plan = plan_with(FIXABLE, NULL, NULL);
	const char *repair;

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script_fix(h, "implement", H_CHANGE_OK, "fixed", "yes\n", H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	/* The repair prompt: the command, how it ended, the tail of its output. */
	repair = h->texts[h->ntexts - 2];
	assert_non_null(strstr(repair, "devflow phase: implement"));
	assert_non_null(strstr(repair, "Check failures:\n- make-test: `sh -c test -f fixed"));
	assert_non_null(strstr(repair, "exited with status 3"));
	assert_non_null(strstr(repair, "```text\nFAIL: greeting is wrong\n```"));
	assert_null(strstr(repair, "Validation errors:"));
	assert_int_equal(h_count_events(h, run, "check.failed"), 1);
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	assert_true(last_num(h, run, "check.failed", "exitCode") == 3);
	assert_true(last_num(h, run, "check.passed", "repair") == 1);
	/* status: the check as it stands, with how its last run ended. */
	{
		char *json = NULL;
		struct df_error err;
		cJSON *st, *c;

		assert_int_equal(engine_status(h->e, run, &json, &err), 0);
		st = cJSON_Parse(json);
		c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "checks"), 0);
		assert_non_null(c);
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "checks")),
		                 1);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "state")->valuestring,
		                    "passed");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring,
		                    "make-test");
		assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(c, "how")->valuestring,
		                       "exited with status 0"));
		cJSON_Delete(st);
		free(json);
	}
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_int_equal(h_phase_attempts(h, run, "implement"), 1);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h->step_failures, 0);
	/* The report: the agent's commands and devflow's, each with its source. */
	approve(h, run, "f1");
	{
		cJSON *r = report_of(h, run);

		assert_int_equal(report_commands_from(r, "agent", -1), 2);
		assert_int_equal(report_commands_from(r, "devflow", 0), 1);
		assert_int_equal(report_commands_from(r, "devflow", 1), 1);
		cJSON_Delete(r);
	}
	free(plan);
}

static void
test_check_fails_past_repairs_fails_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *plan = plan_with(FIXABLE, ",\"maxRepairs\":1", NULL);

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	/* Idle at once, without the artifact back: the checks do not run again yet. */
	h_script(h, "implement", NULL, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_int_equal(h_count_events(h, run, "check.failed"), 1);
	assert_string_equal(h_phase_state(h, run, "implement"), "awaiting_artifact");
	assert_non_null(strstr(h_last_text(h), "then write the artifact again (devflow moved it "
	                                       "aside)"));
	{
		/* The artifact was moved aside for the repair; it comes back unchanged. */
		char *art = h_worktree_file(h, run, "change-summary.json");
		struct stat sb;

		assert_int_not_equal(stat(art, &sb), 0);
		h_write(art, H_CHANGE_OK);
		engine_artifact_event(h->e, run, art);
		free(art);
	}
	assert_string_equal(h_run_state(h, run), "failed");
	assert_string_equal(h_phase_state(h, run, "implement"), "failed");
	assert_int_equal(h_count_events(h, run, "check.failed"), 2);
	assert_non_null(strstr(h_last_payload(h, run, "run.failed"), "check_failed"));
	free(plan);
}

static void
test_check_fails_past_repairs_opens_gate(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with(FIXABLE, ",\"maxRepairs\":0,\"onCheckFailure\":\"gate\"", NULL);

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_string_equal(h_run_state(h, run), "awaiting_approval");
	assert_string_equal(h_phase_state(h, run, "implement"), "awaiting_approval");
	assert_non_null(
	    strstr(h_last_payload(h, run, "approval.requested"), "\"failedCheck\":\"make-test\""));
	assert_non_null(
	    strstr(h_last_payload(h, run, "approval.requested"), "\"gateKey\":\"check_failed\""));
	/* The person lets it through: the run goes on to the review. */
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	approve(h, run, "g1");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	free(plan);
}

static void
test_check_timeout_and_flood_are_cut(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *out,
	    *plan = plan_with("[{\"name\":\"hang\",\"argv\":[\"sh\",\"-c\",\"echo started; exec "
	                      "sleep 60\"],\"timeoutMs\":1000,\"required\":false},"
	                      "{\"name\":\"flood\",\"argv\":[\"sh\",\"-c\",\"yes "
	                      "0123456789 | head -c 3000000; echo; echo last line\"]}]",
	                      NULL, NULL);
	struct stat sb;
	cJSON *o;

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	/* The hanging one was killed at its timeout; optional, so the phase went on. */
	assert_int_equal(h_count_events(h, run, "check.failed"), 1);
	o = cJSON_Parse(h_last_payload(h, run, "check.failed"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "timedOut")));
	assert_true(cJSON_GetObjectItemCaseSensitive(o, "durationMs")->valuedouble < 10000);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "tail")->valuestring, "started\n");
	cJSON_Delete(o);
	/* The flood passed, its output kept to the cap with a note. */
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	assert_true(last_num(h, run, "check.passed", "capped") == 1);
	assert_true(last_num(h, run, "check.passed", "outputBytes") > 3000000);
	out = last_str(h, run, "check.passed", "outputPath");
	assert_int_equal(stat(out, &sb), 0);
	assert_true(sb.st_size > (1 << 20) && sb.st_size < (1 << 20) + 200);
	free(out);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	free(plan);
}

/* The repository's checks (the run's extra "checks") apply to its change-summary phases. */
static void
test_repo_checks_from_extra(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	const char *extra = "{\"checks\":" FIXABLE "}";

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script_fix(h, "implement", H_CHANGE_OK, "fixed", "yes\n", H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, H_PLAN_OK, extra, run);
	assert_int_equal(h_count_events(h, run, "check.failed"), 1);
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	/* Only the change-summary phase ran them: not the plan, not the review. */
	assert_int_equal(h_count_events(h, run, "check.started"), 2);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
}

/* A server killed while a check ran: the recovering server runs it again. */
static void
test_check_running_at_restart_runs_again(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with("[{\"name\":\"ok\",\"argv\":[\"true\"]}]", NULL, NULL), *cause;

	h->checks_hold = 1;
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "validating");
	assert_int_equal(h_count_events(h, run, "check.started"), 1);
	assert_int_equal(h->nchecks, 1);
	h->checks_hold = 0;
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_restart(h, 0);
	assert_int_equal(h_count_events(h, run, "check.started"), 2);
	cause = last_str(h, run, "check.started", "cause");
	assert_string_equal(cause, "rerun");
	free(cause);
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	free(plan);
}

/* The self-check finds a validating phase whose check runs nowhere, and runs it. */
static void
test_self_check_reruns_lost_check(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with("[{\"name\":\"ok\",\"argv\":[\"true\"]}]", NULL, NULL);
	struct df_error err;
	int found = 0;

	h->checks_hold = 1;
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "validating");
	/* Driven while it runs. */
	assert_int_equal(engine_self_check(h->e, &found, &err), 0);
	assert_int_equal(found, 0);
	/*
	 * A new engine on the same store (sessions alive, no recovery): the
	 * old engine's check reports to it, which ignores a check it never ran.
	 */
	h_engine(h);
	h->checks_hold = 0;
	assert_int_equal(h_run_checks(h), 1);
	assert_string_equal(h_phase_state(h, run, "implement"), "validating");
	assert_int_equal(h_count_events(h, run, "check.passed"), 0);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	assert_int_equal(engine_self_check(h->e, &found, &err), 0);
	assert_int_equal(found, 1);
	assert_non_null(strstr(h->stranded_what, "checks ran in no process"));
	assert_string_equal(h_phase_state(h, run, "implement"), "completed");
	free(plan);
}

/* A check that ends while its run is paused counts for nothing; resuming runs it again. */
static void
test_check_result_while_paused_runs_again(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with("[{\"name\":\"ok\",\"argv\":[\"true\"]}]", NULL, NULL);

	h->checks_hold = 1;
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_string_equal(h_phase_state(h, run, "implement"), "validating");
	h_must_pause(h, run);
	assert_int_equal(h_run_checks(h), 1);
	assert_int_equal(h_count_events(h, run, "check.passed"), 0);
	h->checks_hold = 0;
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_must_resume(h, run);
	assert_int_equal(h_count_events(h, run, "check.started"), 2);
	assert_int_equal(h_count_events(h, run, "check.passed"), 1);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	free(plan);
}

/* An aborted run's running check is stopped, not left to run to its timeout. */
static void
test_abort_stops_the_running_check(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with("[{\"name\":\"ok\",\"argv\":[\"true\"]}]", NULL, NULL);
	struct df_error err;

	h->checks_hold = 1;
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	assert_int_equal(h->nchecks, 1);
	assert_int_equal(engine_abort(h->e, run, "enough", &err), 0);
	assert_int_equal(h->checks_cancelled, 1);
	assert_int_equal(h->nchecks, 0);
	assert_string_equal(h_run_state(h, run), "aborted");
	free(plan);
}

static void
test_no_check_runner_fails_check_clearly(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX],
	    *plan = plan_with("[{\"name\":\"ok\",\"argv\":[\"true\"]}]", ",\"maxRepairs\":0", NULL),
	    *why;

	h->no_check_runner = 1;
	h_engine(h);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	why = last_str(h, run, "check.failed", "error");
	assert_string_equal(why, "this server runs no checks");
	free(why);
	assert_string_equal(h_run_state(h, run), "failed");
	free(plan);
}

/* Commit devflow.json with content on the harness repository's main. */
static void
commit_devflow_json(struct harness *h, const char *content)
{
	char *path = xasprintf("%s/devflow.json", h->repo), *cmd;

	h_write(path, content);
	cmd = xasprintf("git -C '%s' add devflow.json && git -C '%s' -c user.name=t -c "
	                "user.email=t@example.org commit -q -m config",
	                h->repo, h->repo);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* devflow.json on the base branch declares the repository's test command. */
static void
test_devflow_json_checks_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *name;

	commit_devflow_json(h, "{\"checks\":[{\"name\":\"unit\",\"argv\":[\"sh\",\"-c\","
	                       "\"test -f devflow.json\"],\"timeoutMs\":60000}]}\n");
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, H_PLAN_OK, "{\"checks\":[{\"name\":\"lint\",\"argv\":[\"true\"]}]}",
	                run);
	/* The start's own (--check) first, then the repository's. */
	assert_int_equal(h_count_events(h, run, "check.passed"), 2);
	name = last_str(h, run, "check.passed", "name");
	assert_string_equal(name, "unit");
	free(name);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
}

static void
test_bad_devflow_json_refuses_the_start(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	struct df_error err;

	commit_devflow_json(h, "{\"checks\":[{\"name\":\"unit\",\"argv\":[]}]}\n");
	assert_int_equal(h_start(h, NULL, run, &err), -1);
	assert_non_null(strstr(err.message, "devflow.json (on main): /checks/0/argv"));
	/* A bad --check is refused the same way, naming where it came from. */
	commit_devflow_json(h, "{}\n");
	assert_int_equal(
	    h_start(h, "{\"checks\":[{\"name\":\"a b\",\"argv\":[\"x\"]}]}", run, &err), -1);
	assert_non_null(strstr(err.message, "the run's checks (--check): /checks/0/name"));
	commit_devflow_json(h, "{\"checks\":[{\"name\":\"u\",\"argv\":[\"x\"],\"cwd\":"
	                       "\"../up\"}]}\n");
	assert_int_equal(h_start(h, NULL, run, &err), -1);
	assert_non_null(strstr(err.message, "/checks/0/cwd"));
}

/* ---- review rounds ------------------------------------------------------- */

static const char REVIEW_CHANGES[] =
    "{\"verdict\":\"changes_requested\",\"summary\":\"The empty name crashes.\","
    "\"findings\":[{\"severity\":\"major\",\"message\":\"handle the empty name\","
    "\"file\":\"src/greet.c\",\"line\":7},{\"severity\":\"info\",\"message\":\"nice "
    "tests\"}]}";

/* The text sent for the n-th attempt of phase key (1-based), or NULL. */
static const char *
text_of(struct harness *h, const char *key, int attempt)
{
	char *head = xasprintf("devflow phase: %s ", key),
	     *att = xasprintf("Attempt: %d\n", attempt);
	const char *found = NULL;

	for (size_t i = 0; i < h->ntexts && found == NULL; i++)
		if (strncmp(h->texts[i], head, strlen(head)) == 0 && strstr(h->texts[i], att))
			found = h->texts[i];
	free(head);
	free(att);
	return found;
}

static void
test_review_finding_reaches_implementer_then_passes(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	const char *again;

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", REVIEW_CHANGES, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, H_PLAN_OK, NULL, run);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h_phase_attempts(h, run, "implement"), 2);
	assert_int_equal(h_phase_attempts(h, run, "review"), 2);
	assert_int_equal(h_count_events(h, run, "review.round"), 1);
	assert_non_null(strstr(h_last_payload(h, run, "review.round"), "\"round\":1"));
	assert_non_null(strstr(h_last_payload(h, run, "review.round"), "\"cause\":\"review\""));
	again = text_of(h, "implement", 2);
	assert_non_null(again);
	assert_non_null(strstr(again, "Review findings:\nThe review (review) asks for changes: The "
	                              "empty name crashes.\n"
	                              "- [major] src/greet.c:7: handle the empty name\n"
	                              "- [info] nice tests\n"));
	/* The first attempt had none; the second review none either. */
	assert_null(strstr(text_of(h, "implement", 1), "Review findings:"));
	assert_null(strstr(text_of(h, "review", 2), "Review findings:"));
	assert_int_equal(h_count_events(h, run, "approval.requested"), 2);
	approve(h, run, "f1");
	assert_string_equal(h_run_state(h, run), "completed");
	assert_int_equal(h->step_failures, 0);
	{
		cJSON *r = report_of(h, run), *rr;

		char *mdp = xasprintf("%s/%s/%s.report.md", h->ws, run, run);
		char *md = buf_file_text(mdp, 1 << 20);

		/* The Markdown report says who sent what back, and why. */
		assert_non_null(md);
		assert_non_null(strstr(md,
		                       "## Review rounds\n\n- round 1: review sent implement back "
		                       "(2 findings): The empty name crashes.\n"));
		free(md);
		free(mdp);
		rr = cJSON_GetObjectItemCaseSensitive(r, "reviewRounds");
		assert_int_equal(cJSON_GetArraySize(rr), 1);
		assert_string_equal(
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rr, 0), "targetPhaseKey")
		        ->valuestring,
		    "implement");
		cJSON_Delete(r);
	}
}

static void
test_review_rounds_stop_at_the_limit(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *plan = plan_with(NULL, NULL, ",\"maxReviewRounds\":1");

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", REVIEW_CHANGES, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", REVIEW_CHANGES, H_IDLE);
	start_past_plan(h, plan, NULL, run);
	/* One round, then the person decides on the second changes_requested. */
	assert_int_equal(h_count_events(h, run, "review.round"), 1);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h_phase_attempts(h, run, "review"), 2);
	free(plan);
}

static void
test_change_request_at_final_gate_reaches_implementer(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];
	const char *again;

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	start_past_plan(h, H_PLAN_OK, NULL, run);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_must_decide(h, run, ENGINE_REQUEST_CHANGES, "rc1", "bob", "Say hello, not hi.");
	again = text_of(h, "implement", 2);
	assert_non_null(again);
	assert_non_null(strstr(again, "Reviewer comment:\nSay hello, not hi.\n"));
	assert_non_null(strstr(text_of(h, "review", 2), "Reviewer comment:\nSay hello, not hi.\n"));
	assert_non_null(strstr(h_last_payload(h, run, "review.round"), "\"cause\":\"human\""));
	assert_non_null(strstr(h_last_payload(h, run, "review.round"), "\"actor\":\"bob\""));
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	approve(h, run, "f2");
	assert_string_equal(h_run_state(h, run), "completed");
}

/* The template's maxReviewRounds holds for the review phases its plans add. */
static void
test_template_max_review_rounds(void **state)
{
	struct harness *h = *state;
	static const char def[] =
	    "{\"name\":\"development\",\"version\":2,\"description\":\"d\","
	    "\"roles\":[\"planner\",\"implementer\",\"reviewer\"],\"maxReviewRounds\":0,"
	    "\"phases\":[{\"key\":\"plan\",\"title\":\"Plan the work\",\"roles\":[\"planner\"],"
	    "\"expectedArtifact\":{\"path\":\"plan.json\",\"schema\":\"dev/phase-plan@1\"},"
	    "\"gates\":[\"plan_review\"]}]}";
	cJSON *j = cJSON_Parse(def);
	char hash[CANON_HASH_HEX], run[ENGINE_ID_MAX];
	struct store_catalog_entry t = { .name = "development",
		                         .version = 2,
		                         .hash = hash,
		                         .definition = (char *)def,
		                         .source = "test" };
	struct engine_start_request req = { 0 };
	struct df_error err;

	canon_hash(j, hash);
	cJSON_Delete(j);
	assert_int_equal(store_catalog_put(h->st, STORE_CATALOG_TEMPLATE, &t, NULL, &err), 0);
	h_fake_request(&req, h->repo, "main");
	req.template_name = "development";
	req.template_version = 2;
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", REVIEW_CHANGES, H_IDLE);
	if (engine_start(h->e, &req, run, &err) != 0)
		fail_msg("start: %s", err.message);
	approve(h, run, "p1");
	/* No round: the review's changes_requested goes straight to the person. */
	assert_int_equal(h_count_events(h, run, "review.round"), 0);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
	assert_int_equal(h_phase_attempts(h, run, "implement"), 1);
}

/* A server killed after a round: the implementer's restarted attempt still has the findings. */
static void
test_review_round_survives_restart(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX];

	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", REVIEW_CHANGES, H_IDLE);
	h_script(h, "implement", NULL, H_NONE); /* the agent is working when the server dies */
	start_past_plan(h, H_PLAN_OK, NULL, run);
	assert_int_equal(h_phase_attempts(h, run, "implement"), 2);
	assert_string_equal(h_phase_state(h, run, "implement"), "awaiting_artifact");
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	h_restart(h, 0);
	assert_int_equal(h_phase_attempts(h, run, "implement"), 3);
	assert_non_null(strstr(text_of(h, "implement", 3), "- [major] src/greet.c:7: handle"));
	assert_int_equal(h_count_events(h, run, "review.round"), 1);
	assert_string_equal(h_phase_state(h, run, "review"), "awaiting_approval");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_passes_phase_goes_on, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_check_fails_agent_repairs_it, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_check_fails_past_repairs_fails_run, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_check_fails_past_repairs_opens_gate, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_check_timeout_and_flood_are_cut, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_repo_checks_from_extra, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_check_running_at_restart_runs_again, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_self_check_reruns_lost_check, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_check_result_while_paused_runs_again, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_abort_stops_the_running_check, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_no_check_runner_fails_check_clearly, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_devflow_json_checks_run, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_bad_devflow_json_refuses_the_start, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_review_finding_reaches_implementer_then_passes,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_review_rounds_stop_at_the_limit, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(
		    test_change_request_at_final_gate_reaches_implementer, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_template_max_review_rounds, h_setup,
		                                h_teardown),
		cmocka_unit_test_setup_teardown(test_review_round_survives_restart, h_setup,
		                                h_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
