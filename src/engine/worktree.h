/*
 * The git layer of the engine, on libgit2: every run works in a git worktree
 * of its own, `<workspace>/<run-id>/main` on branch `devflow/<run-id>/main`,
 * created from the run's base branch. This module canonicalises repository
 * paths (the engine's repo key), decides where a worktree may live, creates
 * and removes worktrees and their branches, confines artifact paths to a
 * worktree, and renders the worktree's diff against its base.
 *
 * libgit2 stays inside: no git_* type crosses this header, and libgit2 errors
 * become df_error values here (code git_error, workspace_permissions,
 * worktree_create_failed or invalid_argument; class human_required where a
 * person has to fix the repository, fatal otherwise). Each entry point takes
 * and releases its own reference on libgit2's global state
 * (git_libgit2_init/shutdown are refcounted), so there is no init call and
 * nothing stays allocated between calls. Entry points may run on any thread.
 *
 * Base branches: `base_branch` names a local branch (`main`, resolved as
 * refs/heads/main) or, when no local branch has that name, a remote-tracking
 * branch (`origin/main`, refs/remotes/origin/main). Tags, commit ids and other
 * revision expressions are refused: the pair (repository, base branch) is the
 * key of the one-active-run rule, and a key that names a moving branch means
 * the same thing to every run.
 */
#ifndef DEVFLOW_WORKTREE_H
#define DEVFLOW_WORKTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"

/*
 * Fill err with class, code and "what: <libgit2's last message>" (for the
 * git modules of the engine: this one and land.c). Returns -1.
 */
int worktree_git_fail(struct df_error *err, enum df_class class, enum df_code code,
                      const char *what);

/* "devflow/<run_id>/main", the run's branch. The caller frees. */
char *worktree_branch_name(const char *run_id);

/*
 * The canonical key of the repository at path: the realpath of its work
 * directory, so every spelling of one repository (symlinks, "..", a trailing
 * slash, its .git directory) gives the same string. path must be the top
 * level of a non-bare repository (or its .git directory); a subdirectory is
 * refused with a hint naming the top level, rather than silently widened to
 * an enclosing repository.
 *
 * Returns 0 and a string the caller frees in *out; -1 with err (class
 * human_required, code git_error) when path does not exist, is not a git
 * repository, is bare, or has no commits yet, each with a hint.
 */
int worktree_canonical_repo(const char *path, char **out, struct df_error *err);

/*
 * Where the run's worktree goes. requested NULL means `<workspace>/<run_id>/main`;
 * a relative requested path is taken relative to `<workspace>/<run_id>`. The
 * path is resolved physically: symlinks in its longest existing prefix are
 * followed (and ".." after them goes to the symlink target's parent, as the
 * kernel does). The result must lie strictly below the canonical run
 * directory, else -1 with workspace_permissions (fatal) naming the requested
 * and the resolved path and the run directory; nothing is created then.
 *
 * On success the workspace (if missing), the run directory and the root's
 * missing parent directories are created with mode 0700 (the root itself is
 * not: worktree_create makes it), and *out receives the resolved absolute
 * root, which the caller frees. run_id must be one path component (no '/',
 * not "." or ".."), else invalid_argument.
 */
int worktree_resolve_root(const char *workspace, const char *run_id, const char *requested,
                          char **out, struct df_error *err);

/*
 * Create branch `devflow/<run_id>/main` at the base branch's commit and a
 * worktree of repo_path at root (absolute; normally from
 * worktree_resolve_root) checked out on that branch, with its files and index
 * written. The worktree's administrative name (`.git/worktrees/<run_id>`) is
 * the run id.
 *
 * Returns 0, or -1 with err: repository errors as worktree_canonical_repo; a
 * base branch that does not exist → human_required worktree_create_failed
 * with a hint listing the repository's local branches; the run's branch, a
 * worktree named run_id, or anything at root already existing →
 * human_required worktree_create_failed naming it; a file system refusal
 * while creating → human_required workspace_permissions; other libgit2
 * failures → human_required worktree_create_failed with libgit2's message.
 * On failure nothing this call created is left behind (branch, admin
 * directory, root directory); what existed before is never touched.
 */
int worktree_create(const char *repo_path, const char *base_branch, const char *run_id,
                    const char *root, struct df_error *err);

