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

#include "lib/clock.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "store.h"

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
	int full_after; /* store_fault_disk_full: commits until writes fail; -1: never */
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
	int rc;

	/* An injected full disk: every statement that writes fails as SQLite's would. */
	if (st->full_after == 0 && !sqlite3_stmt_readonly(s)) {
		sqlite3_reset(s);
		if (rc_out)
			*rc_out = SQLITE_FULL;
		return df_error_set(err, DF_FATAL, DF_E_IO,
		                    "%s: %s: database or disk is full (injected)", what, st->path);
	}
	rc = sqlite3_step(s);

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
 * Before SQLite gets a chance to write anything: a database file that does
 * not exist is created here, 0600 whatever the umask (SQLite gives its
 * -wal and -shm files the mode of the database, so they are 0600 too), and
 * *created says so; O_EXCL makes one opener the creator. A file that exists
 * must be a regular file with the SQLite header, and an empty one is no
 * exception: SQLite would take it for a new database, and a workspace whose
 * database was emptied would come back blank. An existing database open to
 * group or others is narrowed to 0600.
 */
static int
prepare_file(const char *path, int *created, struct df_error *err)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat sb;
	ssize_t n;
	int fd;

	*created = 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		*created = 1;
		/* The umask may have taken more than group and others: exactly 0600. */
		if (fchmod(fd, 0600) != 0) {
			df_error_set(err, DF_FATAL, DF_E_IO,
			             "cannot set the mode of database %s: %s", path,
			             strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (errno != EEXIST)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot create database %s: %s", path,
		                    strerror(errno));
	if (stat(path, &sb) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot stat database %s: %s", path,
		                    strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return df_error_set(err, DF_FATAL, DF_E_DATABASE_CORRUPT,
		                    "database %s is not a regular file", path);
	if (sb.st_size == 0) {
		df_error_set(err, DF_FATAL, DF_E_DATABASE_CORRUPT,
		             "%s is empty (0 bytes), not a devflow database; it was left as is",
		             path);
		df_error_hint(err, "remove it to start a new, empty workspace there, or point "
		                   "--workspace elsewhere");
		return -1;
	}
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
	if ((sb.st_mode & 077) != 0 && chmod(path, sb.st_mode & 0700) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO,
		                    "cannot restrict database %s to its owner: %s", path,
		                    strerror(errno));
	return 0;
}

/* Remove a database file this open created, with its -wal and -shm: nothing is lost. */
static void
remove_created(const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm" };

	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);

		unlink(p);
		free(p);
	}
	unlink(path);
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
	int rc, version = 0, created = 0, memory;

	if (path == NULL || *path == '\0') {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "no database path");
		return NULL;
	}
	memory = strcmp(path, ":memory:") == 0;
	if (!memory && prepare_file(path, &created, err) != 0)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->full_after = -1;
	st->path = xstrdup(path);
	/* No SQLITE_OPEN_CREATE for a file: prepare_file made it, only when missing. */
	rc = sqlite3_open_v2(
	    path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (memory ? SQLITE_OPEN_CREATE : 0), NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL)
			df_error_set(err, DF_FATAL, DF_E_DATABASE, "cannot open database %s: %s",
			             path, sqlite3_errstr(rc));
		else
			db_error(st, rc, err, "opening database");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/*
	 * Wait for locks from the very first read: another process opening the
	 * same file may be running WAL recovery, which holds a lock briefly.
	 */
	if (sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		db_error(st, sqlite3_errcode(st->db), err, "busy timeout");
		goto fail;
	}
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
	/* Left behind, a database we just made empty would be refused next time. */
	if (created)
		remove_created(path);
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
store_library_version(void)
{
	return sqlite3_libversion();
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
	if (st->full_after > 0)
		st->full_after--;
	return 0;
}

