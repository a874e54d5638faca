/*
 * The SQLite store. Everything that speaks SQL lives in this file: the
 * schema as a table of migrations (applied in order, one transaction each,
 * recorded in PRAGMA user_version), the connection settings, a small
 * prepared-statement layer (statements cached by their SQL text, arguments
 * bound from a type string), the translation of SQLite result codes into
 * df_error values, and the queries the rest of devflow calls by name.
 *
 * Why the settings: WAL lets readers (status queries) run beside the single
 * writer; synchronous=FULL because a decision a person made must survive a
 * power cut; foreign_keys because SQLite leaves them off by default; a busy
 * timeout because a second process (a CLI verb reading the database) may
 * briefly hold a lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uuid/uuid.h>

#include "paths.h"
#include "store.h"
#include "xalloc.h"

#define BUSY_TIMEOUT_MS 5000
#define STMT_CACHE_MAX 256

struct stmt_slot {
	const char *sql; /* static text: the cache key is the pointer */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	int in_tx;
	size_t nstmts;
	struct stmt_slot stmts[STMT_CACHE_MAX];
};

/* ---------------------------------------------------------------------------
 * Schema. Each entry is one migration; entry i brings user_version from i to
 * i + 1. Never edit a released entry: append a new one.
 */

#define RUN_STATES                                                                                 \
	"'created','bound','executing','planning','awaiting_approval','paused','completed',"       \
	"'failed','aborted'"
#define PHASE_STATES                                                                               \
	"'pending','running','awaiting_artifact','validating','awaiting_approval','completed',"    \
	"'failed','skipped'"
#define APPROVAL_STATES "'pending','approved','rejected','changes_requested','aborted'"
#define NOW_TS "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"

#define CATALOG_TABLE(table)                                                                       \
	"CREATE TABLE " table " (\n"                                                               \
	"  id TEXT PRIMARY KEY,\n"                                                                 \
	"  name TEXT NOT NULL CHECK (length(name) > 0),\n"                                         \
	"  version INTEGER NOT NULL CHECK (version >= 1),\n"                                       \
	"  hash TEXT NOT NULL CHECK (length(hash) = 64),\n"                                        \
	"  definition TEXT NOT NULL CHECK (json_valid(definition)),\n"                             \
	"  source TEXT NOT NULL,\n"                                                                \
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"                                         \
	"  updated_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"                                         \
	"  UNIQUE (name, version)\n"                                                               \
	");\n"

