/*
 * Worktrees on libgit2. The parts that decide safety are file system work
 * done here rather than in libgit2: paths are resolved physically, one
 * component at a time, following symlinks the way the kernel would, so a
 * path is judged by where it really leads and not by how it is spelled.
 * git_worktree_add leaves its partial work behind when it fails, so
 * worktree_create checks beforehand what already exists and removes
 * afterwards exactly what was not there before.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <strings.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "lib/buf.h"
#include "lib/paths.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "worktree.h"

/* Most symlinks followed while resolving one path, as Linux's MAXSYMLINKS. */
#define WT_MAX_LINKS 40

/* ---- libgit2 plumbing ---------------------------------------------------- */

static const char *
git_message(void)
{
	const git_error *e = git_error_last();

	return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

int
worktree_git_fail(struct df_error *err, enum df_class class, enum df_code code, const char *what)
{
	return df_error_set(err, class, code, "%s: %s", what, git_message());
}

char *
worktree_branch_name(const char *run_id)
{
	return xasprintf("devflow/%s/main", run_id);
}

/* ---- paths ---------------------------------------------------------------- */

/* Whether canonical absolute path lies inside parent or is parent. */
static bool
path_inside_or_equal(const char *path, const char *parent)
{
	size_t plen = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return path[0] == '/';
	return strncmp(path, parent, plen) == 0 && (path[plen] == '\0' || path[plen] == '/');
}

static bool
path_inside(const char *path, const char *parent)
{
	return path_inside_or_equal(path, parent) && strcmp(path, parent) != 0;
}

/* Drop the last component of an absolute path held in b ("/a/b" → "/a", "/a" → "/"). */
static void
pop_component(struct buf *b)
{
	while (b->len > 1 && b->data[b->len - 1] != '/')
		b->len--;
	if (b->len > 1)
		b->len--;
	b->data[b->len] = '\0';
}

static void
push_component(struct buf *b, const char *comp, size_t len)
{
	if (b->len != 1)
		buf_putc(b, '/');
	buf_append(b, comp, len);
}

/*
 * Resolve path physically. A relative path starts at base (canonical,
 * absolute). Each existing component is looked at with lstat: a symlink's
 * target is spliced in front of the remaining components, so ".." after a
 * symlink goes to the target's parent; components from the first missing one
 * on are taken as spelled. On success *out is absolute, free of ".", ".." and
 * symlinks in its existing prefix. Errors (a prefix that is a file, a symlink
 * loop, an unreadable directory) fill err naming display. Returns 0 or -1.
 */
static int
resolve_physical(const char *base, const char *path, const char *display, char **out,
                 struct df_error *err)
{
	struct buf cur = BUF_INIT;
	char *rest;
	size_t pos = 0;
	int links = 0;

	rest = xstrdup(path);
	buf_puts(&cur, path[0] == '/' ? "/" : base);
	for (;;) {
		char *comp, target[PATH_MAX];
		size_t clen, save;
		struct stat st;
		ssize_t n;

		while (rest[pos] == '/')
			pos++;
		if (rest[pos] == '\0')
			break;
		comp = rest + pos;
		clen = strcspn(comp, "/");
		pos += clen;
		if (clen == 1 && comp[0] == '.')
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			pop_component(&cur);
			continue;
		}
		save = cur.len;
		push_component(&cur, comp, clen);
		if (lstat(cur.data, &st) != 0) {
			if (errno == ENOENT)
				continue; /* missing: the rest is taken as spelled */
			df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
			             "cannot resolve %s: %s: %s", display, cur.data,
			             strerror(errno));
			goto fail;
		}
		if (!S_ISLNK(st.st_mode)) {
			if (!S_ISDIR(st.st_mode) && rest[pos] != '\0') {
				df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
				             "cannot resolve %s: %s is not a directory", display,
				             cur.data);
				goto fail;
			}
			continue;
		}
		if (++links > WT_MAX_LINKS) {
			df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
			             "cannot resolve %s: too many levels of symbolic links at %s",
			             display, cur.data);
			goto fail;
		}
		n = readlink(cur.data, target, sizeof(target));
		if (n < 0 || (size_t)n >= sizeof(target)) {
			df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
			             "cannot read symbolic link %s: %s", cur.data,
			             n < 0 ? strerror(errno) : "target too long");
			goto fail;
		}
		target[n] = '\0';
		/* Replace the link by its target: rest becomes target + what followed. */
		{
			/* No "/" after a last component: a link to a file is not a directory. */
			char *next = xasprintf("%s%s%s", target, rest[pos] ? "/" : "", rest + pos);

			free(rest);
			rest = next;
			pos = 0;
		}
		cur.len = save;
		cur.data[cur.len] = '\0';
		if (target[0] == '/') {
			buf_reset(&cur);
			buf_puts(&cur, "/");
		}
	}
	free(rest);
	*out = buf_detach(&cur);
	return 0;
