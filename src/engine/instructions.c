/*
 * Phase instructions (see instructions.h and docs/instructions.md).
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "instructions.h"

/* A section: its title line, the text verbatim, and one blank line after it. */
static void
section(struct buf *b, const char *title, const char *text)
{
	size_t len = strlen(text);

	buf_printf(b, "%s\n", title);
	buf_puts(b, text);
	if (len == 0 || text[len - 1] != '\n')
		buf_putc(b, '\n');
	buf_putc(b, '\n');
}

char *
instructions_compose(const struct instructions_input *in)
{
	struct buf b = BUF_INIT;
	size_t slen;

	buf_printf(&b, "devflow phase: %s \xe2\x80\x94 %s\n", in->phase_key, in->phase_title);
	buf_printf(&b, "Run: %s\n", in->run_id);
	buf_printf(&b, "Role: %s (persona %s@%d)\n", in->role_id, in->persona_name,
	           in->persona_version);
	buf_printf(&b, "Attempt: %d\n", in->attempt);
	buf_printf(&b, "Artifact path: %s\n", in->artifact_path);
	buf_printf(&b, "Artifact schema: %s\n", in->artifact_schema);
	if (in->scenario)
		buf_printf(&b, "Scenario: %s\n", in->scenario);
	buf_putc(&b, '\n');
	section(&b, "Requirements:", in->requirements_md ? in->requirements_md : "");
	section(&b, "Instructions:", in->persona_instructions ? in->persona_instructions : "");
	if (in->reviewer_comment)
		section(&b, "Reviewer comment:", in->reviewer_comment);
	if (in->review_findings)
		section(&b, "Review findings:", in->review_findings);
	if (in->nchecks > 0) {
		buf_puts(&b, "Check failures:\n");
		for (size_t i = 0; i < in->nchecks; i++)
			buf_printf(&b, "- %s\n", in->check_failures[i]);
		buf_puts(&b, "Fix what makes them fail, then write the artifact again (devflow "
		             "moved it aside): the checks run again once it is back.\n\n");
	}
	if (in->nerrors > 0) {
		buf_puts(&b, "Validation errors:\n");
		for (size_t i = 0; i < in->nerrors; i++)
			buf_printf(&b, "- %s\n", in->validation_errors[i]);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "Schema:\n```json\n");
	buf_puts(&b, in->schema_text ? in->schema_text : "{}");
	slen = in->schema_text ? strlen(in->schema_text) : 2;
	if (slen == 0 || !in->schema_text || in->schema_text[slen - 1] != '\n')
		buf_putc(&b, '\n');
	buf_puts(&b,
	         "```\n\nWhen you are done, write the artifact as JSON to the artifact path.\n");
	return buf_detach(&b);
}
