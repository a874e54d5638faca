/*
 * The protocol client against the test server (echo_server.c): over a
 * socketpair with the server in a forked child, and over the workspace's
 * Unix socket with the server started by autostart.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "proto/client.h"
#include "proto/proto.h"
#include "proto/sock.h"
#include "echo_server.h"

#define ECHO_SERVER DEVFLOW_BUILDDIR "/tests/unit/echo-server"

static void
assert_contains(const char *s, const char *want)
{
	if (strstr(s, want) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, want);
}

/* ------------------------------------------------------------------------ */
/* Over a socketpair */

struct pair {
	struct client *c;
	pid_t server;
};

static int
pair_setup(void **state)
{
	struct pair *p = xcalloc(1, sizeof(*p));
	struct df_error err;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	p->server = fork();
	if (p->server < 0)
		return -1;
	if (p->server == 0) {
		close(sv[0]);
		echo_server_run(-1, sv[1]);
		_exit(0);
	}
	close(sv[1]);
	p->c = client_open_fd(sv[0], "test-client", 5000, &err);
	if (p->c == NULL) {
		print_error("client_open_fd: %s\n", err.message);
		return -1;
	}
	*state = p;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair *p = *state;
	int status;

	client_free(p->c);
	/* The server child ends when its only connection closes. */
	if (waitpid(p->server, &status, 0) != p->server || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	free(p);
	return 0;
}

static void
test_hello_and_call(void **state)
{
	struct pair *p = *state;
	struct df_error err;
	cJSON *args = cJSON_Parse("{\"x\":[1,2,{\"y\":\"ü\"}]}"), *res = NULL;
	char *text;

	assert_int_equal(client_server_pid(p->c), p->server);
	assert_int_equal(client_started_server(p->c), 0);
	assert_int_equal(client_call(p->c, "echo", args, &res, &err), 0);
	text = cJSON_PrintUnformatted(res);
	assert_string_equal(text, "{\"op\":\"echo\",\"args\":{\"x\":[1,2,{\"y\":\"ü\"}]}}");
	free(text);
	cJSON_Delete(res);
	/* args is not consumed and a NULL result pointer drops the result. */
	assert_non_null(cJSON_GetObjectItem(args, "x"));
	assert_int_equal(client_call(p->c, "echo", NULL, NULL, &err), 0);
	cJSON_Delete(args);
	assert_int_equal(client_queued(p->c), 0);
}

static void
test_events_during_call_are_queued(void **state)
{
	struct pair *p = *state;
	struct proto_msg m;
	struct proto_event ev;
	struct proto_screen s;
	struct df_error err;
	cJSON *args = cJSON_Parse("{\"count\":5,\"run_id\":\"run-x\",\"screen\":true}"), *res;

	assert_int_equal(client_call(p->c, "emit", args, &res, &err), 0);
	assert_int_equal(cJSON_GetObjectItem(res, "emitted")->valueint, 5);
	cJSON_Delete(res);
	cJSON_Delete(args);
	assert_int_equal(client_queued(p->c), 6);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(client_pop(p->c, &m), 1);
		assert_int_equal(m.kind, PROTO_MSG_EVENT);
		assert_int_equal(proto_event_parse(m.json, &ev, &err), 0);
		assert_string_equal(ev.run_id, "run-x");
		assert_int_equal(ev.seq, i);
		assert_int_equal(cJSON_GetObjectItem(ev.payload, "i")->valueint, i);
		proto_msg_clear(&m);
	}
	assert_int_equal(client_pop(p->c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_SCREEN);
	assert_int_equal(proto_screen_parse(m.json, &s, &err), 0);
	assert_string_equal(s.session, "s1");
	assert_string_equal(s.rowv[0].spans[0].text, "hi");
	proto_screen_free(&s);
	proto_msg_clear(&m);
	assert_int_equal(client_pop(p->c, &m), 0);
	assert_null(m.json);
}

static void
test_async_reply_stays_queued_in_order(void **state)
{
	struct pair *p = *state;
	struct proto_msg m;
	struct df_error err;
	cJSON *args = cJSON_Parse("{\"count\":2}");
	uint64_t id1, id2;

	assert_int_equal(client_send(p->c, "echo", NULL, &id1, &err), 0);
	assert_int_equal(client_send(p->c, "fail", NULL, &id2, &err), 0);
	assert_int_equal(id2, id1 + 1);
	assert_int_equal(client_call(p->c, "emit", args, NULL, &err), 0);
	cJSON_Delete(args);
	/* Arrival order: the two earlier replies, then the events of the call. */
	assert_int_equal(client_queued(p->c), 4);
	assert_int_equal(client_pop(p->c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_REPLY);
	assert_int_equal(m.id, id1);
	assert_true(m.ok);
	proto_msg_clear(&m);
	assert_int_equal(client_pop(p->c, &m), 1);
	assert_int_equal(m.id, id2);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_APPROVAL_CONFLICT);
	proto_msg_clear(&m);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(client_pop(p->c, &m), 1);
		assert_int_equal(m.kind, PROTO_MSG_EVENT);
		proto_msg_clear(&m);
	}
}

