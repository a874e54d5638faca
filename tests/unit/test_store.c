/*
 * The store on real SQLite files in a temporary directory: creation,
 * reopening and migration, refusal of newer, foreign and empty files
 * (untouched), files private (0600) whatever the umask,
 * the event log's per-run seq and idempotency keys, the partial unique index
 * on active runs, foreign keys, transactions and the catalog tables.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char *ws;   /* <dir>/ws, not created in advance */
	char *path; /* <ws>/devflow.db */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/devflow-store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->ws = xasprintf("%s/ws", f->dir);
	f->path = xasprintf("%s/devflow.db", f->ws);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", f->dir);
	free(cmd);
	free(f->ws);
	free(f->path);
	free(f);
	return 0;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_file(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	if (len != NULL)
		*len = b.len;
	return buf_detach(&b);
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* A template row for runs to reference; returns its id (caller frees). */
static char *
put_template(struct store *st, const char *name, const char *hashchar, const char *source)
{
	struct store_catalog_entry e = { 0 };
	struct df_error err;
	char hash[65], *id = NULL;

	memset(hash, hashchar[0], 64);
	hash[64] = '\0';
	e.name = (char *)name;
	e.version = 1;
	e.hash = hash;
	e.definition = (char *)"{\"name\":\"t\"}";
	e.source = (char *)source;
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_TEMPLATE, &e, &id, &err), 0);
	assert_non_null(id);
	return id;
}

static int
add_run(struct store *st, const char *id, const char *tpl, const char *repo, const char *base,
        struct df_error *err)
{
	struct store_run_new r = {
		.id = id,
		.template_id = tpl,
		.template_hash = "h",
		.repo_path = repo,
		.base_branch = base,
		.worktree_root = "/ws/x/main",
	};

	return store_run_insert(st, &r, err);
}

static void
test_create_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct df_error err;
	struct store *st;
	struct stat sb;
	char *tpl, *wal;

	st = store_open(f->ws, &err);
	assert_non_null(st);
	assert_int_equal(stat(f->ws, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_string_equal(store_path(st), f->path);
	assert_int_equal(store_user_version(st), STORE_SCHEMA_VERSION);
	tpl = put_template(st, "development", "a", "/data/development.json");
	assert_int_equal(add_run(st, "r1", tpl, "/repo", "main", &err), 0);
	/* WAL mode: the write-ahead log sits beside the database while it is open. */
	wal = xasprintf("%s-wal", f->path);
	assert_true(exists(wal));
	store_close(st);
	free(tpl);

	st = store_open(f->ws, &err);
	assert_non_null(st);
	assert_int_equal(store_user_version(st), STORE_SCHEMA_VERSION);
	{
		struct store_catalog_entry e;

		assert_int_equal(
		    store_catalog_get(st, STORE_CATALOG_TEMPLATE, "development", 0, &e, &err), 1);
		assert_string_equal(e.source, "/data/development.json");
		store_catalog_entry_clear(&e);
	}
	/* The run survived: a second active run on the pair is refused. */
	assert_int_equal(add_run(st, "r2", "nope", "/repo", "main", &err), -1);
	store_close(st);
	free(wal);
}

static void
test_memory_store(void **state)
{
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	char *tpl;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_user_version(st), STORE_SCHEMA_VERSION);
	tpl = put_template(st, "t", "b", "/x.json");
	assert_int_equal(add_run(st, "r1", tpl, "/repo", "main", &err), 0);
	store_close(st);
	free(tpl);
}

static void
test_user_version_too_high(void **state)
{
	struct fixture *f = *state;
	unsigned char v[4] = { 0, 0, 0, 99 };
	struct df_error err;
	struct store *st;
	char *before, *after;
	size_t blen, alen;
	int fd;

	st = store_open(f->ws, &err);
	assert_non_null(st);
	store_close(st);
	/* The header's user_version lives at byte offset 60, big-endian. */
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, v, 4, 60), 4);
	close(fd);
	before = read_file(f->path, &blen);

	st = store_open(f->ws, &err);
	assert_null(st);
	assert_int_equal(err.code, DF_E_DATABASE_TOO_NEW);
	assert_non_null(strstr(err.message, f->path));
	assert_non_null(strstr(err.message, "99"));
	assert_non_null(strstr(err.message, "1"));
	after = read_file(f->path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
}