void
store_fault_disk_full(struct store *st, int after_commits)
{
	st->full_after = after_commits < 0 ? -1 : after_commits;
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
	store_format_ts(clock_wall_ms(), out);
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

/* ===========================================================================
 * Engine queries. Rows are read by one fill function per struct; lists and
 * single rows share q_list and q_one.
 */

typedef void (*row_fill_fn)(sqlite3_stmt *s, void *elem);
typedef void (*elem_clear_fn)(void *elem);

/* Step s to completion, one element of size per row. 0 or -1 (nothing kept). */
static int
q_list(struct store *st, sqlite3_stmt *s, size_t size, row_fill_fn fill, elem_clear_fn clear,
       void **out, size_t *n, struct df_error *err, const char *what)
{
	char *v = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while ((rc = q_step(st, s, err, what)) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, size);
		}
		memset(v + count * size, 0, size);
		fill(s, v + count * size);
		count++;
	}
	if (rc < 0) {
		for (size_t i = 0; i < count; i++)
			clear(v + i * size);
		free(v);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

/* The first row into out: 1, 0 when none (out zeroed), -1. */
static int
q_one(struct store *st, sqlite3_stmt *s, void *out, size_t size, row_fill_fn fill,
      struct df_error *err, const char *what)
{
	int rc;

	memset(out, 0, size);
	if (s == NULL)
		return -1;
	rc = q_step(st, s, err, what);
	if (rc == 1) {
		fill(s, out);
		sqlite3_reset(s);
	}
	return rc;
}

static int
col_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_int(s, i);
}

static int
col_is_null(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL;
}

/* ---- runs ---- */

#define RUN_COLS                                                                                   \
	"id, template_id, template_hash, state, paused_from_state, repo_path, base_branch, "       \
	"worktree_root, current_phase_id, final_report_path, created_at, updated_at, started_at, " \
	"ended_at"

static void
run_fill(sqlite3_stmt *s, void *elem)
{
	struct store_run *r = elem;

	r->id = col_dup(s, 0);
	r->template_id = col_dup(s, 1);
	r->template_hash = col_dup(s, 2);
	r->state = col_dup(s, 3);
	r->paused_from_state = col_dup(s, 4);
	r->repo_path = col_dup(s, 5);
	r->base_branch = col_dup(s, 6);
	r->worktree_root = col_dup(s, 7);
	r->current_phase_id = col_dup(s, 8);
	r->final_report_path = col_dup(s, 9);
	r->created_at = col_dup(s, 10);
	r->updated_at = col_dup(s, 11);
	r->started_at = col_dup(s, 12);
	r->ended_at = col_dup(s, 13);
}

void
store_run_clear(struct store_run *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->template_id);
	free(r->template_hash);
	free(r->state);
	free(r->paused_from_state);
	free(r->repo_path);
	free(r->base_branch);
	free(r->worktree_root);
	free(r->current_phase_id);
	free(r->final_report_path);
	free(r->created_at);
	free(r->updated_at);
	free(r->started_at);
	free(r->ended_at);
	memset(r, 0, sizeof(*r));
}

static void
run_clear_v(void *e)
{
	store_run_clear(e);
}

static const char SQL_RUN_GET[] = "SELECT " RUN_COLS " FROM runs WHERE id = ?";

int
store_run_get(struct store *st, const char *run_id, struct store_run *out, struct df_error *err)
{
	return q_one(st, q_prepare(st, err, SQL_RUN_GET, "s", run_id), out, sizeof(*out), run_fill,
	             err, "reading run");
}

static const char SQL_RUNS_ALL[] = "SELECT " RUN_COLS " FROM runs ORDER BY created_at, rowid";
static const char SQL_RUNS_ACTIVE[] =
    "SELECT " RUN_COLS " FROM runs WHERE state NOT IN ('completed','failed','aborted') "
    "ORDER BY created_at, rowid";