static void
test_server_error_comes_back_whole(void **state)
{
	struct pair *p = *state;
	struct df_error err;
	cJSON *args = cJSON_Parse("{\"message\":\"approval a-1 was already decided\"}"), *res;

	assert_int_equal(client_call(p->c, "fail", args, &res, &err), -1);
	assert_null(res);
	assert_int_equal(err.class, DF_HUMAN_REQUIRED);
	assert_int_equal(err.code, DF_E_APPROVAL_CONFLICT);
	assert_string_equal(err.message, "approval a-1 was already decided");
	assert_string_equal(err.hint, "decide again");
	assert_string_equal(err.run_id, "run-7");
	assert_string_equal(err.phase_id, "review");
	cJSON_Delete(args);
	/* A server error does not hurt the connection. */
	assert_int_equal(client_call(p->c, "echo", NULL, NULL, &err), 0);
}

static void
test_nonblocking_use(void **state)
{
	struct pair *p = *state;
	struct df_error err;
	uint64_t ids[3];
	int replies = 0, events = 0;
	cJSON *emit = cJSON_Parse("{\"count\":3}");

	assert_int_equal(client_send(p->c, "echo", NULL, &ids[0], &err), 0);
	assert_int_equal(client_send(p->c, "emit", emit, &ids[1], &err), 0);
	assert_int_equal(client_send(p->c, "echo", emit, &ids[2], &err), 0);
	cJSON_Delete(emit);
	while (replies < 3) {
		struct pollfd pfd = { .fd = client_fd(p->c), .events = client_poll_events(p->c) };
		struct proto_msg m;

		assert_true(poll(&pfd, 1, 5000) > 0);
		assert_int_equal(client_handle(p->c, pfd.revents, &err), 0);
		while (client_pop(p->c, &m) == 1) {
			if (m.kind == PROTO_MSG_REPLY) {
				assert_int_equal(m.id, ids[replies]);
				replies++;
			} else {
				assert_int_equal(m.kind, PROTO_MSG_EVENT);
				/* Events of emit come before its reply. */
				assert_int_equal(replies, 1);
				events++;
			}
			proto_msg_clear(&m);
		}
	}
	assert_int_equal(events, 3);
}