static void
check_refused_untouched(struct fixture *f, const char *data, size_t len)
{
	struct df_error err;
	struct store *st;
	char *after, *wal = xasprintf("%s-wal", f->path);
	size_t alen;

	assert_int_equal(mkdir(f->ws, 0700), 0);
	write_file(f->path, data, len);
	st = store_open(f->ws, &err);
	assert_null(st);
	assert_int_equal(err.code, DF_E_DATABASE_CORRUPT);
	assert_non_null(strstr(err.message, f->path));
	after = read_file(f->path, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(after, data, len);
	assert_false(exists(wal));
	free(after);
	free(wal);
}

/*
 * A zero-length file is no database either: SQLite would take it for a new
 * one, so an emptied devflow.db would come back as an empty workspace. It
 * is refused like any foreign file; only a missing file is created.
 */
static void
test_empty_file_is_refused(void **state)
{
	struct fixture *f = *state;

	check_refused_untouched(f, "", 0);
}

/* The database, its WAL and its shared memory are 0600 whatever the umask. */
static void
test_files_are_private(void **state)
{
	struct fixture *f = *state;
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct df_error err;
	struct store *st;
	struct stat sb;
	mode_t old = umask(022);
	char *tpl;

	st = store_open(f->ws, &err);
	assert_non_null(st);
	tpl = put_template(st, "t", "a", "/t.json");
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s%s", f->path, sfx[i]);

		assert_int_equal(stat(p, &sb), 0);
		if ((sb.st_mode & 0777) != 0600)
			fail_msg("%s has mode %03o, want 0600", p, (unsigned)(sb.st_mode & 0777));
		free(p);
	}
	store_close(st);
	free(tpl);
	/* A database an older devflow left world-readable is narrowed when opened. */
	assert_int_equal(chmod(f->path, 0644), 0);
	st = store_open(f->ws, &err);
	assert_non_null(st);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
	umask(old);
}

static void
test_garbage_file_untouched(void **state)
{
	const char garbage[] = "this is not a database, it is a shopping list:\n eggs\n milk\n";

	check_refused_untouched(*state, garbage, sizeof(garbage) - 1);
}

static void
test_bad_pages_behind_header_untouched(void **state)
{
	char data[4096];

	/* A valid magic string, then nonsense: SQLite itself must refuse it. */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(0xA5 ^ (i * 7));
	memcpy(data, "SQLite format 3", 16);
	check_refused_untouched(*state, data, sizeof(data));
}

