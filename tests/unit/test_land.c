/*
 * land.c on real repositories (git builds them): a phase's commit takes what
 * is uncommitted (deletions too, not what .gitignore ignores, not the
 * excluded artifacts) and is made once per step, an empty change makes
 * none; a squash landing is found again on the base by its trailer, so a
 * second landing (after a crash before its event) merges nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/land.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "shell.h"

static char dir[] = "/tmp/devflow-test-land.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t", 1);
	return sh("cd %s && git init -q -b main repo && cd repo && echo hello >README && "
	          "echo ignored.log >.gitignore && git add . && git commit -qm init",
	          dir);
}

static int
teardown(void **state)
{
	(void)state;
	return sh("rm -rf %s", dir);
}

static void
phase_commits(void **state)
{
	char *root = xasprintf("%s/repo", dir), id[LAND_OID_HEX], again[LAND_OID_HEX], *out;
	const char *ex[] = { "plan.json" };
	struct df_error err;

	(void)state;
	assert_int_equal(sh("cd %s && echo a >a.txt && echo b >>README && echo x >ignored.log && "
	                    "echo '{}' >plan.json",
	                    root),
	                 0);
	assert_int_equal(land_commit_worktree(root, "phase one", "ph1:1", ex, 1, id, &err), 1);
	out = sh_out("git -C %s rev-parse HEAD", root);
	assert_string_equal(out, id);
	free(out);
	out = sh_out("git -C %s show --name-only --format=%%B HEAD", root);
	assert_string_equal(out, "phase one\n\nDevflow-Step: ph1:1\n\n\nREADME\na.txt");
	free(out);
	out = sh_out("git -C %s status --porcelain", root);
	assert_string_equal(out, "?? plan.json");
	free(out);
	/* The same step again (a replay after a crash): no second commit. */
	assert_int_equal(land_commit_worktree(root, "phase one", "ph1:1", ex, 1, again, &err), 0);
	assert_string_equal(again, id);
	/* Another step with nothing changed: no commit. */
	assert_int_equal(land_commit_worktree(root, "phase two", "ph2:1", ex, 1, again, &err), 0);
	assert_string_equal(again, "");
	/* A deletion is a change. */
	assert_int_equal(sh("rm %s/a.txt", root), 0);
	assert_int_equal(land_commit_worktree(root, "phase three", "ph3:1", ex, 1, again, &err), 1);
	out = sh_out("git -C %s show --name-status --format= HEAD", root);
	assert_string_equal(out, "D\ta.txt");
	free(out);
	free(root);
}

static void
squash_is_found_again(void **state)
{
	char *repo = xasprintf("%s/repo", dir), *out, *before;
	struct land_request rq = { .repo_path = repo,
		                   .base_branch = "main",
		                   .run_id = "R1",
		                   .mode = LAND_SQUASH,
		                   .message = "Add a greeting" };
	struct land_result res;
	struct df_error err;

	(void)state;
	assert_int_equal(sh("cd %s && git checkout -q -b devflow/R1/main && echo hi >GREETING && "
	                    "git add GREETING && git commit -qm greet && git checkout -q main && "
	                    "echo o >OTHER && git add OTHER && git commit -qm other",
	                    repo),
	                 0);
	assert_int_equal(land_merge(&rq, &res, &err), 0);
	assert_string_equal(res.how, "squash");
	out = sh_out("git -C %s log -1 --format=%%B main", repo);
	assert_non_null(strstr(out, "Devflow-Run: R1"));
	free(out);
	out = sh_out("cat %s/GREETING", repo);
	assert_string_equal(out, "hi");
	free(out);
	/* A crash before the event: the next landing finds the squash commit. */
	before = sh_out("git -C %s rev-parse main", repo);
	rq.mode = LAND_AUTO;
	assert_int_equal(land_merge(&rq, &res, &err), 0);
	assert_string_equal(res.how, "already");
	assert_string_equal(res.commit, before);
	out = sh_out("git -C %s rev-parse main", repo);
	assert_string_equal(out, before);
	free(out);
	free(before);
	free(repo);
}