static void
test_connection_lost(void **state)
{
	struct pair *p = *state;
	struct df_error err;

	assert_int_equal(client_call(p->c, "hangup", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_string_equal(err.message, "the server closed the connection");
	/* Dead for good. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(client_call(p->c, "echo", NULL, NULL, &err), -1);
	assert_string_equal(err.message, "the server closed the connection");
	assert_int_equal(client_send(p->c, "echo", NULL, NULL, &err), -1);
	assert_int_equal(client_handle(p->c, POLLIN, &err), -1);
}

static void
test_bad_frame_from_server(void **state)
{
	struct pair *p = *state;
	struct df_error err;

	assert_int_equal(client_call(p->c, "garbage", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(
	    err.message,
	    "bad frame from the server: frame is not JSON (syntax error at byte 0 of 3)");
	assert_int_equal(client_call(p->c, "echo", NULL, NULL, &err), -1);
	assert_int_equal(err.code, DF_E_PROTOCOL);
}

static void
test_call_timeout(void **state)
{
	struct df_error err;
	int sv[2];
	struct client *c;

	(void)state;
	/* A peer that never answers: even hello times out. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = client_open_fd(sv[0], "t", 100, &err);
	assert_null(c);
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_string_equal(err.message,
	                    "hello: no reply from the server to \"hello\" within 100 ms");
	close(sv[1]);
}

/* A raw peer: read one frame, answer with the given JSON text, keep the socket open. */
static pid_t
raw_server(int fd, int other, const char *reply)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		close(other); /* or the client's close would never reach us as EOF */
		struct proto_reader r;
		struct proto_msg m;
		cJSON *j = cJSON_Parse(reply);
		unsigned char *frame;
		size_t len;
		char c;

		proto_reader_init(&r, PROTO_TO_SERVER);
		while (proto_reader_pop(&r, &m, NULL) == 0)
			if (proto_reader_read(&r, fd, NULL) != PROTO_IO_DATA)
				_exit(1);
		frame = proto_encode(j, &len, NULL);
		if (write(fd, frame, len) != (ssize_t)len)
			_exit(1);
		free(frame);
		cJSON_Delete(j);
		proto_msg_clear(&m);
		proto_reader_free(&r);
		while (read(fd, &c, 1) > 0)
			;
		_exit(0);
	}
	return pid;
}

/*
 * A client's hello to a raw server that answers with reply: client_open_fd
 * fails (err says why) and the server ends.
 */
static void
hello_refused(const char *reply, struct df_error *err)
{
	int sv[2], status;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = raw_server(sv[1], sv[0], reply);
	close(sv[1]);
	assert_null(client_open_fd(sv[0], "t", 5000, err));
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_hello_version_mismatch(void **state)
{
	struct df_error err;

	(void)state;
	hello_refused("{\"id\":1,\"ok\":true,\"result\":{\"protocol\":99,\"server\":"
	              "\"devflow\",\"version\":\"9.0.0\",\"pid\":12345}}",
	              &err);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(
	    err.message, "hello: protocol version mismatch: the server (devflow 9.0.0, pid 12345) "
	                 "speaks protocol 99, this client speaks 2");
	assert_contains(err.hint, "kill-server");

	/* The server refusing the client's version is reported as the server said it. */
	hello_refused("{\"id\":1,\"ok\":false,\"error\":{\"class\":\"fatal\",\"code\":"
	              "\"protocol_error\",\"message\":\"protocol version mismatch: t "
	              "speaks protocol 1, this server speaks 2\"}}",
	              &err);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message, "hello: protocol version mismatch: t speaks protocol 1, "
	                                 "this server speaks 2");
}

static void
test_server_level_error_reply(void **state)
{
	struct df_error err;
	struct client *c;
	int sv[2];

	(void)state;
	/* A reply with id 0 (the server explaining why it drops us) ends the pending call. */
	hello_refused("{\"id\":0,\"ok\":false,\"error\":{\"class\":\"retryable\",\"code\":"
	              "\"server_unavailable\",\"message\":\"the server is shutting "
	              "down\"}}",
	              &err);
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_string_equal(err.message, "hello: the server is shutting down");

	/* Said and gone before we even write: the failed write still finds the reason. */
	{
		cJSON *j =
		    cJSON_Parse("{\"id\":0,\"ok\":false,\"error\":{\"class\":\"fatal\","
		                "\"code\":\"protocol_error\",\"message\":\"too many clients\"}}");
		unsigned char *frame;
		size_t len;

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		frame = proto_encode(j, &len, &err);
		assert_int_equal(write(sv[1], frame, len), (ssize_t)len);
		close(sv[1]);
		free(frame);
		cJSON_Delete(j);
	}
	c = client_open_fd(sv[0], "t", 5000, &err);
	assert_null(c);
	assert_int_equal(err.code, DF_E_PROTOCOL);
	assert_string_equal(err.message, "hello: too many clients");
}

static void
test_server_rejects_bad_frames(void **state)
{
	struct pair *p = *state;
	struct df_error err;
	struct proto_msg m;
	static const unsigned char zero[] = { 0, 0, 0, 0 };

	/* The test server applies the protocol's rule: explain with id 0, then close. */
	assert_int_equal(write(client_fd(p->c), zero, sizeof(zero)), (ssize_t)sizeof(zero));
	for (;;) {
		struct pollfd pfd = { .fd = client_fd(p->c), .events = POLLIN };

		assert_true(poll(&pfd, 1, 5000) > 0);
		if (client_handle(p->c, pfd.revents, &err) < 0)
			break;
	}
	assert_string_equal(err.message, "the server closed the connection");
	assert_int_equal(client_pop(p->c, &m), 1);
	assert_int_equal(m.kind, PROTO_MSG_REPLY);
	assert_int_equal(m.id, 0);
	assert_false(m.ok);
	assert_int_equal(m.error.code, DF_E_PROTOCOL);
	assert_string_equal(m.error.message, "zero-length frame");
	proto_msg_clear(&m);
}

/* ------------------------------------------------------------------------ */
/* Over the workspace socket, with autostart */

struct ws {
	char base[64];
	char *ws;
};

static int
ws_setup(void **state)
{
	struct ws *w = xcalloc(1, sizeof(*w));

	snprintf(w->base, sizeof(w->base), "/tmp/devflow-client.XXXXXX");
	if (mkdtemp(w->base) == NULL)
		return -1;
	w->ws = xasprintf("%s/ws", w->base);
	*state = w;
	return 0;
}

static int
ws_teardown(void **state)
{
	struct ws *w = *state;
	char *cmd = xasprintf("rm -rf '%s'", w->base);
	int rc = system(cmd);

	free(cmd);
	free(w->ws);
	free(w);
	return rc == 0 ? 0 : -1;
}

/* Has pid exited? Our daemons are not our children: a zombie counts as gone. */
static int
gone(pid_t pid)
{
	char path[64], buf[512], *p = NULL;
	FILE *fp;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), fp) != NULL)
		p = strrchr(buf, ')');
	fclose(fp);
	return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

