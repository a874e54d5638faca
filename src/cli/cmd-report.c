/*
 * `devflow report RUN [--json]`: the final report of a finished run, as
 * Markdown, or with --json the report object (common/final-report@1) and
 * the paths of both files.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_report_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.summary = "print a finished run's report (Markdown, or JSON)",
	.args = cli_run_arg,
	.exec = cmd_report_exec,
};

static int
cmd_report_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL;
	const char *md;
	struct result_report rep;
	struct df_error err;
	int rc;

	if ((rc = verb_run_call(ctx, &cmd_report_entry, "report", argc, argv, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON_DeleteItemFromObjectCaseSensitive(res, "markdown");
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_report_parse(res, &rep, &err) != 0)
		return verb_bad_result(ctx, res, &err);
	md = rep.markdown != NULL ? rep.markdown : "";
	fputs(md, stdout);
	if (md[0] != '\0' && md[strlen(md) - 1] != '\n')
		putchar('\n');
	cJSON_Delete(res);
	return CLI_OK;
}