fail:
	free(rest);
	buf_free(&cur);
	return -1;
}

/* Append s to b with what cannot be shown (controls, invalid bytes) escaped, cut at 80 bytes. */
static void
put_shown(struct buf *b, const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
		if (n == 80) {
			buf_puts(b, "...");
			return;
		}
		if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || *p >= 0x80)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_putc(b, (char)*p);
	}
}

/*
 * Is the component (len bytes) git's directory under another spelling a file
 * system may give it: any case (".GIT" on a case-insensitive file system),
 * trailing dots or spaces (dropped by NTFS), or NTFS's short name "git~1"?
 */
static bool
names_dot_git(const char *c, size_t len)
{
	while (len > 0 && (c[len - 1] == '.' || c[len - 1] == ' '))
		len--;
	return (len == 4 && strncasecmp(c, ".git", 4) == 0) ||
	       (len == 5 && strncasecmp(c, "git~1", 5) == 0);
}

static int path_problem(char *why, size_t whylen, const char *relpath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
path_problem(char *why, size_t whylen, const char *relpath, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char tail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	buf_puts(&b, "artifact path \"");
	put_shown(&b, relpath);
	buf_printf(&b, "\" %s", tail);
	snprintf(why, whylen, "%s", b.data);
	buf_free(&b);
	return -1;
}

int
worktree_artifact_path_check(const char *relpath, char *why, size_t whylen)
{
	const unsigned char *u = (const unsigned char *)relpath;
	size_t len = strlen(relpath), i = 0;

	if (len == 0)
		return path_problem(why, whylen, relpath, "is empty");
	if (len > WORKTREE_ARTIFACT_PATH_MAX)
		return path_problem(why, whylen, relpath, "is %zu bytes long, over the limit of %d",
		                    len, WORKTREE_ARTIFACT_PATH_MAX);
	while (i < len) {
		size_t k = utf8_seq(u + i, len - i);

		if (k == 0)
			return path_problem(why, whylen, relpath,
			                    "is not UTF-8 (byte 0x%02x at offset %zu)", u[i], i);
		if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xC2 && u[i + 1] < 0xA0))
			return path_problem(why, whylen, relpath,
			                    "contains a control character (at offset %zu)", i);
		i += k;
	}
	if (relpath[0] == '/')
		return path_problem(why, whylen, relpath,
		                    "is absolute; it must be relative to the worktree");
	for (const char *p = relpath;; p++) {
		size_t clen = strcspn(p, "/");

		if (clen == 0)
			return path_problem(why, whylen, relpath,
			                    "is not normalized (an empty component: \"//\" or a "
			                    "trailing \"/\")");
		if (clen == 1 && p[0] == '.')
			return path_problem(why, whylen, relpath,
			                    "is not normalized (a \".\" component)");
		if (clen == 2 && p[0] == '.' && p[1] == '.')
			return path_problem(why, whylen, relpath,
			                    "climbs out with \"..\"; it must stay inside the "
			                    "worktree");
		if (names_dot_git(p, clen))
			return path_problem(why, whylen, relpath,
			                    "names git's own directory (a component \"%.*s\")",
			                    (int)clen, p);
		p += clen;
		if (*p == '\0')
			break;
	}
	return 0;
}