int
store_runs_list(struct store *st, int active_only, struct store_run **out, size_t *n,
                struct df_error *err)
{
	return q_list(st, q_prepare(st, err, active_only ? SQL_RUNS_ACTIVE : SQL_RUNS_ALL, NULL),
	              sizeof(**out), run_fill, run_clear_v, (void **)out, n, err, "listing runs");
}

void
store_runs_free(struct store_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_run_clear(&runs[i]);
	free(runs);
}

static const char SQL_RUN_COUNT_ACTIVE[] =
    "SELECT count(*) FROM runs WHERE state NOT IN ('completed','failed','aborted')";

int
store_run_count_active(struct store *st, int64_t *n, struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err, SQL_RUN_COUNT_ACTIVE, NULL);

	if (s == NULL || q_step(st, s, err, "counting active runs") != 1)
		return -1;
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

static const char SQL_RUN_TRANSITION[] =
    "UPDATE runs SET state = ?1, paused_from_state = ?2, updated_at = COALESCE(?3, " NOW_TS "), "
    "ended_at = CASE WHEN ?1 IN ('completed','failed','aborted') "
    "THEN COALESCE(ended_at, ?3, " NOW_TS ") ELSE ended_at END, "
    "current_phase_id = CASE WHEN ?1 IN ('completed','failed','aborted') THEN NULL "
    "ELSE current_phase_id END WHERE id = ?4";

int
store_run_transition(struct store *st, const char *run_id, const char *state,
                     const char *paused_from_state, const char *ts, struct df_error *err)
{
	struct store_run r;
	sqlite3_stmt *s;
	int rc, raw = 0;

	if (state == NULL || !known_run_state(state) ||
	    (paused_from_state && !known_run_state(paused_from_state)))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown run state '%s'",
		                    state ? state : "(null)");
	rc = store_run_get(st, run_id, &r, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND, "run %s does not exist",
		             run_id);
		if (err)
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		return -1;
	}
	s = q_prepare(st, err, SQL_RUN_TRANSITION, "ssss", state, paused_from_state, ts, run_id);
	rc = s ? q_step_rc(st, s, err, "updating run state", &raw) : -1;
	if (rc < 0)
		maybe_active_run_exists(st, raw, r.repo_path, r.base_branch, err);
	store_run_clear(&r);
	return rc < 0 ? -1 : 0;
}

int
store_run_set_current_phase(struct store *st, const char *run_id, const char *phase_id,
                            const char *ts, struct df_error *err)
{
	return q_exec(st, err, "setting the current phase",
	              "UPDATE runs SET current_phase_id = ?, updated_at = COALESCE(?, " NOW_TS
	              ") WHERE id = ?",
	              "sss", phase_id, ts, run_id);
}

int
store_run_set_started(struct store *st, const char *run_id, const char *ts, struct df_error *err)
{
	return q_exec(st, err, "setting the run start",
	              "UPDATE runs SET started_at = COALESCE(?1, " NOW_TS
	              "), updated_at = COALESCE(?1, " NOW_TS ") WHERE id = ?2",
	              "ss", ts, run_id);
}

int
store_run_set_report(struct store *st, const char *run_id, const char *path, const char *ts,
                     struct df_error *err)
{
	return q_exec(
	    st, err, "recording the final report",
	    "UPDATE runs SET final_report_path = ?1, ended_at = COALESCE(ended_at, ?2, " NOW_TS
	    "), updated_at = COALESCE(?2, " NOW_TS ") WHERE id = ?3",
	    "sss", path, ts, run_id);
}

int
store_run_delete(struct store *st, const char *run_id, struct df_error *err)
{
	int own, rc;

	if (tx_enter(st, &own, err) != 0)
		return -1;
	/* run_events.phase_id and runs.current_phase_id point at phases: clear them first. */
	rc = q_exec(st, err, "deleting run", "UPDATE runs SET current_phase_id = NULL WHERE id = ?",
	            "s", run_id);
	if (rc == 0)
		rc = q_exec(st, err, "deleting run", "DELETE FROM runs WHERE id = ?", "s", run_id);
	return tx_leave(st, own, rc, err);
}