/* clang-format off */
static const char *const migrations[] = {
	/* 1: the initial schema, mirroring the reference engine's tables. */
	CATALOG_TABLE("workflow_templates")
	CATALOG_TABLE("agent_personas")
	CATALOG_TABLE("backends")
	"CREATE TABLE runs (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  template_id TEXT NOT NULL REFERENCES workflow_templates(id),\n"
	"  template_hash TEXT NOT NULL,\n"
	"  state TEXT NOT NULL DEFAULT 'created' CHECK (state IN (" RUN_STATES ")),\n"
	"  paused_from_state TEXT CHECK (paused_from_state IS NULL OR paused_from_state IN (" RUN_STATES ")),\n"
	"  repo_path TEXT NOT NULL,\n"
	"  base_branch TEXT NOT NULL,\n"
	"  worktree_root TEXT NOT NULL,\n"
	"  current_phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  final_report_path TEXT,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  updated_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  started_at TEXT,\n"
	"  ended_at TEXT\n"
	");\n"
	"CREATE UNIQUE INDEX ux_active_run_repo_base ON runs(repo_path, base_branch)\n"
	"  WHERE state NOT IN ('completed','failed','aborted');\n"
	"CREATE INDEX ix_runs_state ON runs(state);\n"
	"CREATE TABLE run_inputs (\n"
	"  run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  requirements_md TEXT NOT NULL,\n"
	"  objective TEXT CHECK (objective IS NULL OR json_valid(objective)),\n"
	"  extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),\n"
	"  input_hash TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS "\n"
	");\n"
	"CREATE TABLE run_phases (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_key TEXT NOT NULL,\n"
	"  seq INTEGER NOT NULL CHECK (seq >= 1),\n"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN (" PHASE_STATES ")),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),\n"
	"  repairs INTEGER NOT NULL DEFAULT 0 CHECK (repairs >= 0),\n"
	"  definition TEXT CHECK (definition IS NULL OR json_valid(definition)),\n"
	"  deadline_at TEXT,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  started_at TEXT,\n"
	"  ended_at TEXT,\n"
	"  UNIQUE (run_id, seq),\n"
	"  UNIQUE (run_id, phase_key)\n"
	");\n"
	"CREATE TABLE run_bindings (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  role_id TEXT NOT NULL,\n"
	"  persona_id TEXT NOT NULL REFERENCES agent_personas(id),\n"
	"  persona_hash TEXT NOT NULL,\n"
	"  backend TEXT NOT NULL,\n"
	"  binding_hash TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  UNIQUE (run_id, role_id)\n"
	");\n"
	"CREATE TABLE run_events (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  seq INTEGER NOT NULL CHECK (seq >= 1),\n"
	"  type TEXT NOT NULL CHECK (length(type) > 0),\n"
	"  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),\n"
	"  idempotency_key TEXT NOT NULL UNIQUE,\n"
	"  ts TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  UNIQUE (run_id, seq)\n"
	");\n"
	"CREATE TABLE approval_requests (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  gate_key TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL DEFAULT 'gate' CHECK (kind IN ('gate','needs_input')),\n"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN (" APPROVAL_STATES ")),\n"
	"  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  resolved_at TEXT\n"
	");\n"
	"CREATE INDEX ix_approval_requests_run ON approval_requests(run_id, state);\n"
	"CREATE TABLE approval_decisions (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  approval_request_id TEXT NOT NULL REFERENCES approval_requests(id) ON DELETE CASCADE,\n"
	"  action TEXT NOT NULL CHECK (action IN ('approve','request_changes','reject','abort')),\n"
	"  actor TEXT NOT NULL,\n"
	"  comment TEXT,\n"
	"  client_token TEXT NOT NULL,\n"
	"  idempotency_key TEXT NOT NULL UNIQUE,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  UNIQUE (approval_request_id, client_token)\n"
	");\n"
	"CREATE TABLE artifacts (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  path TEXT NOT NULL,\n"
	"  schema_id TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL,\n"
	"  valid INTEGER NOT NULL CHECK (valid IN (0, 1)),\n"
	"  errors TEXT CHECK (errors IS NULL OR json_valid(errors)),\n"
	"  attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS "\n"
	");\n"
	"CREATE INDEX ix_artifacts_run ON artifacts(run_id, schema_id, valid);\n"
	"CREATE TABLE review_findings (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  artifact_id TEXT REFERENCES artifacts(id) ON DELETE SET NULL,\n"
	"  severity TEXT NOT NULL CHECK (severity IN ('info','minor','major','critical')),\n"
	"  message TEXT NOT NULL,\n"
	"  file TEXT,\n"
	"  line INTEGER CHECK (line IS NULL OR line >= 1),\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS "\n"
	");\n"
	"CREATE TABLE commands (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  argv TEXT NOT NULL CHECK (json_valid(argv) AND json_type(argv) = 'array'),\n"
	"  exit_code INTEGER,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS "\n"
	");\n"
	/* Session states belong to the session runtime (READY, WAITING_FOR_APPROVAL,
	 * FAILED_NEEDS_HUMAN, ...): not constrained here, so the runtime may grow them. */
	"CREATE TABLE sessions (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  phase_id TEXT REFERENCES run_phases(id) ON DELETE SET NULL,\n"
	"  role_id TEXT NOT NULL,\n"
	"  backend TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (length(state) > 0),\n"
	"  pid INTEGER,\n"
	"  transcript_path TEXT,\n"
	"  conversation_id TEXT,\n"
	"  last_prompt_hash TEXT,\n"
	"  exit_status INTEGER,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  updated_at TEXT NOT NULL DEFAULT " NOW_TS ",\n"
	"  ended_at TEXT\n"
	");\n"
	"CREATE INDEX ix_sessions_run ON sessions(run_id);\n",
};
/* clang-format on */

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(N_MIGRATIONS == STORE_SCHEMA_VERSION, "STORE_SCHEMA_VERSION = number of migrations");

static const char *const run_states[] = {
	"created", "bound",     "executing", "planning", "awaiting_approval",
	"paused",  "completed", "failed",    "aborted"
};

/* ---------------------------------------------------------------------------
 * Errors.
 */

/* Translate the connection's last error (rc is the failing call's result). */
static int
db_error(struct store *st, int rc, struct df_error *err, const char *what)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	int prim = rc & 0xff;

	switch (prim) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		df_error_set(err, DF_RETRYABLE, DF_E_DATABASE, "%s: database is busy: %s", what,
		             msg);
		df_error_hint(err, "another devflow process holds %s",
		              st ? st->path : "the database");
		return -1;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return df_error_set(err, DF_FATAL, DF_E_DATABASE_CORRUPT, "%s: %s: %s", what,
		                    st ? st->path : "database", msg);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s: %s", what,
		                    st ? st->path : "database", msg);
	default:
		return df_error_set(err, DF_FATAL, DF_E_DATABASE, "%s: %s", what, msg);
	}
}

