/*
 * Phase instructions (instructions.c) follow docs/instructions.md exactly:
 * the header lines, the optional Scenario line, the sections in order, the
 * reviewer comment and validation errors only when there are some, and the
 * schema as the last fenced json block.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/instructions.h"

static void
test_instructions_first_attempt(void **state)
{
	struct instructions_input in = {
		.phase_key = "plan",
		.phase_title = "Plan the work",
		.run_id = "r1",
		.role_id = "planner",
		.persona_name = "planner",
		.persona_version = 1,
		.attempt = 1,
		.artifact_path = "plan.json",
		.artifact_schema = "dev/phase-plan@1",
		.requirements_md = "# Title\n\nBody.\n",
		.persona_instructions = "You plan.",
		.schema_text = "{\n\t\"type\": \"object\"\n}",
	};
	char *t = instructions_compose(&in);

	(void)state;
	assert_string_equal(t, "devflow phase: plan \xe2\x80\x94 Plan the work\n"
	                       "Run: r1\n"
	                       "Role: planner (persona planner@1)\n"
	                       "Attempt: 1\n"
	                       "Artifact path: plan.json\n"
	                       "Artifact schema: dev/phase-plan@1\n"
	                       "\n"
	                       "Requirements:\n"
	                       "# Title\n\nBody.\n"
	                       "\n"
	                       "Instructions:\n"
	                       "You plan.\n"
	                       "\n"
	                       "Schema:\n"
	                       "```json\n"
	                       "{\n\t\"type\": \"object\"\n}\n"
	                       "```\n"
	                       "\n"
	                       "When you are done, write the artifact as JSON to the artifact "
	                       "path.\n");
	free(t);
}

static void
test_instructions_repair_with_comment_and_scenario(void **state)
{
	static const char *const errors[] = { "/summary: too short", ": not valid JSON" };
	struct instructions_input in = {
		.phase_key = "review",
		.phase_title = "Review it",
		.run_id = "r2",
		.role_id = "reviewer#2",
		.persona_name = "reviewer",
		.persona_version = 3,
		.attempt = 2,
		.artifact_path = "out/review.json",
		.artifact_schema = "dev/review-findings@1",
		.scenario = "invalid",
		.requirements_md = "R",
		.persona_instructions = "I\n",
		.reviewer_comment = "Check the tests.",
		.validation_errors = errors,
		.nerrors = 2,
		.schema_text = "{}\n",
	};
	char *t = instructions_compose(&in);

	(void)state;
	assert_string_equal(t, "devflow phase: review \xe2\x80\x94 Review it\n"
	                       "Run: r2\n"
	                       "Role: reviewer#2 (persona reviewer@3)\n"
	                       "Attempt: 2\n"
	                       "Artifact path: out/review.json\n"
	                       "Artifact schema: dev/review-findings@1\n"
	                       "Scenario: invalid\n"
	                       "\n"
	                       "Requirements:\nR\n\n"
	                       "Instructions:\nI\n\n"
	                       "Reviewer comment:\nCheck the tests.\n\n"
	                       "Validation errors:\n- /summary: too short\n- : not valid JSON\n\n"
	                       "Schema:\n```json\n{}\n```\n\n"
	                       "When you are done, write the artifact as JSON to the artifact "
	                       "path.\n");
	free(t);
}

/* A check repair after a review round: the findings, then the check failures, in that order. */
static void
test_instructions_findings_and_check_failures(void **state)
{
	static const char *const fails[] = {
		"unit: `make test` exited with status 2 after 0.1 s; "
		"its output is in /o; the last lines:\n```text\nFAIL\n```"
	};
	struct instructions_input in = {
		.phase_key = "implement",
		.phase_title = "Implement",
		.run_id = "r3",
		.role_id = "implementer",
		.persona_name = "implementer",
		.persona_version = 1,
		.attempt = 2,
		.artifact_path = "c.json",
		.artifact_schema = "dev/change-summary@1",
		.requirements_md = "R",
		.persona_instructions = "I",
		.review_findings = "The review (review) asks for changes: x\n- [major] a.c:3: y\n",
		.check_failures = fails,
		.nchecks = 1,
		.schema_text = "{}",
	};
	char *t = instructions_compose(&in);

	(void)state;
	assert_non_null(strstr(t,
	                       "Instructions:\nI\n\n"
	                       "Review findings:\n"
	                       "The review (review) asks for changes: x\n- [major] a.c:3: y\n\n"
	                       "Check failures:\n"
	                       "- unit: `make test` exited with status 2 after 0.1 s; its output "
	                       "is in /o; the last lines:\n```text\nFAIL\n```\n"
	                       "Fix what makes them fail, then write the artifact again (devflow "
	                       "moved it aside): the checks run again once it is back.\n\n"
	                       "Schema:\n```json\n{}\n```\n"));
	assert_null(strstr(t, "Validation errors:"));
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instructions_first_attempt),
		cmocka_unit_test(test_instructions_repair_with_comment_and_scenario),
		cmocka_unit_test(test_instructions_findings_and_check_failures),
	};

	return cmocka_run_group_tests_name("instructions", tests, NULL, NULL);
}
