/*
 * The protocol server in one process: a real loop, listener and sockets, the
 * engine of the test harness (scripted driver, fake clock), raw test clients
 * speaking frames by hand, and a real pseudo-terminal session for screen
 * subscriptions, keys and the slow-client rule.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/session.h"
#include "lib/clock.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "proto/proto.h"
#include "proto/result.h"
#include "proto/sock.h"
#include "server/server.h"
#include "engine_harness.h"

struct t {
	struct harness *h;
	struct loop *loop;
	struct server *srv;
	struct session *sess;   /* the one live session, id "s-live" */
	const char *live_state; /* what its detection says (sops.state), or NULL */
	int shutdown;
	int log_fd;
	char logpath[128];
	int slow_diff; /* the diff hook waits for a byte on gate[0] */
	int gate[2];
};

struct tc {
	int fd;
	uint64_t next_id;
	struct proto_reader rd;
	struct proto_writer wr;
};

static struct session *
get_session(void *ctx, const char *id)
{
	struct t *t = ctx;

	return strcmp(id, "s-live") == 0 ? t->sess : NULL;
}

static int
hook(void *ctx, const char *id, const char *kind, const char *conversation, const char *detail,
     struct df_error *err)
{
	(void)ctx;
	(void)conversation;
	(void)detail;
	if (strcmp(kind, "stop") != 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown hook %s", kind);
	(void)id;
	return 0;
}

static const char *
live_state(void *ctx, const char *id)
{
	struct t *t = ctx;

	return strcmp(id, "s-live") == 0 ? t->live_state : NULL;
}

static const struct server_session_ops sops = { .get = get_session,
	                                        .hook = hook,
	                                        .state = live_state };

static void
on_shutdown(void *ctx)
{
	((struct t *)ctx)->shutdown = 1;
}

static void
push(void *ctx, const struct store_event *ev)
{
	struct t *t = ctx;

	if (t->srv != NULL)
		server_push_event(t->srv, ev);
}

/* Worker thread: a diff made slow on demand; reads only the gate. */
static void
diff_hook(void *ctx)
{
	struct t *t = ctx;
	char c;

	if (t->slow_diff)
		while (read(t->gate[0], &c, 1) < 0 && errno == EINTR)
			;
}

static int
setup(void **state)
{
	struct t *t = xcalloc(1, sizeof(*t));
	struct server_config cfg = { 0 };
	struct df_error err;

	t->h = h_new();
	t->loop = loop_new(NULL);
	t->h->on_event = push;
	t->h->on_event_ctx = t;
	snprintf(t->logpath, sizeof(t->logpath), "%s/server.log", t->h->ws);
	t->log_fd = open(t->logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	cfg.workspace = t->h->ws;
	cfg.loop = t->loop;
	cfg.engine = t->h->e;
	cfg.store = t->h->st;
	cfg.sessions = &sops;
	cfg.sessions_ctx = t;
	cfg.log_fd = t->log_fd;
	cfg.frame_interval_ms = 20;
	cfg.screen_notifications = 1; /* as in production: the session says when it drew */
	cfg.on_shutdown = on_shutdown;
	cfg.shutdown_ctx = t;
	cfg.diff_hook = diff_hook;
	cfg.diff_hook_ctx = t;
	if (pipe(t->gate) != 0)
		fail_msg("pipe");
	t->srv = server_new(&cfg, &err);
	if (t->srv == NULL)
		fail_msg("server_new: %s", err.message);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	server_free(t->srv);
	close(t->gate[0]);
	close(t->gate[1]);
	session_free(t->sess);
	loop_free(t->loop);
	close(t->log_fd);
	h_free(t->h);
	free(t);
	return 0;
}

static void
tc_open(struct t *t, struct tc *c)
{
	struct df_error err;
	char *path = sock_path(t->h->ws, &err);

	memset(c, 0, sizeof(*c));
	c->fd = sock_connect(path, 1000, &err);
	free(path);
	if (c->fd < 0)
		fail_msg("connect: %s", err.message);
	c->next_id = 1;
	proto_reader_init(&c->rd, PROTO_TO_CLIENT);
	proto_writer_init(&c->wr);
	/* Let the server accept. */
	loop_run_once(t->loop, 50, NULL);
}

static void
tc_close(struct tc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	proto_reader_free(&c->rd);
	proto_writer_free(&c->wr);
}

static uint64_t
tc_send(struct tc *c, const char *op, cJSON *args)
{
	cJSON *req = proto_request(c->next_id, op, args);

	assert_int_equal(proto_writer_queue(&c->wr, req, NULL), 0);
	cJSON_Delete(req);
	assert_int_equal(proto_writer_flush(&c->wr, c->fd, NULL), 0);
	return c->next_id++;
}

static void
tc_raw(struct tc *c, const void *bytes, size_t len)
{
	assert_int_equal(write(c->fd, bytes, len), (ssize_t)len);
}

/*
 * Run the server until the client has a message (1), its connection closed
 * (0), or 3 s passed (fail).
 */
static int
tc_next(struct t *t, struct tc *c, struct proto_msg *m)
{
	struct df_error err;

	for (int i = 0; i < 300; i++) {
		int r = proto_reader_pop(&c->rd, m, &err);
		enum proto_io io;

		if (r < 0)
			fail_msg("client: %s", err.message);
		if (r == 1)
			return 1;
		loop_run_once(t->loop, 10, NULL);
		io = proto_reader_read(&c->rd, c->fd, &err);
		if (io == PROTO_IO_EOF || io == PROTO_IO_ERROR) {
			if (proto_reader_pop(&c->rd, m, &err) == 1)
				return 1;
			return 0;
		}
	}
	fail_msg("no message within 3 s");
	return 0;
}

/* Screen messages tc_call skipped while waiting for a reply. */
static int skipped_screens;

/* Send op and return its reply (skipping pushed messages, which are freed). */
static void
tc_call(struct t *t, struct tc *c, const char *op, cJSON *args, struct proto_msg *reply)
{
	uint64_t id = tc_send(c, op, args);

	for (;;) {
		if (tc_next(t, c, reply) == 0)
			fail_msg("connection closed while waiting for %s", op);
		if (reply->kind == PROTO_MSG_REPLY && reply->id == id)
			return;
		skipped_screens += reply->kind == PROTO_MSG_SCREEN;
		proto_msg_clear(reply);
	}
}

static void
tc_hello(struct t *t, struct tc *c)
{
	struct proto_msg m;

	tc_call(t, c, "hello", proto_hello_args("test"), &m);
	assert_true(m.ok);
	assert_int_equal(proto_hello_check(m.result, NULL, NULL), 0);
	proto_msg_clear(&m);
}

static cJSON *
args1(const char *k, const char *v)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, k, v);
	return a;
}

