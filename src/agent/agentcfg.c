/*
 * Agent CLI configuration (see agentcfg.h): placeholder substitution over
 * strings and JSON, a deep merge of JSON objects, and the careful
 * read-merge-replace of a configuration file that belongs to the user.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "agentcfg.h"

/* Configuration files larger than this are refused rather than read whole. */
#define MAX_FILE_BYTES (64u * 1024u * 1024u)

/* cJSON allocates with malloc: out of memory is fatal, as with xalloc. */
static void *
must(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

char *
agentcfg_subst(const char *s, const struct agentcfg_vars *vars)
{
	static const char *const names[] = { "{worktree}", "{devflow}", "{conversation}" };
	const char *vals[3] = { vars ? vars->worktree : NULL, vars ? vars->devflow : NULL,
		                vars ? vars->conversation : NULL };
	struct buf b = BUF_INIT;

	while (*s) {
		size_t i;

		for (i = 0; i < 3; i++)
			if (vals[i] && strncmp(s, names[i], strlen(names[i])) == 0)
				break;
		if (i < 3) {
			buf_puts(&b, vals[i]);
			s += strlen(names[i]);
		} else {
			buf_putc(&b, *s++);
		}
	}
	return buf_detach(&b);
}

cJSON *
agentcfg_subst_json(const cJSON *v, const struct agentcfg_vars *vars)
{
	cJSON *out, *c;
	const cJSON *x;
	char *s;

	if (cJSON_IsString(v)) {
		s = agentcfg_subst(v->valuestring, vars);
		out = cJSON_CreateString(s);
		free(s);
		return out;
	}
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
		cJSON_ArrayForEach(x, v)
		{
			c = agentcfg_subst_json(x, vars);
			if (cJSON_IsObject(v)) {
				s = agentcfg_subst(x->string, vars);
				cJSON_AddItemToObject(out, s, c);
				free(s);
			} else {
				cJSON_AddItemToArray(out, c);
			}
		}
		return out;
	}
	return must(cJSON_Duplicate(v, 1));
}

/*
 * Arrays are unions: the user's entries (their own hooks, say) stay, and ours
 * are appended unless an equal one is already there, so merging twice adds
 * nothing.
 */
static void
append_missing(cJSON *dst, const cJSON *src)
{
	const cJSON *x, *y;

	cJSON_ArrayForEach(x, src)
	{
		int present = 0;

		cJSON_ArrayForEach(y, dst) if (cJSON_Compare(x, y, 1))
		{
			present = 1;
			break;
		}
		if (!present)
			cJSON_AddItemToArray(dst, must(cJSON_Duplicate(x, 1)));
	}
}