/* ---------------------------------------------------------------------------
 * Prepared statements. q_prepare returns a cached statement, reset, with its
 * arguments bound from types: 's' const char * (NULL binds NULL), 'i' int,
 * 'I' int64_t. Statements stay owned by the cache.
 */

static sqlite3_stmt *
q_vprepare(struct store *st, struct df_error *err, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int rc, idx = 1;
	size_t i;

	for (i = 0; i < st->nstmts; i++)
		if (st->stmts[i].sql == sql) {
			s = st->stmts[i].stmt;
			break;
		}
	if (s == NULL) {
		rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
		if (rc != SQLITE_OK) {
			db_error(st, rc, err, "prepare");
			return NULL;
		}
		if (st->nstmts == STMT_CACHE_MAX)
			abort(); /* raise STMT_CACHE_MAX: every query is a static string */
		st->stmts[st->nstmts].sql = sql;
		st->stmts[st->nstmts].stmt = s;
		st->nstmts++;
	} else {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	for (const char *t = types; t && *t; t++, idx++) {
		switch (*t) {
		case 's': {
			const char *v = va_arg(ap, const char *);

			rc = v ? sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(s, idx);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int(s, idx, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(s, idx, (sqlite3_int64)va_arg(ap, int64_t));
			break;
		default:
			abort(); /* a programming error in this file */
		}
		if (rc != SQLITE_OK) {
			db_error(st, rc, err, "bind");
			return NULL;
		}
	}
	return s;
}

static sqlite3_stmt *
q_prepare(struct store *st, struct df_error *err, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;

	va_start(ap, types);
	s = q_vprepare(st, err, sql, types, ap);
	va_end(ap);
	return s;
}

/*
 * Step a statement: 1 for a row, 0 when done (the statement is reset), -1
 * with err (the raw result code in *rc_out when not NULL, for callers that
 * translate constraint failures themselves).
 */
static int
q_step_rc(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what, int *rc_out)
{
	int rc = sqlite3_step(s);

	if (rc_out)
		*rc_out = rc;
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	rc = sqlite3_extended_errcode(st->db);
	if (rc_out)
		*rc_out = rc;
	db_error(st, rc, err, what);
	sqlite3_reset(s);
	return -1;
}

static int
q_step(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what)
{
	return q_step_rc(st, s, err, what, NULL);
}

/* Run a statement that returns no rows; 0 or -1 with err. */
static int
q_exec(struct store *st, struct df_error *err, const char *what, const char *sql, const char *types,
       ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, types);
	s = q_vprepare(st, err, sql, types, ap);
	va_end(ap);
	if (s == NULL)
		return -1;
	while ((rc = q_step(st, s, err, what)) == 1)
		;
	return rc;
}

/* Run a script of statements (no arguments, not cached). */
static int
q_script(struct store *st, const char *sql, struct df_error *err, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		df_error_set(err, DF_FATAL, DF_E_DATABASE, "%s: %s", what,
		             msg ? msg : sqlite3_errstr(rc));
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ||
		    (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
			sqlite3_free(msg);
			return db_error(st, rc, err, what);
		}
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static void
col_copy(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void
new_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

/* ---------------------------------------------------------------------------
 * Opening, migrations.
 */

/*
 * Refuse a file that exists, is not empty, and does not start with the
 * SQLite header, before SQLite gets a chance to write anything to it.
 */
static int
check_header(const char *path, struct df_error *err)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat sb;
	ssize_t n;
	int fd;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot stat database %s: %s", path,
		                    strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return df_error_set(err, DF_FATAL, DF_E_DATABASE_CORRUPT,
		                    "database %s is not a regular file", path);
	if (sb.st_size == 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot open database %s: %s", path,
		                    strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0) {
		df_error_set(err, DF_FATAL, DF_E_DATABASE_CORRUPT,
		             "%s is not a devflow database (no SQLite header); it was left as is",
		             path);
		df_error_hint(err, "move the file away or point --workspace elsewhere");
		return -1;
	}
	return 0;
}

static int
read_user_version(struct store *st, int *out, struct df_error *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return db_error(st, sqlite3_extended_errcode(st->db), err,
		                "reading schema version");
	return 0;
}

static int
too_new(struct store *st, int version, struct df_error *err)
{
	df_error_set(err, DF_FATAL, DF_E_DATABASE_TOO_NEW,
	             "database %s has schema version %d; this devflow knows up to %d", st->path,
	             version, STORE_SCHEMA_VERSION);
	df_error_hint(err, "use a newer devflow with this workspace");
	return -1;
}

/*
 * Apply the migrations the file lacks, each in its own transaction. The
 * version is re-read under the write lock, so two processes opening a new
 * workspace at once do not both apply the same migration.
 */
static int
migrate(struct store *st, struct df_error *err)
{
	for (;;) {
		char what[1100], pragma[64];
		int v;

		if (q_script(st, "BEGIN IMMEDIATE", err, "migrating the schema") != 0)
			return -1;
		if (read_user_version(st, &v, err) != 0)
			goto fail;
		if (v > (int)N_MIGRATIONS) {
			too_new(st, v, err);
			goto fail;
		}
		if (v == (int)N_MIGRATIONS) {
			sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
			return 0;
		}
		snprintf(what, sizeof(what), "migration %d of %s", v + 1, st->path);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (q_script(st, migrations[v], err, what) != 0 ||
		    q_script(st, pragma, err, what) != 0 || q_script(st, "COMMIT", err, what) != 0)
			goto fail;
	}
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
pragma_setup(struct store *st, struct df_error *err)
{
	int memory = strcmp(st->path, ":memory:") == 0;

	if (sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_error(st, sqlite3_errcode(st->db), err, "busy timeout");
	if (!memory && q_script(st, "PRAGMA journal_mode = WAL", err, "enabling WAL") != 0)
		return -1;
	return q_script(st,
	                "PRAGMA foreign_keys = ON;"
	                "PRAGMA synchronous = FULL;",
	                err, "configuring the connection");
}

struct store *
store_open_path(const char *path, struct df_error *err)
{
	struct store *st;
	int rc, version = 0;

	if (path == NULL || *path == '\0') {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "no database path");
		return NULL;
	}
	if (strcmp(path, ":memory:") != 0 && check_header(path, err) != 0)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	rc = sqlite3_open_v2(
	    path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL)
			df_error_set(err, DF_FATAL, DF_E_DATABASE, "cannot open database %s: %s",
			             path, sqlite3_errstr(rc));
		else
			db_error(st, rc, err, "opening database");
		store_close(st);
		return NULL;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Read the version before anything writes: a foreign file fails here. */
	if (read_user_version(st, &version, err) != 0)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		df_error_set(err, DF_FATAL, DF_E_DATABASE_TOO_NEW,
		             "database %s has schema version %d; this devflow knows up to %d", path,
		             version, STORE_SCHEMA_VERSION);
		df_error_hint(err, "use a newer devflow with this workspace");
		goto fail;
	}
	if (pragma_setup(st, err) != 0 || migrate(st, err) != 0)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

struct store *
store_open(const char *workspace, struct df_error *err)
{
	struct store *st;
	char *path;

	if (workspace == NULL || *workspace == '\0') {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "no workspace directory");
		return NULL;
	}
	if (paths_mkdir_p(workspace, 0700) != 0) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot create workspace %s: %s", workspace, strerror(errno));
		return NULL;
	}
	path = xasprintf("%s/devflow.db", workspace);
	st = store_open_path(path, err);
	free(path);
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		store_rollback(st);
	for (size_t i = 0; i < st->nstmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	if (st->db)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_user_version(struct store *st)
{
	int v = -1;

	if (read_user_version(st, &v, NULL) != 0)
		return -1;
	return v;
}

/* ---------------------------------------------------------------------------
 * Transactions and time.
 */

int
store_begin(struct store *st, struct df_error *err)
{
	if (st->in_tx)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a transaction is already open on %s", st->path);
	if (q_exec(st, err, "begin transaction", "BEGIN IMMEDIATE", NULL) != 0)
		return -1;
	st->in_tx = 1;
	return 0;
}

int
store_commit(struct store *st, struct df_error *err)
{
	if (!st->in_tx)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "no transaction is open on %s", st->path);
	if (q_exec(st, err, "commit", "COMMIT", NULL) != 0) {
		store_rollback(st);
		return -1;
	}
	st->in_tx = 0;
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!st->in_tx)
		return;
	/* Reset cached statements first: a pending read would keep the transaction alive. */
	for (size_t i = 0; i < st->nstmts; i++)
		sqlite3_reset(st->stmts[i].stmt);
	if (sqlite3_get_autocommit(st->db) == 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

int
store_in_transaction(const struct store *st)
{
	return st->in_tx;
}

void
store_format_ts(int64_t ms, char out[STORE_TS_MAX])
{
	time_t secs = (time_t)(ms / 1000);
	int msec = (int)(ms % 1000);
	struct tm tm;
	size_t n;

	if (msec < 0) {
		msec += 1000;
		secs -= 1;
	}

	gmtime_r(&secs, &tm);
	n = strftime(out, STORE_TS_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, STORE_TS_MAX - n, ".%03dZ", msec);
}

void
store_now(char out[STORE_TS_MAX])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	store_format_ts((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, out);
}

/*
 * Helpers for functions that run in the caller's transaction when there is
 * one and in their own otherwise.
 */
static int
tx_enter(struct store *st, int *own, struct df_error *err)
{
	*own = !st->in_tx;
	return *own ? store_begin(st, err) : 0;
}

static int
tx_leave(struct store *st, int own, int rc, struct df_error *err)
{
	if (!own)
		return rc;
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err) == 0 ? rc : -1;
}

/* ---------------------------------------------------------------------------
 * Events.
 */

static const char SQL_EVENT_BY_KEY[] =
    "SELECT run_id, seq FROM run_events WHERE idempotency_key = ?";
static const char SQL_EVENT_NEXT_SEQ[] =
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = ?";
/* ON CONFLICT on the key only: a CHECK or NOT NULL failure must still be an error. */
static const char SQL_EVENT_INSERT[] =
    "INSERT INTO run_events (run_id, phase_id, seq, type, payload, idempotency_key, ts) "
    "VALUES (?, ?, ?, ?, ?, ?, COALESCE(?, " NOW_TS ")) "
    "ON CONFLICT (idempotency_key) DO NOTHING";

/* 1 and *seq when key exists (for run_id), 0 when not, -1 with err. */
static int
event_lookup(struct store *st, const char *run_id, const char *key, int64_t *seq,
             struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err, SQL_EVENT_BY_KEY, "s", key);
	int rc;

	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, "looking up event key");
	if (rc != 1)
		return rc;
	if (strcmp((const char *)sqlite3_column_text(s, 0), run_id) != 0) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "event idempotency key '%s' is already used by run %s", key,
		             (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		return -1;
	}
	*seq = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 1;
}

static int
event_append_tx(struct store *st, const char *run_id, const char *phase_id, const char *type,
                const char *payload, const char *key, const char *ts, int64_t *seq_out,
                struct df_error *err)
{
	sqlite3_stmt *s;
	int64_t seq = 0;
	int rc;

	rc = event_lookup(st, run_id, key, &seq, err);
	if (rc != 0) {
		*seq_out = seq;
		return rc;
	}
	s = q_prepare(st, err, SQL_EVENT_NEXT_SEQ, "s", run_id);
	if (s == NULL || q_step(st, s, err, "computing event seq") != 1)
		return -1;
	seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (q_exec(st, err, "appending event", SQL_EVENT_INSERT, "ssIssss", run_id, phase_id, seq,
	           type, payload ? payload : "{}", key, ts) != 0) {
		df_error_prefix(err, "event %s (%s) of run %s", type, key, run_id);
		return -1;
	}
	if (sqlite3_changes(st->db) == 0) /* cannot happen under BEGIN IMMEDIATE; be exact anyway */
		return event_lookup(st, run_id, key, seq_out, err);
	*seq_out = seq;
	return 0;
}

int
store_event_append_phase(struct store *st, const char *run_id, const char *phase_id,
                         const char *type, const char *payload_json_text,
                         const char *idempotency_key, const char *ts, int64_t *seq_out,
                         struct df_error *err)
{
	int64_t seq = 0;
	int own, rc;

	if (run_id == NULL || *run_id == '\0' || type == NULL || *type == '\0' ||
	    idempotency_key == NULL || *idempotency_key == '\0')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "an event needs a run id, a type and an idempotency key");
	if (tx_enter(st, &own, err) != 0)
		return -1;
	rc = event_append_tx(st, run_id, phase_id, type, payload_json_text, idempotency_key, ts,
	                     &seq, err);
	rc = tx_leave(st, own, rc, err);
	if (rc >= 0 && seq_out)
		*seq_out = seq;
	return rc;
}