static char *
slurp_log(struct t *t)
{
	FILE *f = fopen(t->logpath, "r");
	char *s = xcalloc(1, 1 << 16);

	assert_non_null(f);
	fread(s, 1, (1 << 16) - 1, f);
	fclose(f);
	return s;
}

/* ------------------------------------------------------------------------ */

static void
test_hello_first(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char *log;

	tc_open(t, &c);
	tc_send(&c, "ls", NULL);
	assert_int_equal(tc_next(t, &c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_REPLY);
	assert_int_equal(m.id, 0);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_PROTOCOL);
	assert_non_null(strstr(m.error.message, "before hello"));
	proto_msg_clear(&m);
	assert_int_equal(tc_next(t, &c, &m), 0);
	tc_close(&c);
	log = slurp_log(t);
	assert_non_null(strstr(log, "closed: ls before hello"));
	free(log);
}

static void
test_bad_frames_close_only_that_client(void **state)
{
	struct t *t = *state;
	struct tc good, bad, big, trunc;
	struct proto_msg m;
	unsigned char hdr[4] = { 0x00, 0x20, 0x00, 0x00 }; /* 2 MiB */
	const char junk[] = "\x00\x00\x00\x05{oops";
	char *log;

	tc_open(t, &good);
	tc_hello(t, &good);
	tc_open(t, &bad);
	tc_hello(t, &bad);
	tc_raw(&bad, junk, sizeof(junk) - 1);
	assert_int_equal(tc_next(t, &bad, &m), 1);
	assert_int_equal(m.id, 0);
	assert_non_null(strstr(m.error.message, "not JSON"));
	proto_msg_clear(&m);
	assert_int_equal(tc_next(t, &bad, &m), 0);

	tc_open(t, &big);
	tc_hello(t, &big);
	tc_raw(&big, hdr, 4);
	assert_int_equal(tc_next(t, &big, &m), 1);
	assert_non_null(strstr(m.error.message, "exceeds the limit"));
	proto_msg_clear(&m);
	assert_int_equal(tc_next(t, &big, &m), 0);

	tc_open(t, &trunc);
	tc_hello(t, &trunc);
	tc_raw(&trunc, "\x00\x00\x00\x0a{\"id\"", 9);
	shutdown(trunc.fd, SHUT_WR);
	assert_int_equal(tc_next(t, &trunc, &m), 0);

	/* An unknown op is an error reply, not a bad frame. */
	tc_call(t, &good, "frobnicate", NULL, &m);
	assert_false(m.ok);
	assert_non_null(strstr(m.error.message, "unknown op 'frobnicate'"));
	proto_msg_clear(&m);
	tc_call(t, &good, "ping", NULL, &m);
	assert_true(m.ok);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(m.result, "clients")->valuedouble,
	                 1);
	proto_msg_clear(&m);
	log = slurp_log(t);
	assert_non_null(strstr(log, "exceeds the limit of 1048576 bytes"));
	assert_non_null(strstr(log, "truncated frame"));
	assert_non_null(strstr(log, "frame is not JSON"));
	free(log);
	tc_close(&good);
	tc_close(&bad);
	tc_close(&big);
	tc_close(&trunc);
}

