/*
 * Runs: their rows and states, the rule of one active run per repository
 * and base branch (a partial unique index, reported as active_run_exists),
 * and what a run is started with: its inputs and its role bindings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* ---------------------------------------------------------------------------
 * Runs.
 */

static const char *const run_states[] = {
	"created", "bound",     "executing", "planning", "awaiting_approval",
	"paused",  "completed", "failed",    "aborted"
};

static int
known_run_state(const char *state)
{
	for (size_t i = 0; i < sizeof(run_states) / sizeof(run_states[0]); i++)
		if (strcmp(run_states[i], state) == 0)
			return 1;
	return 0;
}

/* run_not_found for RUN_ID, the run named in the error; returns -1. */
static int
run_not_found(const char *run_id, struct df_error *err)
{
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND, "run %s does not exist", run_id);
	if (err)
		snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
	return -1;
}

static const char SQL_RUN_ACTIVE_FOR[] =
    "SELECT id, state FROM runs WHERE repo_path = ? AND base_branch = ? "
    "AND state NOT IN ('completed','failed','aborted') ORDER BY created_at LIMIT 1";

int
store_run_active_for(struct store *st, const char *repo_path, const char *base_branch,
                     char run_id[DF_ID_MAX], char state[DF_ID_MAX], struct df_error *err)
{
	sqlite3_stmt *s = st_q_prepare(st, err, SQL_RUN_ACTIVE_FOR, "ss", repo_path, base_branch);
	int rc;

	if (s == NULL)
		return -1;
	rc = st_q_step(st, s, err, "looking up the active run");
	if (rc == 1) {
		st_col_copy(s, 0, run_id, DF_ID_MAX);
		st_col_copy(s, 1, state, DF_ID_MAX);
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
	df_error_hint(err,
	              "one run per repository and base: let run %.8s finish, abort it (devflow "
	              "abort %.8s) or use another base branch",
	              id, id);
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
	s = st_q_prepare(st, err, SQL_RUN_INSERT, "sssssssss", r->id, r->template_id,
	                 r->template_hash, state, r->repo_path, r->base_branch, r->worktree_root,
	                 r->created_at, r->created_at);
	if (s == NULL)
		return -1;
	rc = st_q_step_rc(st, s, err, "inserting run", &raw);
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
	s = st_q_prepare(st, err, SQL_RUN_GET_PAIR, "s", run_id);
	if (s == NULL)
		return -1;
	rc = st_q_step(st, s, err, "reading run");
	if (rc < 0)
		return -1;
	if (rc == 0)
		return run_not_found(run_id, err);
	st_col_copy(s, 0, repo, sizeof(repo));
	st_col_copy(s, 1, base, sizeof(base));
	sqlite3_reset(s);
	s = st_q_prepare(st, err, SQL_RUN_SET_STATE, "ss", state, run_id);
	if (s == NULL)
		return -1;
	if (st_q_step_rc(st, s, err, "updating run state", &raw) < 0) {
		maybe_active_run_exists(st, raw, repo, base, err);
		return -1;
	}
	return 0;
}

/* ---- runs ---- */

/* The columns of runs read into struct store_run (store-int.h: rows as data). */
#define RUN_COLUMNS(FIRST, X)                                                                      \
	FIRST(id, TEXT)                                                                            \
	X(template_id, TEXT)                                                                       \
	X(template_hash, TEXT)                                                                     \
	X(state, TEXT)                                                                             \
	X(paused_from_state, TEXT_OR_NULL)                                                         \
	X(repo_path, TEXT)                                                                         \
	X(base_branch, TEXT)                                                                       \
	X(worktree_root, TEXT)                                                                     \
	X(current_phase_id, TEXT_OR_NULL)                                                          \
	X(final_report_path, TEXT_OR_NULL)                                                         \
	X(created_at, TEXT)                                                                        \
	X(updated_at, TEXT)                                                                        \
	X(started_at, TEXT_OR_NULL)                                                                \
	X(ended_at, TEXT_OR_NULL)
#define RUN_COLS STORE_COLS(RUN_COLUMNS)

STORE_ROWS(run, struct store_run, RUN_COLUMNS)

void
store_run_clear(struct store_run *r)
{
	if (r == NULL)
		return;
	run_clear(r);
}

static const char SQL_RUN_GET[] = "SELECT " RUN_COLS " FROM runs WHERE id = ?";

int
store_run_get(struct store *st, const char *run_id, struct store_run *out, struct df_error *err)
{
	return st_q_one(st, st_q_prepare(st, err, SQL_RUN_GET, "s", run_id), out, sizeof(*out),
	                run_fill, err, "reading run");
}

static const char SQL_RUNS_ALL[] = "SELECT " RUN_COLS " FROM runs ORDER BY created_at, rowid";
static const char SQL_RUNS_ACTIVE[] =
    "SELECT " RUN_COLS " FROM runs WHERE state NOT IN ('completed','failed','aborted') "
    "ORDER BY created_at, rowid";

int
store_runs_list(struct store *st, int active_only, struct store_run **out, size_t *n,
                struct df_error *err)
{
	return st_q_list(st,
	                 st_q_prepare(st, err, active_only ? SQL_RUNS_ACTIVE : SQL_RUNS_ALL, NULL),
	                 sizeof(**out), run_fill, run_clear, (void **)out, n, err, "listing runs");
}

void
store_runs_free(struct store_run *runs, size_t n)
{
	st_rows_free(runs, n, sizeof(*runs), run_clear);
}

static const char SQL_RUN_COUNT_ACTIVE[] =
    "SELECT count(*) FROM runs WHERE state NOT IN ('completed','failed','aborted')";

int
store_run_count_active(struct store *st, int64_t *n, struct df_error *err)
{
	sqlite3_stmt *s = st_q_prepare(st, err, SQL_RUN_COUNT_ACTIVE, NULL);

	if (s == NULL || st_q_step(st, s, err, "counting active runs") != 1)
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
	if (rc == 0)
		return run_not_found(run_id, err);
	s = st_q_prepare(st, err, SQL_RUN_TRANSITION, "ssss", state, paused_from_state, ts, run_id);
	rc = s ? st_q_step_rc(st, s, err, "updating run state", &raw) : -1;
	if (rc < 0)
		maybe_active_run_exists(st, raw, r.repo_path, r.base_branch, err);
	store_run_clear(&r);
	return rc < 0 ? -1 : 0;
}

int
store_run_set_current_phase(struct store *st, const char *run_id, const char *phase_id,
                            const char *ts, struct df_error *err)
{
	return st_q_exec(st, err, "setting the current phase",
	                 "UPDATE runs SET current_phase_id = ?, updated_at = COALESCE(?, " NOW_TS
	                 ") WHERE id = ?",
	                 "sss", phase_id, ts, run_id);
}

int
store_run_set_started(struct store *st, const char *run_id, const char *ts, struct df_error *err)
{
	return st_q_exec(st, err, "setting the run start",
	                 "UPDATE runs SET started_at = COALESCE(?1, " NOW_TS
	                 "), updated_at = COALESCE(?1, " NOW_TS ") WHERE id = ?2",
	                 "ss", ts, run_id);
}

int
store_run_set_report(struct store *st, const char *run_id, const char *path, const char *ts,
                     struct df_error *err)
{
	return st_q_exec(
	    st, err, "recording the final report",
	    "UPDATE runs SET final_report_path = ?1, ended_at = COALESCE(ended_at, ?2, " NOW_TS
	    "), updated_at = COALESCE(?2, " NOW_TS ") WHERE id = ?3",
	    "sss", path, ts, run_id);
}

int
store_run_delete(struct store *st, const char *run_id, struct df_error *err)
{
	int own, rc;

	if (st_tx_enter(st, &own, err) != 0)
		return -1;
	/* run_events.phase_id and runs.current_phase_id point at phases: clear them first. */
	rc = st_q_exec(st, err, "deleting run",
	               "UPDATE runs SET current_phase_id = NULL WHERE id = ?", "s", run_id);
	if (rc == 0)
		rc = st_q_exec(st, err, "deleting run", "DELETE FROM runs WHERE id = ?", "s",
		               run_id);
	return st_tx_leave(st, own, rc, err);
}

/* ---- inputs ---- */

/* The columns of run_inputs read into struct store_run_inputs (store-int.h: rows as data). */
#define INPUTS_COLUMNS(FIRST, X)                                                                   \
	FIRST(run_id, TEXT)                                                                        \
	X(requirements_md, TEXT)                                                                   \
	X(objective, TEXT_OR_NULL)                                                                 \
	X(extra, TEXT)                                                                             \
	X(input_hash, TEXT)
#define INPUTS_COLS STORE_COLS(INPUTS_COLUMNS)

STORE_ROWS(inputs, struct store_run_inputs, INPUTS_COLUMNS)

int
store_run_inputs_insert(struct store *st, const struct store_run_inputs *in, const char *ts,
                        struct df_error *err)
{
	return st_q_exec(
	    st, err, "inserting run inputs",
	    "INSERT INTO run_inputs (run_id, requirements_md, objective, extra, input_hash, "
	    "created_at) VALUES (?, ?, ?, COALESCE(?, '{}'), ?, COALESCE(?, " NOW_TS "))",
	    "ssssss", in->run_id, in->requirements_md, in->objective, in->extra, in->input_hash,
	    ts);
}

static const char SQL_INPUTS_GET[] = "SELECT " INPUTS_COLS " FROM run_inputs WHERE run_id = ?";

int
store_run_inputs_get(struct store *st, const char *run_id, struct store_run_inputs *out,
                     struct df_error *err)
{
	return st_q_one(st, st_q_prepare(st, err, SQL_INPUTS_GET, "s", run_id), out, sizeof(*out),
	                inputs_fill, err, "reading run inputs");
}

void
store_run_inputs_clear(struct store_run_inputs *in)
{
	if (in == NULL)
		return;
	inputs_clear(in);
}

/* ---- bindings ---- */

/* The columns of run_bindings read into struct store_binding (store-int.h: rows as data). */
#define BINDING_COLUMNS(FIRST, X)                                                                  \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(role_id, TEXT)                                                                           \
	X(persona_id, TEXT)                                                                        \
	X(persona_hash, TEXT)                                                                      \
	X(backend, TEXT)                                                                           \
	X(binding_hash, TEXT)
#define BINDING_COLS STORE_COLS(BINDING_COLUMNS)

STORE_ROWS(binding, struct store_binding, BINDING_COLUMNS)

int
store_binding_insert(struct store *st, const struct store_binding *b, const char *ts,
                     struct df_error *err)
{
	return st_q_exec(
	    st, err, "inserting binding",
	    "INSERT INTO run_bindings (id, run_id, role_id, persona_id, persona_hash, "
	    "backend, binding_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE(?, " NOW_TS
	    "))",
	    "ssssssss", b->id, b->run_id, b->role_id, b->persona_id, b->persona_hash, b->backend,
	    b->binding_hash, ts);
}

static const char SQL_BINDINGS_LIST[] =
    "SELECT " BINDING_COLS " FROM run_bindings WHERE run_id = ? ORDER BY role_id";

int
store_bindings_list(struct store *st, const char *run_id, struct store_binding **out, size_t *n,
                    struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_BINDINGS_LIST, "s", run_id), sizeof(**out),
	                 binding_fill, binding_clear, (void **)out, n, err, "listing bindings");
}

void
store_bindings_free(struct store_binding *b, size_t n)
{
	st_rows_free(b, n, sizeof(*b), binding_clear);
}
