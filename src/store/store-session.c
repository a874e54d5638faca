/*
 * Agent sessions: one row a pseudo-terminal session of a run's phase, with
 * its state, conversation and exit status.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* The columns of sessions read into struct store_session (store-int.h: rows as data). */
#define SESSION_COLUMNS(FIRST, X)                                                                  \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(role_id, TEXT)                                                                           \
	X(backend, TEXT)                                                                           \
	X(state, TEXT)                                                                             \
	X(transcript_path, TEXT_OR_NULL)                                                           \
	X(conversation_id, TEXT_OR_NULL)                                                           \
	X(last_prompt_hash, TEXT_OR_NULL)                                                          \
	X(exit_status, INT_OR_UNSET)                                                               \
	X(created_at, TEXT)                                                                        \
	X(updated_at, TEXT)                                                                        \
	X(ended_at, TEXT_OR_NULL)
#define SESSION_COLS STORE_COLS(SESSION_COLUMNS)

STORE_ROWS(session, struct store_session, SESSION_COLUMNS)

void
store_session_clear(struct store_session *x)
{
	if (x == NULL)
		return;
	session_clear(x);
}

void
store_sessions_free(struct store_session *x, size_t n)
{
	st_rows_free(x, n, sizeof(*x), session_clear);
}

int
store_session_insert(struct store *st, const struct store_session *x, const char *ts,
                     struct df_error *err)
{
	return st_q_exec(
	    st, err, "recording session",
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
		return st_q_exec(st, err, "updating session", SQL_SESSION_SAVE_EXIT, "sssisss",
		                 x->state, x->last_prompt_hash, x->conversation_id, x->exit_status,
		                 x->ended_at, ts, x->id);
	return st_q_exec(st, err, "updating session", SQL_SESSION_SAVE, "ssssss", x->state,
	                 x->last_prompt_hash, x->conversation_id, x->ended_at, ts, x->id);
}

static const char SQL_SESSION_GET[] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?";
static const char SQL_SESSIONS_LIST[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE run_id = ? ORDER BY created_at, rowid";

int
store_session_get(struct store *st, const char *id, struct store_session *out, struct df_error *err)
{
	return st_q_one(st, st_q_prepare(st, err, SQL_SESSION_GET, "s", id), out, sizeof(*out),
	                session_fill, err, "reading session");
}

int
store_sessions_list(struct store *st, const char *run_id, struct store_session **out, size_t *n,
                    struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_SESSIONS_LIST, "s", run_id), sizeof(**out),
	                 session_fill, session_clear, (void **)out, n, err, "listing sessions");
}