/* ---- inputs ---- */

static void
inputs_fill(sqlite3_stmt *s, void *elem)
{
	struct store_run_inputs *in = elem;

	in->run_id = col_dup(s, 0);
	in->requirements_md = col_dup(s, 1);
	in->objective = col_dup(s, 2);
	in->extra = col_dup(s, 3);
	in->input_hash = col_dup(s, 4);
}

int
store_run_inputs_insert(struct store *st, const struct store_run_inputs *in, const char *ts,
                        struct df_error *err)
{
	return q_exec(
	    st, err, "inserting run inputs",
	    "INSERT INTO run_inputs (run_id, requirements_md, objective, extra, input_hash, "
	    "created_at) VALUES (?, ?, ?, COALESCE(?, '{}'), ?, COALESCE(?, " NOW_TS "))",
	    "ssssss", in->run_id, in->requirements_md, in->objective, in->extra, in->input_hash,
	    ts);
}

static const char SQL_INPUTS_GET[] = "SELECT run_id, requirements_md, objective, extra, "
                                     "input_hash FROM run_inputs WHERE run_id = ?";

int
store_run_inputs_get(struct store *st, const char *run_id, struct store_run_inputs *out,
                     struct df_error *err)
{
	return q_one(st, q_prepare(st, err, SQL_INPUTS_GET, "s", run_id), out, sizeof(*out),
	             inputs_fill, err, "reading run inputs");
}

void
store_run_inputs_clear(struct store_run_inputs *in)
{
	if (in == NULL)
		return;
	free(in->run_id);
	free(in->requirements_md);
	free(in->objective);
	free(in->extra);
	free(in->input_hash);
	memset(in, 0, sizeof(*in));
}

/* ---- phases ---- */

#define PHASE_COLS                                                                                 \
	"id, run_id, phase_key, seq, state, attempts, repairs, definition, deadline_at, "          \
	"created_at, started_at, ended_at"

static void
phase_fill(sqlite3_stmt *s, void *elem)
{
	struct store_phase *p = elem;

	p->id = col_dup(s, 0);
	p->run_id = col_dup(s, 1);
	p->phase_key = col_dup(s, 2);
	p->seq = col_int(s, 3);
	p->state = col_dup(s, 4);
	p->attempts = col_int(s, 5);
	p->repairs = col_int(s, 6);
	p->definition = col_dup(s, 7);
	p->deadline_at = col_dup(s, 8);
	p->created_at = col_dup(s, 9);
	p->started_at = col_dup(s, 10);
	p->ended_at = col_dup(s, 11);
}

void
store_phase_clear(struct store_phase *p)
{
	if (p == NULL)
		return;
	free(p->id);
	free(p->run_id);
	free(p->phase_key);
	free(p->state);
	free(p->definition);
	free(p->deadline_at);
	free(p->created_at);
	free(p->started_at);
	free(p->ended_at);
	memset(p, 0, sizeof(*p));
}

static void
phase_clear_v(void *e)
{
	store_phase_clear(e);
}

void
store_phases_free(struct store_phase *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_phase_clear(&p[i]);
	free(p);
}

int
store_phase_insert(struct store *st, const struct store_phase *p, const char *ts,
                   struct df_error *err)
{
	if (q_exec(st, err, "inserting phase",
	           "INSERT INTO run_phases (id, run_id, phase_key, seq, state, attempts, repairs, "
	           "definition, deadline_at, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, "
	           "COALESCE(?, 'pending'), ?, ?, ?, ?, COALESCE(?, " NOW_TS "), ?, ?)",
	           "sssisiisssss", p->id, p->run_id, p->phase_key, p->seq, p->state, p->attempts,
	           p->repairs, p->definition, p->deadline_at, ts, p->started_at,
	           p->ended_at) != 0) {
		df_error_prefix(err, "phase %s of run %s", p->phase_key, p->run_id);
		return -1;
	}
	return 0;
}

