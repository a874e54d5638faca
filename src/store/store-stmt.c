/*
 * What every query of the store is made of: the translation of SQLite
 * result codes into df_error values, the prepared-statement layer
 * (statements cached by their SQL text, arguments bound from a type string)
 * and the reading of rows, one at a time or a whole list.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "store-int.h"

/* ---------------------------------------------------------------------------
 * Errors.
 */

/* Translate the connection's last error (rc is the failing call's result). */
int
st_db_error(struct store *st, int rc, struct df_error *err, const char *what)
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
			st_db_error(st, rc, err, "prepare");
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
			st_db_error(st, rc, err, "bind");
			return NULL;
		}
	}
	return s;
}

sqlite3_stmt *
st_q_prepare(struct store *st, struct df_error *err, const char *sql, const char *types, ...)
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
int
st_q_step_rc(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what, int *rc_out)
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
	st_db_error(st, rc, err, what);
	sqlite3_reset(s);
	return -1;
}

int
st_q_step(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what)
{
	return st_q_step_rc(st, s, err, what, NULL);
}

/* Run a statement that returns no rows; 0 or -1 with err. */
int
st_q_exec(struct store *st, struct df_error *err, const char *what, const char *sql,
          const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, types);
	s = q_vprepare(st, err, sql, types, ap);
	va_end(ap);
	if (s == NULL)
		return -1;
	while ((rc = st_q_step(st, s, err, what)) == 1)
		;
	return rc;
}

/* Run a script of statements (no arguments, not cached). */
int
st_q_script(struct store *st, const char *sql, struct df_error *err, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		df_error_set(err, DF_FATAL, DF_E_DATABASE, "%s: %s", what,
		             msg ? msg : sqlite3_errstr(rc));
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ||
		    (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
			sqlite3_free(msg);
			return st_db_error(st, rc, err, what);
		}
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

char *
st_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

void
st_col_copy(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* ---------------------------------------------------------------------------
 * Rows. Each struct is read by one fill function and released by one clear
 * function, both made by STORE_ROWS from its table's column list
 * (store-int.h); lists and single rows share q_list and q_one.
 */

/* Step s to completion, one element of size per row. 0 or -1 (nothing kept). */
int
st_q_list(struct store *st, sqlite3_stmt *s, size_t size, row_fill_fn fill, elem_clear_fn clear,
          void **out, size_t *n, struct df_error *err, const char *what)
{
	char *v = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while ((rc = st_q_step(st, s, err, what)) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, size);
		}
		memset(v + count * size, 0, size);
		fill(s, v + count * size);
		count++;
	}
	if (rc < 0) {
		st_rows_free(v, count, size, clear);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

/* The first row into out: 1, 0 when none (out zeroed), -1. */
int
st_q_one(struct store *st, sqlite3_stmt *s, void *out, size_t size, row_fill_fn fill,
         struct df_error *err, const char *what)
{
	int rc;

	memset(out, 0, size);
	if (s == NULL)
		return -1;
	rc = st_q_step(st, s, err, what);
	if (rc == 1) {
		fill(s, out);
		sqlite3_reset(s);
	}
	return rc;
}

int
st_col_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_int(s, i);
}

int
st_col_is_null(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL;
}

void
st_rows_free(void *v, size_t n, size_t size, elem_clear_fn clear)
{
	for (size_t i = 0; i < n; i++)
		clear((char *)v + i * size);
	free(v);
}