int
store_event_append(struct store *st, const char *run_id, const char *type,
                   const char *payload_json_text, const char *idempotency_key, const char *ts,
                   int64_t *seq_out, struct df_error *err)
{
	return store_event_append_phase(st, run_id, NULL, type, payload_json_text, idempotency_key,
	                                ts, seq_out, err);
}

static const char SQL_EVENTS_LIST[] =
    "SELECT id, run_id, phase_id, seq, type, payload, idempotency_key, ts FROM run_events "
    "WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";

int
store_events_list(struct store *st, const char *run_id, int64_t after_seq, size_t limit,
                  struct store_event **out, size_t *n, struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	s = q_prepare(st, err, SQL_EVENTS_LIST, "sII", run_id, after_seq,
	              limit == 0 ? (int64_t)-1 : (int64_t)limit);
	if (s == NULL)
		return -1;
	while ((rc = q_step(st, s, err, "listing events")) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			ev = xreallocarray(ev, cap, sizeof(*ev));
		}
		ev[count].id = sqlite3_column_int64(s, 0);
		ev[count].run_id = col_dup(s, 1);
		ev[count].phase_id = col_dup(s, 2);
		ev[count].seq = sqlite3_column_int64(s, 3);
		ev[count].type = col_dup(s, 4);
		ev[count].payload = col_dup(s, 5);
		ev[count].idempotency_key = col_dup(s, 6);
		ev[count].ts = col_dup(s, 7);
		count++;
	}
	if (rc < 0) {
		store_events_free(ev, count);
		return -1;
	}
	*out = ev;
	*n = count;
	return 0;
}