static void
test_event_seq_and_replay(void **state)
{
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	struct store_event *ev;
	int64_t seq = 0;
	size_t n;
	char *tpl;

	(void)state;
	assert_non_null(st);
	tpl = put_template(st, "t", "c", "/t.json");
	assert_int_equal(add_run(st, "A", tpl, "/a", "main", &err), 0);
	assert_int_equal(add_run(st, "B", tpl, "/b", "main", &err), 0);

	assert_int_equal(store_event_append(st, "A", "run.created", "{\"x\":1}", "run.created:A",
	                                    NULL, &seq, &err),
	                 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_event_append(st, "B", "run.created", NULL, "run.created:B",
	                                    "2026-01-01T00:00:00.000Z", &seq, &err),
	                 0);
	assert_int_equal(seq, 1);
	assert_int_equal(
	    store_event_append(st, "A", "run.started", "{}", "run.started:A", NULL, &seq, &err), 0);
	assert_int_equal(seq, 2);

	/* A replayed key adds nothing and reports the first seq. */
	seq = 0;
	assert_int_equal(store_event_append(st, "A", "run.created", "{\"x\":2}", "run.created:A",
	                                    NULL, &seq, &err),
	                 1);
	assert_int_equal(seq, 1);
	/* Inside a caller's transaction too. */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(
	    store_event_append(st, "A", "run.started", "{}", "run.started:A", NULL, &seq, &err), 1);
	assert_int_equal(seq, 2);
	assert_int_equal(store_event_append(st, "A", "phase.started", "{}", "phase.started:p:1",
	                                    NULL, &seq, &err),
	                 0);
	assert_int_equal(seq, 3);
	assert_int_equal(store_commit(st, &err), 0);

	/* The same key on another run is a caller bug, not a replay. */
	assert_int_equal(
	    store_event_append(st, "B", "run.created", "{}", "run.created:A", NULL, &seq, &err),
	    -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);

	/* A rolled-back append leaves no trace; seq is reused. */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(
	    store_event_append(st, "B", "run.started", "{}", "run.started:B", NULL, &seq, &err), 0);
	assert_int_equal(seq, 2);
	store_rollback(st);

	assert_int_equal(store_events_list(st, "A", 0, 0, &ev, &n, &err), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ev[i].seq, (int64_t)i + 1);
	assert_string_equal(ev[0].payload, "{\"x\":1}");
	assert_string_equal(ev[1].type, "run.started");
	assert_string_equal(ev[2].idempotency_key, "phase.started:p:1");
	assert_true(ev[0].id < ev[1].id);
	assert_int_equal(strlen(ev[0].ts), 24);
	assert_int_equal(ev[0].ts[23], 'Z');
	store_events_free(ev, n);

	assert_int_equal(store_events_list(st, "B", 0, 0, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].payload, "{}");
	assert_string_equal(ev[0].ts, "2026-01-01T00:00:00.000Z");
	store_events_free(ev, n);

	assert_int_equal(store_events_list(st, "A", 1, 1, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].seq, 2);
	store_events_free(ev, n);

	/* By type: only those, in seq order, of that run only. */
	assert_int_equal(store_event_append(st, "A", "phase.started", "{}", "phase.started:p:2",
	                                    NULL, &seq, &err),
	                 0);
	assert_int_equal(store_events_of_type(st, "A", "phase.started", &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].idempotency_key, "phase.started:p:1");
	assert_string_equal(ev[1].idempotency_key, "phase.started:p:2");
	store_events_free(ev, n);
	assert_int_equal(store_events_of_type(st, "B", "phase.started", &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_free(ev, n);

	/* Bad payloads and missing fields are errors, not silently ignored. */
	assert_int_equal(store_event_append(st, "A", "x", "{not json", "k1", NULL, &seq, &err), -1);
	assert_int_equal(err.code, DF_E_DATABASE);
	assert_int_equal(store_event_append(st, "A", "x", "{}", "", NULL, &seq, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(store_events_list(st, "A", 0, 0, &ev, &n, &err), 0);
	assert_int_equal(n, 4);
	store_events_free(ev, n);

	store_close(st);
	free(tpl);
}

static void
test_active_run_unique_index(void **state)
{
	struct fixture *f = *state;
	struct df_error err;
	struct store *st = store_open(f->ws, &err);
	char id[DF_ID_MAX], rstate[DF_ID_MAX];
	char *tpl;

	assert_non_null(st);
	tpl = put_template(st, "t", "d", "/t.json");
	assert_int_equal(add_run(st, "run-1", tpl, "/repo", "main", &err), 0);
	assert_int_equal(store_run_set_state(st, "run-1", "executing", &err), 0);

	assert_int_equal(add_run(st, "run-2", tpl, "/repo", "main", &err), -1);
	assert_int_equal(err.code, DF_E_ACTIVE_RUN_EXISTS);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_string_equal(err.run_id, "run-1");
	assert_non_null(strstr(err.message, "run-1"));
	assert_non_null(strstr(err.message, "executing"));

	/* Other base or other repository: no conflict. */
	assert_int_equal(add_run(st, "run-3", tpl, "/repo", "dev", &err), 0);
	assert_int_equal(add_run(st, "run-4", tpl, "/other", "main", &err), 0);

	assert_int_equal(store_run_active_for(st, "/repo", "main", id, rstate, &err), 1);
	assert_string_equal(id, "run-1");
	assert_string_equal(rstate, "executing");

	/* Once the first is terminal, a new run on the pair is allowed. */
	assert_int_equal(store_run_set_state(st, "run-1", "completed", &err), 0);
	assert_int_equal(store_run_active_for(st, "/repo", "main", id, rstate, &err), 0);
	assert_int_equal(add_run(st, "run-2", tpl, "/repo", "main", &err), 0);
	/* ... and the terminal one cannot come back to life beside it. */
	assert_int_equal(store_run_set_state(st, "run-1", "executing", &err), -1);
	assert_int_equal(err.code, DF_E_ACTIVE_RUN_EXISTS);
	assert_string_equal(err.run_id, "run-2");
	/* Several terminal runs on one pair are fine. */
	assert_int_equal(store_run_set_state(st, "run-2", "aborted", &err), 0);
	assert_int_equal(add_run(st, "run-5", tpl, "/repo", "main", &err), 0);
	assert_int_equal(store_run_set_state(st, "run-5", "failed", &err), 0);

	assert_int_equal(store_run_set_state(st, "nope", "failed", &err), -1);
	assert_int_equal(err.code, DF_E_RUN_NOT_FOUND);
	assert_int_equal(store_run_set_state(st, "run-5", "exploded", &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	store_close(st);
	free(tpl);
}

static void
test_foreign_keys_enforced(void **state)
{
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	int64_t seq = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(add_run(st, "r1", "no-such-template", "/repo", "main", &err), -1);
	assert_int_equal(err.code, DF_E_DATABASE);
	assert_non_null(strstr(err.message, "FOREIGN KEY"));
	assert_int_equal(
	    store_event_append(st, "no-such-run", "run.created", "{}", "k", NULL, &seq, &err), -1);
	assert_int_equal(err.code, DF_E_DATABASE);
	assert_non_null(strstr(err.message, "FOREIGN KEY"));
	store_close(st);
}

static void
test_transactions(void **state)
{
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	struct store_catalog_entry e;
	char *tpl;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_in_transaction(st), 0);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_in_transaction(st), 1);
	assert_int_equal(store_begin(st, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	tpl = put_template(st, "gone", "e", "/g.json");
	free(tpl);
	store_rollback(st);
	assert_int_equal(store_in_transaction(st), 0);
	assert_int_equal(store_catalog_get(st, STORE_CATALOG_TEMPLATE, "gone", 1, &e, &err), 0);
	assert_int_equal(store_commit(st, &err), -1);
	store_rollback(st); /* no-op */

	/* Closing with an open transaction rolls it back. */
	assert_int_equal(store_begin(st, &err), 0);
	store_close(st);
}

static void
test_catalog_put(void **state)
{
	struct df_error err;
	struct store *st = store_open_path(":memory:", &err);
	struct store_catalog_entry e = { 0 }, got, *all;
	char h1[65], h2[65], *id1, *id2, *id3;
	size_t n;

	(void)state;
	assert_non_null(st);
	memset(h1, '1', 64);
	h1[64] = '\0';
	memset(h2, '2', 64);
	h2[64] = '\0';
	e.name = (char *)"planner";
	e.version = 1;
	e.hash = h1;
	e.definition = (char *)"{\"v\":1}";
	e.source = (char *)"/share/planner.json";
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_PERSONA, &e, &id1, &err), 0);
	/* Same content again: same row, new source. */
	e.source = (char *)"/home/planner.json";
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_PERSONA, &e, &id2, &err), 0);
	assert_string_equal(id1, id2);
	free(id2);
	/* Other content, unreferenced: replaced in place. */
	e.hash = h2;
	e.definition = (char *)"{\"v\":2}";
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_PERSONA, &e, &id2, &err), 0);
	assert_string_equal(id1, id2);
	free(id2);
	assert_int_equal(store_catalog_get(st, STORE_CATALOG_PERSONA, "planner", 1, &got, &err), 1);
	assert_string_equal(got.definition, "{\"v\":2}");
	assert_string_equal(got.hash, h2);
	store_catalog_entry_clear(&got);
	/* A second version; version 0 picks the highest. */
	e.version = 2;
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_PERSONA, &e, &id3, &err), 0);
	assert_string_not_equal(id1, id3);
	assert_int_equal(store_catalog_get(st, STORE_CATALOG_PERSONA, "planner", 0, &got, &err), 1);
	assert_int_equal(got.version, 2);
	store_catalog_entry_clear(&got);
	assert_int_equal(store_catalog_list(st, STORE_CATALOG_PERSONA, &all, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(all[0].version, 2);
	assert_int_equal(all[1].version, 1);
	store_catalog_entries_free(all, n);
	/* Kinds are separate tables. */
	assert_int_equal(store_catalog_list(st, STORE_CATALOG_BACKEND, &all, &n, &err), 0);
	assert_int_equal(n, 0);
	store_catalog_entries_free(all, n);
	free(id1);
	free(id3);

	/* A template pinned by a run cannot change under it. */
	id1 = put_template(st, "development", "a", "/share/development.json");
	assert_int_equal(add_run(st, "r1", id1, "/repo", "main", &err), 0);
	memset(h1, 'b', 64);
	e.name = (char *)"development";
	e.version = 1;
	e.hash = h1;
	e.source = (char *)"/home/development.json";
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_TEMPLATE, &e, &id2, &err), -1);
	assert_int_equal(err.code, DF_E_CATALOG_CONFLICT);
	assert_null(id2);
	assert_non_null(strstr(err.message, "/share/development.json"));
	assert_non_null(strstr(err.message, "/home/development.json"));
	free(id1);
	/* Invalid definitions are refused. */
	e.name = (char *)"broken";
	e.definition = (char *)"{";
	assert_int_equal(store_catalog_put(st, STORE_CATALOG_BACKEND, &e, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_DATABASE);
	store_close(st);
}