static int
check_run_id(const char *run_id, struct df_error *err)
{
	if (run_id == NULL || run_id[0] == '\0' || strchr(run_id, '/') != NULL ||
	    strcmp(run_id, ".") == 0 || strcmp(run_id, "..") == 0 || strlen(run_id) >= DF_ID_MAX)
		return df_error_set(
		    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		    "run id '%s' is not a single path component of at most %d bytes",
		    run_id != NULL ? run_id : "(null)", DF_ID_MAX - 1);
	return 0;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- repositories --------------------------------------------------------- */

/*
 * Open the repository whose top level (or .git directory) is path and check
 * that a worktree can be made from it. On success *repo is open (the caller
 * frees it) and, when canon is not NULL, *canon is the realpath of its work
 * directory (the caller frees it).
 */
static int
open_repo(const char *path, git_repository **repo, char **canon, struct df_error *err)
{
	git_buf top = GIT_BUF_INIT;
	struct stat st;
	int rc;

	*repo = NULL;
	if (path == NULL || path[0] == '\0')
		return df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "no repository path given");
	if (stat(path, &st) != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "repository %s: %s", path,
		             strerror(errno));
		df_error_hint(err, "pass the top-level directory of a git repository (git clone or "
		                   "git init, then a first commit)");
		return -1;
	}
	rc = git_repository_open_ext(repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "%s is not a git repository", path);
		if (git_repository_discover(&top, path, 0, NULL) == 0) {
			git_repository *outer = NULL;
			const char *wd = NULL;

			if (git_repository_open(&outer, top.ptr) == 0)
				wd = git_repository_workdir(outer);
			df_error_hint(err,
			              "it lies inside the repository %s; pass that repository's "
			              "top-level directory",
			              wd != NULL ? wd : top.ptr);
			git_repository_free(outer);
			git_buf_dispose(&top);
		} else {
			df_error_hint(err,
			              "create one with `git init %s` and a first commit, or pass "
			              "the top-level directory of an existing clone",
			              path);
		}
		return -1;
	}
	if (rc == GIT_EOWNER) {
		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, path);
		df_error_hint(err,
		              "the repository belongs to another user; if it is trusted, run "
		              "`git config --global --add safe.directory %s`",
		              path);
		return -1;
	}
	if (rc < 0)
		return worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, path);
	if (git_repository_is_bare(*repo)) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "%s is a bare repository", path);
		df_error_hint(
		    err, "runs need a working tree: use a non-bare clone (git clone %s DIR)", path);
		goto fail;
	}
	rc = git_repository_head_unborn(*repo);
	if (rc == 1) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "%s has no commits yet", path);
		df_error_hint(err,
		              "make a first commit, e.g. git -C %s commit --allow-empty -m "
		              "'Initial commit'",
		              path);
		goto fail;
	}
	if (rc < 0) {
		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, path);
		goto fail;
	}
	if (canon != NULL) {
		const char *wd = git_repository_workdir(*repo);

		*canon = wd != NULL ? realpath(wd, NULL) : NULL;
		if (*canon == NULL) {
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
			             "cannot resolve the work directory of %s: %s", path,
			             wd != NULL ? strerror(errno) : "none");
			goto fail;
		}
	}
	return 0;
fail:
	git_repository_free(*repo);
	*repo = NULL;
	return -1;
}

int
worktree_canonical_repo(const char *path, char **out, struct df_error *err)
{
	git_repository *repo;
	int rc;

	git_libgit2_init();
	rc = open_repo(path, &repo, out, err);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* "a, b, c" of the repository's local branches ("none" when there are none). */
static char *
local_branches(git_repository *repo)
{
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;
	struct buf b = BUF_INIT;

	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL) == 0) {
		while (git_branch_next(&ref, &type, it) == 0) {
			const char *name = NULL;

			if (git_branch_name(&name, ref) == 0)
				buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", name);
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	if (b.len == 0)
		buf_puts(&b, "none");
	return buf_detach(&b);
}

/*
 * The commit the base branch points at: a local branch first, then a
 * remote-tracking one. repo_path is for messages. *commit is the caller's.
 */
static int
resolve_base(git_repository *repo, const char *repo_path, const char *base, git_commit **commit,
             struct df_error *err)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc;

	*commit = NULL;
	if (base == NULL || base[0] == '\0')
		return df_error_set(err, DF_HUMAN_REQUIRED, DF_E_INVALID_ARGUMENT,
		                    "no base branch given");
	rc = git_branch_lookup(&ref, repo, base, GIT_BRANCH_LOCAL);
	if (rc == GIT_ENOTFOUND)
		rc = git_branch_lookup(&ref, repo, base, GIT_BRANCH_REMOTE);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		char *names = local_branches(repo);

		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		             "base branch '%s' does not exist in %s", base, repo_path);
		df_error_hint(err, "local branches: %s", names);
		free(names);
		return -1;
	}
	if (rc < 0)
		return worktree_git_fail(err, DF_FATAL, DF_E_GIT, "looking up the base branch");
	rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	git_reference_free(ref);
	if (rc < 0)
		return worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		                         "base branch does not point at a commit");
	*commit = (git_commit *)obj;
	return 0;
}