void
store_events_free(struct store_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(events[i].run_id);
		free(events[i].phase_id);
		free(events[i].type);
		free(events[i].payload);
		free(events[i].idempotency_key);
		free(events[i].ts);
	}
	free(events);
}

/* ---------------------------------------------------------------------------
 * Catalog.
 */

struct catalog_sql {
	const char *name;
	const char *select_one; /* by name, version */
	const char *select_top; /* by name, highest version */
	const char *select_all;
	const char *insert;
	const char *refresh;    /* same content: new source */
	const char *replace;    /* other content, unreferenced */
	const char *referenced; /* count of rows that pin it */
};

#define CATALOG_COLS "id, name, version, hash, definition, source"
#define CATALOG_SQL(table, kindname, refsql)                                                       \
	{                                                                                          \
		kindname, "SELECT " CATALOG_COLS " FROM " table " WHERE name = ? AND version = ?", \
		    "SELECT " CATALOG_COLS " FROM " table                                          \
		    " WHERE name = ? ORDER BY version DESC LIMIT 1",                               \
		    "SELECT " CATALOG_COLS " FROM " table " ORDER BY name, version DESC",          \
		    "INSERT INTO " table " (id, name, version, hash, definition, source) "         \
		    "VALUES (?, ?, ?, ?, ?, ?)",                                                   \
		    "UPDATE " table " SET source = ?, updated_at = " NOW_TS " WHERE id = ?",       \
		    "UPDATE " table                                                                \
		    " SET hash = ?, definition = ?, source = ?, updated_at = " NOW_TS              \
		    " WHERE id = ?",                                                               \
		    refsql                                                                         \
	}

