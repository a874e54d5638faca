/*
 * Agent sessions: one row a pseudo-terminal session of a run's phase, with
 * its state, conversation and exit status.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

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
