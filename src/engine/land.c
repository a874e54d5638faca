/*
 * Landing on libgit2 (see land.h). The order of every step is chosen so a
 * crash between two of them leaves something the next attempt recognises:
 * objects are written before any reference moves, a checkout is updated
 * before its branch moves (a crash between leaves changes in the checkout
 * that equal the target, which a safe checkout accepts), and the branch
 * moves by compare-and-swap.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "lib/buf.h"
#include "lib/fault.h"
#include "lib/xalloc.h"
#include "land.h"
#include "worktree.h"

/* How far back the base's history is searched for a run's squash commit. */
#define LAND_SQUASH_SEARCH 1000

static int
fail(struct df_error *err, const char *what)
{
	return worktree_git_fail(err, DF_FATAL, DF_E_GIT, what);
}

/* The user's identity as git reads it, else devflow's own. */
static int
signature(git_repository *repo, git_signature **sig)
{
	if (git_signature_default(sig, repo) == 0)
		return 0;
	return git_signature_now(sig, "devflow", "devflow@localhost");
}

/* ---- per-phase commits --------------------------------------------------- */

struct excl {
	const char *const *v;
	size_t n;
};

/* git_index_add_all/update_all callback: 1 skips the path (an excluded one). */
static int
skip_excluded(const char *path, const char *spec, void *payload)
{
	const struct excl *x = payload;

	(void)spec;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(path, x->v[i]) == 0)
			return 1;
	return 0;
}

/* Does msg hold the trailer line "name: value"? */
static int
has_trailer(const char *msg, const char *name, const char *value)
{
	char *line = xasprintf("%s: %s", name, value);
	const char *p = msg;
	size_t len = strlen(line);
	int found = 0;

	while (p != NULL && *p != '\0' && !found) {
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			found = 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	free(line);
	return found;
}

static int
commit_in(git_repository *repo, const char *message, const char *step, const struct excl *x,
          char out[LAND_OID_HEX], struct df_error *err)
{
	git_index *idx = NULL;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, id;
	git_strarray all = { .strings = (char *[]){ "*" }, .count = 1 };
	char *msg = NULL;
	int rc = -1;

	out[0] = '\0';
	if (git_revparse_single((git_object **)&head, repo, "HEAD^{commit}") != 0) {
		fail(err, "reading the worktree's HEAD");
		goto out;
	}
	if (has_trailer(git_commit_message(head), "Devflow-Step", step)) {
		git_oid_tostr(out, LAND_OID_HEX, git_commit_id(head));
		rc = 0;
		goto out;
	}
	if (git_repository_index(&idx, repo) != 0 ||
	    git_index_add_all(idx, &all, GIT_INDEX_ADD_DEFAULT, skip_excluded, (void *)x) != 0 ||
	    git_index_update_all(idx, &all, skip_excluded, (void *)x) != 0 ||
	    git_index_write(idx) != 0 || git_index_write_tree(&tree_id, idx) != 0) {
		fail(err, "staging the worktree's changes");
		goto out;
	}
	if (git_oid_equal(&tree_id, git_commit_tree_id(head))) {
		rc = 0; /* an empty change makes no commit */
		goto out;
	}
	msg = xasprintf("%s\n\nDevflow-Step: %s\n", message, step);
	if (git_tree_lookup(&tree, repo, &tree_id) != 0 || signature(repo, &sig) != 0 ||
	    git_commit_create(&id, repo, "HEAD", sig, sig, NULL, msg, tree, 1,
	                      (const git_commit *[]){ head }) != 0) {
		fail(err, "committing the worktree's changes");
		goto out;
	}
	git_oid_tostr(out, LAND_OID_HEX, &id);
	rc = 1;
out:
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(head);
	git_index_free(idx);
	return rc;
}

/*
 * For the tests (DEVFLOW_TEST_FAULT=commit-slow:MS): a phase commit that
 * takes MS milliseconds longer, as one over a very large tree does.
 */
static void
slow_for_tests(void)
{
	char arg[32];
	long ms;

	if (!fault_get("commit-slow", arg, sizeof(arg)) || (ms = strtol(arg, NULL, 10)) <= 0)
		return;
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
	          NULL);
}

int
land_commit_worktree(const char *root, const char *message, const char *step,
                     const char *const *exclude, size_t nexclude, char out[LAND_OID_HEX],
                     struct df_error *err)
{
	git_repository *repo = NULL;
	struct excl x = { exclude, nexclude };
	int rc;

	slow_for_tests();
	git_libgit2_init();
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0)
		rc = worktree_git_fail(err, DF_FATAL, DF_E_GIT, root);
	else
		rc = commit_in(repo, message, step, &x, out, err);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* How many paths land_worktree_changes names before "and N more". */