static void
test_two_connections_share_the_log(void **state)
{
	struct fixture *f = *state;
	struct df_error err;
	struct store *a = store_open(f->ws, &err), *b;
	struct store_event *ev;
	int64_t seq = 0;
	size_t n;
	char *tpl;

	assert_non_null(a);
	b = store_open(f->ws, &err);
	assert_non_null(b);
	tpl = put_template(a, "t", "f", "/t.json");
	assert_int_equal(add_run(a, "R", tpl, "/repo", "main", &err), 0);
	assert_int_equal(store_event_append(a, "R", "run.created", "{}", "k1", NULL, &seq, &err),
	                 0);
	assert_int_equal(store_event_append(b, "R", "run.started", "{}", "k2", NULL, &seq, &err),
	                 0);
	assert_int_equal(seq, 2);
	assert_int_equal(store_event_append(b, "R", "run.created", "{}", "k1", NULL, &seq, &err),
	                 1);
	assert_int_equal(seq, 1);
	assert_int_equal(store_events_list(a, "R", 0, 0, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	store_events_free(ev, n);
	/* The other connection's run holds the pair. */
	assert_int_equal(add_run(b, "R2", tpl, "/repo", "main", &err), -1);
	assert_int_equal(err.code, DF_E_ACTIVE_RUN_EXISTS);
	assert_string_equal(err.run_id, "R");
	store_close(b);
	store_close(a);
	free(tpl);
}

static void
test_format_ts(void **state)
{
	char ts[STORE_TS_MAX];

	(void)state;
	store_format_ts(0, ts);
	assert_string_equal(ts, "1970-01-01T00:00:00.000Z");
	store_format_ts(1795594393123LL, ts);
	assert_string_equal(ts, "2026-11-25T08:13:13.123Z");
	store_now(ts);
	assert_int_equal(strlen(ts), 24);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_are_private, setup, teardown),
		cmocka_unit_test(test_memory_store),
		cmocka_unit_test_setup_teardown(test_user_version_too_high, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pages_behind_header_untouched, setup,
		                                teardown),
		cmocka_unit_test(test_event_seq_and_replay),
		cmocka_unit_test_setup_teardown(test_active_run_unique_index, setup, teardown),
		cmocka_unit_test(test_foreign_keys_enforced),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_catalog_put),
		cmocka_unit_test_setup_teardown(test_two_connections_share_the_log, setup,
		                                teardown),
		cmocka_unit_test(test_format_ts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
