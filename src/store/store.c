/*
 * The SQLite store: opening and closing the database, the connection
 * settings, explicit transactions, the fault hook tests use, and time
 * stamps. The store's other jobs have a file each: store-schema.c (the
 * migrations), store-stmt.c (errors, the prepared-statement layer, rows),
 * store-event.c, store-catalog.c, store-run.c (runs, their inputs and
 * bindings), store-phase.c, store-approval.c (requests and decisions),
 * store-artifact.c (artifacts, findings, commands) and store-session.c.
 * They share store-int.h, which nothing outside src/store/ includes; the
 * rest of devflow sees store.h only.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "store-int.h"

#define BUSY_TIMEOUT_MS 5000

/* ---------------------------------------------------------------------------
 * Opening.
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
pragma_setup(struct store *st, struct df_error *err)
{
	int memory = strcmp(st->path, ":memory:") == 0;

	if (!memory && st_q_script(st, "PRAGMA journal_mode = WAL", err, "enabling WAL") != 0)
		return -1;
	return st_q_script(st,
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
			st_db_error(st, rc, err, "opening database");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/*
	 * Wait for locks from the very first read: another process opening the
	 * same file may be running WAL recovery, which holds a lock briefly.
	 */
	if (sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		st_db_error(st, sqlite3_errcode(st->db), err, "busy timeout");
		goto fail;
	}
	/* Read the version before anything writes: a foreign file fails here. */
	if (st_read_user_version(st, &version, err) != 0)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		st_too_new(st, version, err);
		goto fail;
	}
	if (pragma_setup(st, err) != 0 || st_migrate(st, err) != 0)
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

	if (st_read_user_version(st, &v, NULL) != 0)
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
	if (st_q_exec(st, err, "begin transaction", "BEGIN IMMEDIATE", NULL) != 0)
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
	if (st_q_exec(st, err, "commit", "COMMIT", NULL) != 0) {
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
int
st_tx_enter(struct store *st, int *own, struct df_error *err)
{
	*own = !st->in_tx;
	return *own ? store_begin(st, err) : 0;
}

int
st_tx_leave(struct store *st, int own, int rc, struct df_error *err)
{
	if (!own)
		return rc;
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err) == 0 ? rc : -1;
}