/*
 * worktree_create, but the run's branch starts at start (a local branch, or
 * a full commit id) instead of the base's tip: only for the rebase
 * follow-up, whose branch continues the original run's. The base must
 * exist all the same: it stays the run's base (diff, land). start NULL is
 * worktree_create. Errors as worktree_create's, and a start that is
 * neither → human_required worktree_create_failed naming it.
 */
int worktree_create_from(const char *repo_path, const char *base_branch, const char *start,
                         const char *run_id, const char *root, struct df_error *err);

/*
 * Undo worktree_create, for aborted or failed starts and cleanup: prune the
 * worktree named run_id (its admin directory and its working directory, with
 * whatever the agent left in it) and, when delete_branch, delete branch
 * `devflow/<run_id>/main`. root, when not NULL, must be where that worktree
 * lives (checked before anything is deleted). Idempotent: a worktree or
 * branch already gone is not an error.
 *
 * Returns 0, or -1 with err: repository errors as worktree_canonical_repo;
 * root not matching the registered worktree, or a directory at root that is
 * not registered as run_id's worktree (left in place) → fatal git_error;
 * a locked worktree or a libgit2 failure → fatal git_error.
 */
int worktree_remove(const char *repo_path, const char *run_id, const char *root, bool delete_branch,
                    struct df_error *err);

/* The longest artifact path accepted, in bytes. */
#define WORKTREE_ARTIFACT_PATH_MAX 255

/*
 * Is relpath acceptable as an artifact path (templates, phase plans)? It
 * must be non-empty, at most WORKTREE_ARTIFACT_PATH_MAX bytes of UTF-8
 * without control characters (C0, DEL, C1), relative, normalized (no empty,
 * "." or ".." component, no trailing "/"), and no component may name git's
 * directory: ".git" in any case (case-insensitive file systems), with
 * trailing dots or spaces, or "git~1" (NTFS). Returns 0, or -1 with why
 * filled: 'artifact path "<path, escaped>" <problem>'. Whether it stays
 * inside a given worktree through symbolic links is worktree_path_inside's.
 */
int worktree_artifact_path_check(const char *relpath, char *why, size_t whylen);

/*
 * Confine relpath (an artifact path from a template or phase plan) to the
 * worktree at root. relpath must pass worktree_artifact_path_check; symlinks
 * among its existing components are followed and must not lead outside root
 * (a symlink that stays inside is fine). The path itself need not exist.
 * Returns 0 and the absolute path below the canonical root in *out_abs (the
 * caller frees): the file as named in its real directory, so when the last
 * component is a symbolic link *out_abs is the link, not its target. Or -1
 * with workspace_permissions (fatal) naming relpath and root,
 * invalid_argument for an empty path, io_error when root cannot be resolved.
 */
int worktree_path_inside(const char *root, const char *relpath, char **out_abs,
                         struct df_error *err);

/*
 * Unified diff (git's patch format) of the worktree at root against the base:
 * the tree of the merge base of base_branch and the worktree's HEAD (the base
 * branch's commit when the run's branch started from it and the base has not
 * moved), to the working directory through the index, including untracked
 * files with their content. root must be a worktree of repo_path. Returns 0
 * and a string (empty when nothing changed) the caller frees; -1 with err
 * (repository errors as above; a base that does not exist or root not being
 * a worktree of repo_path → human_required git_error; libgit2 failures →
 * fatal git_error). May take a while on big trees: keep it off the loop.
 */
int worktree_diff(const char *repo_path, const char *root, const char *base_branch, char **out_text,
                  struct df_error *err);

struct worktree_change {
	char status; /* 'A' added, 'D' deleted, 'M' modified, 'T' type change, '?' untracked */
	char *path;  /* relative to the worktree; new path for additions */
};

/*
 * The files worktree_diff would show, in its order. Returns 0 with an array
 * of *n entries in *out (NULL when none) to release with
 * worktree_changes_free; -1 with err as worktree_diff.
 */
int worktree_changed_files(const char *repo_path, const char *root, const char *base_branch,
                           struct worktree_change **out, size_t *n, struct df_error *err);

void worktree_changes_free(struct worktree_change *changes, size_t n);

/*
 * The text of relpath in the tip of branch (refs/heads/<branch>) of the
 * repository, as committed (a repository's devflow.json): 1 and *out (the
 * caller frees), 0 when the branch has no such file, -1 with err (git_error,
 * or invalid_argument for a directory or a file over max bytes).
 */
int worktree_read_blob(const char *repo_path, const char *branch, const char *relpath, size_t max,
                       char **out, struct df_error *err);

#endif
