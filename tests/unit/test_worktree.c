/*
 * The git layer against real repositories: each test builds its repositories
 * with the git CLI in a fresh temporary directory, drives src/engine/worktree.c
 * (libgit2), and checks the outcome with the git CLI again, as a person
 * would. Commits work without any global git configuration: identity and
 * HOME are set here.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/worktree.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/gitenv.h"
#include "lib/xalloc.h"
#include "shell.h"

static char *tmp; /* realpath of this program's temporary directory */
static int counter;

/* A fresh directory below tmp for one test. The caller frees. */
static char *
fresh_dir(const char *tag)
{
	char *d = xasprintf("%s/%s%d", tmp, tag, ++counter);

	assert_int_equal(mkdir(d, 0755), 0);
	return d;
}

/* The shell command's output, without its trailing newline, is want. */
static void __attribute__((format(printf, 2, 3))) sh_is(const char *want, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = sh_vout(fmt, ap);
	va_end(ap);
	assert_string_equal(out, want);
	free(out);
}

/* The worktree root's HEAD is the commit of rev in repo. */
static void
head_is(const char *root, const char *repo, const char *rev)
{
	sh_is("same",
	      "test \"$(git -C '%s' rev-parse HEAD)\" = \"$(git -C '%s' rev-parse %s)\" "
	      "&& echo same",
	      root, repo, rev);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool
branch_exists(const char *repo, const char *branch)
{
	return sh("git -C '%s' rev-parse -q --verify 'refs/heads/%s' >/dev/null", repo, branch) ==
	       0;
}

/* A repository with a commit on main (README) and one more on feature. */
static char *
make_repo(void)
{
	char *r = fresh_dir("repo");

	assert_int_equal(sh("cd '%s' && git init -q -b main . && printf 'hello\\n' > README && "
	                    "git add README && git commit -q -m first && "
	                    "git checkout -q -b feature && printf 'f\\n' > feature.txt && "
	                    "git add feature.txt && git commit -q -m feature && "
	                    "git checkout -q main",
	                    r),
	                 0);
	return r;
}

static int
group_setup(void **state)
{
	char tmpl[] = "/tmp/devflow-wt-XXXXXX";
	char *home;

	(void)state;
	if (getenv("TMPDIR") != NULL) {
		char *t = xasprintf("%s/devflow-wt-XXXXXX", getenv("TMPDIR"));

		tmp = mkdtemp(t) != NULL ? realpath(t, NULL) : NULL;
		free(t);
	} else {
		tmp = mkdtemp(tmpl) != NULL ? realpath(tmpl, NULL) : NULL;
	}
	if (tmp == NULL)
		return -1;
	gitenv_scrub();
	home = xasprintf("%s/home", tmp);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	free(home);
	unsetenv("XDG_CONFIG_HOME");
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.invalid", 1);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmp != NULL) {
		sh("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmp, tmp);
		free(tmp);
	}
	return 0;
}

/* Resolve and create run_id's default worktree from base; returns the root. */
static char *
start(const char *ws, const char *repo, const char *base, const char *run_id)
{
	struct df_error err;
	char *root = NULL;

	assert_int_equal(worktree_resolve_root(ws, run_id, NULL, &root, &err), 0);
	if (worktree_create(repo, base, run_id, root, &err) != 0)
		fail_msg("create: %s (%s)", err.message, err.hint);
	return root;
}

static void
test_create_from_main(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root = NULL, *want, *rundir;
	struct df_error err;
	struct stat st;

	(void)state;
	assert_int_equal(worktree_resolve_root(ws, "run1", NULL, &root, &err), 0);
	want = xasprintf("%s/run1/main", ws);
	assert_string_equal(root, want);
	rundir = xasprintf("%s/run1", ws);
	assert_int_equal(stat(rundir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_false(exists(root));

	assert_int_equal(worktree_create(repo, "main", "run1", root, &err), 0);
	sh_is("devflow/run1/main", "git -C '%s' rev-parse --abbrev-ref HEAD", root);
	sh_is("", "git -C '%s' status --porcelain", root);
	sh_is("hello", "cat '%s/README'", root);
	sh_is("no", "test -e '%s/feature.txt' && echo yes || echo no", root);
	head_is(root, repo, "main");
	sh_is("1", "git -C '%s' worktree list --porcelain | grep -c '^worktree %s$'", repo, root);
	sh_is("1",
	      "git -C '%s' worktree list --porcelain | grep -c "
	      "'^branch refs/heads/devflow/run1/main$'",
	      repo);
	/* The repository's own checkout is untouched. */
	sh_is("main", "git -C '%s' rev-parse --abbrev-ref HEAD", repo);

	free(rundir);
	free(want);
	free(root);
	free(ws);
	free(repo);
}

static void
test_create_from_other_branch(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root;

	(void)state;
	root = start(ws, repo, "feature", "run2");
	head_is(root, repo, "feature");
	sh_is("f", "cat '%s/feature.txt'", root);
	sh_is("", "git -C '%s' status --porcelain", root);
	free(root);

	/* A remote-tracking branch is accepted when no local branch has the name. */
	assert_int_equal(sh("git -C '%s' update-ref refs/remotes/origin/rel feature", repo), 0);
	root = start(ws, repo, "origin/rel", "run3");
	head_is(root, repo, "feature");
	free(root);
	free(ws);
	free(repo);
}

/* The rebase follow-up's start: at another branch's tip, or a commit, not the base's. */
static void
test_create_from_start_point(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root = NULL, *id;
	struct df_error err;

	(void)state;
	assert_int_equal(worktree_resolve_root(ws, "run5", NULL, &root, &err), 0);
	assert_int_equal(worktree_create_from(repo, "main", "feature", "run5", root, &err), 0);
	head_is(root, repo, "feature");
	sh_is("devflow/run5/main", "git -C '%s' rev-parse --abbrev-ref HEAD", root);
	sh_is("f", "cat '%s/feature.txt'", root);
	free(root);

	id = sh_out("git -C '%s' rev-parse feature", repo);
	assert_int_equal(worktree_resolve_root(ws, "run6", NULL, &root, &err), 0);
	assert_int_equal(worktree_create_from(repo, "main", id, "run6", root, &err), 0);
	head_is(root, repo, "feature");
	free(root);

	/* A start that is neither: refused, naming it, and nothing is left behind. */
	assert_int_equal(worktree_resolve_root(ws, "run7", NULL, &root, &err), 0);
	assert_int_equal(worktree_create_from(repo, "main", "no-such", "run7", root, &err), -1);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	assert_non_null(strstr(err.message, "'no-such'"));
	assert_false(branch_exists(repo, "devflow/run7/main"));
	assert_false(exists(root));
	/* The base must exist all the same. */
	assert_int_equal(worktree_create_from(repo, "gone", "feature", "run7", root, &err), -1);
	assert_non_null(strstr(err.message, "base branch 'gone'"));
	free(root);
	free(id);
	free(ws);
	free(repo);
}

static void
test_missing_base_lists_branches(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root = NULL, *admin;
	struct df_error err;

	(void)state;
	assert_int_equal(worktree_resolve_root(ws, "run4", NULL, &root, &err), 0);
	assert_int_equal(worktree_create(repo, "develop", "run4", root, &err), -1);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	assert_non_null(strstr(err.message, "'develop'"));
	assert_non_null(strstr(err.message, repo));
	assert_string_equal(err.hint, "local branches: feature, main");
	/* A tag or commit id is not a branch. */
	assert_int_equal(sh("git -C '%s' tag v1", repo), 0);
	assert_int_equal(worktree_create(repo, "v1", "run4", root, &err), -1);
	assert_non_null(strstr(err.hint, "local branches:"));
	assert_int_equal(worktree_create(repo, "", "run4", root, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	/* Nothing was created. */
	assert_false(exists(root));
	assert_false(branch_exists(repo, "devflow/run4/main"));
	admin = xasprintf("%s/.git/worktrees/run4", repo);
	assert_false(exists(admin));
	free(admin);
	free(root);
	free(ws);
	free(repo);
}

static void
test_bare_repository(void **state)
{
	char *repo = make_repo(), *bare = fresh_dir("bare"), *out = NULL, *root;
	struct df_error err;

	(void)state;
	assert_int_equal(sh("git clone -q --bare '%s' '%s/b.git'", repo, bare), 0);
	root = xasprintf("%s/b.git", bare);
	assert_int_equal(worktree_canonical_repo(root, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_int_equal(err.code, DF_E_GIT);
	assert_non_null(strstr(err.message, "bare"));
	assert_non_null(strstr(err.message, root));
	assert_non_null(strstr(err.hint, "non-bare clone"));
	free(root);
	root = xasprintf("%s/wt", bare);
	assert_int_equal(worktree_create(bare, "main", "run5", root, &err), -1);
	free(root);
	free(bare);
	free(repo);
}

static void
test_repository_without_commits(void **state)
{
	char *repo = fresh_dir("empty"), *out = NULL, *root;
	struct df_error err;

	(void)state;
	assert_int_equal(sh("git init -q -b main '%s'", repo), 0);
	assert_int_equal(worktree_canonical_repo(repo, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_non_null(strstr(err.message, "no commits"));
	assert_non_null(strstr(err.message, repo));
	assert_non_null(strstr(err.hint, "first commit"));
	root = xasprintf("%s-wt", repo);
	assert_int_equal(worktree_create(repo, "main", "run6", root, &err), -1);
	assert_non_null(strstr(err.message, "no commits"));
	assert_false(exists(root));
	free(root);
	free(repo);
}

static void
test_not_a_repository(void **state)
{
	char *dir = fresh_dir("plain"), *repo = make_repo(), *sub, *missing, *out = NULL;
	struct df_error err;

	(void)state;
	assert_int_equal(worktree_canonical_repo(dir, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_int_equal(err.code, DF_E_GIT);
	assert_non_null(strstr(err.message, dir));
	assert_non_null(strstr(err.message, "not a git repository"));
	assert_non_null(strstr(err.hint, "git init"));

	missing = xasprintf("%s/nope", dir);
	assert_int_equal(worktree_canonical_repo(missing, &out, &err), -1);
	assert_non_null(strstr(err.message, missing));
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);

	/* A subdirectory is refused, with the top level in the hint. */
	sub = xasprintf("%s/sub", repo);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(worktree_canonical_repo(sub, &out, &err), -1);
	assert_non_null(strstr(err.message, "not a git repository"));
	assert_non_null(strstr(err.hint, repo));
	free(sub);
	free(missing);
	free(repo);
	free(dir);
}

static void
test_same_repo_two_spellings(void **state)
{
	char *repo = make_repo(), *link, *spelled, *a = NULL, *b = NULL;
	const char *variants[4];
	struct df_error err;

	(void)state;
	link = xasprintf("%s/link%d", tmp, ++counter);
	assert_int_equal(symlink(repo, link), 0);
	spelled = xasprintf("%s/../%s/./", repo, strrchr(repo, '/') + 1);
	assert_int_equal(worktree_canonical_repo(repo, &a, &err), 0);
	assert_string_equal(a, repo); /* tmp is a realpath already */
	variants[0] = link;
	variants[1] = spelled;
	variants[2] = NULL;
	for (int i = 0; variants[i] != NULL; i++) {
		assert_int_equal(worktree_canonical_repo(variants[i], &b, &err), 0);
		assert_string_equal(a, b);
		free(b);
	}
	{
		char *dotgit = xasprintf("%s/.git", link);

		assert_int_equal(worktree_canonical_repo(dotgit, &b, &err), 0);
		assert_string_equal(a, b);
		free(b);
		free(dotgit);
	}
	free(a);
	free(spelled);
	free(link);
	free(repo);
}

static void
check_refused_root(const char *ws, const char *run_id, const char *requested, const char *outside)
{
	struct df_error err;
	char *root = (char *)"unchanged";

	assert_int_equal(worktree_resolve_root(ws, run_id, requested, &root, &err), -1);
	assert_null(root);
	assert_int_equal(err.code, DF_E_WORKSPACE_PERMISSIONS);
	assert_int_equal(err.class, DF_FATAL);
	assert_non_null(strstr(err.message, requested));
	assert_non_null(strstr(err.message, outside));
	{
		char *rundir = xasprintf("%s/%s", ws, run_id);

		assert_non_null(strstr(err.message, rundir));
		free(rundir);
	}
}

static void
test_root_outside_run_dir_refused(void **state)
{
	char *ws = fresh_dir("ws"), *elsewhere = fresh_dir("elsewhere"), *req, *root = NULL;
	char *want, *rundir, *link;
	struct df_error err;

	(void)state;
	/* Plain: another directory altogether; nothing gets created. */
	req = xasprintf("%s/wt", elsewhere);
	check_refused_root(ws, "r1", req, req);
	rundir = xasprintf("%s/r1", ws);
	assert_false(exists(rundir));
	free(rundir);
	free(req);

	/* Via "..". */
	req = xasprintf("%s/r1/../r2/main", ws);
	want = xasprintf("%s/r2/main", ws);
	check_refused_root(ws, "r1", req, want);
	free(want);
	free(req);
	check_refused_root(ws, "r1", "../other", "other");

	/* The run directory itself is not a root below it. */
	req = xasprintf("%s/r1", ws);
	check_refused_root(ws, "r1", req, req);
	free(req);

	/* Via a symlink inside the run directory that points elsewhere. */
	rundir = xasprintf("%s/r3", ws);
	assert_int_equal(mkdir(rundir, 0700), 0);
	link = xasprintf("%s/r3/out", ws);
	assert_int_equal(symlink(elsewhere, link), 0);
	req = xasprintf("%s/main", link);
	want = xasprintf("%s/main", elsewhere);
	check_refused_root(ws, "r3", req, want);
	free(req);
	/* ".." after the symlink is the target's parent, as for the kernel. */
	req = xasprintf("%s/../r3/main", link);
	check_refused_root(ws, "r3", req, tmp);
	free(req);
	free(want);

	/* A relative request and a symlink that stays inside are fine. */
	assert_int_equal(worktree_resolve_root(ws, "r3", "sub/wt", &root, &err), 0);
	want = xasprintf("%s/r3/sub/wt", ws);
	assert_string_equal(root, want);
	free(root);
	free(want);
	free(link);
	link = xasprintf("%s/r3/in", ws);
	assert_int_equal(symlink("sub", link), 0);
	req = xasprintf("%s/wt2", link);
	assert_int_equal(worktree_resolve_root(ws, "r3", req, &root, &err), 0);
	want = xasprintf("%s/r3/sub/wt2", ws);
	assert_string_equal(root, want);
	free(root);
	free(want);
	free(req);

	/* Bad run ids. */
	assert_int_equal(worktree_resolve_root(ws, "..", NULL, &root, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(worktree_resolve_root(ws, "a/b", NULL, &root, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);

	free(link);
	free(rundir);
	free(elsewhere);
	free(ws);
}

static void
test_workspace_through_symlink(void **state)
{
	char *real = fresh_dir("realws"), *link, *root = NULL, *want, *req;
	struct df_error err;

	(void)state;
	link = xasprintf("%s/wslink%d", tmp, ++counter);
	assert_int_equal(symlink(real, link), 0);
	/* The workspace spelled through a symlink; the request spelled either way. */
	req = xasprintf("%s/r/main", link);
	assert_int_equal(worktree_resolve_root(link, "r", req, &root, &err), 0);
	want = xasprintf("%s/r/main", real);
	assert_string_equal(root, want);
	free(root);
	free(req);
	req = xasprintf("%s/r/x", real);
	assert_int_equal(worktree_resolve_root(link, "r", req, &root, &err), 0);
	free(req);
	free(root);
	free(want);
	free(link);
	free(real);
}

static void
check_inside_refused(const char *root, const char *rel)
{
	struct df_error err;
	char *out = (char *)"unchanged";

	assert_int_equal(worktree_path_inside(root, rel, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.code, DF_E_WORKSPACE_PERMISSIONS);
	assert_non_null(strstr(err.message, rel));
}

static void
check_inside_ok(const char *root, const char *rel, const char *want_rel)
{
	struct df_error err;
	char *out = NULL, *want = xasprintf("%s/%s", root, want_rel);

	if (worktree_path_inside(root, rel, &out, &err) != 0)
		fail_msg("%s: %s", rel, err.message);
	assert_string_equal(out, want);
	free(out);
	free(want);
}

static void
test_path_inside(void **state)
{
	char *root = fresh_dir("wt"), *outside = fresh_dir("outside"), *p, *rootlink, *out = NULL;
	struct df_error err;

	(void)state;
	assert_int_equal(sh("mkdir -p '%s/sub/deep' && cd '%s' && ln -s '%s' escape && "
	                    "ln -s sub inner && ln -s '%s/sub' absinner && "
	                    "ln -s ../../outside-x sub/up && ln -s /nonexistent/x dangling && "
	                    "ln -s loop2 loop1 && ln -s loop1 loop2",
	                    root, root, outside, root),
	                 0);
	check_inside_ok(root, "out/plan.json", "out/plan.json");
	check_inside_ok(root, "plan.json", "plan.json");
	check_inside_ok(root, "inner/x.json", "sub/x.json");
	check_inside_ok(root, "absinner/deep/y.json", "sub/deep/y.json");
	/* A last component that is a link (inside) is named as the link, not its target. */
	assert_int_equal(
	    sh("cd '%s' && echo '{}' >sub/real.json && ln -s sub/real.json link.json", root), 0);
	check_inside_ok(root, "link.json", "link.json");
	check_inside_ok(root, "inner/real.json", "sub/real.json");
	/* Not normalized: refused as spelled, wherever it would lead. */
	check_inside_refused(root, "./a/../b/./c.json");
	check_inside_refused(root, "sub//deep/x.json");
	check_inside_refused(root, "absinner/deep/../y.json");
	check_inside_refused(root, ".git");
	check_inside_refused(root, "sub/.GIT/config");

	check_inside_refused(root, "../x.json");
	check_inside_refused(root, "a/../../x.json");
	/* Climbing out and back in is still climbing out. */
	p = xasprintf("../%s/x.json", strrchr(root, '/') + 1);
	check_inside_refused(root, p);
	free(p);
	check_inside_refused(root, "..");
	check_inside_refused(root, "/etc/passwd");
	check_inside_refused(root, "escape/x.json");
	check_inside_refused(root, "escape");
	check_inside_refused(root, "sub/up/x.json");
	check_inside_refused(root, "dangling");
	check_inside_refused(root, "inner/../escape/y");
	check_inside_refused(root, ".");

	assert_int_equal(worktree_path_inside(root, "loop1/x", &out, &err), -1);
	assert_non_null(strstr(err.message, "symbolic links"));
	assert_int_equal(worktree_path_inside(root, "", &out, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);

	/* A root spelled through a symlink gives paths below the real root. */
	rootlink = xasprintf("%s/rootlink%d", tmp, ++counter);
	assert_int_equal(symlink(root, rootlink), 0);
	assert_int_equal(worktree_path_inside(rootlink, "a.json", &out, &err), 0);
	p = xasprintf("%s/a.json", root);
	assert_string_equal(out, p);
	free(p);
	free(out);
	free(rootlink);
	free(outside);
	free(root);
}

static void
check_path_refused(const char *rel, const char *why)
{
	char msg[256] = "";

	assert_int_equal(worktree_artifact_path_check(rel, msg, sizeof(msg)), -1);
	if (strstr(msg, why) == NULL)
		fail_msg("%s: got '%s', expected '%s'", rel, msg, why);
}

static void
test_artifact_path_check(void **state)
{
	char msg[256] = "", long_path[300];

	(void)state;
	assert_int_equal(worktree_artifact_path_check("plan.json", msg, sizeof(msg)), 0);
	assert_int_equal(
	    worktree_artifact_path_check("out/dir/r\xc3\xa9sum\xc3\xa9.json", msg, sizeof(msg)), 0);
	assert_int_equal(worktree_artifact_path_check(".github/x.json", msg, sizeof(msg)), 0);
	assert_int_equal(worktree_artifact_path_check("a.git/.gitignore", msg, sizeof(msg)), 0);
	check_path_refused("", "artifact path \"\" is empty");
	check_path_refused(".git", "artifact path \".git\" names git's own directory (a "
	                           "component \".git\")");
	check_path_refused("sub/.git/config", "names git's own directory");
	check_path_refused(".GIT", "names git's own directory (a component \".GIT\")");
	check_path_refused(".Git./x", "names git's own directory");
	check_path_refused(".git /x", "names git's own directory");
	check_path_refused("GIT~1/HEAD", "names git's own directory");
	check_path_refused("plan\n.json", "artifact path \"plan\\n.json\" contains a control "
	                                  "character (at offset 4)");
	check_path_refused("a\tb", "contains a control character (at offset 1)");
	check_path_refused("a\x7f", "contains a control character (at offset 1)");
	check_path_refused("a\xc2\x85", "contains a control character (at offset 1)");
	check_path_refused("a\xff.json", "artifact path \"a\\xff.json\" is not UTF-8 (byte 0xff "
	                                 "at offset 1)");
	check_path_refused("/etc/passwd", "is absolute");
	check_path_refused("../x.json", "climbs out with \"..\"");
	check_path_refused("a/../b", "climbs out with \"..\"");
	check_path_refused("..", "climbs out");
	check_path_refused("./x.json", "is not normalized (a \".\" component)");
	check_path_refused(".", "is not normalized");
	check_path_refused("a//b", "is not normalized (an empty component");
	check_path_refused("a/", "is not normalized (an empty component");
	memset(long_path, 'x', 256);
	long_path[256] = '\0';
	check_path_refused(long_path, "is 256 bytes long, over the limit of 255");
	long_path[255] = '\0';
	assert_int_equal(worktree_artifact_path_check(long_path, msg, sizeof(msg)), 0);
}

static void
test_failed_create_cleans_up(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root = NULL, *blocker, *admin, *out;
	struct df_error err;

	(void)state;
	/*
	 * Mid-way failure: the root's parent is a regular file, so libgit2 has
	 * made the branch and the admin directory when creating the root fails.
	 */
	assert_int_equal(worktree_resolve_root(ws, "run7", NULL, &root, &err), 0);
	blocker = xasprintf("%s/run7/file", ws);
	assert_int_equal(sh("printf x > '%s'", blocker), 0);
	free(root);
	root = xasprintf("%s/main", blocker);
	assert_int_equal(worktree_create(repo, "main", "run7", root, &err), -1);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	assert_non_null(strstr(err.hint, "worktree add -b devflow/run7/main"));
	assert_false(branch_exists(repo, "devflow/run7/main"));
	admin = xasprintf("%s/.git/worktrees/run7", repo);
	assert_false(exists(admin));
	out = sh_out("cat '%s'", blocker);
	assert_string_equal(out, "x"); /* what was there before is untouched */
	free(out);
	sh_is("1", "git -C '%s' worktree list | wc -l", repo);
	/* The same run id works once the obstacle is gone. */
	assert_int_equal(unlink(blocker), 0);
	assert_int_equal(mkdir(blocker, 0700), 0);
	assert_int_equal(worktree_create(repo, "main", "run7", root, &err), 0);
	free(root);
	free(admin);
	free(blocker);

	/* A file already at root: refused before anything is made; the file stays. */
	assert_int_equal(worktree_resolve_root(ws, "run8", NULL, &root, &err), 0);
	assert_int_equal(sh("printf keep > '%s'", root), 0);
	assert_int_equal(worktree_create(repo, "main", "run8", root, &err), -1);
	assert_int_equal(err.code, DF_E_WORKTREE_CREATE_FAILED);
	assert_non_null(strstr(err.message, root));
	assert_non_null(strstr(err.message, "already exists"));
	assert_false(branch_exists(repo, "devflow/run8/main"));
	sh_is("keep", "cat '%s'", root);
	free(root);

	/* The branch or the worktree already existing. */
	root = start(ws, repo, "main", "run9");
	assert_int_equal(worktree_create(repo, "main", "run9", root, &err), -1);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_non_null(strstr(err.message, "branch devflow/run9/main already exists"));
	assert_true(exists(root)); /* the existing worktree survives the refusal */
	sh_is("", "git -C '%s' status --porcelain", root);
	free(root);
	assert_int_equal(sh("git -C '%s' branch -q devflow/run10/main main && "
	                    "mkdir -p '%s/.git/worktrees/run11'",
	                    repo, repo),
	                 0);
	assert_int_equal(worktree_resolve_root(ws, "run10", NULL, &root, &err), 0);
	assert_int_equal(worktree_create(repo, "main", "run10", root, &err), -1);
	assert_non_null(strstr(err.message, "already exists"));
	assert_true(branch_exists(repo, "devflow/run10/main")); /* not ours: kept */
	free(root);
	assert_int_equal(worktree_resolve_root(ws, "run11", NULL, &root, &err), 0);
	assert_int_equal(worktree_create(repo, "main", "run11", root, &err), -1);
	assert_non_null(strstr(err.message, "already registered"));
	admin = xasprintf("%s/.git/worktrees/run11", repo);
	assert_true(exists(admin));
	assert_false(exists(root));
	free(admin);
	free(root);

	free(ws);
	free(repo);
}

static void
test_remove(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root, *admin, *other;
	struct df_error err;

	(void)state;
	root = start(ws, repo, "main", "rm1");
	assert_int_equal(sh("printf junk > '%s/untracked.txt' && mkdir '%s/d' && "
	                    "ln -s / '%s/d/rootlink'",
	                    root, root, root),
	                 0);
	/* A root that is not where the worktree lives is refused. */
	other = fresh_dir("other");
	assert_int_equal(worktree_remove(repo, "rm1", other, true, &err), -1);
	assert_non_null(strstr(err.message, "nothing removed"));
	assert_true(exists(root));
	assert_true(branch_exists(repo, "devflow/rm1/main"));

	assert_int_equal(sh("git -C '%s' config branch.devflow/rm1/main.remote origin", repo), 0);
	assert_int_equal(worktree_remove(repo, "rm1", root, true, &err), 0);
	assert_false(exists(root));
	assert_int_not_equal(sh("git -C '%s' config branch.devflow/rm1/main.remote", repo), 0);
	admin = xasprintf("%s/.git/worktrees/rm1", repo);
	assert_false(exists(admin));
	assert_false(branch_exists(repo, "devflow/rm1/main"));
	assert_true(exists("/etc")); /* a symlink in the tree is not followed */
	sh_is("1", "git -C '%s' worktree list | wc -l", repo);
	/* Idempotent. */
	assert_int_equal(worktree_remove(repo, "rm1", root, true, &err), 0);
	free(admin);
	free(root);

	/* Keeping the branch; a stray directory at an unregistered root is left alone. */
	root = start(ws, repo, "main", "rm2");
	assert_int_equal(worktree_remove(repo, "rm2", NULL, false, &err), 0);
	assert_false(exists(root));
	assert_true(branch_exists(repo, "devflow/rm2/main"));
	assert_int_equal(worktree_remove(repo, "rm2", other, false, &err), -1);
	assert_non_null(strstr(err.message, "not registered"));
	assert_true(exists(other));
	free(root);

	/* A root that does not exist while the worktree lives elsewhere: refused too. */
	root = start(ws, repo, "main", "rm3");
	{
		char *gone = xasprintf("%s/rm3/nothere", ws);

		assert_int_equal(worktree_remove(repo, "rm3", gone, true, &err), -1);
		assert_non_null(strstr(err.message, "nothing removed"));
		assert_true(exists(root));
		free(gone);
	}
	assert_int_equal(worktree_remove(repo, "rm3", root, true, &err), 0);
	assert_false(exists(root));
	free(root);
	free(other);
	free(ws);
	free(repo);
}

static void
test_diff(void **state)
{
	char *repo = make_repo(), *ws = fresh_dir("ws"), *root, *text = NULL;
	struct worktree_change *ch = NULL;
	size_t n = 99;
	struct df_error err;

	(void)state;
	root = start(ws, repo, "main", "d1");
	assert_int_equal(worktree_diff(repo, root, "main", &text, &err), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(worktree_changed_files(repo, root, "main", &ch, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(ch);

	assert_int_equal(sh("cd '%s' && printf 'hello\\nchanged line\\n' > README && "
	                    "mkdir -p new && printf 'brand new\\n' > new/untracked.txt",
	                    root),
	                 0);
	assert_int_equal(worktree_diff(repo, root, "main", &text, &err), 0);
	assert_non_null(strstr(text, "diff --git a/README b/README"));
	assert_non_null(strstr(text, "+changed line"));
	assert_non_null(strstr(text, "new/untracked.txt"));
	assert_non_null(strstr(text, "+brand new"));
	free(text);
	assert_int_equal(worktree_changed_files(repo, root, "main", &ch, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ch[0].status, 'M');
	assert_string_equal(ch[0].path, "README");
	assert_int_equal(ch[1].status, '?');
	assert_string_equal(ch[1].path, "new/untracked.txt");
	worktree_changes_free(ch, n);

	/* Committed work on the run's branch still shows; a base that moved on does not. */
	assert_int_equal(sh("cd '%s' && git add -A && git commit -q -m work && "
	                    "cd '%s' && printf 'other\\n' > main-only.txt && git add main-only.txt "
	                    "&& git commit -q -m 'main moves'",
	                    root, repo),
	                 0);
	assert_int_equal(worktree_diff(repo, root, "main", &text, &err), 0);
	assert_non_null(strstr(text, "+changed line"));
	assert_non_null(strstr(text, "+brand new"));
	assert_null(strstr(text, "main-only.txt"));
	free(text);

	assert_int_equal(worktree_diff(repo, root, "nope", &text, &err), -1);
	assert_null(text);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_non_null(strstr(err.hint, "main"));
	assert_int_equal(worktree_diff(repo, ws, "main", &text, &err), -1);
	assert_non_null(strstr(err.message, ws));
	free(root);
	free(ws);
	free(repo);
}

static void
test_child_env_filter(void **state)
{
	static const char *const removed[] = {
		"GIT_ALTERNATE_OBJECT_DIRECTORIES",
		"GIT_CONFIG",
		"GIT_CONFIG_PARAMETERS",
		"GIT_CONFIG_COUNT",
		"GIT_OBJECT_DIRECTORY",
		"GIT_DIR",
		"GIT_WORK_TREE",
		"GIT_IMPLICIT_WORK_TREE",
		"GIT_GRAFT_FILE",
		"GIT_INDEX_FILE",
		"GIT_NO_REPLACE_OBJECTS",
		"GIT_REPLACE_REF_BASE",
		"GIT_PREFIX",
		"GIT_SHALLOW_FILE",
		"GIT_COMMON_DIR",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		assert_true(gitenv_child_env_filter(removed[i]));
	assert_true(gitenv_child_env_filter("GIT_DIR=/somewhere/.git"));
	assert_true(gitenv_child_env_filter("GIT_WORK_TREE="));
	assert_false(gitenv_child_env_filter("GIT_DIRX"));
	assert_false(gitenv_child_env_filter("GIT_DI"));
	assert_false(gitenv_child_env_filter("git_dir"));
	assert_false(gitenv_child_env_filter("GIT_AUTHOR_NAME"));
	assert_false(gitenv_child_env_filter("GIT_CONFIG_NOSYSTEM"));
	assert_false(gitenv_child_env_filter("PATH=/usr/bin"));
	assert_false(gitenv_child_env_filter("HOME"));
	assert_false(gitenv_child_env_filter(""));
	assert_false(gitenv_child_env_filter(NULL));

	setenv("GIT_DIR", "/x", 1);
	setenv("GIT_INDEX_FILE", "/y", 1);
	gitenv_scrub();
	assert_null(getenv("GIT_DIR"));
	assert_null(getenv("GIT_INDEX_FILE"));
	assert_non_null(getenv("GIT_AUTHOR_NAME"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_from_main),
		cmocka_unit_test(test_create_from_other_branch),
		cmocka_unit_test(test_create_from_start_point),
		cmocka_unit_test(test_missing_base_lists_branches),
		cmocka_unit_test(test_bare_repository),
		cmocka_unit_test(test_repository_without_commits),
		cmocka_unit_test(test_not_a_repository),
		cmocka_unit_test(test_same_repo_two_spellings),
		cmocka_unit_test(test_root_outside_run_dir_refused),
		cmocka_unit_test(test_workspace_through_symlink),
		cmocka_unit_test(test_path_inside),
		cmocka_unit_test(test_artifact_path_check),
		cmocka_unit_test(test_failed_create_cleans_up),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_child_env_filter),
	};

	return cmocka_run_group_tests_name("worktree", tests, group_setup, group_teardown);
}