/* ---- roots ---------------------------------------------------------------- */

int
worktree_resolve_root(const char *workspace, const char *run_id, const char *requested, char **out,
                      struct df_error *err)
{
	char *ws = NULL, *run_dir = NULL, *canon_run = NULL, *want = NULL, *resolved = NULL;
	char *again = NULL, *parent;
	int rc = -1;

	*out = NULL;
	if (check_run_id(run_id, err) != 0)
		return -1;
	if (workspace == NULL || workspace[0] != '/')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "workspace '%s' is not an absolute path",
		                    workspace != NULL ? workspace : "(null)");
	if (requested != NULL && requested[0] == '\0')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "requested worktree root is empty");
	if (!exists(workspace) && paths_mkdir_p(workspace, 0700) != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot create workspace %s: %s", workspace, strerror(errno));
		return -1;
	}
	ws = realpath(workspace, NULL);
	if (ws == NULL) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot resolve workspace %s: %s", workspace, strerror(errno));
		goto out;
	}
	run_dir = xasprintf("%s/%s", ws, run_id);
	canon_run = realpath(run_dir, NULL);
	if (canon_run == NULL)
		canon_run = xstrdup(run_dir);
	want = requested == NULL ? xasprintf("%s/main", run_dir) : xstrdup(requested);
	if (resolve_physical(canon_run, want, want, &resolved, err) != 0)
		goto out;
	if (!path_inside(resolved, canon_run)) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "worktree root %s resolves to %s, which is not inside the run "
		             "directory %s",
		             want, resolved, canon_run);
		df_error_hint(err, "choose a worktree root below %s, or leave it unset for %s/main",
		              canon_run, canon_run);
		goto out;
	}
	if (!exists(run_dir) && mkdir(run_dir, 0700) != 0 && errno != EEXIST) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot create run directory %s: %s", run_dir, strerror(errno));
		goto out;
	}
	parent = xstrdup(resolved);
	*strrchr(parent, '/') = '\0';
	if (paths_mkdir_p(parent, 0700) != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot create %s: %s", parent, strerror(errno));
		free(parent);
		goto out;
	}
	free(parent);
	/* The directories now exist: resolve again, in case one of them changed. */
	free(canon_run);
	canon_run = realpath(run_dir, NULL);
	if (canon_run == NULL) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot resolve run directory %s: %s", run_dir, strerror(errno));
		goto out;
	}
	if (resolve_physical(canon_run, resolved, want, &again, err) != 0)
		goto out;
	if (!path_inside(again, canon_run)) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "worktree root %s resolves to %s, which is not inside the run "
		             "directory %s",
		             want, again, canon_run);
		goto out;
	}
	*out = again;
	again = NULL;
	rc = 0;
out:
	free(ws);
	free(run_dir);
	free(canon_run);
	free(want);
	free(resolved);
	free(again);
	return rc;
}

