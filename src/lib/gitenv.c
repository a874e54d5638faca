/*
 * The list of repository-binding git variables, as in the reference engine's
 * gitChildEnv, and the two ways of applying it: a predicate for building an
 * environment array and an in-place scrub of the current environment.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gitenv.h"

static const char *const gitenv_names[] = {
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

bool
gitenv_child_env_filter(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strcspn(name, "=");
	for (size_t i = 0; i < sizeof(gitenv_names) / sizeof(gitenv_names[0]); i++)
		if (strlen(gitenv_names[i]) == len && memcmp(gitenv_names[i], name, len) == 0)
			return true;
	return false;
}

void
gitenv_scrub(void)
{
	for (size_t i = 0; i < sizeof(gitenv_names) / sizeof(gitenv_names[0]); i++)
		unsetenv(gitenv_names[i]);
}
