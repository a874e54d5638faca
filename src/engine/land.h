/*
 * Landing a run's work, on libgit2: the per-phase commits on the run's
 * branch (what the agent left uncommitted, so every phase's work is a
 * commit of its own), and the merge of that branch into the base branch of
 * the user's repository (fast-forward, merge commit or squash), and the
 * push of the branch to a remote.
 *
 * Each step is idempotent through git itself, so a kill -9 between the git
 * step and the event that records it is safe: a phase commit carries the
 * trailer "Devflow-Step: <phase-id>:<attempt>" and is not made twice; a
 * landing is found on the base (the run's branch tip is in the base's
 * history, or a squash commit carries "Devflow-Run: <run-id>"), so a second
 * land reports it instead of merging again.
 *
 * As worktree.h: no git_* type crosses this header, libgit2 errors become
 * df_error values (code git_error; class human_required where a person must
 * act), each entry point takes its own reference on libgit2. Entry points
 * may take long (a big tree): call them off the server's loop.
 */
#ifndef DEVFLOW_LAND_H
#define DEVFLOW_LAND_H

#include <stddef.h>

#include "lib/error.h"

#define LAND_OID_HEX 41

/*
 * Commit what is uncommitted in the worktree at root on its branch: every
 * change git add --all would stage (new files that .gitignore does not
 * ignore, modifications, deletions), except the paths in exclude (relative
 * to root: the run's artifact files, which are devflow's records, not the
 * user's code). message is the commit message; step ("<phase>:<attempt>") is
 * appended as a "Devflow-Step:" trailer. Author and committer are the
 * user's git identity (user.name/user.email as git reads them), else
 * "devflow <devflow@localhost>".
 *
 * Returns 1 with the new commit's id in out; 0 when there was nothing to
 * commit (out ""), or when HEAD already is this step's commit (out its id:
 * a replay after a crash); -1 with err (git_error, fatal).
 */
int land_commit_worktree(const char *root, const char *message, const char *step,
                         const char *const *exclude, size_t nexclude, char out[LAND_OID_HEX],
                         struct df_error *err);

/*
 * What in the worktree at root is not committed on its branch: changes to
 * tracked files (staged or not) and untracked files .gitignore does not
 * ignore, except the paths in exclude (the run's artifacts). Returns the
 * count, with "a, b, c" (the first ones, then "and N more") in *paths
 * (the caller frees; NULL when none); 0 when the worktree does not exist;
 * -1 with err (fatal git_error).
 */
int land_worktree_changes(const char *root, const char *const *exclude, size_t nexclude,
                          char **paths, struct df_error *err);

enum land_mode {
	LAND_AUTO,    /* fast-forward when possible, else a merge commit */
	LAND_MERGE,   /* always a merge commit */
	LAND_SQUASH,  /* one commit on the base with the branch's changes */
	LAND_FF_ONLY, /* fast-forward or refuse */
};

/* "auto", "merge", "squash", "ff-only"; land_mode_parse gives 0, or -1 for another name. */
const char *land_mode_name(enum land_mode m);
int land_mode_parse(const char *name, enum land_mode *out);

struct land_request {
	const char *repo_path;   /* the user's repository (canonical) */
	const char *base_branch; /* a local branch of it */
	const char *run_id;      /* the branch is devflow/<run_id>/main */
	const char *worktree;    /* the run's worktree, for hints (may be NULL) */
	enum land_mode mode;
	const char *message; /* the commit message of a merge or squash commit */
};

struct land_result {
	char commit[LAND_OID_HEX]; /* the base's new tip (or its tip when already landed) */
	const char *how;           /* "fast-forward", "merge", "squash" or "already" (static) */
	char checkout[1024];       /* the work tree that was updated with the branch, or "" */
};

/*
 * Land the run's branch on the base branch. When the base is checked out in
 * a work tree of the repository (its main one or a linked one), that work
 * tree is updated first with a safe checkout, which refuses when it has
 * local changes in the paths the landing touches; then the branch moves, by
 * compare-and-swap from the tip the merge was computed on.
 *
 * Returns 0 with out filled (how "already" when the base already holds the
 * run's work: nothing is changed), or -1 with err, human_required git_error
 * with what to do, for: a base that does not exist or is not a local
 * branch, a missing run branch, --ff-only when the base moved, a merge with
 * conflicts (code land_conflict, naming the paths; the hint offers the
 * rebase follow-up, devflow land RUN --rebase), a dirty checkout (naming the paths), a base
 * that moved during the landing; fatal git_error for libgit2 failures.
 */
int land_merge(const struct land_request *rq, struct land_result *out, struct df_error *err);

enum land_probe {
	LAND_PROBE_ALREADY,  /* the base already holds the run's work */
	LAND_PROBE_CLEAN,    /* a fast-forward, or a merge without conflicts */
	LAND_PROBE_CONFLICT, /* the merge conflicts */
};

/*
 * Would land_merge land the run's branch (mode aside)? The merge is
 * computed in memory and nothing is written: for the rebase follow-up,
 * which only a conflicting landing may ask for. Returns 0 with *out, and
 * with LAND_PROBE_CONFLICT the conflicting paths "a, b" in *paths (the
 * caller frees; NULL otherwise); -1 with err as land_merge's for a missing
 * base or run branch, fatal git_error for libgit2 failures.
 */
int land_probe(const struct land_request *rq, enum land_probe *out, char **paths,
               struct df_error *err);

/*
 * Push the run's branch devflow/<run_id>/main of repo_path to remote (a
 * remote's name, else a URL or path), to a branch of the same name. Returns
 * 0, or -1 with err (human_required git_error naming the remote and
 * libgit2's reason).
 */
int land_push(const char *repo_path, const char *run_id, const char *remote, struct df_error *err);

/*
 * Is the run's branch in repo_path safe to delete: merged into base (its
 * tip in the base's history, or a squash commit of the run, or of via, the
 * rebase follow-up it landed through (NULL for none), on it) or pushed (a
 * remote-tracking branch holds its tip)? Returns 1 yes, 0 no (why says
 * why), 2 when the branch does not exist; -1 with err.
 */
int land_branch_settled(const char *repo_path, const char *base_branch, const char *run_id,
                        const char *via, char *why, size_t whylen, struct df_error *err);

#endif
