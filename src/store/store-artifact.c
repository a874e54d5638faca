/*
 * What phases leave behind: artifacts (with their validation), review
 * findings and the commands that were run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define ARTIFACT_COLS                                                                              \
	"id, run_id, phase_id, path, schema_id, hash, valid, errors, attempt, created_at"

static void
artifact_fill(sqlite3_stmt *s, void *elem)
{
	struct store_artifact *a = elem;

	a->id = col_dup(s, 0);
	a->run_id = col_dup(s, 1);
	a->phase_id = col_dup(s, 2);
	a->path = col_dup(s, 3);
	a->schema_id = col_dup(s, 4);
	a->hash = col_dup(s, 5);
	a->valid = col_int(s, 6);
	a->errors = col_dup(s, 7);
	a->attempt = col_int(s, 8);
	a->created_at = col_dup(s, 9);
}

void
store_artifact_clear(struct store_artifact *a)
{
	if (a == NULL)
		return;
	free(a->id);
	free(a->run_id);
	free(a->phase_id);
	free(a->path);
	free(a->schema_id);
	free(a->hash);
	free(a->errors);
	free(a->created_at);
	memset(a, 0, sizeof(*a));
}

static void
artifact_clear_v(void *e)
{
	store_artifact_clear(e);
}

void
store_artifacts_free(struct store_artifact *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_artifact_clear(&a[i]);
	free(a);
}

int
store_artifact_insert(struct store *st, const struct store_artifact *a, const char *ts,
                      struct df_error *err)
{
	return q_exec(
	    st, err, "recording artifact",
	    "INSERT INTO artifacts (id, run_id, phase_id, path, schema_id, hash, valid, "
	    "errors, attempt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, " NOW_TS
	    "))",
	    "ssssssisis", a->id, a->run_id, a->phase_id, a->path, a->schema_id, a->hash,
	    a->valid ? 1 : 0, a->errors, a->attempt > 0 ? a->attempt : 1, ts);
}

static const char SQL_ARTIFACTS_LIST[] =
    "SELECT " ARTIFACT_COLS " FROM artifacts WHERE run_id = ? ORDER BY created_at, rowid";
static const char SQL_ARTIFACT_LATEST[] =
    "SELECT " ARTIFACT_COLS " FROM artifacts WHERE run_id = ?1 AND (?2 IS NULL OR phase_id = ?2) "
    "AND (?3 IS NULL OR schema_id = ?3) AND (?4 = 0 OR valid = 1) "
    "ORDER BY created_at DESC, rowid DESC LIMIT 1";

int
store_artifacts_list(struct store *st, const char *run_id, struct store_artifact **out, size_t *n,
                     struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_ARTIFACTS_LIST, "s", run_id), sizeof(**out),
	              artifact_fill, artifact_clear_v, (void **)out, n, err, "listing artifacts");
}

int
store_artifact_latest(struct store *st, const char *run_id, const char *phase_id,
                      const char *schema_id, int valid_only, struct store_artifact *out,
                      struct df_error *err)
{
	return q_one(st,
	             q_prepare(st, err, SQL_ARTIFACT_LATEST, "sssi", run_id, phase_id, schema_id,
	                       valid_only ? 1 : 0),
	             out, sizeof(*out), artifact_fill, err, "reading artifact");
}

static void
finding_fill(sqlite3_stmt *s, void *elem)
{
	struct store_finding *f = elem;

	f->id = col_dup(s, 0);
	f->run_id = col_dup(s, 1);
	f->phase_id = col_dup(s, 2);
	f->artifact_id = col_dup(s, 3);
	f->severity = col_dup(s, 4);
	f->message = col_dup(s, 5);
	f->file = col_dup(s, 6);
	f->line = col_is_null(s, 7) ? 0 : col_int(s, 7);
	f->created_at = col_dup(s, 8);
}

static void
finding_clear(struct store_finding *f)
{
	free(f->id);
	free(f->run_id);
	free(f->phase_id);
	free(f->artifact_id);
	free(f->severity);
	free(f->message);
	free(f->file);
	free(f->created_at);
}

static void
finding_clear_v(void *e)
{
	finding_clear(e);
}

void
store_findings_free(struct store_finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		finding_clear(&f[i]);
	free(f);
}

int
store_finding_insert(struct store *st, const struct store_finding *f, const char *ts,
                     struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(
	    st, err,
	    "INSERT INTO review_findings (id, run_id, phase_id, artifact_id, severity, message, "
	    "file, line, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), COALESCE(?, " NOW_TS
	    "))",
	    "sssssssis", f->id, f->run_id, f->phase_id, f->artifact_id, f->severity, f->message,
	    f->file, f->line, ts);

	return s ? q_step(st, s, err, "recording finding") : -1;
}

static const char SQL_FINDINGS_LIST[] =
    "SELECT id, run_id, phase_id, artifact_id, severity, message, file, line, created_at "
    "FROM review_findings WHERE run_id = ? ORDER BY created_at, rowid";

int
store_findings_list(struct store *st, const char *run_id, struct store_finding **out, size_t *n,
                    struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_FINDINGS_LIST, "s", run_id), sizeof(**out),
	              finding_fill, finding_clear_v, (void **)out, n, err, "listing findings");
}

static void
command_fill(sqlite3_stmt *s, void *elem)
{
	struct store_command *c = elem;

	c->id = col_dup(s, 0);
	c->run_id = col_dup(s, 1);
	c->phase_id = col_dup(s, 2);
	c->kind = col_dup(s, 3);
	c->argv = col_dup(s, 4);
	c->has_exit_code = !col_is_null(s, 5);
	c->exit_code = c->has_exit_code ? col_int(s, 5) : 0;
	c->created_at = col_dup(s, 6);
}

static void
command_clear(struct store_command *c)
{
	free(c->id);
	free(c->run_id);
	free(c->phase_id);
	free(c->kind);
	free(c->argv);
	free(c->created_at);
}

static void
command_clear_v(void *e)
{
	command_clear(e);
}

void
store_commands_free(struct store_command *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		command_clear(&c[i]);
	free(c);
}

static const char SQL_COMMAND_INSERT_EXIT[] =
    "INSERT INTO commands (id, run_id, phase_id, kind, argv, exit_code, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, COALESCE(?, " NOW_TS "))";
static const char SQL_COMMAND_INSERT_NOEXIT[] =
    "INSERT INTO commands (id, run_id, phase_id, kind, argv, exit_code, created_at) "
    "VALUES (?, ?, ?, ?, ?, NULL, COALESCE(?, " NOW_TS "))";

int
store_command_insert(struct store *st, const struct store_command *c, const char *ts,
                     struct df_error *err)
{
	if (c->has_exit_code)
		return q_exec(st, err, "recording command", SQL_COMMAND_INSERT_EXIT, "sssssis",
		              c->id, c->run_id, c->phase_id, c->kind, c->argv, c->exit_code, ts);
	return q_exec(st, err, "recording command", SQL_COMMAND_INSERT_NOEXIT, "ssssss", c->id,
	              c->run_id, c->phase_id, c->kind, c->argv, ts);
}

static const char SQL_COMMANDS_LIST[] =
    "SELECT id, run_id, phase_id, kind, argv, exit_code, created_at FROM commands "
    "WHERE run_id = ? ORDER BY created_at, rowid";

int
store_commands_list(struct store *st, const char *run_id, struct store_command **out, size_t *n,
                    struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_COMMANDS_LIST, "s", run_id), sizeof(**out),
	              command_fill, command_clear_v, (void **)out, n, err, "listing commands");
}