static const char *
jget(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
start_run(struct t *t, struct tc *c, char run_id[64])
{
	struct proto_msg m;
	cJSON *a = cJSON_CreateObject(), *b;

	cJSON_AddStringToObject(a, "requirements", "# Do it\n");
	cJSON_AddStringToObject(a, "repo", t->h->repo);
	cJSON_AddStringToObject(a, "base", "main");
	b = cJSON_AddObjectToObject(a, "backends");
	cJSON_AddStringToObject(b, "planner", "fake");
	cJSON_AddStringToObject(b, "implementer", "fake");
	cJSON_AddStringToObject(b, "reviewer", "fake");
	tc_call(t, c, "start", a, &m);
	if (!m.ok)
		fail_msg("start: %s", m.error.message);
	snprintf(run_id, 64, "%s", jget(m.result, "runId"));
	proto_msg_clear(&m);
}

static void
test_run_ops_and_events(void **state)
{
	struct t *t = *state;
	struct tc c, w;
	struct proto_msg m;
	char run_id[64], prefix[8], actor[64];
	cJSON *a;
	int events = 0, saw_resolved = 0;

	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	tc_open(t, &c);
	tc_hello(t, &c);
	tc_open(t, &w);
	tc_hello(t, &w);
	tc_call(t, &w, "subscribe", args1("topic", "events"), &m);
	assert_true(m.ok);
	proto_msg_clear(&m);

	start_run(t, &c, run_id);
	assert_string_equal(h_run_state(t->h, run_id), "awaiting_approval");

	/* ls and status, the run named by a prefix */
	tc_call(t, &c, "ls", NULL, &m);
	assert_true(m.ok);
	{
		const cJSON *runs = cJSON_GetObjectItemCaseSensitive(m.result, "runs");

		assert_int_equal(cJSON_GetArraySize(runs), 1);
		assert_string_equal(jget(cJSON_GetArrayItem(runs, 0), "state"),
		                    "awaiting_approval");
		assert_string_equal(jget(cJSON_GetArrayItem(runs, 0), "phase"), "plan");
	}
	proto_msg_clear(&m);
	snprintf(prefix, sizeof(prefix), "%.5s", run_id);
	tc_call(t, &c, "status", args1("run", prefix), &m);
	assert_true(m.ok);
	assert_string_equal(jget(cJSON_GetObjectItemCaseSensitive(m.result, "run"), "state"),
	                    "awaiting_approval");
	proto_msg_clear(&m);
	tc_call(t, &c, "status", args1("run", "zz-no-such"), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_RUN_NOT_FOUND);
	proto_msg_clear(&m);

	/* report before the end: a conflict */
	tc_call(t, &c, "report", args1("run", run_id), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_RUN_STATE_CHANGED);
	proto_msg_clear(&m);

	/* approve with a token; the actor is our user */
	h_script(t->h, "implement", H_CHANGE_OK, H_IDLE);
	h_script(t->h, "review", H_REVIEW_OK, H_IDLE);
	a = args1("run", prefix);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", "tok-1");
	tc_call(t, &c, "decide", a, &m);
	if (!m.ok)
		fail_msg("decide: %s", m.error.message);
	server_actor_name(getuid(), actor, sizeof(actor));
	assert_string_equal(jget(m.result, "actor"), actor);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m.result, "replayed")));
	proto_msg_clear(&m);
	/* the same token again replays */
	a = args1("run", prefix);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", "tok-1");
	tc_call(t, &c, "decide", a, &m);
	if (!m.ok)
		fail_msg("replay: %s", m.error.message);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m.result, "replayed")));
	proto_msg_clear(&m);
	/* request_changes without a comment is refused before the engine */
	a = args1("run", prefix);
	cJSON_AddStringToObject(a, "action", "request_changes");
	cJSON_AddStringToObject(a, "token", "tok-2");
	tc_call(t, &c, "decide", a, &m);
	assert_false(m.ok);
	assert_non_null(strstr(m.error.message, "needs a comment"));
	proto_msg_clear(&m);

	/* the watcher got the events, in seq order, approval.resolved among them */
	{
		int64_t last = 0;

		while (events < 100) {
			if (tc_next(t, &w, &m) == 0)
				fail_msg("watcher closed");
			if (m.kind == PROTO_MSG_EVENT) {
				struct proto_event ev;

				assert_int_equal(proto_event_parse(m.json, &ev, NULL), 0);
				assert_string_equal(ev.run_id, run_id);
				assert_true(ev.seq > last);
				last = ev.seq;
				events++;
				if (getenv("TEST_DEBUG"))
					fprintf(stderr, "event %s\n", ev.type);
				if (strcmp(ev.type, "approval.resolved") == 0)
					saw_resolved = 1;
				if (strcmp(ev.type, "approval.requested") == 0 && saw_resolved) {
					proto_msg_clear(&m);
					break; /* the final review gate */
				}
			}
			proto_msg_clear(&m);
		}
	}
	assert_true(saw_resolved);
	assert_true(events >= 8);

	/* events after a seq */
	a = args1("run", run_id);
	cJSON_AddNumberToObject(a, "after_seq", 3);
	tc_call(t, &c, "events", a, &m);
	assert_true(m.ok);
	{
		const cJSON *evs = cJSON_GetObjectItemCaseSensitive(m.result, "events");

		assert_true(cJSON_GetArraySize(evs) > 3);
		assert_int_equal(
		    (int)cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(evs, 0), "seq")
		        ->valuedouble,
		    4);
	}
	proto_msg_clear(&m);

	/* the final gate: reject; then the report exists */
	a = args1("run", run_id);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", "tok-3");
	tc_call(t, &c, "decide", a, &m);
	assert_true(m.ok);
	assert_string_equal(jget(m.result, "state"), "completed");
	proto_msg_clear(&m);
	tc_call(t, &c, "report", args1("run", run_id), &m);
	if (!m.ok)
		fail_msg("report: %s", m.error.message);
	assert_non_null(strstr(jget(m.result, "markdown"), run_id));
	assert_string_equal(jget(cJSON_GetObjectItemCaseSensitive(m.result, "report"), "status"),
	                    "completed");
	proto_msg_clear(&m);
	/* a decision on a finished run is a conflict */
	a = args1("run", run_id);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", "tok-4");
	tc_call(t, &c, "decide", a, &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_APPROVAL_CONFLICT);
	proto_msg_clear(&m);
	tc_close(&c);
	tc_close(&w);
}

