/*
 * `devflow status RUN`: one run in detail: state, repository, worktree,
 * phases with their states and attempts, approvals with their decisions,
 * sessions and the last events.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "cli.h"
#include "verb.h"

static int cmd_status_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "RUN",
	.summary = "show a run: phases, approvals, sessions, events",
	.exec = cmd_status_exec,
};

static int
cmd_status_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL;
	const cJSON *run, *x;
	int rc;

	if ((rc = verb_run_call(ctx, &cmd_status_entry, "status", argc, argv, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	run = cJSON_GetObjectItemCaseSensitive(res, "run");
	printf("run       %s\nstate     %s\nrepo      %s (base %s)\nworktree  %s\n",
	       json_str(run, "id", "?"), json_str(run, "state", "?"),
	       json_str(run, "repoPath", "?"), json_str(run, "baseBranch", "?"),
	       json_str(run, "worktreeRoot", "?"));
	if (json_str(run, "finalReportPath", NULL) != NULL)
		printf("report    %s\n", json_str(run, "finalReportPath", ""));
	printf("\nphases:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "phases"))
	{
		const cJSON *att = cJSON_GetObjectItemCaseSensitive(x, "attempts");

		printf("  %-12s %-18s attempts %d\n", json_str(x, "phaseKey", "?"),
		       json_str(x, "state", "?"), cJSON_IsNumber(att) ? att->valueint : 0);
	}
	printf("\napprovals:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "approvals"))
	{
		const cJSON *d;

		printf("  %s  %-14s %s\n", json_str(x, "id", "?"), json_str(x, "gateKey", "?"),
		       json_str(x, "state", "?"));
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(x, "decisions")) printf(
		    "    %s by %s%s%s\n", json_str(d, "action", "?"), json_str(d, "actor", "?"),
		    json_str(d, "comment", NULL) ? ": " : "", json_str(d, "comment", ""));
	}
	printf("\nsessions:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "sessions"))
	    printf("  %s  %-12s %-8s %s\n", json_str(x, "id", "?"), json_str(x, "roleId", "?"),
	           json_str(x, "backend", "?"), json_str(x, "state", "?"));
	printf("\nlast events:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "events"))
	{
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(x, "seq");

		printf("  %4d  %s  %s\n", cJSON_IsNumber(seq) ? seq->valueint : 0,
		       json_str(x, "ts", ""), json_str(x, "type", "?"));
	}
	cJSON_Delete(res);
	return CLI_OK;
}
