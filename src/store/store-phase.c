/*
 * The phases of a run: inserted when the run is planned, saved as the
 * engine moves them, read one at a time or a run's list by seq.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* The columns of run_phases read into struct store_phase (store-int.h: rows as data). */
#define PHASE_COLUMNS(FIRST, X)                                                                    \
	FIRST(id, TEXT)                                                                            \
	X(run_id, TEXT)                                                                            \
	X(phase_key, TEXT)                                                                         \
	X(seq, INT)                                                                                \
	X(state, TEXT)                                                                             \
	X(attempts, INT)                                                                           \
	X(repairs, INT)                                                                            \
	X(definition, TEXT_OR_NULL)                                                                \
	X(deadline_at, TEXT_OR_NULL)                                                               \
	X(created_at, TEXT)                                                                        \
	X(started_at, TEXT_OR_NULL)                                                                \
	X(ended_at, TEXT_OR_NULL)
#define PHASE_COLS STORE_COLS(PHASE_COLUMNS)

STORE_ROWS(phase, struct store_phase, PHASE_COLUMNS)

void
store_phase_clear(struct store_phase *p)
{
	if (p == NULL)
		return;
	phase_clear(p);
}

void
store_phases_free(struct store_phase *p, size_t n)
{
	st_rows_free(p, n, sizeof(*p), phase_clear);
}

int
store_phase_insert(struct store *st, const struct store_phase *p, const char *ts,
                   struct df_error *err)
{
	if (st_q_exec(
	        st, err, "inserting phase",
	        "INSERT INTO run_phases (id, run_id, phase_key, seq, state, attempts, repairs, "
	        "definition, deadline_at, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, "
	        "COALESCE(?, 'pending'), ?, ?, ?, ?, COALESCE(?, " NOW_TS "), ?, ?)",
	        "sssisiisssss", p->id, p->run_id, p->phase_key, p->seq, p->state, p->attempts,
	        p->repairs, p->definition, p->deadline_at, ts, p->started_at, p->ended_at) != 0) {
		df_error_prefix(err, "phase %s of run %s", p->phase_key, p->run_id);
		return -1;
	}
	return 0;
}

int
store_phase_save(struct store *st, const struct store_phase *p, struct df_error *err)
{
	return st_q_exec(
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
	return st_q_one(st, st_q_prepare(st, err, SQL_PHASE_GET, "s", phase_id), out, sizeof(*out),
	                phase_fill, err, "reading phase");
}

int
store_phases_list(struct store *st, const char *run_id, struct store_phase **out, size_t *n,
                  struct df_error *err)
{
	return st_q_list(st, st_q_prepare(st, err, SQL_PHASES_LIST, "s", run_id), sizeof(**out),
	                 phase_fill, phase_clear, (void **)out, n, err, "listing phases");
}