static const struct catalog_sql catalog_sql[] = {
	[STORE_CATALOG_TEMPLATE] = CATALOG_SQL("workflow_templates", "template",
	                                       "SELECT count(*) FROM runs WHERE template_id = ?"),
	[STORE_CATALOG_PERSONA] = CATALOG_SQL(
	    "agent_personas", "persona", "SELECT count(*) FROM run_bindings WHERE persona_id = ?"),
	/* Bindings name backends by name, not by row: nothing pins a backend row. */
	[STORE_CATALOG_BACKEND] =
	    CATALOG_SQL("backends", "backend", "SELECT 0 WHERE ? IS NOT NULL"),
};

const char *
store_catalog_kind_name(enum store_catalog_kind kind)
{
	if ((unsigned)kind > STORE_CATALOG_BACKEND)
		return "unknown";
	return catalog_sql[kind].name;
}

static void
catalog_row(sqlite3_stmt *s, struct store_catalog_entry *e)
{
	e->id = col_dup(s, 0);
	e->name = col_dup(s, 1);
	e->version = sqlite3_column_int(s, 2);
	e->hash = col_dup(s, 3);
	e->definition = col_dup(s, 4);
	e->source = col_dup(s, 5);
}

static int
catalog_put_tx(struct store *st, const struct catalog_sql *q, const struct store_catalog_entry *e,
               char **id_out, struct df_error *err)
{
	struct store_catalog_entry old = { 0 };
	sqlite3_stmt *s;
	int rc;

	s = q_prepare(st, err, q->select_one, "si", e->name, e->version);
	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, "reading the catalog");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		char id[37];

		new_uuid(id);
		if (q_exec(st, err, "adding to the catalog", q->insert, "ssisss", id, e->name,
		           e->version, e->hash, e->definition, e->source) != 0)
			goto fail;
		if (id_out)
			*id_out = xstrdup(id);
		return 0;
	}
	catalog_row(s, &old);
	sqlite3_reset(s);
	if (strcmp(old.hash, e->hash) == 0) {
		rc = q_exec(st, err, "updating the catalog", q->refresh, "ss", e->source, old.id);
	} else {
		int64_t refs;

		s = q_prepare(st, err, q->referenced, "s", old.id);
		if (s == NULL || q_step(st, s, err, "reading the catalog") != 1)
			goto fail;
		refs = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (refs > 0) {
			df_error_set(
			    err, DF_FATAL, DF_E_CATALOG_CONFLICT,
			    "%s %s@%d in %s differs from the one stored from %s, which %lld "
			    "run(s) use",
			    q->name, e->name, e->version, e->source, old.source, (long long)refs);
			df_error_hint(err, "give the changed %s a new version", q->name);
			goto fail;
		}
		rc = q_exec(st, err, "updating the catalog", q->replace, "ssss", e->hash,
		            e->definition, e->source, old.id);
	}
	if (rc != 0)
		goto fail;
	if (id_out)
		*id_out = xstrdup(old.id);
	store_catalog_entry_clear(&old);
	return 0;