static int
wait_gone(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (gone(pid))
			return 1;
		poll(NULL, 0, 10);
	}
	return 0;
}

static void
test_autostart(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws,
		                 .name = "test",
		                 .autostart = 1,
		                 .server_exe = ECHO_SERVER,
		                 .call_timeout_ms = 5000 };
	struct df_error err;
	struct client *c, *c2;
	struct stat st;
	char *sock;
	pid_t pid;

	c = client_connect(&o, &err);
	if (c == NULL)
		fail_msg("client_connect: %s", err.message);
	assert_int_equal(client_started_server(c), 1);
	pid = client_server_pid(c);
	assert_true(pid > 0 && pid != getpid());
	/* The daemon is not our child, and not in our session. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_not_equal(getsid(pid), getsid(0));
	assert_int_equal(sock_lock_owner(w->ws), pid);
	sock = xasprintf("%s/%s", w->ws, SOCK_FILE);
	assert_int_equal(lstat(sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(client_call(c, "echo", NULL, NULL, &err), 0);

	/* A second client finds the running server instead of starting one. */
	c2 = client_connect(&o, &err);
	assert_non_null(c2);
	assert_int_equal(client_started_server(c2), 0);
	assert_int_equal(client_server_pid(c2), pid);
	client_free(c2);

	assert_int_equal(client_call(c, "shutdown", NULL, NULL, &err), 0);
	client_free(c);
	assert_true(wait_gone(pid, 5000));
	assert_int_equal(lstat(sock, &st), -1);
	free(sock);
}

static void
test_no_server_without_autostart(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws };
	struct df_error err;

	assert_null(client_connect(&o, &err));
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_contains(err.message, "no devflow server is listening on");
	assert_contains(err.message, w->ws);
	assert_contains(err.hint, "devflow server --workspace");
}

static void
test_autostart_exec_fails(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws,
		                 .autostart = 1,
		                 .server_exe = "/nonexistent/devflow" };
	struct df_error err;

	assert_null(client_connect(&o, &err));
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_string_equal(err.message, "cannot start the devflow server /nonexistent/devflow: No "
	                                 "such file or directory");
}

static void
test_autostart_server_exits_early(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws, .autostart = 1, .server_exe = "/bin/false" };
	struct df_error err;

	assert_null(client_connect(&o, &err));
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_contains(err.message, "exited before accepting connections");
	assert_contains(err.hint, "in a terminal to see why");
}

static void
test_autostart_times_out(void **state)
{
	struct ws *w = *state;
	char *script = xasprintf("%s/slow-server", w->base);
	struct client_opts o = {
		.workspace = w->ws, .autostart = 1, .server_exe = script, .start_timeout_ms = 300
	};
	struct df_error err;
	const char *at;
	FILE *fp = fopen(script, "w");
	long pid;

	assert_non_null(fp);
	fputs("#!/bin/sh\nexec sleep 30\n", fp);
	fclose(fp);
	assert_int_equal(chmod(script, 0755), 0);
	assert_null(client_connect(&o, &err));
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_contains(err.message, "did not accept connections on");
	assert_contains(err.message, "within 300 ms");
	at = strstr(err.message, "(pid ");
	assert_non_null(at);
	pid = strtol(at + 5, NULL, 10);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	assert_true(wait_gone((pid_t)pid, 5000));
	free(script);
}