int
worktree_path_inside(const char *root, const char *relpath, char **out_abs, struct df_error *err)
{
	char *canon_root, *resolved = NULL;

	const char *base;
	char why[256], *dir = NULL, *parent = NULL;
	struct stat st;
	int rc = -1;

	*out_abs = NULL;
	if (relpath == NULL || relpath[0] == '\0')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "empty artifact path");
	if (worktree_artifact_path_check(relpath, why, sizeof(why)) != 0)
		return df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS, "%s (worktree %s)",
		                    why, root);
	canon_root = realpath(root, NULL);
	if (canon_root == NULL)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot resolve worktree %s: %s", root,
		                    strerror(errno));
	/* The whole path, links included, must lead inside (a dangling or escaping link too). */
	if (resolve_physical(canon_root, relpath, relpath, &resolved, err) != 0)
		goto out;
	if (!path_inside(resolved, canon_root)) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "path %s leads to %s, outside the worktree %s", relpath, resolved,
		             canon_root);
		goto out;
	}
	/*
	 * The answer is the file as named in its real directory: a final
	 * symbolic link is the artifact itself (which readers refuse), not
	 * whatever it points to.
	 */
	base = strrchr(relpath, '/');
	if (base != NULL) {
		dir = xstrndup(relpath, (size_t)(base - relpath));
		if (resolve_physical(canon_root, dir, relpath, &parent, err) != 0)
			goto out;
		base++;
	} else {
		parent = xstrdup(canon_root);
		base = relpath;
	}
	*out_abs = xasprintf("%s/%s", parent, base);
	if (lstat(*out_abs, &st) != 0 || !S_ISLNK(st.st_mode)) {
		free(*out_abs);
		*out_abs = resolved;
		resolved = NULL;
	}
	rc = 0;
out:
	free(dir);
	free(parent);
	free(resolved);
	free(canon_root);
	return rc;
}

/* ---- create and remove ------------------------------------------------------ */

/* The admin directory git keeps for worktree name: <commondir>/worktrees/<name>. */
static char *
admin_dir(git_repository *repo, const char *name)
{
	const char *common = git_repository_commondir(repo);
	size_t len = strlen(common);

	return xasprintf("%s%sworktrees/%s", common, len > 0 && common[len - 1] == '/' ? "" : "/",
	                 name);
}

/*
 * Delete a local branch and the configuration git keeps for it. Not
 * git_branch_delete: in libgit2 1.5 its configuration cleanup matches every
 * configuration entry against a regular expression and leaks the pcre2 match
 * data of each entry that does not match (regexp.c, git_regexp_match). The
 * keys git itself writes for a branch are removed one by one instead.
 */
static int
delete_branch_ref(git_repository *repo, git_reference *branch)
{
	static const char *const keys[] = { "remote", "merge", "pushRemote", "rebase",
		                            "description" };
	const char *name = NULL;
	git_config *cfg = NULL;

	if (git_branch_is_checked_out(branch) == 1) {
		git_error_set_str(GIT_ERROR_REFERENCE, "the branch is checked out in a worktree");
		return -1;
	}
	if (git_branch_name(&name, branch) == 0 && git_repository_config(&cfg, repo) == 0) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			char *key = xasprintf("branch.%s.%s", name, keys[i]);

			git_config_delete_entry(cfg, key); /* absent is fine */
			free(key);
		}
		git_config_free(cfg);
	}
	return git_reference_delete(branch);
}

/*
 * The commit a run's branch starts at when it is not the base's tip: start,
 * a local branch or a full commit id (the rebase follow-up's, at the
 * original run's branch). *commit is the caller's.
 */
static int
resolve_start(git_repository *repo, const char *start, git_commit **commit, struct df_error *err)
{
	git_reference *ref = NULL;
	git_oid id;
	int rc;

	*commit = NULL;
	if (git_branch_lookup(&ref, repo, start, GIT_BRANCH_LOCAL) == 0) {
		rc = git_reference_peel((git_object **)commit, ref, GIT_OBJECT_COMMIT);
		git_reference_free(ref);
	} else {
		rc = git_oid_fromstr(&id, start) != 0 ? -1 : git_commit_lookup(commit, repo, &id);
	}
	if (rc != 0) {
		*commit = NULL;
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		             "the start point '%s' is neither a local branch nor a commit", start);
		return -1;
	}
	return 0;
}