int
store_phase_save(struct store *st, const struct store_phase *p, struct df_error *err)
{
	return q_exec(
	    st, err, "updating phase",
	    "UPDATE run_phases SET state = ?, attempts = ?, repairs = ?, deadline_at = ?, "
	    "started_at = ?, ended_at = ? WHERE id = ?",
	    "siissss", p->state, p->attempts, p->repairs, p->deadline_at, p->started_at,
	    p->ended_at, p->id);
}

static const char SQL_PHASE_GET[] = "SELECT " PHASE_COLS " FROM run_phases WHERE id = ?";
static const char SQL_PHASES_LIST[] =
    "SELECT " PHASE_COLS " FROM run_phases WHERE run_id = ? ORDER BY seq";

int
store_phase_get(struct store *st, const char *phase_id, struct store_phase *out,
                struct df_error *err)
{
	return q_one(st, q_prepare(st, err, SQL_PHASE_GET, "s", phase_id), out, sizeof(*out),
	             phase_fill, err, "reading phase");
}

int
store_phases_list(struct store *st, const char *run_id, struct store_phase **out, size_t *n,
                  struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_PHASES_LIST, "s", run_id), sizeof(**out),
	              phase_fill, phase_clear_v, (void **)out, n, err, "listing phases");
}

/* ---- bindings ---- */

static void
binding_fill(sqlite3_stmt *s, void *elem)
{
	struct store_binding *b = elem;

	b->id = col_dup(s, 0);
	b->run_id = col_dup(s, 1);
	b->role_id = col_dup(s, 2);
	b->persona_id = col_dup(s, 3);
	b->persona_hash = col_dup(s, 4);
	b->backend = col_dup(s, 5);
	b->binding_hash = col_dup(s, 6);
}

static void
binding_clear(struct store_binding *b)
{
	free(b->id);
	free(b->run_id);
	free(b->role_id);
	free(b->persona_id);
	free(b->persona_hash);
	free(b->backend);
	free(b->binding_hash);
}

static void
binding_clear_v(void *e)
{
	binding_clear(e);
}

int
store_binding_insert(struct store *st, const struct store_binding *b, const char *ts,
                     struct df_error *err)
{
	return q_exec(
	    st, err, "inserting binding",
	    "INSERT INTO run_bindings (id, run_id, role_id, persona_id, persona_hash, "
	    "backend, binding_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE(?, " NOW_TS
	    "))",
	    "ssssssss", b->id, b->run_id, b->role_id, b->persona_id, b->persona_hash, b->backend,
	    b->binding_hash, ts);
}

static const char SQL_BINDINGS_LIST[] =
    "SELECT id, run_id, role_id, persona_id, persona_hash, backend, binding_hash FROM "
    "run_bindings WHERE run_id = ? ORDER BY role_id";

int
store_bindings_list(struct store *st, const char *run_id, struct store_binding **out, size_t *n,
                    struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_BINDINGS_LIST, "s", run_id), sizeof(**out),
	              binding_fill, binding_clear_v, (void **)out, n, err, "listing bindings");
}

void
store_bindings_free(struct store_binding *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		binding_clear(&b[i]);
	free(b);
}

/* ---- approvals and decisions ---- */

#define APPROVAL_COLS                                                                              \
	"id, run_id, phase_id, gate_key, kind, state, payload, created_at, resolved_at"

static void
approval_fill(sqlite3_stmt *s, void *elem)
{
	struct store_approval *a = elem;

	a->id = col_dup(s, 0);
	a->run_id = col_dup(s, 1);
	a->phase_id = col_dup(s, 2);
	a->gate_key = col_dup(s, 3);
	a->kind = col_dup(s, 4);
	a->state = col_dup(s, 5);
	a->payload = col_dup(s, 6);
	a->created_at = col_dup(s, 7);
	a->resolved_at = col_dup(s, 8);
}