#define LAND_PATHS_SHOWN 10

int
land_worktree_changes(const char *root, const char *const *exclude, size_t nexclude, char **paths,
                      struct df_error *err)
{
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	git_status_options o;
	struct excl x = { exclude, nexclude };
	struct buf b = BUF_INIT;
	int n = 0, rc = 0;

	*paths = NULL;
	git_libgit2_init();
	git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0)
		goto out; /* no worktree (cleaned): nothing uncommitted */
	if (git_status_list_new(&list, repo, &o) != 0) {
		rc = fail(err, "reading the worktree's status");
		goto out;
	}
	for (size_t i = 0; i < git_status_list_entrycount(list); i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d =
		    e->index_to_workdir != NULL ? e->index_to_workdir : e->head_to_index;
		const char *path = d != NULL ? d->new_file.path : NULL;

		if (path == NULL || skip_excluded(path, NULL, &x))
			continue;
		if (n < LAND_PATHS_SHOWN)
			buf_printf(&b, "%s%s", n > 0 ? ", " : "", path);
		n++;
	}
	if (n > LAND_PATHS_SHOWN)
		buf_printf(&b, " and %d more", n - LAND_PATHS_SHOWN);
	*paths = n > 0 ? buf_detach(&b) : NULL;
	rc = n;
out:
	buf_free(&b);
	git_status_list_free(list);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* ---- landing ------------------------------------------------------------- */

static const char *const mode_names[] = { "auto", "merge", "squash", "ff-only" };

const char *
land_mode_name(enum land_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

int
land_mode_parse(const char *name, enum land_mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (name != NULL && strcmp(name, mode_names[i]) == 0) {
			*out = (enum land_mode)i;
			return 0;
		}
	return -1;
}

/* Everything one landing holds open. */
struct landing {
	const struct land_request *rq;
	git_repository *repo;
	git_reference *base_ref;
	git_commit *base, *tip;
	git_oid new_id;
	char *branch;
};

static void
landing_free(struct landing *l)
{
	git_commit_free(l->base);
	git_commit_free(l->tip);
	git_reference_free(l->base_ref);
	git_repository_free(l->repo);
	free(l->branch);
}

/* The base must be a local branch: a remote-tracking one is landed by pushing. */
static int
open_refs(struct landing *l, struct df_error *err)
{
	const struct land_request *rq = l->rq;
	git_reference *br = NULL;
	int rc;

	if (git_repository_open_ext(&l->repo, rq->repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) !=
	    0)
		return worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, rq->repo_path);
	rc = git_branch_lookup(&l->base_ref, l->repo, rq->base_branch, GIT_BRANCH_LOCAL);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
		             "cannot land: the base branch '%s' is not a local branch of %s",
		             rq->base_branch, rq->repo_path);
		df_error_hint(err,
		              "recreate it (git -C %s branch %s COMMIT), or push the run's "
		              "branch instead: devflow land %s --push REMOTE",
		              rq->repo_path, rq->base_branch, rq->run_id);
		return -1;
	}
	if (rc != 0 ||
	    git_reference_peel((git_object **)&l->base, l->base_ref, GIT_OBJECT_COMMIT) != 0)
		return fail(err, "reading the base branch");
	rc = git_branch_lookup(&br, l->repo, l->branch, GIT_BRANCH_LOCAL);
	if (rc == GIT_ENOTFOUND) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
		             "cannot land: the run's branch %s is gone from %s", l->branch,
		             rq->repo_path);
		df_error_hint(err, "was it cleaned or deleted? nothing is left to land");
		return -1;
	}
	rc = rc != 0 ? rc : git_reference_peel((git_object **)&l->tip, br, GIT_OBJECT_COMMIT);
	git_reference_free(br);
	return rc != 0 ? fail(err, "reading the run's branch") : 0;
}

/*
 * Does the base already hold the run's work? (its tip, or a squash commit
 * of the run or of via, the follow-up it landed through; NULL for none)
 */
static int
already_landed(struct landing *l, const char *run_id, const char *via)
{
	git_revwalk *w = NULL;
	git_oid id;
	int found = 0, n = 0;

	if (git_oid_equal(git_commit_id(l->base), git_commit_id(l->tip)) ||
	    git_graph_descendant_of(l->repo, git_commit_id(l->base), git_commit_id(l->tip)) == 1)
		return 1;
	if (git_revwalk_new(&w, l->repo) != 0)
		return 0;
	git_revwalk_simplify_first_parent(w);
	if (git_revwalk_push(w, git_commit_id(l->base)) == 0)
		while (!found && n++ < LAND_SQUASH_SEARCH && git_revwalk_next(&id, w) == 0) {
			git_commit *c = NULL;

			if (git_commit_lookup(&c, l->repo, &id) == 0)
				found = has_trailer(git_commit_message(c), "Devflow-Run", run_id) ||
				        (via != NULL && via[0] != '\0' &&
				         has_trailer(git_commit_message(c), "Devflow-Run", via));
			git_commit_free(c);
		}
	git_revwalk_free(w);
	return found;
}

