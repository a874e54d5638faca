/*
 * What phases leave behind: artifacts (with their validation), review
 * findings and the commands that were run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* The columns of artifacts read into struct store_artifact (store-int.h: rows as data). */
#define ARTIFACT_COLUMNS(FIRST, X)                                                                 \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(path, TEXT)                                                                              \
	X(schema_id, TEXT)                                                                         \
	X(hash, TEXT)                                                                              \
	X(valid, INT)                                                                              \
	X(errors, TEXT_OR_NULL)                                                                    \
	X(attempt, INT)                                                                            \
	X(created_at, TEXT)
#define ARTIFACT_COLS STORE_COLS(ARTIFACT_COLUMNS)

STORE_ROWS(artifact, struct store_artifact, ARTIFACT_COLUMNS)

void
store_artifact_clear(struct store_artifact *a)
{
	if (a == NULL)
		return;
	artifact_clear(a);
}

void
store_artifacts_free(struct store_artifact *a, size_t n)
{
	st_rows_free(a, n, sizeof(*a), artifact_clear);
}

int
store_artifact_insert(struct store *st, const struct store_artifact *a, const char *ts,
                      struct df_error *err)
{
	return st_q_exec(
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
	return st_q_list(st, st_q_prepare(st, err, SQL_ARTIFACTS_LIST, "s", run_id), sizeof(**out),
	                 artifact_fill, artifact_clear, (void **)out, n, err, "listing artifacts");
}

int
store_artifact_latest(struct store *st, const char *run_id, const char *phase_id,
                      const char *schema_id, int valid_only, struct store_artifact *out,
                      struct df_error *err)
{
	return st_q_one(st,
	                st_q_prepare(st, err, SQL_ARTIFACT_LATEST, "sssi", run_id, phase_id,
	                             schema_id, valid_only ? 1 : 0),
	                out, sizeof(*out), artifact_fill, err, "reading artifact");
}

/* The columns of review_findings read into struct store_finding (store-int.h: rows as data). */
#define FINDING_COLUMNS(FIRST, X)                                                                  \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(artifact_id, TEXT_OR_NULL)                                                               \
	X(severity, TEXT)                                                                          \
	X(message, TEXT)                                                                           \
	X(file, TEXT_OR_NULL)                                                                      \
	X(line, INT_OR_0)                                                                          \
	X(created_at, TEXT)
#define FINDING_COLS STORE_COLS(FINDING_COLUMNS)

STORE_ROWS(finding, struct store_finding, FINDING_COLUMNS)

void
store_findings_free(struct store_finding *f, size_t n)
{
	st_rows_free(f, n, sizeof(*f), finding_clear);
}

int
store_finding_insert(struct store *st, const struct store_finding *f, const char *ts,
                     struct df_error *err)
{
	sqlite3_stmt *s = st_q_prepare(
	    st, err,
	    "INSERT INTO review_findings (id, run_id, phase_id, artifact_id, severity, message, "
	    "file, line, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), COALESCE(?, " NOW_TS
	    "))",
	    "sssssssis", f->id, f->run_id, f->phase_id, f->artifact_id, f->severity, f->message,
	    f->file, f->line, ts);

	return s ? st_q_step(st, s, err, "recording finding") : -1;
}

static const char SQL_FINDINGS_LIST[] =
    "SELECT " FINDING_COLS " FROM review_findings WHERE run_id = ? ORDER BY created_at, rowid";

int
store_findings_list(struct store *st, const char *run_id, struct store_finding **out, size_t *n,
                    struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_FINDINGS_LIST, "s", run_id), sizeof(**out),
	                 finding_fill, finding_clear, (void **)out, n, err, "listing findings");
}

/* The columns of commands read into struct store_command (store-int.h: rows as data). */
#define COMMAND_COLUMNS(FIRST, X)                                                                  \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(kind, TEXT)                                                                              \
	X(argv, TEXT)                                                                              \
	X(exit_code, INT_OR_UNSET)                                                                 \
	X(created_at, TEXT)
#define COMMAND_COLS STORE_COLS(COMMAND_COLUMNS)

STORE_ROWS(command, struct store_command, COMMAND_COLUMNS)

void
store_commands_free(struct store_command *c, size_t n)
{
	st_rows_free(c, n, sizeof(*c), command_clear);
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
		return st_q_exec(st, err, "recording command", SQL_COMMAND_INSERT_EXIT, "sssssis",
		                 c->id, c->run_id, c->phase_id, c->kind, c->argv, c->exit_code, ts);
	return st_q_exec(st, err, "recording command", SQL_COMMAND_INSERT_NOEXIT, "ssssss", c->id,
	                 c->run_id, c->phase_id, c->kind, c->argv, ts);
}

static const char SQL_COMMANDS_LIST[] =
    "SELECT " COMMAND_COLS " FROM commands WHERE run_id = ? ORDER BY created_at, rowid";

int
store_commands_list(struct store *st, const char *run_id, struct store_command **out, size_t *n,
                    struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_COMMANDS_LIST, "s", run_id), sizeof(**out),
	                 command_fill, command_clear, (void **)out, n, err, "listing commands");
}