void
store_approval_clear(struct store_approval *a)
{
	if (a == NULL)
		return;
	free(a->id);
	free(a->run_id);
	free(a->phase_id);
	free(a->gate_key);
	free(a->kind);
	free(a->state);
	free(a->payload);
	free(a->created_at);
	free(a->resolved_at);
	memset(a, 0, sizeof(*a));
}

static void
approval_clear_v(void *e)
{
	store_approval_clear(e);
}

void
store_approvals_free(struct store_approval *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_approval_clear(&a[i]);
	free(a);
}

int
store_approval_insert(struct store *st, const struct store_approval *a, const char *ts,
                      struct df_error *err)
{
	return q_exec(st, err, "inserting approval request",
	              "INSERT INTO approval_requests (id, run_id, phase_id, gate_key, kind, state, "
	              "payload, created_at) VALUES (?, ?, ?, ?, COALESCE(?, 'gate'), COALESCE(?, "
	              "'pending'), COALESCE(?, '{}'), COALESCE(?, " NOW_TS "))",
	              "ssssssss", a->id, a->run_id, a->phase_id, a->gate_key, a->kind, a->state,
	              a->payload, ts);
}

static const char SQL_APPROVAL_GET[] =
    "SELECT " APPROVAL_COLS " FROM approval_requests WHERE id = ?";
static const char SQL_APPROVALS_LIST[] =
    "SELECT " APPROVAL_COLS " FROM approval_requests WHERE run_id = ? "
    "ORDER BY created_at, rowid";

int
store_approval_get(struct store *st, const char *id, struct store_approval *out,
                   struct df_error *err)
{
	return q_one(st, q_prepare(st, err, SQL_APPROVAL_GET, "s", id), out, sizeof(*out),
	             approval_fill, err, "reading approval request");
}

int
store_approvals_list(struct store *st, const char *run_id, struct store_approval **out, size_t *n,
                     struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_APPROVALS_LIST, "s", run_id), sizeof(**out),
	              approval_fill, approval_clear_v, (void **)out, n, err,
	              "listing approval requests");
}

int
store_approval_resolve(struct store *st, const char *id, const char *state, const char *ts,
                       struct df_error *err)
{
	return q_exec(st, err, "resolving approval request",
	              "UPDATE approval_requests SET state = ?, resolved_at = COALESCE(?, " NOW_TS
	              ") WHERE id = ?",
	              "sss", state, ts, id);
}

int
store_approvals_abort_pending(struct store *st, const char *run_id, const char *ts,
                              struct df_error *err)
{
	return q_exec(
	    st, err, "aborting pending approvals",
	    "UPDATE approval_requests SET state = 'aborted', resolved_at = COALESCE(?, " NOW_TS
	    ") WHERE run_id = ? AND state = 'pending'",
	    "ss", ts, run_id);
}

static const char SQL_HUMAN_GATE[] =
    "SELECT count(*) FROM approval_requests a LEFT JOIN run_phases p ON p.id = a.phase_id "
    "WHERE a.run_id = ? AND a.state = 'pending' AND (a.phase_id IS NULL OR p.state = 'failed')";

int
store_approval_human_required_pending(struct store *st, const char *run_id, struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err, SQL_HUMAN_GATE, "s", run_id);
	int64_t n;

	if (s == NULL || q_step(st, s, err, "looking for human-required gates") != 1)
		return -1;
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n > 0;
}

#define DECISION_COLS                                                                              \
	"id, approval_request_id, action, actor, comment, client_token, idempotency_key, "         \
	"created_at"

