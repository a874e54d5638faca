/*
 * What devflow reads of a user's own repository before a run exists: the
 * branch checked out, read with libgit2 (a linked worktree's HEAD is its
 * own, not the main checkout's; no shell, so any path is safe).
 */
#ifndef DEVFLOW_GITREPO_H
#define DEVFLOW_GITREPO_H

/*
 * The short name of the branch checked out in the repository that contains
 * path (a linked worktree included), or NULL when there is none: not a
 * repository, a detached HEAD, a HEAD that cannot be read. The branch of a
 * repository without commits yet is its unborn branch. The caller frees.
 */
char *gitrepo_current_branch(const char *path);

#endif
