/*
 * `devflow start --requirements FILE|- [--repo DIR] [--base BRANCH]
 * [--template NAME] [--persona ROLE=NAME]... [--backend ROLE=ID]...
 * [--scenario PHASE=NAME]... [--check 'CMD']...`: start a run on a repository. The repository
 * defaults to the current directory and the base branch to its checked-out
 * branch. --scenario picks the fake agent's scenario for a phase (tests and
 * the demo).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gitrepo.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "verb.h"

static int cmd_start_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct args_opt start_opts[] = {
	{ .name = "requirements",
	  .kind = ARGS_VALUE,
	  .arg = "FILE|-",
	  .required = 1,
	  .help = "the requirements document (Markdown); - reads standard input" },
	{ .name = "repo",
	  .kind = ARGS_VALUE,
	  .arg = "DIR",
	  .help = "the git repository to work on (default: the current directory)" },
	{ .name = "base",
	  .kind = ARGS_VALUE,
	  .arg = "BRANCH",
	  .help = "the branch the run starts from (default: the one checked out)" },
	{ .name = "template",
	  .kind = ARGS_VALUE,
	  .arg = "TEMPLATE",
	  .help = "the workflow template (default: development)" },
	{ .name = "persona",
	  .kind = ARGS_REPEAT,
	  .arg = "ROLE=PERSONA",
	  .help = "the persona that plays a role" },
	{ .name = "backend",
	  .kind = ARGS_REPEAT,
	  .arg = "ROLE=BACKEND",
	  .help = "the agent backend for a role" },
	{ .name = "scenario",
	  .kind = ARGS_REPEAT,
	  .arg = "PHASE=SCENARIO",
	  .help = "the fake agent's scenario for a phase (tests, the demo)" },
	{ .name = "check",
	  .kind = ARGS_REPEAT,
	  .arg = "CMD",
	  .help = "a command devflow runs in the worktree after each change (e.g. 'make test')" },
	{ 0 },
};

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.summary = "start a run on a repository",
	.opts = start_opts,
	.exec = cmd_start_exec,
};

/* Add each "KEY=VALUE" of --name to the object map; 0, or -1 when one is malformed. */
static int
add_pairs(struct cli_ctx *ctx, cJSON *map, const char *name)
{
	for (const char *const *v = args_get_all(ctx->args, name); *v != NULL; v++) {
		const char *eq = strchr(*v, '=');
		char *key;

		if (eq == NULL || eq == *v || eq[1] == '\0')
			return cli_usage(ctx, &cmd_start_entry, "--%s %s: expected KEY=VALUE", name,
			                 *v);
		key = xstrndup(*v, (size_t)(eq - *v));
		cJSON_DeleteItemFromObjectCaseSensitive(map, key);
		cJSON_AddStringToObject(map, key, eq + 1);
		free(key);
	}
	return 0;
}

/*
 * --check 'make test': a check run with sh -c in the worktree after every
 * change-summary phase (docs/engine.md "Checks"), named from its command
 * ("make-test"; "-2", "-3" ... when a name repeats). -1 for an empty one.
 */
static int
add_check(cJSON *checks, const char *cmd)
{
	char name[65];
	size_t n = 0;
	int dash = 0, k = 1;
	cJSON *c, *argv;

	for (const char *p = cmd; *p && n < 48; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		         (*p >= '0' && *p <= '9') || *p == '.' || *p == '_';

		if (ok) {
			if (dash && n > 0)
				name[n++] = '-';
			name[n++] = *p;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	name[n] = '\0';
	if (n == 0)
		return -1;
	for (;;) {
		const cJSON *x;
		int used = 0;
		char cand[65];

		snprintf(cand, sizeof(cand), k == 1 ? "%s" : "%s-%d", name, k);
		cJSON_ArrayForEach(x, checks)
		{
			if (strcmp(cJSON_GetObjectItemCaseSensitive(x, "name")->valuestring,
			           cand) == 0)
				used = 1;
		}
		if (!used) {
			snprintf(name, sizeof(name), "%s", cand);
			break;
		}
		k++;
	}
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "name", name);
	argv = cJSON_AddArrayToObject(c, "argv");
	cJSON_AddItemToArray(argv, cJSON_CreateString("sh"));
	cJSON_AddItemToArray(argv, cJSON_CreateString("-c"));
	cJSON_AddItemToArray(argv, cJSON_CreateString(cmd));
	cJSON_AddItemToArray(checks, c);
	return 0;
}

static int
cmd_start_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *req_path = args_get(ctx->args, "requirements"), *repo = ".", *base, *tmpl;
	cJSON *personas = cJSON_CreateObject(), *backends = cJSON_CreateObject();
	cJSON *scenarios = cJSON_CreateObject(), *checks = cJSON_CreateArray(), *args, *res = NULL;
	char repo_abs[PATH_MAX], *branch = NULL, *req = NULL;
	struct df_error err;
	int rc;

	(void)argc; /* the table takes no arguments */
	(void)argv;
	if (args_get(ctx->args, "repo") != NULL)
		repo = args_get(ctx->args, "repo");
	base = args_get(ctx->args, "base");
	tmpl = args_get(ctx->args, "template");
	if ((rc = add_pairs(ctx, personas, "persona")) != 0 ||
	    (rc = add_pairs(ctx, backends, "backend")) != 0 ||
	    (rc = add_pairs(ctx, scenarios, "scenario")) != 0)
		goto out;
	for (const char *const *c = args_get_all(ctx->args, "check"); *c != NULL; c++) {
		if (add_check(checks, *c) != 0) {
			rc = cli_usage(ctx, &cmd_start_entry,
			               "--check '%s': expected a command, e.g. --check 'make test'",
			               *c);
			goto out;
		}
	}
	if (realpath(repo, repo_abs) == NULL) {
		df_error_set(&err, DF_FATAL, DF_E_INVALID_ARGUMENT, "--repo %s: no such directory",
		             repo);
		rc = cli_fail(ctx, &err);
		goto out;
	}
	if (base == NULL && (base = branch = gitrepo_current_branch(repo_abs)) == NULL) {
		rc = cli_usage(ctx, &cmd_start_entry,
		               "%s has no branch checked out: give --base BRANCH", repo_abs);
		goto out;
	}
	if ((req = verb_read_file(req_path, &err)) == NULL) {
		df_error_prefix(&err, "--requirements");
		rc = cli_fail(ctx, &err);
		goto out;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "requirements", req);
	cJSON_AddStringToObject(args, "repo", repo_abs);
	cJSON_AddStringToObject(args, "base", base);
	if (tmpl != NULL)
		cJSON_AddStringToObject(args, "template", tmpl);
	cJSON_AddItemToObject(args, "personas", personas);
	cJSON_AddItemToObject(args, "backends", backends);
	cJSON_AddItemToObject(args, "scenarios", scenarios);
	if (cJSON_GetArraySize(checks) > 0) {
		cJSON_AddItemToObject(args, "checks", checks);
		checks = NULL;
	}
	personas = backends = scenarios = NULL;
	if ((rc = verb_call(ctx, "start", args, &res)) != CLI_OK)
		goto out;
	if (ctx->json) {
		cli_print_json(res);
	} else {
		struct result_start st;

		if (result_start_parse(res, &st, &err) != 0) {
			rc = verb_bad_result(ctx, res, &err);
			goto out;
		}
		printf("started run %s (%s)\n", st.run_id, st.state);
		cJSON_Delete(res);
	}
out:
	cJSON_Delete(personas);
	cJSON_Delete(backends);
	cJSON_Delete(scenarios);
	cJSON_Delete(checks);
	free(branch);
	free(req);
	return rc;
}