/* "a, b, c" of the index's conflicting paths. The caller frees. */
static char *
conflict_paths(git_index *idx)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;
	struct buf b = BUF_INIT;

	if (git_index_conflict_iterator_new(&it, idx) == 0) {
		while (git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
			const git_index_entry *e = ours != NULL     ? ours
			                           : theirs != NULL ? theirs
			                                            : anc;

			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", e->path);
		}
		git_index_conflict_iterator_free(it);
	}
	return buf_detach(&b);
}

/* A merge or squash commit of the run's work on the base (not referenced yet). */
static int
make_commit(struct landing *l, int squash, struct df_error *err)
{
	const struct land_request *rq = l->rq;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id;
	char *msg = NULL;
	int rc = -1;

	if (git_merge_commits(&idx, l->repo, l->base, l->tip, NULL) != 0) {
		fail(err, "merging the run's branch");
		goto out;
	}
	if (git_index_has_conflicts(idx)) {
		char *paths = conflict_paths(idx);

		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_LAND_CONFLICT,
		             "cannot land: the base branch '%s' moved since the run started and "
		             "conflicts with the run's changes in %s",
		             rq->base_branch, paths);
		df_error_hint(err,
		              "let an agent merge the base into the run's work: devflow land %s "
		              "--rebase (a follow-up run to approve and land); or rebase it "
		              "yourself (git -C %s rebase %s) and land again; or push it and open "
		              "a pull request (devflow land %s --push REMOTE --pr)",
		              rq->run_id, rq->worktree != NULL ? rq->worktree : "WORKTREE",
		              rq->base_branch, rq->run_id);
		free(paths);
		goto out;
	}
	msg = xasprintf("%s\n\nDevflow-Run: %s\n",
	                rq->message != NULL ? rq->message : "devflow run", rq->run_id);
	if (git_index_write_tree_to(&tree_id, idx, l->repo) != 0 ||
	    git_tree_lookup(&tree, l->repo, &tree_id) != 0 || signature(l->repo, &sig) != 0) {
		fail(err, "writing the merged tree");
		goto out;
	}
	if (squash ? git_commit_create(&l->new_id, l->repo, NULL, sig, sig, NULL, msg, tree, 1,
	                               (const git_commit *[]){ l->base })
	           : git_commit_create(&l->new_id, l->repo, NULL, sig, sig, NULL, msg, tree, 2,
	                               (const git_commit *[]){ l->base, l->tip })) {
		fail(err, "writing the landing commit");
		goto out;
	}
	rc = 0;
out:
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	return rc;
}

