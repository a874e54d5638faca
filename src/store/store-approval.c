/*
 * Approval requests (gates and questions to a person) and the decisions
 * recorded on them, once per client token.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* The columns of approval_requests read into struct store_approval (store-int.h: rows as data). */
#define APPROVAL_COLUMNS(FIRST, X)                                                                 \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(gate_key, TEXT)                                                                          \
	X(kind, TEXT)                                                                              \
	X(state, TEXT)                                                                             \
	X(payload, TEXT)                                                                           \
	X(created_at, TEXT)                                                                        \
	X(resolved_at, TEXT_OR_NULL)
#define APPROVAL_COLS STORE_COLS(APPROVAL_COLUMNS)

STORE_ROWS(approval, struct store_approval, APPROVAL_COLUMNS)

void
store_approval_clear(struct store_approval *a)
{
	if (a == NULL)
		return;
	approval_clear(a);
}

void
store_approvals_free(struct store_approval *a, size_t n)
{
	st_rows_free(a, n, sizeof(*a), approval_clear);
}

int
store_approval_insert(struct store *st, const struct store_approval *a, const char *ts,
                      struct df_error *err)
{
	return st_q_exec(
	    st, err, "inserting approval request",
	    "INSERT INTO approval_requests (id, run_id, phase_id, gate_key, kind, state, "
	    "payload, created_at) VALUES (?, ?, ?, ?, COALESCE(?, 'gate'), COALESCE(?, "
	    "'pending'), COALESCE(?, '{}'), COALESCE(?, " NOW_TS "))",
	    "ssssssss", a->id, a->run_id, a->phase_id, a->gate_key, a->kind, a->state, a->payload,
	    ts);
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
	return st_q_one(st, st_q_prepare(st, err, SQL_APPROVAL_GET, "s", id), out, sizeof(*out),
	                approval_fill, err, "reading approval request");
}

int
store_approvals_list(struct store *st, const char *run_id, struct store_approval **out, size_t *n,
                     struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_APPROVALS_LIST, "s", run_id), sizeof(**out),
	                 approval_fill, approval_clear, (void **)out, n, err,
	                 "listing approval requests");
}

int
store_approval_resolve(struct store *st, const char *id, const char *state, const char *ts,
                       struct df_error *err)
{
	return st_q_exec(st, err, "resolving approval request",
	                 "UPDATE approval_requests SET state = ?, resolved_at = COALESCE(?, " NOW_TS
	                 ") WHERE id = ?",
	                 "sss", state, ts, id);
}

int
store_approvals_abort_pending(struct store *st, const char *run_id, const char *ts,
                              struct df_error *err)
{
	return st_q_exec(
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
	sqlite3_stmt *s = st_q_prepare(st, err, SQL_HUMAN_GATE, "s", run_id);
	int64_t n;

	if (s == NULL || st_q_step(st, s, err, "looking for human-required gates") != 1)
		return -1;
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n > 0;
}

/* The columns of approval_decisions read into struct store_decision (store-int.h: rows as data). */
#define DECISION_COLUMNS(FIRST, X)                                                                 \
	FIRST(id, TEXT)                                                                            \
	X(approval_request_id, TEXT)                                                               \
	X(action, TEXT)                                                                            \
	X(actor, TEXT)                                                                             \
	X(comment, TEXT_OR_NULL)                                                                   \
	X(client_token, TEXT)                                                                      \
	X(idempotency_key, TEXT)                                                                   \
	X(created_at, TEXT)
#define DECISION_COLS STORE_COLS(DECISION_COLUMNS)

STORE_ROWS(decision, struct store_decision, DECISION_COLUMNS)

void
store_decision_clear(struct store_decision *d)
{
	if (d == NULL)
		return;
	decision_clear(d);
}

void
store_decisions_free(struct store_decision *d, size_t n)
{
	st_rows_free(d, n, sizeof(*d), decision_clear);
}

int
store_decision_insert(struct store *st, const struct store_decision *d, const char *ts,
                      struct df_error *err)
{
	return st_q_exec(
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
	return st_q_one(
	    st,
	    st_q_prepare(st, err, SQL_DECISION_BY_TOKEN, "ss", approval_request_id, client_token),
	    out, sizeof(*out), decision_fill, err, "reading approval decision");
}

int
store_decisions_list(struct store *st, const char *approval_request_id, struct store_decision **out,
                     size_t *n, struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_DECISIONS_LIST, "s", approval_request_id),
	                 sizeof(**out), decision_fill, decision_clear, (void **)out, n, err,
	                 "listing approval decisions");
}
