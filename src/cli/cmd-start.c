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

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "--requirements FILE|- [--repo DIR] [--base BRANCH] [...]",
	.summary =
	    "start a run (also --template T, --persona|--backend ROLE=X, --scenario PHASE=S, "
	    "--check CMD)",
	.exec = cmd_start_exec,
};

/* Add "KEY=VALUE" to the object map; 0, or -1 when malformed. */
static int
add_pair(cJSON *map, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char *key;

	if (eq == NULL || eq == spec || eq[1] == '\0')
		return -1;
	key = xstrndup(spec, (size_t)(eq - spec));
	cJSON_DeleteItemFromObjectCaseSensitive(map, key);
	cJSON_AddStringToObject(map, key, eq + 1);
	free(key);
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
	const char *req_path = NULL, *repo = ".", *base = NULL, *tmpl = NULL;
	cJSON *personas = cJSON_CreateObject(), *backends = cJSON_CreateObject();
	cJSON *scenarios = cJSON_CreateObject(), *checks = cJSON_CreateArray(), *args, *res = NULL;
	char repo_abs[PATH_MAX], *branch = NULL, *req = NULL;
	struct df_error err;
	int rc = CLI_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--requirements") == 0 && v != NULL)
			req_path = argv[++i];
		else if (strcmp(a, "--repo") == 0 && v != NULL)
			repo = argv[++i];
		else if (strcmp(a, "--base") == 0 && v != NULL)
			base = argv[++i];
		else if (strcmp(a, "--template") == 0 && v != NULL)
			tmpl = argv[++i];
		else if (strcmp(a, "--check") == 0 && v != NULL) {
			if (add_check(checks, argv[++i]) != 0) {
				rc = cli_usage(
				    ctx, &cmd_start_entry,
				    "--check '%s': expected a command, e.g. --check 'make "
				    "test'",
				    argv[i]);
				goto out;
			}
		} else if ((strcmp(a, "--persona") == 0 || strcmp(a, "--backend") == 0 ||
		            strcmp(a, "--scenario") == 0) &&
		           v != NULL) {
			cJSON *map = a[2] == 'p' ? personas : a[2] == 'b' ? backends : scenarios;

			if (add_pair(map, argv[++i]) != 0) {
				rc = cli_usage(ctx, &cmd_start_entry, "%s %s: expected KEY=VALUE",
				               a, argv[i]);
				goto out;
			}
		} else {
			rc = cli_usage(ctx, &cmd_start_entry, "%s '%s'",
			               a[0] == '-' ? "unknown option or missing value for"
			                           : "unexpected argument",
			               a);
			goto out;
		}
	}
	if (req_path == NULL) {
		rc = cli_usage(ctx, &cmd_start_entry,
		               "--requirements FILE is required (- reads standard input)");
		goto out;
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