static const cJSON *
jobj(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void
test_artifact_and_status_fields(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char run_id[64];
	cJSON *a;

	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	tc_open(t, &c);
	tc_hello(t, &c);
	start_run(t, &c, run_id);
	assert_string_equal(h_run_state(t->h, run_id), "awaiting_approval");

	/* a bad run id */
	tc_call(t, &c, "artifact", args1("run", "zz-no-such"), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_RUN_NOT_FOUND);
	proto_msg_clear(&m);
	tc_call(t, &c, "artifact", NULL, &m);
	assert_false(m.ok);
	assert_string_equal(m.error.message, "artifact.run: missing");
	proto_msg_clear(&m);

	/* the gate's artifact: the stored validation and the file's JSON */
	tc_call(t, &c, "artifact", args1("run", run_id), &m);
	if (!m.ok)
		fail_msg("artifact: %s", m.error.message);
	assert_string_equal(jget(m.result, "runId"), run_id);
	assert_string_equal(jget(m.result, "phase"), "plan");
	assert_string_equal(jget(m.result, "path"), "plan.json");
	assert_string_equal(jget(m.result, "schema"), "dev/phase-plan@1");
	assert_true(cJSON_IsTrue(jobj(m.result, "valid")));
	assert_int_equal(cJSON_GetArraySize(jobj(m.result, "errors")), 0);
	assert_int_equal(strlen(jget(m.result, "hash")), 64);
	assert_true(cJSON_IsFalse(jobj(m.result, "changed")));
	assert_true(cJSON_IsArray(jobj(jobj(m.result, "json"), "phases")));
	proto_msg_clear(&m);

	/* the agent swapped the file for a FIFO: shown as unreadable, never blocking */
	{
		char *plan = h_worktree_file(t->h, run_id, "plan.json");

		assert_int_equal(unlink(plan), 0);
		assert_int_equal(mkfifo(plan, 0600), 0);
		alarm(60);
		tc_call(t, &c, "artifact", args1("run", run_id), &m);
		alarm(0);
		assert_true(m.ok);
		assert_true(cJSON_IsNull(jobj(m.result, "json")));
		assert_string_equal(jget(m.result, "fileError"),
		                    "plan.json is a FIFO, not a regular file");
		proto_msg_clear(&m);
		unlink(plan);
		free(plan);
	}

	/* a phase that does not exist (the plan's phases come after its approval) */
	a = args1("run", run_id);
	cJSON_AddStringToObject(a, "phase", "nope");
	tc_call(t, &c, "artifact", a, &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(m.error.message, "has no phase 'nope'"));
	assert_non_null(strstr(m.error.hint, "plan"));
	proto_msg_clear(&m);

	/* status: phase titles and the run's bindings */
	tc_call(t, &c, "status", args1("run", run_id), &m);
	assert_true(m.ok);
	{
		const cJSON *ph = cJSON_GetArrayItem(jobj(m.result, "phases"), 0);
		const cJSON *b, *bs = jobj(m.result, "bindings");
		int planner = 0;

		assert_string_equal(jget(ph, "phaseKey"), "plan");
		assert_non_null(jget(ph, "title"));
		assert_true(jget(ph, "title")[0] != '\0');
		assert_true(cJSON_GetArraySize(bs) >= 3);
		cJSON_ArrayForEach(b, bs)
		{
			assert_non_null(jget(b, "persona"));
			assert_string_equal(jget(b, "backend"), "fake");
			planner += strcmp(jget(b, "roleId"), "planner") == 0;
		}
		assert_int_equal(planner, 1);
	}
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
test_artifact_of_run_without_one(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char run_id[64];

	/* No scripted answer: the planner writes nothing. */
	tc_open(t, &c);
	tc_hello(t, &c);
	start_run(t, &c, run_id);
	assert_string_equal(h_run_state(t->h, run_id), "planning");
	tc_call(t, &c, "artifact", args1("run", run_id), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_ARTIFACT_NOT_FOUND);
	assert_non_null(strstr(m.error.message, "phase plan has no artifact yet"));
	proto_msg_clear(&m);
	tc_close(&c);
}

static const cJSON *
find_file(const cJSON *files, const char *path)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, files)
	{
		if (strcmp(jget(f, "path"), path) == 0)
			return f;
	}
	return NULL;
}

