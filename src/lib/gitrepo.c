/*
 * The branch checked out in a user's repository (see gitrepo.h).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <git2.h>

#include "gitrepo.h"
#include "xalloc.h"

char *
gitrepo_current_branch(const char *path)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	const char *name = NULL;
	char *res = NULL;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
		goto out;
	if (git_reference_lookup(&head, repo, "HEAD") != 0 ||
	    git_reference_type(head) != GIT_REFERENCE_SYMBOLIC)
		goto out;
	name = git_reference_symbolic_target(head);
	if (name != NULL && strncmp(name, "refs/heads/", 11) == 0 && name[11] != '\0')
		res = xstrdup(name + 11);
out:
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return res;
}
