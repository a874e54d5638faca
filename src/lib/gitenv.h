/*
 * The environment variables that tie a git process to one particular
 * repository (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, ...). devflow may itself
 * run under git (a hook, `git rebase --exec`, a test harness); agents and git
 * commands started in a run's worktree must not inherit those, or they would
 * read and write the wrong repository. No libgit2 here: the session module
 * uses this list too.
 */
#ifndef DEVFLOW_GITENV_H
#define DEVFLOW_GITENV_H

#include <stdbool.h>

/*
 * Whether the variable must be removed from a child's environment. name is a
 * variable name or an environ entry "NAME=value" (only the part before '='
 * counts); the comparison is exact and case-sensitive. NULL gives false.
 */
bool gitenv_child_env_filter(const char *name);

/*
 * Unset every filtered variable in the current process's environment (for a
 * child between fork and exec, or a test). Always succeeds.
 */
void gitenv_scrub(void);

#endif
