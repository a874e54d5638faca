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
	.usage = "RUN [--json]",
	.summary = "print a finished run's report (Markdown, or JSON)",
	.exec = cmd_report_exec,
};

static int
cmd_report_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *args, *res = NULL;
	const char *md;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(ctx, &cmd_report_entry, "expected exactly one RUN");
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "run", argv[1]);
	if ((rc = verb_call(ctx, "report", args, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON_DeleteItemFromObjectCaseSensitive(res, "markdown");
		cli_print_json(res);
		return CLI_OK;
	}
	md = verb_str(res, "markdown", "");
	fputs(md, stdout);
	if (md[0] != '\0' && md[strlen(md) - 1] != '\n')
		putchar('\n');
	cJSON_Delete(res);
	return CLI_OK;
}