static int
create_in(git_repository *repo, const char *repo_path, const char *base_branch, const char *start,
          const char *run_id, const char *root, struct df_error *err)
{
	git_commit *commit = NULL;
	git_reference *branch = NULL, *existing = NULL;
	git_worktree *wt = NULL;
	git_worktree_add_options opts;
	char *name = worktree_branch_name(run_id), *admin = admin_dir(repo, run_id);
	char *hint = NULL;
	int rc = -1, saved_errno;

	hint = xasprintf("git -C %s worktree add -b %s %s %s", repo_path, name, root, base_branch);
	{
		char *refname = xasprintf("refs/heads/%s", name);
		int valid = 0;

		if (git_reference_name_is_valid(&valid, refname) < 0)
			valid = 0;
		free(refname);
		if (!valid) {
			df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			             "run id '%s' does not make a valid branch name (%s)", run_id,
			             name);
			goto out;
		}
	}
	if (resolve_base(repo, repo_path, base_branch, &commit, err) != 0)
		goto out;
	if (start != NULL) {
		git_commit_free(commit);
		if (resolve_start(repo, start, &commit, err) != 0)
			goto out;
	}
	if (git_branch_lookup(&existing, repo, name, GIT_BRANCH_LOCAL) == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		             "branch %s already exists in %s", name, repo_path);
		df_error_hint(err,
		              "a run with this id was started before; remove its worktree and "
		              "branch (git -C %s worktree prune; git -C %s branch -D %s)",
		              repo_path, repo_path, name);
		goto out;
	}
	if (exists(admin)) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		             "a worktree named %s is already registered in %s (%s)", run_id,
		             repo_path, admin);
		df_error_hint(err, "remove it first (git -C %s worktree prune, or delete %s)",
		              repo_path, admin);
		goto out;
	}
	if (exists(root)) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
		             "worktree root %s already exists", root);
		df_error_hint(err, "move or delete %s, or choose another worktree root", root);
		goto out;
	}
	if (git_branch_create(&branch, repo, name, commit, 0) < 0) {
		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED, name);
		goto out;
	}
	git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	opts.ref = branch;
	/* The directory is new and ours: write every file, whatever the baseline. */
	opts.checkout_options.checkout_strategy = GIT_CHECKOUT_FORCE;
	errno = 0;
	if (git_worktree_add(&wt, repo, run_id, root, &opts) < 0) {
		saved_errno = errno;
		if (saved_errno == EACCES || saved_errno == EPERM || saved_errno == EROFS)
			worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
			                  "creating the worktree");
		else
			worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_WORKTREE_CREATE_FAILED,
			                  "creating the worktree");
		df_error_hint(err, "%s", hint);
		/* Nothing at admin or root existed before: all of it is ours. */
		paths_remove_tree(admin);
		paths_remove_tree(root);
		delete_branch_ref(repo, branch);
		goto out;
	}
	rc = 0;
out:
	git_worktree_free(wt);
	git_reference_free(branch);
	git_reference_free(existing);
	git_commit_free(commit);
	free(name);
	free(admin);
	free(hint);
	return rc;
}

int
worktree_create(const char *repo_path, const char *base_branch, const char *run_id,
                const char *root, struct df_error *err)
{
	return worktree_create_from(repo_path, base_branch, NULL, run_id, root, err);
}

int
worktree_create_from(const char *repo_path, const char *base_branch, const char *start,
                     const char *run_id, const char *root, struct df_error *err)
{
	git_repository *repo;
	int rc;

	if (check_run_id(run_id, err) != 0)
		return -1;
	if (root == NULL || root[0] != '/')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "worktree root '%s' is not an absolute path",
		                    root != NULL ? root : "(null)");
	git_libgit2_init();
	rc = open_repo(repo_path, &repo, NULL, err);
	if (rc == 0)
		rc = create_in(repo, repo_path, base_branch, start, run_id, root, err);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* Whether two existing paths are the same file (realpath), for root checks. */
static bool
same_place(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra != NULL && rb != NULL && strcmp(ra, rb) == 0;

	free(ra);
	free(rb);
	return same;
}