fail:
	if (err && err->code != DF_E_CATALOG_CONFLICT)
		df_error_prefix(err, "%s %s@%d from %s", q->name, e->name, e->version, e->source);
	store_catalog_entry_clear(&old);
	return -1;
}

int
store_catalog_put(struct store *st, enum store_catalog_kind kind,
                  const struct store_catalog_entry *entry, char **id_out, struct df_error *err)
{
	int own, rc;

	if ((unsigned)kind > STORE_CATALOG_BACKEND || entry->name == NULL || entry->hash == NULL ||
	    entry->definition == NULL || entry->source == NULL)
		return df_error_set(
		    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		    "a catalog entry needs a kind, name, hash, definition and source");
	if (id_out)
		*id_out = NULL;
	if (tx_enter(st, &own, err) != 0)
		return -1;
	rc = catalog_put_tx(st, &catalog_sql[kind], entry, id_out, err);
	rc = tx_leave(st, own, rc, err);
	if (rc != 0 && id_out) {
		free(*id_out);
		*id_out = NULL;
	}
	return rc;
}

int
store_catalog_list(struct store *st, enum store_catalog_kind kind, struct store_catalog_entry **out,
                   size_t *n, struct df_error *err)
{
	struct store_catalog_entry *v = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((unsigned)kind > STORE_CATALOG_BACKEND)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown catalog kind");
	s = q_prepare(st, err, catalog_sql[kind].select_all, NULL);
	if (s == NULL)
		return -1;
	while ((rc = q_step(st, s, err, "listing the catalog")) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		catalog_row(s, &v[count++]);
	}
	if (rc < 0) {
		store_catalog_entries_free(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

int
store_catalog_get(struct store *st, enum store_catalog_kind kind, const char *name, int version,
                  struct store_catalog_entry *out, struct df_error *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind > STORE_CATALOG_BACKEND || name == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a catalog lookup needs a kind and a name");
	if (version > 0)
		s = q_prepare(st, err, catalog_sql[kind].select_one, "si", name, version);
	else
		s = q_prepare(st, err, catalog_sql[kind].select_top, "s", name);
	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, "reading the catalog");
	if (rc == 1) {
		catalog_row(s, out);
		sqlite3_reset(s);
	}
	return rc;
}

void
store_catalog_entry_clear(struct store_catalog_entry *e)
{
	free(e->id);
	free(e->name);
	free(e->hash);
	free(e->definition);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

void
store_catalog_entries_free(struct store_catalog_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_catalog_entry_clear(&entries[i]);
	free(entries);
}

/* ---------------------------------------------------------------------------
 * Runs.
 */

static int
known_run_state(const char *state)
{
	for (size_t i = 0; i < sizeof(run_states) / sizeof(run_states[0]); i++)
		if (strcmp(run_states[i], state) == 0)
			return 1;
	return 0;
}

static const char SQL_RUN_ACTIVE_FOR[] =
    "SELECT id, state FROM runs WHERE repo_path = ? AND base_branch = ? "
    "AND state NOT IN ('completed','failed','aborted') ORDER BY created_at LIMIT 1";

int
store_run_active_for(struct store *st, const char *repo_path, const char *base_branch,
                     char run_id[DF_ID_MAX], char state[DF_ID_MAX], struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err, SQL_RUN_ACTIVE_FOR, "ss", repo_path, base_branch);
	int rc;

	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, "looking up the active run");
	if (rc == 1) {
		col_copy(s, 0, run_id, DF_ID_MAX);
		col_copy(s, 1, state, DF_ID_MAX);
		sqlite3_reset(s);
	}
	return rc;
}

/*
 * After a failed write on runs: when it was the partial unique index,
 * replace err with active_run_exists naming the run that holds the pair.
 */
static void
maybe_active_run_exists(struct store *st, int rc, const char *repo_path, const char *base_branch,
                        struct df_error *err)
{
	char id[DF_ID_MAX] = "unknown", state[DF_ID_MAX] = "unknown";

	if (rc != SQLITE_CONSTRAINT_UNIQUE ||
	    strstr(sqlite3_errmsg(st->db), "runs.repo_path, runs.base_branch") == NULL)
		return;
	store_run_active_for(st, repo_path, base_branch, id, state, NULL);
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_ACTIVE_RUN_EXISTS,
	             "an active run already exists for %s on %s: run %s (%s)", repo_path,
	             base_branch, id, state);
	df_error_hint(err, "{\"currentRunId\":\"%s\",\"currentState\":\"%s\"}", id, state);
	if (err)
		snprintf(err->run_id, sizeof(err->run_id), "%s", id);
}