void
agentcfg_merge(cJSON *dst, const cJSON *src)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, src)
	{
		cJSON *have = cJSON_GetObjectItemCaseSensitive(dst, x->string);
		cJSON *copy;

		if (cJSON_IsObject(have) && cJSON_IsObject(x)) {
			agentcfg_merge(have, x);
			continue;
		}
		if (cJSON_IsArray(have) && cJSON_IsArray(x)) {
			append_missing(have, x);
			continue;
		}
		copy = must(cJSON_Duplicate(x, 1));
		if (have != NULL)
			cJSON_ReplaceItemViaPointer(dst, have, copy);
		else
			cJSON_AddItemToObject(dst, x->string, copy);
	}
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write text to a temporary file beside path with mode, then rename it over path. */
static int
replace_file(const char *path, const char *text, mode_t mode, struct df_error *err)
{
	char *tmp = xasprintf("%s.devflow-XXXXXX", path);
	int fd = mkstemp(tmp), saved;

	if (fd < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: cannot create a temporary file: %s", path,
		             strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: cannot write: %s", path, strerror(saved));
		free(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: cannot replace: %s", path,
		             strerror(saved));
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int
agentcfg_merge_file(const char *path, const cJSON *merge, struct df_error *err)
{
	struct buf text = BUF_INIT;
	struct stat st;
	char *real = NULL, *dir, *slash, *out = NULL;
	const char *target = path;
	cJSON *doc = NULL;
	mode_t mode = 0600;
	char why[160];
	int got, rc = -1;

	if (!cJSON_IsObject(merge))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s: what to merge is not a JSON object", path);
	/* A symbolic link (a dotfile manager's) stays: its target is what changes. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(path, NULL)) != NULL)
		target = real;
	/*
	 * A file in the worktree is the agent's: never block on a FIFO, never
	 * follow a link planted since the lstat above, never read without bound.
	 */
	got = buf_read_regular(&text, target, MAX_FILE_BYTES, why, sizeof(why));
	if (got != 0 && errno != ENOENT) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s %s", target, why);
		goto out;
	}
	if (got == 0) {
		if (stat(target, &st) != 0)
			st.st_mode = 0600;
		mode = st.st_mode & 07777;
		if (!blank(text.data ? text.data : "", text.len)) {
			const char *end = NULL;

			/* Whole text, nothing after the value, no NUL inside. */
			if (strlen(text.data) == text.len)
				doc = cJSON_ParseWithOpts(text.data, &end, 1);
			if (doc == NULL || !cJSON_IsObject(doc)) {
				df_error_set(err, DF_HUMAN_REQUIRED, DF_E_JSON_PARSE,
				             "%s: %s; devflow merges its settings only into a "
				             "JSON object and left the file as it is",
				             path,
				             doc == NULL ? "not valid JSON"
				                         : "the top level is not a JSON object");
				df_error_hint(err, "fix or remove %s, then start again", path);
				goto out;
			}
		}
	} else {
		dir = xstrdup(target);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (paths_mkdir_p(dir, 0700) != 0) {
				df_error_set(err, DF_FATAL, DF_E_IO, "%s: cannot create %s: %s",
				             path, dir, strerror(errno));
				free(dir);
				goto out;
			}
		}
		free(dir);
	}
	if (doc == NULL)
		doc = cJSON_CreateObject();
	agentcfg_merge(doc, merge);
	out = must(cJSON_Print(doc));
	{
		char *nl = xasprintf("%s\n", out);

		free(out);
		out = nl;
	}
	rc = replace_file(target, out, mode, err);
out:
	free(out);
	cJSON_Delete(doc);
	buf_free(&text);
	free(real);
	return rc;
}

char *
agentcfg_path(const char *path, const char *home, const char *worktree, struct df_error *err)
{
	if (strncmp(path, "~/", 2) == 0) {
		if (home == NULL || home[0] == '\0') {
			df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			             "%s: the agent's home directory is unknown (HOME is not set)",
			             path);
			return NULL;
		}
		return xasprintf("%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/",
		                 path + 2);
	}
	return xasprintf("%s/%s", worktree, path);
}

int
agentcfg_apply_files(const cJSON *files, const char *where, const struct agentcfg_vars *vars,
                     const char *home, struct df_error *err)
{
	const cJSON *f;
	int i = 0;

	cJSON_ArrayForEach(f, files)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(f, "merge");
		char *rel, *abs;
		cJSON *merge;
		int rc;

		if (!cJSON_IsString(p) || !cJSON_IsObject(m))
			return df_error_set(err, DF_FATAL, DF_E_CATALOG_INVALID,
			                    "%s/%d: needs a string path and an object merge", where,
			                    i);
		rel = agentcfg_subst(p->valuestring, vars);
		abs = agentcfg_path(rel, home, vars ? vars->worktree : ".", err);
		free(rel);
		if (abs == NULL) {
			df_error_prefix(err, "%s/%d/path", where, i);
			return -1;
		}
		merge = agentcfg_subst_json(m, vars);
		rc = agentcfg_merge_file(abs, merge, err);
		cJSON_Delete(merge);
		free(abs);
		if (rc != 0) {
			df_error_prefix(err, "%s/%d", where, i);
			return -1;
		}
		i++;
	}
	return 0;
}