/* The work tree (main or linked) whose HEAD is the base branch, opened, or NULL. */
static git_repository *
base_checkout(struct landing *l)
{
	const char *name = git_reference_name(l->base_ref);
	git_strarray wts = { 0 };
	git_repository *found = NULL;
	git_reference *head = NULL;

	if (git_reference_lookup(&head, l->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    strcmp(git_reference_symbolic_target(head), name) == 0 &&
	    git_repository_open(&found, git_repository_workdir(l->repo)) != 0)
		found = NULL;
	git_reference_free(head);
	if (found != NULL || git_worktree_list(&wts, l->repo) != 0)
		return found;
	for (size_t i = 0; i < wts.count && found == NULL; i++) {
		git_worktree *wt = NULL;
		git_repository *r = NULL;

		if (git_worktree_lookup(&wt, l->repo, wts.strings[i]) == 0 &&
		    git_repository_open_from_worktree(&r, wt) == 0 &&
		    git_reference_lookup(&head, r, "HEAD") == 0 &&
		    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
		    strcmp(git_reference_symbolic_target(head), name) == 0) {
			found = r;
			r = NULL;
		}
		git_reference_free(head);
		head = NULL;
		git_repository_free(r);
		git_worktree_free(wt);
	}
	git_strarray_dispose(&wts);
	return found;
}

static int
note_conflict(git_checkout_notify_t why, const char *path, const git_diff_file *baseline,
              const git_diff_file *target, const git_diff_file *workdir, void *payload)
{
	struct buf *b = payload;

	(void)why, (void)baseline, (void)target, (void)workdir;
	buf_printf(b, "%s%s", b->len > 0 ? ", " : "", path);
	return 0;
}

/* Bring the checkout of the base to the new commit, safely; refuse over local changes. */
static int
update_checkout(struct landing *l, git_repository *wt, struct land_result *out,
                struct df_error *err)
{
	git_checkout_options o;
	git_commit *target = NULL;
	struct buf paths = BUF_INIT;
	int rc;

	snprintf(out->checkout, sizeof(out->checkout), "%s", git_repository_workdir(wt));
	if (git_commit_lookup(&target, wt, &l->new_id) != 0)
		return fail(err, "reading the landing commit");
	git_checkout_options_init(&o, GIT_CHECKOUT_OPTIONS_VERSION);
	o.checkout_strategy = GIT_CHECKOUT_SAFE;
	o.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT;
	o.notify_cb = note_conflict;
	o.notify_payload = &paths;
	rc = git_checkout_tree(wt, (const git_object *)target, &o);
	git_commit_free(target);
	if (rc == GIT_ECONFLICT || paths.len > 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
		             "cannot land: '%s' is checked out in %s with local changes to files "
		             "the landing changes: %s",
		             l->rq->base_branch, out->checkout,
		             paths.data != NULL ? paths.data : "?");
		df_error_hint(err,
		              "commit or stash them (git -C %s stash), then land again; "
		              "nothing was changed",
		              out->checkout);
		buf_free(&paths);
		return -1;
	}
	buf_free(&paths);
	return rc != 0 ? fail(err, "updating the checkout of the base branch") : 0;
}

/* Move the base by compare-and-swap from the tip the landing was computed on. */
static int
move_base(struct landing *l, struct df_error *err)
{
	git_reference *moved = NULL;
	char *log = xasprintf("devflow land %s (%s)", l->rq->run_id, land_mode_name(l->rq->mode));
	int rc = git_reference_create_matching(&moved, l->repo, git_reference_name(l->base_ref),
	                                       &l->new_id, 1, git_commit_id(l->base), log);

	free(log);
	git_reference_free(moved);
	if (rc == GIT_EMODIFIED) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
		             "cannot land: the base branch '%s' moved while landing",
		             l->rq->base_branch);
		df_error_hint(err, "land again");
		return -1;
	}
	return rc != 0 ? fail(err, "moving the base branch") : 0;
}

static int
land_in(struct landing *l, struct land_result *out, struct df_error *err)
{
	const struct land_request *rq = l->rq;
	git_repository *wt;
	int ff, rc;

	if (open_refs(l, err) != 0)
		return -1;
	if (already_landed(l, rq->run_id, NULL)) {
		git_oid_tostr(out->commit, LAND_OID_HEX, git_commit_id(l->base));
		out->how = "already";
		return 0;
	}
	ff = git_graph_descendant_of(l->repo, git_commit_id(l->tip), git_commit_id(l->base)) == 1;
	if (rq->mode == LAND_FF_ONLY && !ff) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_GIT,
		             "cannot land with --ff-only: the base branch '%s' moved since the run "
		             "started",
		             rq->base_branch);
		df_error_hint(err,
		              "land without --ff-only (a merge commit), with --squash, or rebase "
		              "the run's branch first");
		return -1;
	}
	if (ff && (rq->mode == LAND_AUTO || rq->mode == LAND_FF_ONLY)) {
		git_oid_cpy(&l->new_id, git_commit_id(l->tip));
		out->how = "fast-forward";
	} else if (make_commit(l, rq->mode == LAND_SQUASH, err) != 0) {
		return -1;
	} else {
		out->how = rq->mode == LAND_SQUASH ? "squash" : "merge";
	}
	wt = base_checkout(l);
	rc = wt != NULL ? update_checkout(l, wt, out, err) : 0;
	git_repository_free(wt);
	if (rc != 0 || move_base(l, err) != 0)
		return -1;
	git_oid_tostr(out->commit, LAND_OID_HEX, &l->new_id);
	return 0;
}

static int
probe_in(struct landing *l, enum land_probe *out, char **paths, struct df_error *err)
{
	git_index *idx = NULL;

	if (open_refs(l, err) != 0)
		return -1;
	if (already_landed(l, l->rq->run_id, NULL)) {
		*out = LAND_PROBE_ALREADY;
		return 0;
	}
	*out = LAND_PROBE_CLEAN;
	if (git_graph_descendant_of(l->repo, git_commit_id(l->tip), git_commit_id(l->base)) == 1)
		return 0;
	if (git_merge_commits(&idx, l->repo, l->base, l->tip, NULL) != 0)
		return fail(err, "merging the run's branch");
	if (git_index_has_conflicts(idx)) {
		*out = LAND_PROBE_CONFLICT;
		*paths = conflict_paths(idx);
	}
	git_index_free(idx);
	return 0;
}