static void
write_text(const char *dir, const char *name, const char *text)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_diff_off_the_loop(void **state)
{
	struct t *t = *state;
	struct tc c, other;
	struct proto_msg m;
	char run_id[64], root[1024];
	uint64_t id;
	int got = 0;

	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	tc_open(t, &c);
	tc_hello(t, &c);
	tc_open(t, &other);
	tc_hello(t, &other);
	start_run(t, &c, run_id);
	tc_call(t, &c, "status", args1("run", run_id), &m);
	assert_true(m.ok);
	snprintf(root, sizeof(root), "%s", jget(jobj(m.result, "run"), "worktreeRoot"));
	proto_msg_clear(&m);
	/* The agent changed files in its worktree. */
	write_text(root, "hello.c", "int main(void) { return 0; }\n");

	tc_call(t, &c, "diff", args1("run", "zz-no-such"), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_RUN_NOT_FOUND);
	proto_msg_clear(&m);

	tc_call(t, &c, "diff", args1("run", run_id), &m);
	if (!m.ok)
		fail_msg("diff: %s", m.error.message);
	assert_string_equal(jget(m.result, "runId"), run_id);
	assert_string_equal(jget(m.result, "base"), "main");
	{
		const cJSON *f = find_file(jobj(m.result, "files"), "hello.c");

		assert_non_null(f);
		assert_non_null(strchr("A?", jget(f, "status")[0]));
		assert_non_null(find_file(jobj(m.result, "files"), "plan.json"));
	}
	assert_non_null(strstr(jget(m.result, "text"), "+int main(void) { return 0; }"));
	assert_non_null(strstr(jget(m.result, "text"), "b/hello.c"));
	assert_true(cJSON_IsFalse(jobj(m.result, "truncated")));
	proto_msg_clear(&m);

	/* A slow diff: the loop keeps serving other clients while it runs. */
	t->slow_diff = 1;
	id = tc_send(&c, "diff", args1("run", run_id));
	for (int i = 0; i < 3; i++) {
		tc_call(t, &other, "ping", NULL, &m);
		assert_true(m.ok);
		proto_msg_clear(&m);
		tc_call(t, &other, "status", args1("run", run_id), &m);
		assert_true(m.ok);
		proto_msg_clear(&m);
	}
	/* still no answer for c */
	loop_run_once(t->loop, 20, NULL);
	assert_int_equal(proto_reader_read(&c.rd, c.fd, NULL), PROTO_IO_AGAIN);
	assert_int_equal(proto_reader_pop(&c.rd, &m, NULL), 0);
	assert_int_equal(write(t->gate[1], "x", 1), 1);
	while (!got) {
		if (tc_next(t, &c, &m) == 0)
			fail_msg("closed while waiting for the slow diff");
		if (m.kind == PROTO_MSG_REPLY && m.id == id) {
			assert_true(m.ok);
			assert_non_null(find_file(jobj(m.result, "files"), "hello.c"));
			got = 1;
		}
		proto_msg_clear(&m);
	}

	/* The asker leaves before the answer: logged, nothing sent, nothing leaked. */
	tc_send(&other, "diff", args1("run", run_id));
	loop_run_once(t->loop, 20, NULL);
	tc_close(&other);
	loop_run_once(t->loop, 20, NULL);
	assert_int_equal(write(t->gate[1], "x", 1), 1);
	{
		char *log = NULL;

		for (int i = 0; i < 300; i++) {
			free(log);
			loop_run_once(t->loop, 10, NULL);
			log = slurp_log(t);
			if (strstr(log, "left before the answer") != NULL)
				break;
		}
		assert_non_null(strstr(log, "left before the answer"));
		free(log);
	}
	/* A diff still running when the server stops is dropped cleanly (teardown). */
	tc_send(&c, "diff", args1("run", run_id));
	loop_run_once(t->loop, 20, NULL);
	assert_int_equal(write(t->gate[1], "x", 1), 1);
	tc_close(&c);
}