static void
decision_fill(sqlite3_stmt *s, void *elem)
{
	struct store_decision *d = elem;

	d->id = col_dup(s, 0);
	d->approval_request_id = col_dup(s, 1);
	d->action = col_dup(s, 2);
	d->actor = col_dup(s, 3);
	d->comment = col_dup(s, 4);
	d->client_token = col_dup(s, 5);
	d->idempotency_key = col_dup(s, 6);
	d->created_at = col_dup(s, 7);
}

void
store_decision_clear(struct store_decision *d)
{
	if (d == NULL)
		return;
	free(d->id);
	free(d->approval_request_id);
	free(d->action);
	free(d->actor);
	free(d->comment);
	free(d->client_token);
	free(d->idempotency_key);
	free(d->created_at);
	memset(d, 0, sizeof(*d));
}

static void
decision_clear_v(void *e)
{
	store_decision_clear(e);
}

void
store_decisions_free(struct store_decision *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_decision_clear(&d[i]);
	free(d);
}

int
store_decision_insert(struct store *st, const struct store_decision *d, const char *ts,
                      struct df_error *err)
{
	return q_exec(
	    st, err, "recording approval decision",
	    "INSERT INTO approval_decisions (id, approval_request_id, action, actor, "
	    "comment, client_token, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, COALESCE(?, " NOW_TS "))",
	    "ssssssss", d->id, d->approval_request_id, d->action, d->actor, d->comment,
	    d->client_token, d->idempotency_key, ts);
}

static const char SQL_DECISION_BY_TOKEN[] =
    "SELECT " DECISION_COLS
    " FROM approval_decisions WHERE approval_request_id = ? AND client_token = ?";
static const char SQL_DECISIONS_LIST[] =
    "SELECT " DECISION_COLS " FROM approval_decisions WHERE approval_request_id = ? "
    "ORDER BY created_at, rowid";

int
store_decision_by_token(struct store *st, const char *approval_request_id, const char *client_token,
                        struct store_decision *out, struct df_error *err)
{
	return q_one(
	    st, q_prepare(st, err, SQL_DECISION_BY_TOKEN, "ss", approval_request_id, client_token),
	    out, sizeof(*out), decision_fill, err, "reading approval decision");
}

int
store_decisions_list(struct store *st, const char *approval_request_id, struct store_decision **out,
                     size_t *n, struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_DECISIONS_LIST, "s", approval_request_id),
	              sizeof(**out), decision_fill, decision_clear_v, (void **)out, n, err,
	              "listing approval decisions");
}

/* ---- artifacts, findings, commands ---- */

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

/* ---- sessions ---- */

#define SESSION_COLS                                                                               \
	"id, run_id, phase_id, role_id, backend, state, transcript_path, conversation_id, "        \
	"last_prompt_hash, exit_status, created_at, updated_at, ended_at"

static void
session_fill(sqlite3_stmt *s, void *elem)
{
	struct store_session *x = elem;

	x->id = col_dup(s, 0);
	x->run_id = col_dup(s, 1);
	x->phase_id = col_dup(s, 2);
	x->role_id = col_dup(s, 3);
	x->backend = col_dup(s, 4);
	x->state = col_dup(s, 5);
	x->transcript_path = col_dup(s, 6);
	x->conversation_id = col_dup(s, 7);
	x->last_prompt_hash = col_dup(s, 8);
	x->has_exit_status = !col_is_null(s, 9);
	x->exit_status = x->has_exit_status ? col_int(s, 9) : 0;
	x->created_at = col_dup(s, 10);
	x->updated_at = col_dup(s, 11);
	x->ended_at = col_dup(s, 12);
}

void
store_session_clear(struct store_session *x)
{
	if (x == NULL)
		return;
	free(x->id);
	free(x->run_id);
	free(x->phase_id);
	free(x->role_id);
	free(x->backend);
	free(x->state);
	free(x->transcript_path);
	free(x->conversation_id);
	free(x->last_prompt_hash);
	free(x->created_at);
	free(x->updated_at);
	free(x->ended_at);
	memset(x, 0, sizeof(*x));
}