int
land_probe(const struct land_request *rq, enum land_probe *out, char **paths, struct df_error *err)
{
	struct landing l = { .rq = rq };
	int rc;

	*paths = NULL;
	git_libgit2_init();
	l.branch = worktree_branch_name(rq->run_id);
	rc = probe_in(&l, out, paths, err);
	landing_free(&l);
	git_libgit2_shutdown();
	return rc;
}

int
land_merge(const struct land_request *rq, struct land_result *out, struct df_error *err)
{
	struct landing l = { .rq = rq };
	int rc;

	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	l.branch = worktree_branch_name(rq->run_id);
	rc = land_in(&l, out, err);
	landing_free(&l);
	git_libgit2_shutdown();
	return rc;
}

/* ---- push ---------------------------------------------------------------- */

int
land_push(const char *repo_path, const char *run_id, const char *remote, struct df_error *err)
{
	git_repository *repo = NULL;
	git_remote *r = NULL;
	git_push_options o;
	char *branch = worktree_branch_name(run_id);
	char *spec = xasprintf("refs/heads/%s:refs/heads/%s", branch, branch);
	git_strarray specs = { .strings = &spec, .count = 1 };
	int rc = -1;

	git_libgit2_init();
	git_push_options_init(&o, GIT_PUSH_OPTIONS_VERSION);
	if (git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, repo_path);
		goto out;
	}
	if (git_remote_lookup(&r, repo, remote) != 0 &&
	    git_remote_create_anonymous(&r, repo, remote) != 0) {
		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, remote);
		df_error_hint(err, "name a remote of %s (git remote -v) or a URL", repo_path);
		goto out;
	}
	if (git_remote_push(r, &specs, &o) != 0) {
		char *what = xasprintf("pushing %s to %s", branch, remote);

		worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, what);
		df_error_hint(err, "check the remote (git -C %s push %s %s)", repo_path, remote,
		              branch);
		free(what);
		goto out;
	}
	rc = 0;
out:
	git_remote_free(r);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(spec);
	free(branch);
	return rc;
}

/* ---- clean --------------------------------------------------------------- */

/* Does a remote-tracking branch hold tip (in its history)? */
static int
pushed(git_repository *repo, const git_oid *tip)
{
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;
	int found = 0;

	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_REMOTE) != 0)
		return 0;
	while (!found && git_branch_next(&ref, &type, it) == 0) {
		const git_oid *id = git_reference_target(ref);

		found = id != NULL &&
		        (git_oid_equal(id, tip) || git_graph_descendant_of(repo, id, tip) == 1);
		git_reference_free(ref);
	}
	git_branch_iterator_free(it);
	return found;
}

int
land_branch_settled(const char *repo_path, const char *base_branch, const char *run_id,
                    const char *via, char *why, size_t whylen, struct df_error *err)
{
	struct land_request rq = { .repo_path = repo_path,
		                   .base_branch = base_branch,
		                   .run_id = run_id };
	struct landing l = { .rq = &rq };
	git_reference *br = NULL;
	int rc;

	git_libgit2_init();
	l.branch = worktree_branch_name(run_id);
	if (git_repository_open_ext(&l.repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		rc = worktree_git_fail(err, DF_HUMAN_REQUIRED, DF_E_GIT, repo_path);
	} else if (git_branch_lookup(&br, l.repo, l.branch, GIT_BRANCH_LOCAL) != 0) {
		rc = 2;
	} else if (git_reference_peel((git_object **)&l.tip, br, GIT_OBJECT_COMMIT) != 0) {
		rc = fail(err, "reading the run's branch");
	} else if (pushed(l.repo, git_commit_id(l.tip))) {
		rc = 1;
	} else if (git_branch_lookup(&l.base_ref, l.repo, base_branch, GIT_BRANCH_LOCAL) != 0 ||
	           git_reference_peel((git_object **)&l.base, l.base_ref, GIT_OBJECT_COMMIT) != 0) {
		snprintf(why, whylen, "its base '%s' is gone and it was not pushed", base_branch);
		rc = 0;
	} else {
		rc = already_landed(&l, run_id, via);
		if (!rc)
			snprintf(why, whylen, "%s is neither merged into '%s' nor pushed", l.branch,
			         base_branch);
	}
	git_reference_free(br);
	landing_free(&l);
	git_libgit2_shutdown();
	return rc;
}
