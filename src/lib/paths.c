/*
 * Path resolution for data, configuration and the workspace. The build-tree
 * check compares the running executable's location with the build directory
 * configure recorded, so `./devflow` and the tests use the source tree's
 * data without installing, and an installed binary never does.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "xalloc.h"

static int
in_build_tree(void)
{
	char exe[PATH_MAX], build[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t blen;

	if (n <= 0 || realpath(DEVFLOW_BUILDDIR, build) == NULL)
		return 0;
	exe[n] = '\0';
	blen = strlen(build);
	return strncmp(exe, build, blen) == 0 && exe[blen] == '/';
}

const char *
paths_share_dir(void)
{
	static const char *dir;
	const char *env = getenv("DEVFLOW_SHARE_DIR");

	if (env != NULL && *env != '\0')
		return env;
	if (dir == NULL)
		dir = in_build_tree() ? DEVFLOW_SRCDIR : DEVFLOW_PKGDATADIR;
	return dir;
}

const char *
paths_bin_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n;

	if (dir[0] != '\0')
		return dir;
	if (in_build_tree()) {
		snprintf(dir, sizeof(dir), "%s", DEVFLOW_BUILDDIR);
		return dir;
	}
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0) {
		snprintf(dir, sizeof(dir), "%s", DEVFLOW_BINDIR);
		return dir;
	}
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	return dir;
}

const char *
paths_self_exe(void)
{
	static char exe[PATH_MAX];
	ssize_t n;

	if (exe[0] != '\0')
		return exe;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1 || exe[0] != '/')
		snprintf(exe, sizeof(exe), "%s", "/proc/self/exe");
	else
		exe[n] = '\0';
	return exe;
}

static char *
xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var), *home = getenv("HOME");

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/devflow", v);
	return xasprintf("%s/%s/devflow", home && *home ? home : "/tmp", fallback);
}

char *
paths_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *
paths_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

char *
paths_workspace(const char *override)
{
	const char *env = getenv("DEVFLOW_WORKSPACE");

	if (override != NULL && *override != '\0')
		return xstrdup(override);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	return xdg_dir("XDG_DATA_HOME", ".local/share");
}

/* Beside xdg_dir: which of its two ways it went. */
static const char *
xdg_origin(const char *var, const char *fallback)
{
	const char *v = getenv(var);

	if (v != NULL && v[0] == '/')
		return strcmp(var, "XDG_DATA_HOME") == 0 ? "$XDG_DATA_HOME" : "$XDG_CONFIG_HOME";
	return strcmp(fallback, ".config") == 0 ? "default ($HOME/.config)"
	                                        : "default ($HOME/.local/share)";
}

const char *
paths_workspace_origin(const char *override)
{
	const char *env = getenv("DEVFLOW_WORKSPACE");

	if (override != NULL && *override != '\0')
		return "--workspace";
	if (env != NULL && *env != '\0')
		return "$DEVFLOW_WORKSPACE";
	return xdg_origin("XDG_DATA_HOME", ".local/share");
}

const char *
paths_config_dir_origin(void)
{
	return xdg_origin("XDG_CONFIG_HOME", ".config");
}

const char *
paths_share_dir_origin(void)
{
	const char *env = getenv("DEVFLOW_SHARE_DIR");

	if (env != NULL && *env != '\0')
		return "$DEVFLOW_SHARE_DIR";
	return in_build_tree() ? "the source tree (running from the build tree)" : "installed";
}

int
paths_mkdir_p(const char *dir, unsigned mode)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (rc == 0) {
		struct stat st;

		if (stat(dir, &st) != 0)
			rc = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
	}
	free(p);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int
paths_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