static void
session_clear_v(void *e)
{
	store_session_clear(e);
}

void
store_sessions_free(struct store_session *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_session_clear(&x[i]);
	free(x);
}

int
store_session_insert(struct store *st, const struct store_session *x, const char *ts,
                     struct df_error *err)
{
	return q_exec(st, err, "recording session",
	              "INSERT INTO sessions (id, run_id, phase_id, role_id, backend, state, "
	              "transcript_path, last_prompt_hash, conversation_id, created_at, updated_at) "
	              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, COALESCE(?9, " NOW_TS "), "
	              "COALESCE(?9, " NOW_TS "))",
	              "ssssssssss", x->id, x->run_id, x->phase_id, x->role_id, x->backend, x->state,
	              x->transcript_path, x->last_prompt_hash, ts, x->conversation_id);
}

static const char SQL_SESSION_SAVE_EXIT[] =
    "UPDATE sessions SET state = ?1, last_prompt_hash = ?2, conversation_id = ?3, "
    "exit_status = ?4, ended_at = ?5, updated_at = COALESCE(?6, " NOW_TS ") WHERE id = ?7";
static const char SQL_SESSION_SAVE[] =
    "UPDATE sessions SET state = ?1, last_prompt_hash = ?2, conversation_id = ?3, "
    "exit_status = NULL, ended_at = ?4, updated_at = COALESCE(?5, " NOW_TS ") WHERE id = ?6";

int
store_session_save(struct store *st, const struct store_session *x, const char *ts,
                   struct df_error *err)
{
	if (x->has_exit_status)
		return q_exec(st, err, "updating session", SQL_SESSION_SAVE_EXIT, "sssisss",
		              x->state, x->last_prompt_hash, x->conversation_id, x->exit_status,
		              x->ended_at, ts, x->id);
	return q_exec(st, err, "updating session", SQL_SESSION_SAVE, "ssssss", x->state,
	              x->last_prompt_hash, x->conversation_id, x->ended_at, ts, x->id);
}

static const char SQL_SESSION_GET[] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?";
static const char SQL_SESSIONS_LIST[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE run_id = ? ORDER BY created_at, rowid";

int
store_session_get(struct store *st, const char *id, struct store_session *out, struct df_error *err)
{
	return q_one(st, q_prepare(st, err, SQL_SESSION_GET, "s", id), out, sizeof(*out),
	             session_fill, err, "reading session");
}

int
store_sessions_list(struct store *st, const char *run_id, struct store_session **out, size_t *n,
                    struct df_error *err)
{
	return q_list(st, q_prepare(st, err, SQL_SESSIONS_LIST, "s", run_id), sizeof(**out),
	              session_fill, session_clear_v, (void **)out, n, err, "listing sessions");
}

/* ---- events ---- */

int
store_events_tail(struct store *st, const char *run_id, size_t limit, struct store_event **out,
                  size_t *n, struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err,
	                            "SELECT COALESCE(MAX(seq), 0) FROM run_events "
	                            "WHERE run_id = ?",
	                            "s", run_id);
	int64_t max;

	*out = NULL;
	*n = 0;
	if (s == NULL || q_step(st, s, err, "reading event seq") != 1)
		return -1;
	max = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return store_events_list(st, run_id, max > (int64_t)limit ? max - (int64_t)limit : 0, limit,
	                         out, n, err);
}

int
store_events_count_cause(struct store *st, const char *phase_id, const char *type,
                         const char *cause, int64_t *n, struct df_error *err)
{
	sqlite3_stmt *s = q_prepare(st, err,
	                            "SELECT count(*) FROM run_events WHERE phase_id = ? AND "
	                            "type = ? AND json_extract(payload, '$.cause') = ?",
	                            "sss", phase_id, type, cause);

	if (s == NULL || q_step(st, s, err, "counting events") != 1)
		return -1;
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
