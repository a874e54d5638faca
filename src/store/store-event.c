/*
 * A run's event log: appending an event once per idempotency key, with the
 * run's next sequence number, and reading events back by seq.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

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
	sqlite3_stmt *s = st_q_prepare(st, err, SQL_EVENT_BY_KEY, "s", key);
	int rc;

	if (s == NULL)
		return -1;
	rc = st_q_step(st, s, err, "looking up event key");
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
	s = st_q_prepare(st, err, SQL_EVENT_NEXT_SEQ, "s", run_id);
	if (s == NULL || st_q_step(st, s, err, "computing event seq") != 1)
		return -1;
	seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (st_q_exec(st, err, "appending event", SQL_EVENT_INSERT, "ssIssss", run_id, phase_id,
	              seq, type, payload ? payload : "{}", key, ts) != 0) {
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
	if (st_tx_enter(st, &own, err) != 0)
		return -1;
	rc = event_append_tx(st, run_id, phase_id, type, payload_json_text, idempotency_key, ts,
	                     &seq, err);
	rc = st_tx_leave(st, own, rc, err);
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

/* The columns of run_events read into struct store_event (store-int.h: rows as data). */
#define EVENT_COLUMNS(FIRST, X)                                                                    \
	FIRST(id, INT64)                                                                           \
	X(run_id, TEXT)                                                                            \
	X(phase_id, TEXT_OR_NULL)                                                                  \
	X(seq, INT64)                                                                              \
	X(type, TEXT)                                                                              \
	X(payload, TEXT)                                                                           \
	X(idempotency_key, TEXT)                                                                   \
	X(ts, TEXT)
#define EVENT_COLS STORE_COLS(EVENT_COLUMNS)

STORE_ROWS(event, struct store_event, EVENT_COLUMNS)

static const char SQL_EVENTS_LIST[] =
    "SELECT " EVENT_COLS " FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";

int
store_events_list(struct store *st, const char *run_id, int64_t after_seq, size_t limit,
                  struct store_event **out, size_t *n, struct df_error *err)
{
	return st_q_list(st,
	                 st_q_prepare(st, err, SQL_EVENTS_LIST, "sII", run_id, after_seq,
	                              limit == 0 ? (int64_t)-1 : (int64_t)limit),
	                 sizeof(**out), event_fill, event_clear, (void **)out, n, err,
	                 "listing events");
}

static const char SQL_EVENTS_OF_TYPE[] =
    "SELECT " EVENT_COLS " FROM run_events WHERE run_id = ? AND type = ? ORDER BY seq";

int
store_events_of_type(struct store *st, const char *run_id, const char *type,
                     struct store_event **out, size_t *n, struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_EVENTS_OF_TYPE, "ss", run_id, type),
	                 sizeof(**out), event_fill, event_clear, (void **)out, n, err,
	                 "listing events by type");
}

void
store_events_free(struct store_event *events, size_t n)
{
	st_rows_free(events, n, sizeof(*events), event_clear);
}

int
store_events_tail(struct store *st, const char *run_id, size_t limit, struct store_event **out,
                  size_t *n, struct df_error *err)
{
	sqlite3_stmt *s = st_q_prepare(st, err,
	                               "SELECT COALESCE(MAX(seq), 0) FROM run_events "
	                               "WHERE run_id = ?",
	                               "s", run_id);
	int64_t max;

	*out = NULL;
	*n = 0;
	if (s == NULL || st_q_step(st, s, err, "reading event seq") != 1)
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
	sqlite3_stmt *s = st_q_prepare(st, err,
	                               "SELECT count(*) FROM run_events WHERE phase_id = ? AND "
	                               "type = ? AND json_extract(payload, '$.cause') = ?",
	                               "sss", phase_id, type, cause);

	if (s == NULL || st_q_step(st, s, err, "counting events") != 1)
		return -1;
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
