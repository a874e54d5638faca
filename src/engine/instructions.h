/*
 * The text the engine sends an agent for one phase attempt, in the layout
 * of docs/instructions.md (a contract with the fake agent, which parses it).
 * Pure formatting: the engine gathers the pieces.
 */
#ifndef DEVFLOW_INSTRUCTIONS_H
#define DEVFLOW_INSTRUCTIONS_H

#include <stddef.h>

struct instructions_input {
	const char *phase_key, *phase_title, *run_id;
	const char *role_id, *persona_name;
	int persona_version;
	int attempt;
	const char *artifact_path;   /* relative to the worktree */
	const char *artifact_schema; /* short schema id */
	const char *scenario;        /* NULL: no Scenario: line */
	const char *requirements_md;
	const char *persona_instructions;
	const char *reviewer_comment;         /* NULL: none */
	const char *const *validation_errors; /* "<path>: <message>"; nerrors 0 = not a repair */
	size_t nerrors;
	const char *const *check_failures; /* devflow's checks that failed; nchecks 0 = none */
	size_t nchecks;
	const char *review_findings; /* the review that sent the phase back; NULL: none */
	const char *schema_text;     /* the artifact's JSON Schema, pretty printed */
};

/* Compose the instructions; the caller frees the result. */
char *instructions_compose(const struct instructions_input *in);

#endif