static const char SQL_RUN_INSERT[] =
    "INSERT INTO runs (id, template_id, template_hash, state, repo_path, base_branch, "
    "worktree_root, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
    "COALESCE(?, " NOW_TS "), COALESCE(?, " NOW_TS "))";

int
store_run_insert(struct store *st, const struct store_run_new *r, struct df_error *err)
{
	const char *state = r->state ? r->state : "created";
	sqlite3_stmt *s;
	int rc, raw = 0;

	if (r->id == NULL || r->template_id == NULL || r->template_hash == NULL ||
	    r->repo_path == NULL || r->base_branch == NULL || r->worktree_root == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a run needs an id, a template, a repository, a base branch "
		                    "and a worktree");
	if (!known_run_state(state))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown run state '%s'",
		                    state);
	s = q_prepare(st, err, SQL_RUN_INSERT, "sssssssss", r->id, r->template_id, r->template_hash,
	              state, r->repo_path, r->base_branch, r->worktree_root, r->created_at,
	              r->created_at);
	if (s == NULL)
		return -1;
	rc = q_step_rc(st, s, err, "inserting run", &raw);
	if (rc < 0) {
		maybe_active_run_exists(st, raw, r->repo_path, r->base_branch, err);
		if (err && err->code != DF_E_ACTIVE_RUN_EXISTS)
			df_error_prefix(err, "run %s", r->id);
		return -1;
	}
	return 0;
}

static const char SQL_RUN_GET_PAIR[] = "SELECT repo_path, base_branch FROM runs WHERE id = ?";
static const char SQL_RUN_SET_STATE[] =
    "UPDATE runs SET state = ?1, updated_at = " NOW_TS ", ended_at = CASE WHEN ?1 IN "
    "('completed','failed','aborted') THEN COALESCE(ended_at, " NOW_TS ") ELSE ended_at END "
    "WHERE id = ?2";

int
store_run_set_state(struct store *st, const char *run_id, const char *state, struct df_error *err)
{
	char repo[1024], base[256];
	sqlite3_stmt *s;
	int rc, raw = 0;

	if (state == NULL || !known_run_state(state))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown run state '%s'",
		                    state ? state : "(null)");
	s = q_prepare(st, err, SQL_RUN_GET_PAIR, "s", run_id);
	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, "reading run");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND, "run %s does not exist",
		             run_id);
		if (err)
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		return -1;
	}
	col_copy(s, 0, repo, sizeof(repo));
	col_copy(s, 1, base, sizeof(base));
	sqlite3_reset(s);
	s = q_prepare(st, err, SQL_RUN_SET_STATE, "ss", state, run_id);
	if (s == NULL)
		return -1;
	if (q_step_rc(st, s, err, "updating run state", &raw) < 0) {
		maybe_active_run_exists(st, raw, repo, base, err);
		return -1;
	}
	return 0;
}
