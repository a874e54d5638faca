/*
 * `devflow status RUN`: one run in detail: state, repository, worktree,
 * phases with their states and attempts, approvals with their decisions,
 * sessions and the last events.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "verb.h"

static int cmd_status_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.summary = "show a run: phases, approvals, sessions, events",
	.args = cli_run_arg,
	.exec = cmd_status_exec,
};

#define OR(s, d) ((s) != NULL ? (s) : (d))

static void
print_status(const struct result_status *st)
{
	const struct result_run *run = &st->run;

	printf("run       %s\nstate     %s\nrepo      %s (base %s)\nworktree  %s\n", run->id,
	       run->state, OR(run->repo_path, "?"), OR(run->base_branch, "?"),
	       OR(run->worktree_root, "?"));
	if (run->final_report_path != NULL)
		printf("report    %s\n", run->final_report_path);
	if (run->rebase_run_id != NULL)
		printf("rebase    run %s (the follow-up that merges the base: land that one)\n",
		       run->rebase_run_id);
	if (run->rebase_of != NULL)
		printf("rebase of run %s (this run merges the base into its work)\n",
		       run->rebase_of);
	printf("\nphases:\n");
	for (size_t i = 0; i < st->nphases; i++)
		printf("  %-12s %-18s attempts %d\n", st->phases[i].phase_key, st->phases[i].state,
		       (int)st->phases[i].attempts);
	if (st->nchecks > 0) {
		printf("\nchecks (devflow ran):\n");
		for (size_t i = 0; i < st->nchecks; i++) {
			const struct result_check *c = &st->checks[i];

			printf("  %-12s %-16s %-8s %s\n", c->phase_key, c->name, c->state,
			       OR(c->how, "running"));
			if (c->output_path != NULL)
				printf("    output %s\n", c->output_path);
		}
	}
	printf("\napprovals:\n");
	for (size_t i = 0; i < st->napprovals; i++) {
		const struct result_approval *a = &st->approvals[i];

		printf("  %s  %-14s %s\n", a->id, OR(a->gate_key, "?"), a->state);
		for (size_t k = 0; k < a->ndecisions; k++)
			printf("    %s by %s%s%s\n", a->decisions[k].action,
			       OR(a->decisions[k].actor, "?"), a->decisions[k].comment ? ": " : "",
			       OR(a->decisions[k].comment, ""));
	}
	printf("\nsessions:\n");
	for (size_t i = 0; i < st->nsessions; i++)
		printf("  %s  %-12s %-8s %s\n", st->sessions[i].id,
		       OR(st->sessions[i].role_id, "?"), OR(st->sessions[i].backend, "?"),
		       st->sessions[i].state);
	printf("\nlast events:\n");
	for (size_t i = 0; i < st->nevents; i++)
		printf("  %4d  %s  %s\n", (int)st->events[i].seq, OR(st->events[i].ts, ""),
		       st->events[i].type);
}

static int
cmd_status_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL;
	struct result_status st;
	struct df_error err;
	int rc;

	if ((rc = verb_run_call(ctx, &cmd_status_entry, "status", argc, argv, &res)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (result_status_parse(res, &st, &err) != 0) {
		result_status_free(&st);
		return verb_bad_result(ctx, res, &err);
	}
	print_status(&st);
	result_status_free(&st);
	cJSON_Delete(res);
	return CLI_OK;
}