static int
remove_in(git_repository *repo, const char *repo_path, const char *run_id, const char *root,
          bool delete_branch, struct df_error *err)
{
	git_worktree *wt = NULL;
	git_reference *branch = NULL;
	git_worktree_prune_options popts;
	char *name = worktree_branch_name(run_id), *admin;
	int rc = -1, found;

	/* libgit2 reports a missing worktree as a plain error: look for it first. */
	admin = admin_dir(repo, run_id);
	found = exists(admin) ? git_worktree_lookup(&wt, repo, run_id) : GIT_ENOTFOUND;
	if (found == 0) {
		const char *path = git_worktree_path(wt);

		if (root != NULL && (exists(root) ? !same_place(path, root) : exists(path))) {
			df_error_set(err, DF_FATAL, DF_E_GIT,
			             "worktree %s of %s lives at %s, not at %s; nothing removed",
			             run_id, repo_path, path, root);
			goto out;
		}
		git_worktree_prune_options_init(&popts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
		popts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
		if (git_worktree_prune(wt, &popts) < 0) {
			worktree_git_fail(err, DF_FATAL, DF_E_GIT, "removing the worktree");
			goto out;
		}
	} else if (found == GIT_ENOTFOUND) {
		if (root != NULL && exists(root)) {
			df_error_set(err, DF_FATAL, DF_E_GIT,
			             "%s is not registered as worktree %s of %s; left in place",
			             root, run_id, repo_path);
			goto out;
		}
	} else {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, "looking up the worktree");
		goto out;
	}
	if (delete_branch) {
		int brc = git_branch_lookup(&branch, repo, name, GIT_BRANCH_LOCAL);

		if (brc == 0 && delete_branch_ref(repo, branch) < 0) {
			worktree_git_fail(err, DF_FATAL, DF_E_GIT, name);
			goto out;
		}
		if (brc < 0 && brc != GIT_ENOTFOUND) {
			worktree_git_fail(err, DF_FATAL, DF_E_GIT, name);
			goto out;
		}
	}
	rc = 0;
out:
	git_worktree_free(wt);
	git_reference_free(branch);
	free(name);
	free(admin);
	return rc;
}

int
worktree_remove(const char *repo_path, const char *run_id, const char *root, bool delete_branch,
                struct df_error *err)
{
	git_repository *repo;
	int rc;

	if (check_run_id(run_id, err) != 0)
		return -1;
	git_libgit2_init();
	rc = open_repo(repo_path, &repo, NULL, err);
	if (rc == 0)
		rc = remove_in(repo, repo_path, run_id, root, delete_branch, err);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* ---- diff ------------------------------------------------------------------ */

/*
 * The diff of the worktree at root against the base (see worktree_diff).
 * Opens both repositories; *wtrepo and *diff are the caller's to free.
 */
static int
open_diff(const char *repo_path, const char *root, const char *base_branch, git_repository **wtrepo,
          git_diff **diff, struct df_error *err)
{
	git_repository *repo = NULL;
	git_commit *base = NULL, *merge = NULL;
	git_reference *head = NULL;
	git_object *head_commit = NULL;
	git_tree *tree = NULL;
	git_oid mb;
	git_diff_options opts;
	char *common_a = NULL, *common_b = NULL;
	int rc = -1;

	*wtrepo = NULL;
	*diff = NULL;
	if (open_repo(repo_path, &repo, NULL, err) != 0)
		return -1;
	if (root == NULL ||
	    git_repository_open_ext(wtrepo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "%s is not a git worktree: %s",
		             root != NULL ? root : "(null)", git_message());
		goto out;
	}
	common_a = realpath(git_repository_commondir(repo), NULL);
	common_b = realpath(git_repository_commondir(*wtrepo), NULL);
	if (common_a == NULL || common_b == NULL || strcmp(common_a, common_b) != 0 ||
	    git_repository_is_bare(*wtrepo)) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT, "%s is not a worktree of %s", root,
		             repo_path);
		goto out;
	}
	if (resolve_base(*wtrepo, repo_path, base_branch, &base, err) != 0) {
		if (err != NULL && err->code == DF_E_WORKTREE_CREATE_FAILED)
			err->code = DF_E_GIT;
		goto out;
	}
	if (git_repository_head(&head, *wtrepo) < 0 ||
	    git_reference_peel(&head_commit, head, GIT_OBJECT_COMMIT) < 0) {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, "reading the worktree's HEAD");
		goto out;
	}
	if (git_merge_base(&mb, *wtrepo, git_commit_id(base), git_object_id(head_commit)) == 0 &&
	    git_commit_lookup(&merge, *wtrepo, &mb) == 0) {
		if (git_commit_tree(&tree, merge) < 0) {
			worktree_git_fail(err, DF_FATAL, DF_E_GIT, "reading the merge base's tree");
			goto out;
		}
	} else if (git_commit_tree(&tree, base) < 0) {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, "reading the base's tree");
		goto out;
	}
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
	             GIT_DIFF_SHOW_UNTRACKED_CONTENT;
	if (git_diff_tree_to_workdir_with_index(diff, *wtrepo, tree, &opts) < 0) {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, "computing the worktree's diff");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		git_repository_free(*wtrepo);
		*wtrepo = NULL;
	}
	free(common_a);
	free(common_b);
	git_tree_free(tree);
	git_commit_free(merge);
	git_object_free(head_commit);
	git_reference_free(head);
	git_commit_free(base);
	git_repository_free(repo);
	return rc;
}

