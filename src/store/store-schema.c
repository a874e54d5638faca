/*
 * The store's schema, as a table of migrations applied in order, one
 * transaction each, and recorded in PRAGMA user_version; and the reading of
 * that version, which is also how an opened file proves to be a database.
 */
#include "config.h"

#include <stdio.h>

#include "states.h"
#include "store-int.h"

/* ---------------------------------------------------------------------------
 * Schema. Each entry is one migration; entry i brings user_version from i to
 * i + 1. Never edit a released entry: append a new one.
 */

#define RUN_STATES DF_STATES_SQL(DF_RUN_STATES)
#define PHASE_STATES DF_STATES_SQL(DF_PHASE_STATES)
#define APPROVAL_STATES DF_STATES_SQL(DF_APPROVAL_STATES)

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

int
st_read_user_version(struct store *st, int *out, struct df_error *err)
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
		return st_db_error(st, sqlite3_extended_errcode(st->db), err,
		                   "reading schema version");
	return 0;
}

int
st_too_new(struct store *st, int version, struct df_error *err)
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
int
st_migrate(struct store *st, struct df_error *err)
{
	for (;;) {
		char what[1100], pragma[64];
		int v;

		if (st_q_script(st, "BEGIN IMMEDIATE", err, "migrating the schema") != 0)
			return -1;
		if (st_read_user_version(st, &v, err) != 0)
			goto fail;
		if (v > (int)N_MIGRATIONS) {
			st_too_new(st, v, err);
			goto fail;
		}
		if (v == (int)N_MIGRATIONS) {
			sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
			return 0;
		}
		snprintf(what, sizeof(what), "migration %d of %s", v + 1, st->path);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (st_q_script(st, migrations[v], err, what) != 0 ||
		    st_q_script(st, pragma, err, what) != 0 ||
		    st_q_script(st, "COMMIT", err, what) != 0)
			goto fail;
	}
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