static void
test_diff_truncated_to_a_frame(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char run_id[64], root[1024], path[2048];
	const char *text;
	FILE *f;

	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	tc_open(t, &c);
	tc_hello(t, &c);
	start_run(t, &c, run_id);
	tc_call(t, &c, "status", args1("run", run_id), &m);
	snprintf(root, sizeof(root), "%s", jget(jobj(m.result, "run"), "worktreeRoot"));
	proto_msg_clear(&m);
	/* 1.5 MiB of new lines, with quotes and tabs that grow when escaped. */
	snprintf(path, sizeof(path), "%s/big.txt", root);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 30000; i++)
		fprintf(f, "line %05d\t\"quoted\" and some more text here...\n", i);
	fclose(f);
	tc_call(t, &c, "diff", args1("run", run_id), &m);
	if (!m.ok)
		fail_msg("diff: %s", m.error.message);
	assert_true(cJSON_IsTrue(jobj(m.result, "truncated")));
	text = jget(m.result, "text");
	assert_non_null(strstr(text, "[diff truncated: "));
	assert_non_null(find_file(jobj(m.result, "files"), "big.txt"));
	/* cut at a line boundary: the note starts a line */
	assert_true(strstr(text, "\n[diff truncated: ") != NULL);
	assert_true(strlen(text) < PROTO_MAX_FRAME);
	assert_true(strlen(text) > PROTO_MAX_FRAME / 2);
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
test_prefixes(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char r1[64], r2[64], common[64];
	size_t k = 0;
	cJSON *a;

	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	tc_open(t, &c);
	tc_hello(t, &c);
	start_run(t, &c, r1);
	a = args1("run", r1);
	cJSON_AddStringToObject(a, "action", "abort");
	cJSON_AddStringToObject(a, "token", "t-abort");
	tc_call(t, &c, "decide", a, &m);
	if (!m.ok)
		fail_msg("abort: %s", m.error.message);
	assert_string_equal(jget(m.result, "state"), "aborted");
	proto_msg_clear(&m);
	h_script(t->h, "plan", H_PLAN_OK, H_IDLE);
	start_run(t, &c, r2);
	while (r1[k] != '\0' && r1[k] == r2[k])
		k++;
	assert_true(k > 0);
	snprintf(common, sizeof(common), "%.*s", (int)k, r1);
	tc_call(t, &c, "status", args1("run", common), &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_INVALID_ARGUMENT);
	assert_non_null(strstr(m.error.message, "is ambiguous"));
	assert_non_null(strstr(m.error.message, r1));
	assert_non_null(strstr(m.error.message, r2));
	proto_msg_clear(&m);
	/* one character more names exactly one */
	snprintf(common, sizeof(common), "%.*s", (int)k + 1, r2);
	tc_call(t, &c, "status", args1("run", common), &m);
	assert_true(m.ok);
	proto_msg_clear(&m);
	/* approve needs a pending gate; the aborted run has none: a conflict */
	a = args1("run", r1);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", "t-x");
	tc_call(t, &c, "decide", a, &m);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_APPROVAL_CONFLICT);
	proto_msg_clear(&m);
	/* sessions of one run; a session named by a prefix */
	tc_call(t, &c, "sessions", args1("run", r2), &m);
	assert_true(m.ok);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m.result, "sessions")),
	                 1);
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
test_shutdown_op(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;

	tc_open(t, &c);
	tc_hello(t, &c);
	tc_call(t, &c, "shutdown", NULL, &m);
	assert_true(m.ok);
	proto_msg_clear(&m);
	assert_true(t->shutdown);
	tc_call(t, &c, "hook", NULL, &m);
	assert_false(m.ok);
	assert_non_null(strstr(m.error.message, "hook.session: missing"));
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
sess_output(struct session *s, void *arg)
{
	struct t *t = arg;

	(void)s;
	server_screen_changed(t->srv, "s-live");
}

static const struct session_ops sess_ops = { .output = sess_output };

static void
spawn_cat(struct t *t)
{
	static const char *const argv[] = { "sh", "-c",
		                            "printf 'hello \\033[1;31mred\\033[0m\\n'; exec cat",
		                            NULL };
	struct session_config cfg = { 0 };
	struct df_error err;

	cfg.argv = argv;
	cfg.rows = 10;
	cfg.cols = 40;
	t->sess = session_spawn(t->loop, &cfg, &sess_ops, t, &err);
	if (t->sess == NULL)
		fail_msg("spawn: %s", err.message);
	for (int i = 0; i < 100; i++) {
		char *row = screen_row_text(session_screen(t->sess), 0);
		int ok = strstr(row, "red") != NULL;

		free(row);
		if (ok)
			return;
		loop_run_once(t->loop, 20, NULL);
	}
	fail_msg("the session printed nothing");
}

/* The text of row y in a screen message, "" when the row is not listed. */
static char *
frame_row(const cJSON *msg, int y, int *full)
{
	struct proto_screen ps = { 0 };
	struct buf_like {
		char s[512];
	} out = { "" };

	if (proto_screen_parse(msg, &ps, NULL) != 0)
		fail_msg("bad screen message");
	*full = ps.full;
	for (size_t i = 0; i < ps.nrows; i++)
		if (ps.rowv[i].y == y)
			for (size_t j = 0; j < ps.rowv[i].nspans; j++)
				strncat(out.s, ps.rowv[i].spans[j].text,
				        sizeof(out.s) - strlen(out.s) - 1);
	proto_screen_free(&ps);
	return xstrdup(out.s);
}

/*
 * A screen frame says what detection says of the agent, and a change of
 * that alone (a spinner's screen turning idle, no row changed) sends one.
 */
static void
test_screen_state(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	struct proto_screen ps;
	cJSON *a;

	spawn_cat(t);
	t->live_state = "busy";
	tc_open(t, &c);
	tc_hello(t, &c);
	a = args1("topic", "screen");
	cJSON_AddStringToObject(a, "session", "s-live");
	tc_call(t, &c, "subscribe", a, &m);
	assert_true(m.ok);
	proto_msg_clear(&m);
	assert_int_equal(tc_next(t, &c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_SCREEN);
	assert_int_equal(proto_screen_parse(m.json, &ps, NULL), 0);
	assert_string_equal(ps.state, "busy");
	proto_screen_free(&ps);
	proto_msg_clear(&m);
	t->live_state = "idle";
	server_screen_changed(t->srv, "s-live");
	assert_int_equal(tc_next(t, &c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_SCREEN);
	assert_int_equal(proto_screen_parse(m.json, &ps, NULL), 0);
	assert_string_equal(ps.state, "idle");
	assert_int_equal(ps.nrows, 0);
	proto_screen_free(&ps);
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
test_screens(void **state)
{
	struct t *t = *state;
	struct tc c;
	struct proto_msg m;
	char *row;
	int full;
	cJSON *a;

	spawn_cat(t);
	tc_open(t, &c);
	tc_hello(t, &c);
	/* capture by prefix */
	a = args1("session", "s-live");
	cJSON_AddBoolToObject(a, "spans", 1);
	tc_call(t, &c, "capture", a, &m);
	if (!m.ok)
		fail_msg("capture: %s", m.error.message);
	assert_string_equal(jget(m.result, "session"), "s-live");
	assert_non_null(strstr(jget(m.result, "text"), "hello red\n"));
	proto_msg_clear(&m);
	tc_call(t, &c, "capture", args1("session", "nope"), &m);
	assert_false(m.ok);
	proto_msg_clear(&m);

	/* subscribe: reply, then a full snapshot */
	a = args1("topic", "screen");
	cJSON_AddStringToObject(a, "session", "s-live");
	tc_call(t, &c, "subscribe", a, &m);
	assert_true(m.ok);
	proto_msg_clear(&m);
	assert_int_equal(tc_next(t, &c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_SCREEN);
	row = frame_row(m.json, 0, &full);
	assert_true(full);
	assert_string_equal(row, "hello red");
	free(row);
	{
		/* the styled span of "red": bold, palette red */
		const cJSON *rows = cJSON_GetObjectItemCaseSensitive(m.json, "rows");
		const cJSON *spans =
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0), "spans");
		const cJSON *red = cJSON_GetArrayItem(spans, 1);

		assert_string_equal(jget(red, "attrs"), "b");
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(red, "fg")->valueint, 1);
	}
	proto_msg_clear(&m);

	/* keys reach the program; the echo comes back as an update of row 1 only */
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "session", "s-live");
	cJSON_AddStringToObject(a, "char", "x");
	tc_call(t, &c, "key", a, &m);
	if (!m.ok)
		fail_msg("key: %s", m.error.message);
	proto_msg_clear(&m);
	for (;;) {
		assert_int_equal(tc_next(t, &c, &m), 1);
		if (m.kind == PROTO_MSG_SCREEN) {
			row = frame_row(m.json, 1, &full);
			assert_false(full);
			if (strcmp(row, "x") == 0) {
				char *r0 = frame_row(m.json, 0, &full);

				assert_string_equal(r0, ""); /* row 0 did not change: not sent */
				free(r0);
				free(row);
				proto_msg_clear(&m);
				break;
			}
			free(row);
		}
		proto_msg_clear(&m);
	}
	/* after unsubscribe, output brings no more frames */
	a = args1("topic", "screen");
	cJSON_AddStringToObject(a, "session", "s-live");
	tc_call(t, &c, "unsubscribe", a, &m);
	assert_true(m.ok);
	proto_msg_clear(&m);
	skipped_screens = 0;
	assert_int_equal(session_write(t->sess, "more\r\n", 6, NULL), 0);
	for (int i = 0; i < 20; i++)
		loop_run_once(t->loop, 10, NULL);
	tc_call(t, &c, "ping", NULL, &m); /* any screen message would come before this reply */
	assert_true(m.ok);
	proto_msg_clear(&m);
	assert_int_equal(skipped_screens, 0);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "session", "s-live");
	cJSON_AddNumberToObject(a, "rows", 0);
	cJSON_AddNumberToObject(a, "cols", 10);
	tc_call(t, &c, "resize", a, &m);
	assert_false(m.ok);
	proto_msg_clear(&m);
	tc_close(&c);
}