int
worktree_diff(const char *repo_path, const char *root, const char *base_branch, char **out_text,
              struct df_error *err)
{
	git_repository *wtrepo;
	git_diff *diff;
	git_buf text = GIT_BUF_INIT;
	int rc;

	*out_text = NULL;
	git_libgit2_init();
	rc = open_diff(repo_path, root, base_branch, &wtrepo, &diff, err);
	if (rc == 0) {
		if (git_diff_to_buf(&text, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
			rc = worktree_git_fail(err, DF_FATAL, DF_E_GIT,
			                       "formatting the worktree's diff");
		} else {
			*out_text = xstrndup(text.ptr != NULL ? text.ptr : "", text.size);
		}
		git_buf_dispose(&text);
		git_diff_free(diff);
		git_repository_free(wtrepo);
	}
	git_libgit2_shutdown();
	return rc;
}

int
worktree_changed_files(const char *repo_path, const char *root, const char *base_branch,
                       struct worktree_change **out, size_t *n, struct df_error *err)
{
	git_repository *wtrepo;
	git_diff *diff;
	int rc;

	*out = NULL;
	*n = 0;
	git_libgit2_init();
	rc = open_diff(repo_path, root, base_branch, &wtrepo, &diff, err);
	if (rc == 0) {
		size_t count = git_diff_num_deltas(diff);

		if (count > 0)
			*out = xcalloc(count, sizeof(**out));
		for (size_t i = 0; i < count; i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			const char *path =
			    d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;

			(*out)[i].status = git_diff_status_char(d->status);
			(*out)[i].path = xstrdup(path);
		}
		*n = count;
		git_diff_free(diff);
		git_repository_free(wtrepo);
	}
	git_libgit2_shutdown();
	return rc;
}

void
worktree_changes_free(struct worktree_change *changes, size_t n)
{
	for (size_t i = 0; i < n && changes != NULL; i++)
		free(changes[i].path);
	free(changes);
}

int
worktree_read_blob(const char *repo_path, const char *branch, const char *relpath, size_t max,
                   char **out, struct df_error *err)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	char *spec = xasprintf("refs/heads/%s:%s", branch, relpath);
	int rc = -1, r;

	*out = NULL;
	git_libgit2_init();
	if (git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, repo_path);
		goto out;
	}
	r = git_revparse_single(&obj, repo, spec);
	if (r == GIT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (r < 0) {
		worktree_git_fail(err, DF_FATAL, DF_E_GIT, spec);
		goto out;
	}
	if (git_object_type(obj) != GIT_OBJECT_BLOB) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s on %s is not a file",
		             relpath, branch);
		goto out;
	}
	if (git_blob_rawsize((git_blob *)obj) > (git_object_size_t)max) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s on %s is over %zu bytes",
		             relpath, branch, max);
		goto out;
	}
	*out = xstrndup(git_blob_rawcontent((git_blob *)obj),
	                (size_t)git_blob_rawsize((git_blob *)obj));
	rc = 1;
out:
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(spec);
	return rc;
}
