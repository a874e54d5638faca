/*
 * Agent CLI configuration, as a backend (devflow/backend@1) asks for it
 * before the agent starts: placeholders ("{worktree}", "{devflow}")
 * replaced in argv elements, JSON keys and string values, and JSON objects
 * deep-merged into the CLI's own configuration files (folder trust
 * pre-accepted, hooks installed) without ever destroying what the user
 * keeps there: a file that is not a JSON object is refused and left as it
 * is, everything else in it is kept, and it is replaced whole (temporary
 * file, then rename) with its mode kept.
 */
#ifndef DEVFLOW_AGENTCFG_H
#define DEVFLOW_AGENTCFG_H

#include <cjson/cJSON.h>

#include "lib/error.h"

/* Placeholder values; a NULL value leaves its placeholder as it is. */
struct agentcfg_vars {
	const char *worktree; /* "{worktree}": the worktree's absolute path */
	const char *devflow;  /* "{devflow}": the absolute path of the devflow program */
	/* "{conversation}": the agent's conversation id to resume (backend "resume") */
	const char *conversation;
};

/*
 * s with every "{worktree}", "{devflow}" and "{conversation}" replaced
 * literally (no quoting; replaced text is not scanned again). Caller frees.
 */
char *agentcfg_subst(const char *s, const struct agentcfg_vars *vars);

/* A deep copy of v with the placeholders replaced in object keys and string values. */
cJSON *agentcfg_subst_json(const cJSON *v, const struct agentcfg_vars *vars);

/*
 * Merge src into dst (both objects): a key whose values are objects on both
 * sides is merged recursively; arrays on both sides become their union (src's
 * elements appended unless an equal one is there, so the user's own entries
 * survive and a second merge adds nothing); any other value of src replaces
 * dst's (or is added). src is copied, not taken.
 */
void agentcfg_merge(cJSON *dst, const cJSON *src);

/*
 * Merge the object merge into the JSON file at path: created (0600, with
 * its missing parent directories, 0700) when absent or empty; otherwise it
 * must hold one JSON object, which keeps every other key. Written to a
 * temporary file beside it and renamed over it with the old file's mode; a
 * symbolic link is followed and its target replaced. Returns 0, or -1 with
 * err naming the file: json_parse when it is not a JSON object (the file is
 * left untouched; a person must fix it), io_error when it cannot be read or
 * written.
 */
int agentcfg_merge_file(const char *path, const cJSON *merge, struct df_error *err);

/*
 * The file a backend's configFiles path names: "~/x" is home/x, any other
 * path worktree/path. Caller frees. NULL with err (invalid_argument) for
 * "~/" paths when home is NULL or empty.
 */
char *agentcfg_path(const char *path, const char *home, const char *worktree, struct df_error *err);

/*
 * Apply a backend's configFiles array (NULL: nothing): each {path, merge}
 * with the placeholders replaced in the path and in merge, merged with
 * agentcfg_merge_file. where is the array's JSON path for messages (e.g.
 * "/hooks/configFiles"). Returns 0, or -1 with err at the first failure
 * (files before it stay merged).
 */
int agentcfg_apply_files(const cJSON *files, const char *where, const struct agentcfg_vars *vars,
                         const char *home, struct df_error *err);

#endif
