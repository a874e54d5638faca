/*
 * Final reports (report.c) from real runs on the engine test bench: the JSON
 * validates against common/final-report@1 and carries what the run did; the
 * Markdown shows phases, approvals with who decided and their comments,
 * findings, commands with exit codes and artifacts with their hashes.
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

#include "engine/report.h"
#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/xalloc.h"
#include "engine_harness.h"

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	return buf_detach(&b);
}

/* A full development run with one change request; returns the run id. */
static void
full_run(struct harness *h, char run[ENGINE_ID_MAX])
{
	struct df_error err;

	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "plan", H_PLAN_OK, H_IDLE);
	h_script(h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(h, "review", H_REVIEW_OK, H_IDLE);
	assert_int_equal(h_start(h, NULL, run, &err), 0);
	h_must_decide(h, run, ENGINE_REQUEST_CHANGES, "c1", "uid:1000 (bob)",
	              "Name the files you will touch.");
	h_must_decide(h, run, ENGINE_APPROVE, "c2", "uid:1000 (bob)", "Good now.");
	h_must_decide(h, run, ENGINE_APPROVE, "c3", "uid:1001 (alice)", NULL);
	assert_string_equal(h_run_state(h, run), "completed");
}

static void
test_report_json_validates_and_carries_the_run(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path, *text, hash[CANON_HASH_HEX];
	struct schema_errors se = { 0 };
	struct df_error err;
	const cJSON *a, *x;
	cJSON *doc;

	full_run(h, run);
	path = xasprintf("%s/%s/%s.report.json", h->ws, run, run);
	text = slurp(path);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	assert_int_equal(
	    schema_validate(catalog_registry(h->cat), "common/final-report@1", doc, &se, &err), 1);
	assert_string_equal(cJSON_GetObjectItem(doc, "runId")->valuestring, run);
	assert_string_equal(cJSON_GetObjectItem(doc, "status")->valuestring, "completed");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "bindings")), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "phases")), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "unresolved")), 0);
	/* Approvals with their decisions: action, actor, comment. */
	a = cJSON_GetObjectItem(doc, "approvals");
	assert_int_equal(cJSON_GetArraySize(a), 3);
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "decisions"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "action")->valuestring, "request_changes");
	assert_string_equal(cJSON_GetObjectItem(x, "actor")->valuestring, "uid:1000 (bob)");
	assert_string_equal(cJSON_GetObjectItem(x, "comment")->valuestring,
	                    "Name the files you will touch.");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "state")->valuestring,
	                    "changes_requested");
	/* Findings and commands from the artifacts. */
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "severity")->valuestring, "minor");
	assert_int_equal(cJSON_GetObjectItem(x, "line")->valueint, 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "commands")), 2);
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "commands"), 1);
	assert_string_equal(cJSON_GetObjectItem(x, "kind")->valuestring, "lint");
	assert_int_equal(cJSON_GetObjectItem(x, "exit_code")->valueint, 2);
	/* Artifacts with the hash of their bytes. */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "artifacts")), 4);
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "artifacts"), 2);
	assert_string_equal(cJSON_GetObjectItem(x, "path")->valuestring, "change-summary.json");
	canon_sha256_hex(H_CHANGE_OK, strlen(H_CHANGE_OK), hash);
	assert_string_equal(cJSON_GetObjectItem(x, "hash")->valuestring, hash);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(x, "valid")));
	/* The inputs and the event tail. */
	x = cJSON_GetObjectItem(doc, "inputs");
	assert_string_equal(cJSON_GetObjectItem(x, "requirementsMd")->valuestring,
	                    "# Add a greeting\n\nPrint hello.\n");
	assert_int_equal(strlen(cJSON_GetObjectItem(x, "inputHash")->valuestring), 64);
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "events"), "tail");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(x, cJSON_GetArraySize(x) - 1), "type")
	        ->valuestring,
	    "run.completed");
	cJSON_Delete(doc);
	free(text);
	free(path);
}

static void
test_report_markdown_shows_approvals_with_comments(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path, *md, hash[CANON_HASH_HEX];

	full_run(h, run);
	path = xasprintf("%s/%s/%s.report.md", h->ws, run, run);
	md = slurp(path);
	assert_non_null(strstr(md, "# devflow run "));
	assert_non_null(strstr(md, "- Status: **completed**\n"));
	assert_non_null(strstr(md, "## Phases\n"));
	assert_non_null(strstr(md, "| 1 | plan | completed | 2 | 0 |\n"));
	assert_non_null(strstr(md, "- Gate **plan_review** (phase plan): changes_requested\n"));
	assert_non_null(strstr(md, "  - request_changes by uid:1000 (bob) at "));
	assert_non_null(strstr(md, "    > Name the files you will touch.\n"));
	assert_non_null(strstr(md, "    > Good now.\n"));
	assert_non_null(strstr(md, "- Gate **final_review** (phase review): approved\n"));
	assert_non_null(strstr(md, "  - approve by uid:1001 (alice) at "));
	assert_non_null(strstr(md, "- [minor] `src/a.c:3` rename x\n"));
	assert_non_null(strstr(md, "- test: `make check` exit 0\n"));
	assert_non_null(strstr(md, "- lint: `make format-check` exit 2\n"));
	canon_sha256_hex(H_REVIEW_OK, strlen(H_REVIEW_OK), hash);
	assert_non_null(strstr(md, hash));
	assert_non_null(strstr(md, "## Unresolved\n\nNothing.\n"));
	free(md);
	free(path);
}

static void
test_report_of_failed_run_lists_unresolved(void **state)
{
	struct harness *h = *state;
	char run[ENGINE_ID_MAX], *path, *md;
	struct df_error err;

	assert_int_equal(h_start(h, NULL, run, &err), 0);
	h_advance(h, ENGINE_DEFAULT_PHASE_TIMEOUT_MS);
	assert_string_equal(h_run_state(h, run), "failed");
	path = xasprintf("%s/%s/%s.report.md", h->ws, run, run);
	md = slurp(path);
	assert_non_null(strstr(md, "- Status: **failed**\n"));
	assert_non_null(strstr(md, "- phase plan is failed\n"));
	free(md);
	free(path);
}

static void
test_report_markdown_rejects_non_objects(void **state)
{
	(void)state;
	assert_null(report_markdown("[]"));
	assert_null(report_markdown("not json"));
	assert_null(report_markdown(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_json_validates_and_carries_the_run,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_report_markdown_shows_approvals_with_comments,
		                                h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_report_of_failed_run_lists_unresolved, h_setup,
		                                h_teardown),
		cmocka_unit_test(test_report_markdown_rejects_non_objects),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