static void
test_autostart_with_stdio_closed(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws,
		                 .autostart = 1,
		                 .server_exe = ECHO_SERVER,
		                 .call_timeout_ms = 5000 };
	int status;
	pid_t child = fork();

	/* The launcher's status pipe then lands on fd 0 and 1 and must survive the redirections. */
	assert_true(child >= 0);
	if (child == 0) {
		struct client_opts bad = { .workspace = w->ws,
			                   .autostart = 1,
			                   .server_exe = "/nonexistent/devflow" };
		struct df_error err;
		struct client *c;

		close(0);
		close(1);
		close(2);
		if (client_connect(&bad, &err) != NULL ||
		    strstr(err.message, "No such file or directory") == NULL)
			_exit(3);
		if ((c = client_connect(&o, &err)) == NULL)
			_exit(1);
		if (client_started_server(c) != 1 ||
		    client_call(c, "shutdown", NULL, NULL, &err) != 0)
			_exit(2);
		client_free(c);
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_autostart_lock_held_without_socket(void **state)
{
	struct ws *w = *state;
	struct client_opts o = { .workspace = w->ws,
		                 .autostart = 1,
		                 .server_exe = ECHO_SERVER,
		                 .start_timeout_ms = 400 };
	struct df_error err;
	int up[2], down[2], status;
	char c, want[256];
	pid_t holder;

	/* A server that holds the lock but lost its socket: the one we start gives up. */
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		struct sock_lock lk;

		close(up[0]);
		close(down[1]);
		if (sock_lock_acquire(w->ws, &lk, NULL) != 0 || write(up[1], "L", 1) != 1)
			_exit(2);
		if (read(down[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_null(client_connect(&o, &err));
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	snprintf(want, sizeof(want),
	         "a devflow server (pid %ld) holds the lock of workspace %s but does not accept "
	         "connections on %s/devflow.sock",
	         (long)holder, w->ws, w->ws);
	assert_string_equal(err.message, want);
	assert_contains(err.hint, "kill");
	close(down[1]);
	close(up[0]);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_relative_workspace_and_exe(void **state)
{
	struct ws *w = *state;
	struct client_opts o = {
		.workspace = "ws", .autostart = 1, .server_exe = "bin/srv", .call_timeout_ms = 5000
	};
	struct df_error err;
	struct client *c;
	char cwd[4096];
	char *exe, *link;
	pid_t pid;

	/* Both made absolute before the daemon changes to "/". */
	exe = realpath(ECHO_SERVER, NULL);
	assert_non_null(exe);
	link = xasprintf("%s/bin", w->base);
	assert_int_equal(mkdir(link, 0700), 0);
	free(link);
	link = xasprintf("%s/bin/srv", w->base);
	assert_int_equal(symlink(exe, link), 0);
	free(link);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(w->base), 0);
	c = client_connect(&o, &err);
	if (c == NULL)
		fail_msg("client_connect: %s", err.message);
	pid = client_server_pid(c);
	assert_int_equal(client_call(c, "shutdown", NULL, NULL, &err), 0);
	client_free(c);
	assert_true(wait_gone(pid, 5000));
	assert_int_equal(chdir(cwd), 0);
	free(exe);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_and_call, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_events_during_call_are_queued, pair_setup,
		                                pair_teardown),
		cmocka_unit_test_setup_teardown(test_async_reply_stays_queued_in_order, pair_setup,
		                                pair_teardown),
		cmocka_unit_test_setup_teardown(test_server_error_comes_back_whole, pair_setup,
		                                pair_teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_use, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_connection_lost, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_bad_frame_from_server, pair_setup,
		                                pair_teardown),
		cmocka_unit_test_setup_teardown(test_server_rejects_bad_frames, pair_setup,
		                                pair_teardown),
		cmocka_unit_test(test_call_timeout),
		cmocka_unit_test(test_hello_version_mismatch),
		cmocka_unit_test(test_server_level_error_reply),
		cmocka_unit_test_setup_teardown(test_autostart, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_no_server_without_autostart, ws_setup,
		                                ws_teardown),
		cmocka_unit_test_setup_teardown(test_autostart_exec_fails, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_autostart_server_exits_early, ws_setup,
		                                ws_teardown),
		cmocka_unit_test_setup_teardown(test_autostart_times_out, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_autostart_with_stdio_closed, ws_setup,
		                                ws_teardown),
		cmocka_unit_test_setup_teardown(test_autostart_lock_held_without_socket, ws_setup,
		                                ws_teardown),
		cmocka_unit_test_setup_teardown(test_relative_workspace_and_exe, ws_setup,
		                                ws_teardown),
	};

	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
