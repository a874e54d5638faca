/*
 * What the store's files share and nothing outside src/store/ may include:
 * the connection (struct store), the prepared-statement layer, the row
 * helpers, the transaction helpers and the schema's entry points. The
 * public API is store.h; this header only adds what the store's own files
 * need to speak SQL to one another's tables.
 */
#ifndef DEVFLOW_STORE_INT_H
#define DEVFLOW_STORE_INT_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

#define STMT_CACHE_MAX 256

/* Now, as SQL: the default of every timestamp column (store_format_ts's format). */
#define NOW_TS "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"

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

/* store-schema.c */

/* PRAGMA user_version into *out: 0, or -1 with err (a file that is no database fails here). */
int st_read_user_version(struct store *st, int *out, struct df_error *err);

/* database_too_new for a file of schema version version: -1 with err. */
int st_too_new(struct store *st, int version, struct df_error *err);

/* Apply the migrations the file lacks, each in its own transaction: 0 or -1 with err. */
int st_migrate(struct store *st, struct df_error *err);

/* store.c */

/*
 * For functions that run in the caller's transaction when there is one and
 * in their own otherwise: tx_enter begins one when none is open (*own
 * says so); tx_leave commits or, when rc < 0, rolls back what tx_enter
 * began, and returns rc (-1 when the commit failed).
 */
int st_tx_enter(struct store *st, int *own, struct df_error *err);
int st_tx_leave(struct store *st, int own, int rc, struct df_error *err);

/* store-stmt.c: errors. */

/* Translate the connection's last error (rc is the failing call's result); returns -1. */
int st_db_error(struct store *st, int rc, struct df_error *err, const char *what);

/*
 * store-stmt.c: prepared statements. q_prepare returns a cached statement,
 * reset, with its arguments bound from types: 's' const char * (NULL binds
 * NULL), 'i' int, 'I' int64_t; NULL with err when it cannot. sql must be
 * static text: the cache knows a statement by the pointer. Statements stay
 * owned by the cache.
 */
sqlite3_stmt *st_q_prepare(struct store *st, struct df_error *err, const char *sql,
                           const char *types, ...);

/*
 * Step a statement: 1 for a row, 0 when done (the statement is reset), -1
 * with err (the raw result code in *rc_out when not NULL, for callers that
 * translate constraint failures themselves).
 */
int st_q_step_rc(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what,
                 int *rc_out);
int st_q_step(struct store *st, sqlite3_stmt *s, struct df_error *err, const char *what);

/* Run a statement that returns no rows; 0 or -1 with err. */
int st_q_exec(struct store *st, struct df_error *err, const char *what, const char *sql,
              const char *types, ...);

/* Run a script of statements (no arguments, not cached); 0 or -1 with err. */
int st_q_script(struct store *st, const char *sql, struct df_error *err, const char *what);

/* store-stmt.c: rows. */

/* Column i as a string the caller frees (NULL for SQL NULL). */
char *st_col_dup(sqlite3_stmt *s, int i);
/* Column i into out, cut to cap ("" for SQL NULL). */
void st_col_copy(sqlite3_stmt *s, int i, char *out, size_t cap);
int st_col_int(sqlite3_stmt *s, int i);
int st_col_is_null(sqlite3_stmt *s, int i);

typedef void (*row_fill_fn)(sqlite3_stmt *s, void *elem);
typedef void (*elem_clear_fn)(void *elem);

/*
 * Step s to completion, one element of size per row, each zeroed and then
 * filled. 0 with *out (the caller frees) and *n, or -1 with err (nothing
 * kept). s may be NULL (a failed q_prepare): -1.
 */
int st_q_list(struct store *st, sqlite3_stmt *s, size_t size, row_fill_fn fill, elem_clear_fn clear,
              void **out, size_t *n, struct df_error *err, const char *what);

/* The first row into out: 1, 0 when none (out zeroed), -1. s may be NULL: -1. */
int st_q_one(struct store *st, sqlite3_stmt *s, void *out, size_t size, row_fill_fn fill,
             struct df_error *err, const char *what);

/* Clear each of the n elements of size in v, then free v. */
void st_rows_free(void *v, size_t n, size_t size, elem_clear_fn clear);

/*
 * Rows as data. Each table read into a struct has its columns written once,
 * as an X-macro: NAME_COLUMNS(FIRST, X) calls FIRST for the first column and
 * X for every other, each as (column, TYPE), in the order of the SELECT; the
 * struct's field has the column's name. TYPE says how the struct holds it:
 *
 *   TEXT          char *, owned (a NOT NULL column)
 *   TEXT_OR_NULL  char *, owned; NULL for SQL NULL
 *   INT           int
 *   INT64         int64_t
 *   INT_OR_0      int; 0 for SQL NULL
 *   INT_OR_UNSET  int, and int has_<column>: 0 (with the value 0) for SQL NULL
 *
 * STORE_COLS(NAME_COLUMNS) is the SELECT's column list as a string literal;
 * STORE_ROWS(prefix, struct type, NAME_COLUMNS) defines prefix_fill (a
 * row_fill_fn reading the row from a statement) and prefix_clear (an
 * elem_clear_fn freeing the strings and zeroing the struct).
 */
#define STORE_COLS(COLUMNS) COLUMNS(COL_NAME_FIRST, COL_NAME)
#define COL_NAME_FIRST(c, type) #c
#define COL_NAME(c, type) ", " #c

#define STORE_ROWS(prefix, type, COLUMNS)                                                          \
	static void prefix##_fill(sqlite3_stmt *s, void *elem)                                     \
	{                                                                                          \
		type *row = elem;                                                                  \
		int col = 0;                                                                       \
                                                                                                   \
		COLUMNS(COL_FILL, COL_FILL)                                                        \
	}                                                                                          \
	static void prefix##_clear(void *elem)                                                     \
	{                                                                                          \
		type *row = elem;                                                                  \
                                                                                                   \
		COLUMNS(COL_FREE, COL_FREE)                                                        \
		memset(row, 0, sizeof(*row));                                                      \
	}

#define COL_FILL(c, type)                                                                          \
	COL_FILL_##type(c);                                                                        \
	col++;
#define COL_FILL_TEXT(c) row->c = st_col_dup(s, col)
#define COL_FILL_TEXT_OR_NULL(c) row->c = st_col_dup(s, col)
#define COL_FILL_INT(c) row->c = st_col_int(s, col)
#define COL_FILL_INT64(c) row->c = sqlite3_column_int64(s, col)
#define COL_FILL_INT_OR_0(c) row->c = st_col_is_null(s, col) ? 0 : st_col_int(s, col)
#define COL_FILL_INT_OR_UNSET(c)                                                                   \
	row->has_##c = !st_col_is_null(s, col);                                                    \
	row->c = row->has_##c ? st_col_int(s, col) : 0

#define COL_FREE(c, type) COL_FREE_##type(c)
#define COL_FREE_TEXT(c) free(row->c);
#define COL_FREE_TEXT_OR_NULL(c) free(row->c);
#define COL_FREE_INT(c)
#define COL_FREE_INT64(c)
#define COL_FREE_INT_OR_0(c)
#define COL_FREE_INT_OR_UNSET(c)

#endif