/*
 * A run whose rebase follow-up landed as a squash commit: its own branch is
 * in no squash commit of its own, but in its follow-up's (via), so clean
 * may delete it then.
 */
static void
settled_through_the_follow_up(void **state)
{
	char *repo = xasprintf("%s/repo", dir);
	struct land_request rq = { .repo_path = repo,
		                   .base_branch = "main",
		                   .run_id = "F3",
		                   .mode = LAND_SQUASH,
		                   .message = "Rebase R3" };
	struct land_result res;
	struct df_error err;
	char why[256] = "";

	(void)state;
	assert_int_equal(
	    sh("cd %s && git checkout -q -b devflow/R3/main && echo r3 >R3 && "
	       "git add R3 && git commit -qm r3 && git checkout -q -b devflow/F3/main && "
	       "echo f3 >F3 && git add F3 && git commit -qm f3 && git checkout -q main && "
	       "echo o >OTHER3 && git add OTHER3 && git commit -qm other",
	       repo),
	    0);
	assert_int_equal(land_merge(&rq, &res, &err), 0);
	assert_string_equal(res.how, "squash");
	assert_int_equal(land_branch_settled(repo, "main", "R3", NULL, why, sizeof(why), &err), 0);
	assert_non_null(strstr(why, "neither merged"));
	assert_int_equal(land_branch_settled(repo, "main", "R3", "F3", why, sizeof(why), &err), 1);
	free(repo);
}

/* land_probe says what landing would do, and writes nothing. */
static void
probe_says_what_landing_would(void **state)
{
	char *repo = xasprintf("%s/repo", dir), *before, *after, *paths = NULL;
	struct land_request rq = { .repo_path = repo, .base_branch = "main", .run_id = "R2" };
	enum land_probe p;
	struct land_result res;
	struct df_error err;

	(void)state;
	/* R2 changes README on its branch: a fast-forward while main stays. */
	assert_int_equal(sh("cd %s && git checkout -q -b devflow/R2/main && echo run >>README && "
	                    "git commit -qam run && git checkout -q main",
	                    repo),
	                 0);
	assert_int_equal(land_probe(&rq, &p, &paths, &err), 0);
	assert_int_equal(p, LAND_PROBE_CLEAN);
	assert_null(paths);
	/* main changes README too: a conflict, named; nothing is written. */
	assert_int_equal(sh("cd %s && echo base >>README && git commit -qam base", repo), 0);
	before = sh_out("git -C %s rev-parse main; git -C %s status --porcelain", repo, repo);
	assert_int_equal(land_probe(&rq, &p, &paths, &err), 0);
	assert_int_equal(p, LAND_PROBE_CONFLICT);
	assert_string_equal(paths, "README");
	free(paths);
	after = sh_out("git -C %s rev-parse main; git -C %s status --porcelain", repo, repo);
	assert_string_equal(after, before);
	free(after);
	/* land_merge refuses the same with land_conflict, offering --rebase. */
	assert_int_equal(land_merge(&rq, &res, &err), -1);
	assert_int_equal(err.code, DF_E_LAND_CONFLICT);
	assert_non_null(strstr(err.message, "in README"));
	assert_non_null(strstr(err.hint, "devflow land R2 --rebase"));
	/* Once the base holds the branch: already. */
	assert_int_equal(sh("cd %s && git reset -q --hard devflow/R2/main", repo), 0);
	assert_int_equal(land_probe(&rq, &p, &paths, &err), 0);
	assert_int_equal(p, LAND_PROBE_ALREADY);
	/* A missing run branch is an error, as for land_merge. */
	rq.run_id = "R3";
	assert_int_equal(land_probe(&rq, &p, &paths, &err), -1);
	assert_non_null(strstr(err.message, "devflow/R3/main is gone"));
	free(before);
	free(repo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(phase_commits),
		cmocka_unit_test(squash_is_found_again),
		cmocka_unit_test(probe_says_what_landing_would),
		cmocka_unit_test(settled_through_the_follow_up),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