static void
test_slow_client_only_dirty_bits(void **state)
{
	struct t *t = *state;
	struct tc slow, fast;
	struct proto_msg m;
	cJSON *a;
	int frames = 0;
	char line[64];

	spawn_cat(t);
	tc_open(t, &slow);
	tc_hello(t, &slow);
	tc_open(t, &fast);
	tc_hello(t, &fast);
	{
		int small = 4096;

		setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	for (int k = 0; k < 2; k++) {
		struct tc *c = k == 0 ? &slow : &fast;

		a = args1("topic", "screen");
		cJSON_AddStringToObject(a, "session", "s-live");
		tc_call(t, c, "subscribe", a, &m);
		assert_true(m.ok);
		proto_msg_clear(&m);
	}
	/* 2000 lines through the terminal while `slow` reads nothing */
	for (int i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		assert_int_equal(session_write(t->sess, line, strlen(line), NULL), 0);
		if (i % 50 == 0)
			loop_run_once(t->loop, 5, NULL);
		/* the fast client keeps reading */
		while (proto_reader_read(&fast.rd, fast.fd, NULL) == PROTO_IO_DATA)
			;
		while (proto_reader_pop(&fast.rd, &m, NULL) == 1) {
			frames += m.kind == PROTO_MSG_SCREEN;
			proto_msg_clear(&m);
		}
	}
	for (int i = 0; i < 50; i++)
		loop_run_once(t->loop, 10, NULL);
	assert_true(frames > 0);
	/* the slow client is still connected, and what it finally reads ends with the last line */
	assert_int_equal(server_client_count(t->srv), 2);
	{
		char last[512] = "";

		for (int i = 0; i < 200; i++) {
			while (proto_reader_pop(&slow.rd, &m, NULL) == 1) {
				if (m.kind == PROTO_MSG_SCREEN) {
					int full;

					for (int y = 0; y < 10; y++) {
						char *r = frame_row(m.json, y, &full);

						if (strncmp(r, "line ", 5) == 0)
							snprintf(last, sizeof(last), "%s", r);
						free(r);
					}
				}
				proto_msg_clear(&m);
			}
			if (strcmp(last, "line 1999") == 0)
				break;
			loop_run_once(t->loop, 10, NULL);
			proto_reader_read(&slow.rd, slow.fd, NULL);
		}
		assert_string_equal(last, "line 1999");
	}
	tc_close(&slow);
	tc_close(&fast);
}

static void
test_actor_name(void **state)
{
	char out[64];

	(void)state;
	server_actor_name(0, out, sizeof(out));
	assert_string_equal(out, "root");
	server_actor_name(4000000000u, out, sizeof(out));
	assert_string_equal(out, "uid:4000000000");
}

/*
 * The history op never sends a frame over the limit: 2,500 lines of 150
 * colour changes each (some 9 KiB of spans a line) come a few hundred a
 * reply, each reply saying there is more, the next one going on from
 * where it stopped.
 */
static void
test_history_within_a_frame(void **state)
{
	static const char *const argv[] = {
		"sh", "-c",
		"awk 'BEGIN { for (i = 0; i < 2500; i++) { for (j = 0; j < 150; j++) "
		"printf \"\\033[3%dmx\", j % 8; printf \"\\033[0m %d\\n\", i } }'; exec cat",
		NULL
	};
	struct t *t = *state;
	struct session_config cfg = { 0 };
	struct df_error err;
	struct result_history h;
	struct tc c;
	struct proto_msg m;
	cJSON *a;
	int64_t next;

	cfg.argv = argv;
	cfg.rows = 10;
	cfg.cols = 200;
	t->sess = session_spawn(t->loop, &cfg, &sess_ops, t, &err);
	if (t->sess == NULL)
		fail_msg("spawn: %s", err.message);
	/*
	 * Until the last line is drawn, 60 s at most: bounded by time, not by
	 * turns of the loop, since each turn reads what the pty holds then, which
	 * is little on a loaded machine (1,000 turns were not enough under
	 * make distcheck beside other work).
	 */
	for (int64_t end = clock_mono_ms() + 60000;;) {
		char *dump = screen_dump_text(session_screen(t->sess));
		int done = strstr(dump, " 2499\n") != NULL;

		free(dump);
		if (done)
			break;
		if (clock_mono_ms() > end)
			fail_msg("the program's 2,500 lines were not drawn within 60 s");
		loop_run_once(t->loop, 20, NULL);
	}
	tc_open(t, &c);
	tc_hello(t, &c);
	a = args1("session", "s-live");
	cJSON_AddBoolToObject(a, "spans", 1);
	tc_call(t, &c, "history", a, &m);
	if (!m.ok)
		fail_msg("history: %s", m.error.message);
	assert_int_equal(result_history_parse(m.result, &h, &err), 0);
	assert_true(h.more);
	assert_true(h.count > 10 && h.count < 2000);
	assert_int_equal(h.nlines, (size_t)h.count);
	assert_int_equal(h.lines[0].nspans, 151);
	next = h.first + h.count;
	{
		char want[32];

		/*
		 * The last line returned is output line first + count - 1: a line's
		 * stable number counts every line the program printed, kept or
		 * dropped (the history's byte budget may have let the oldest go).
		 */
		snprintf(want, sizeof(want), " %lld", (long long)(h.first + h.count - 1));
		assert_string_equal(h.lines[h.count - 1].spans[150].text, want);
	}
	result_history_free(&h);
	proto_msg_clear(&m);
	/* the next reply goes on from there */
	a = args1("session", "s-live");
	cJSON_AddBoolToObject(a, "spans", 1);
	cJSON_AddNumberToObject(a, "from", (double)next);
	tc_call(t, &c, "history", a, &m);
	assert_true(m.ok);
	assert_int_equal(result_history_parse(m.result, &h, &err), 0);
	assert_int_equal(h.first, next);
	{
		char want[32];

		snprintf(want, sizeof(want), " %lld", (long long)next);
		assert_string_equal(h.lines[0].spans[150].text, want);
	}
	result_history_free(&h);
	proto_msg_clear(&m);
	tc_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames_close_only_that_client, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_run_ops_and_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifact_and_status_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifact_of_run_without_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_off_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_truncated_to_a_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screen_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client_only_dirty_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_within_a_frame, setup, teardown),
		cmocka_unit_test(test_actor_name),
	};

	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
