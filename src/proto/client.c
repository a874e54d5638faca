/*
 * The protocol client: connection (with tmux-style server autostart), the
 * hello handshake, synchronous calls that queue whatever else arrives, and
 * the non-blocking interface the TUI drives from its own poll loop. A
 * connection that fails locally (lost, timed out, bad frame) is dead for
 * good; callers reconnect with a new client.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "client.h"
#include "sock.h"

#define DEFAULT_START_TIMEOUT_MS 5000
#define MAX_READS_PER_HANDLE 16

struct client {
	int fd;
	struct proto_reader rd;
	struct proto_writer wr;
	uint64_t next_id;
	/* Queue of received messages not yet taken: q[qhead .. qlen). */
	struct proto_msg *q;
	size_t qhead, qlen, qcap;
	int dead;
	struct df_error dead_err;
	pid_t server_pid;
	int started;
	int call_timeout_ms;
};

static void reap_started(void);

/* Record a local failure: the client is dead from now on. */
static int
client_die(struct client *c, const struct df_error *e)
{
	if (!c->dead) {
		c->dead = 1;
		c->dead_err = *e;
	}
	return -1;
}

static int
fail_dead(const struct client *c, struct df_error *err)
{
	if (err != NULL)
		*err = c->dead_err;
	return -1;
}

static void
queue_push(struct client *c, struct proto_msg *m)
{
	if (c->qhead > 0 && c->qlen == c->qcap) {
		memmove(c->q, c->q + c->qhead, (c->qlen - c->qhead) * sizeof(*c->q));
		c->qlen -= c->qhead;
		c->qhead = 0;
	}
	if (c->qlen == c->qcap) {
		c->qcap = c->qcap ? c->qcap * 2 : 16;
		c->q = xreallocarray(c->q, c->qcap, sizeof(*c->q));
	}
	c->q[c->qlen++] = *m;
	memset(m, 0, sizeof(*m));
}

/* Remove q[i] into *out, keeping the order of the others. */
static void
queue_take(struct client *c, size_t i, struct proto_msg *out)
{
	*out = c->q[i];
	memmove(c->q + i, c->q + i + 1, (c->qlen - i - 1) * sizeof(*c->q));
	c->qlen--;
	if (c->qhead == c->qlen)
		c->qhead = c->qlen = 0;
}

/* The reply to request id (or a reply to no request, id 0: a server-level error). */
static int
take_reply(struct client *c, uint64_t id, struct proto_msg *out)
{
	for (size_t i = c->qhead; i < c->qlen; i++) {
		if (c->q[i].kind == PROTO_MSG_REPLY && (c->q[i].id == id || c->q[i].id == 0)) {
			queue_take(c, i, out);
			return 1;
		}
	}
	return 0;
}

/* Move every complete frame from the reader into the queue. */
static int
drain_reader(struct client *c)
{
	struct proto_msg m;
	struct df_error e;
	int rc;

	while ((rc = proto_reader_pop(&c->rd, &m, &e)) == 1)
		queue_push(c, &m);
	if (rc < 0) {
		df_error_prefix(&e, "bad frame from the server");
		return client_die(c, &e);
	}
	return 0;
}

/*
 * Read what the socket has and queue the complete frames. Also runs on a
 * connection already dead for writing: what the server said before it
 * went away (a reply with id 0, say) is still worth having.
 */
static void
pump_input(struct client *c)
{
	struct df_error e;

	for (int i = 0; i < MAX_READS_PER_HANDLE; i++) {
		enum proto_io io = proto_reader_read(&c->rd, c->fd, &e);

		if (io == PROTO_IO_AGAIN)
			break;
		if (io == PROTO_IO_DATA)
			continue;
		if (drain_reader(c) < 0)
			return;
		if (io == PROTO_IO_EOF && proto_reader_eof(&c->rd, &e) < 0)
			df_error_prefix(&e, "bad frame from the server");
		else if (io == PROTO_IO_EOF)
			df_error_set(&e, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
			             "the server closed the connection");
		else
			df_error_prefix(&e, "lost the connection to the server");
		client_die(c, &e);
		return;
	}
	drain_reader(c);
}

/* Write what the socket takes; a failure kills the connection. */
static void
pump_output(struct client *c)
{
	struct df_error e;

	if (proto_writer_pending(&c->wr) > 0 && proto_writer_flush(&c->wr, c->fd, &e) < 0) {
		df_error_set(&e, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
		             "lost the connection to the server: %s", e.message);
		client_die(c, &e);
	}
}

int
client_handle(struct client *c, short revents, struct df_error *err)
{
	if (c->dead)
		return fail_dead(c, err);
	pump_output(c);
	if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL) || c->dead)
		pump_input(c);
	if (c->dead)
		return fail_dead(c, err);
	return 0;
}

int
client_send(struct client *c, const char *op, const cJSON *args, uint64_t *id, struct df_error *err)
{
	cJSON *req;
	int rc;

	if (c->dead)
		return fail_dead(c, err);
	req = proto_request(c->next_id, op, args != NULL ? cJSON_Duplicate(args, 1) : NULL);
	rc = proto_writer_queue(&c->wr, req, err);
	cJSON_Delete(req);
	if (rc < 0)
		return -1; /* nothing was queued; the connection is fine */
	if (id != NULL)
		*id = c->next_id;
	c->next_id++;
	pump_output(c);
	if (c->dead) {
		/* The server may have said why before closing: read it. */
		pump_input(c);
		return fail_dead(c, err);
	}
	return 0;
}

int
client_call(struct client *c, const char *op, const cJSON *args, cJSON **result,
            struct df_error *err)
{
	long long deadline = c->call_timeout_ms > 0 ? clock_mono_ms() + c->call_timeout_ms : 0;
	struct proto_msg m;
	struct df_error e;
	uint64_t id = 0;

	if (result != NULL)
		*result = NULL;
	if (c->dead)
		return fail_dead(c, err);
	/* A send that kills the connection may still leave the server's last word to read. */
	if (client_send(c, op, args, &id, err) < 0 && !c->dead)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = client_poll_events(c) };
		int wait = -1, n;

		if (take_reply(c, id, &m))
			break;
		if (c->dead)
			return fail_dead(c, err);
		if (deadline > 0) {
			long long left = deadline - clock_mono_ms();

			if (left <= 0) {
				df_error_set(&e, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
				             "no reply from the server to \"%s\" within %d ms", op,
				             c->call_timeout_ms);
				client_die(c, &e);
				return fail_dead(c, err);
			}
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		n = poll(&p, 1, wait);
		if (n < 0 && errno != EINTR) {
			df_error_set(&e, DF_RETRYABLE, DF_E_IO, "poll: %s", strerror(errno));
			client_die(c, &e);
			return fail_dead(c, err);
		}
		if (n > 0)
			client_handle(c, p.revents, NULL);
	}
	if (!m.ok) {
		if (err != NULL)
			*err = m.error;
		proto_msg_clear(&m);
		return -1;
	}
	if (result != NULL)
		*result = m.result != NULL ? cJSON_DetachItemViaPointer(m.json, (cJSON *)m.result)
		                           : cJSON_CreateNull();
	proto_msg_clear(&m);
	return 0;
}

int
client_fd(const struct client *c)
{
	return c->fd;
}

short
client_poll_events(const struct client *c)
{
	return (short)(POLLIN | (proto_writer_pending(&c->wr) > 0 ? POLLOUT : 0));
}

int
client_pop(struct client *c, struct proto_msg *msg)
{
	if (c->qhead == c->qlen) {
		memset(msg, 0, sizeof(*msg));
		return 0;
	}
	*msg = c->q[c->qhead++];
	if (c->qhead == c->qlen)
		c->qhead = c->qlen = 0;
	return 1;
}

size_t
client_queued(const struct client *c)
{
	return c->qlen - c->qhead;
}

pid_t
client_server_pid(const struct client *c)
{
	return c->server_pid;
}

int
client_started_server(const struct client *c)
{
	return c->started;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	for (size_t i = c->qhead; i < c->qlen; i++)
		proto_msg_clear(&c->q[i]);
	free(c->q);
	proto_reader_free(&c->rd);
	proto_writer_free(&c->wr);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	reap_started();
}

static struct client *
client_new(int fd, int call_timeout_ms)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->next_id = 1;
	c->call_timeout_ms = call_timeout_ms;
	proto_reader_init(&c->rd, PROTO_TO_CLIENT);
	proto_writer_init(&c->wr);
	return c;
}

static int
say_hello(struct client *c, const char *name, struct df_error *err)
{
	cJSON *args = proto_hello_args(name != NULL ? name : PACKAGE_NAME), *res = NULL;
	int rc = client_call(c, "hello", args, &res, err);

	cJSON_Delete(args);
	if (rc == 0)
		rc = proto_hello_check(res, &c->server_pid, err);
	cJSON_Delete(res);
	if (rc < 0)
		df_error_prefix(err, "hello");
	return rc;
}

struct client *
client_open_fd(int fd, const char *name, int call_timeout_ms, struct df_error *err)
{
	struct client *c;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot set up the connection: %s",
		             strerror(errno));
		close(fd);
		return NULL;
	}
	c = client_new(fd, call_timeout_ms);
	if (say_hello(c, name, err) < 0) {
		client_free(c);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------------------ */
/* Starting a server */

/*
 * Servers this process started, until they turn out not to be its
 * children. The double fork hands a server to init, but when this process
 * is where orphans go (a container's PID 1: `docker run ... devflow demo`;
 * or a child subreaper) the server becomes its child, and once it exits
 * (kill-server) it stays a zombie unless we wait for it. reap_started runs
 * on every connect and close, so the TUI's reconnect loop reaps it.
 */
#define MAX_STARTED 16
static pid_t started_pids[MAX_STARTED];
static size_t nstarted;

static void
reap_started(void)
{
	for (size_t i = 0; i < nstarted;) {
		pid_t r = waitpid(started_pids[i], NULL, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++; /* our child, still running */
			continue;
		}
		/* Reaped now, or ECHILD: init has it (the usual case), nothing to do. */
		started_pids[i] = started_pids[--nstarted];
	}
}

static void
remember_started(pid_t pid)
{
	reap_started();
	if (nstarted < MAX_STARTED)
		started_pids[nstarted++] = pid;
}

static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/* Has pid exited? Also true for a zombie nobody reaped yet. */
static int
process_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * The daemon side of the double fork: a new session, stdio on /dev/null,
 * default signal handling, no inherited descriptors but the status pipe,
 * then exec. Only async-signal-safe calls here.
 */
static void
exec_server(char *const argv[], int status_fd)
{
	sigset_t none;
	int null, high, e;

	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (chdir("/") != 0)
		goto fail;
	/* Out of the way first: with stdin closed, the pipe may well be fd 0. */
	if ((high = fcntl(status_fd, F_DUPFD_CLOEXEC, 10)) < 0)
		goto fail;
	status_fd = high;
	if ((null = open("/dev/null", O_RDWR)) < 0)
		goto fail;
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		goto fail;
	if (dup2(status_fd, 3) < 0)
		goto fail;
	status_fd = 3;
	fcntl(status_fd, F_SETFD, FD_CLOEXEC);
	close_range(4, ~0U, 0);
	execv(argv[0], argv);
fail:
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0) {
		/* Nothing left to tell. */
	}
	_exit(127);
}

/* Start `exe server --workspace ws` detached; *pid is the server's pid. */
static int
spawn_server(const char *exe, const char *ws, pid_t *pid, struct df_error *err)
{
	char *argv[] = { (char *)exe, "server", "--workspace", (char *)ws, NULL };
	struct {
		pid_t pid;
		int err;
	} st = { 0, 0 };
	int p[2], status = 0;
	pid_t child;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "pipe: %s", strerror(errno));
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return df_error_set(err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
		                    "cannot start the devflow server: fork: %s", strerror(errno));
	}
	if (child == 0) {
		pid_t gc;

		close(p[0]);
		if (setsid() < 0)
			_exit(126);
		gc = fork();
		if (gc < 0)
			_exit(126);
		if (gc > 0)
			_exit(0);
		/* The daemon's pid goes first; then, on failure only, exec's errno. */
		gc = getpid();
		if (write(p[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(126);
		exec_server(argv, p[1]);
	}
	close(p[1]);
	/* ECHILD: a SIGCHLD handler of the caller's reaped it; the pipe still tells. */
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	do
		n = read(p[0], &st.pid, sizeof(st.pid));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(st.pid) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		close(p[0]);
		return df_error_set(err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
		                    "cannot start the devflow server %s: the launcher failed", exe);
	}
	do
		n = read(p[0], &st.err, sizeof(st.err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == sizeof(st.err)) {
		df_error_set(err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
		             "cannot start the devflow server %s: %s", exe, strerror(st.err));
		return -1;
	}
	*pid = st.pid;
	return 0;
}

/* Wait for a freshly started server to accept; fd or -1 with err. */
static int
await_server(const char *path, const char *ws, pid_t pid, int timeout_ms, struct df_error *err)
{
	long long deadline = clock_mono_ms() + timeout_ms;
	int delay = 10, fd;

	for (;;) {
		fd = sock_connect(path, 100, err);
		if (fd >= 0)
			return fd;
		if (fd != SOCK_NO_SERVER)
			return -1;
		/* Our server died; one started by a concurrent client may still come up. */
		if (process_gone(pid) && sock_lock_owner(ws) <= 0) {
			fd = sock_connect(path, 100, err);
			if (fd >= 0)
				return fd;
			df_error_set(
			    err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
			    "the devflow server (pid %ld) exited before accepting connections "
			    "on %s",
			    (long)pid, path);
			df_error_hint(
			    err, "run `devflow server --workspace %s` in a terminal to see why",
			    ws);
			return -1;
		}
		if (clock_mono_ms() >= deadline) {
			pid_t holder = sock_lock_owner(ws);

			if (holder > 0 && holder != pid) {
				df_error_set(
				    err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
				    "a devflow server (pid %ld) holds the lock of workspace %s "
				    "but does not accept connections on %s",
				    (long)holder, ws, path);
				df_error_hint(err, "if it is stuck, stop it with `kill %ld`",
				              (long)holder);
				return -1;
			}
			df_error_set(
			    err, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
			    "the devflow server (pid %ld) did not accept connections on %s "
			    "within %d ms",
			    (long)pid, path, timeout_ms);
			df_error_hint(
			    err, "run `devflow server --workspace %s` in a terminal to see why",
			    ws);
			return -1;
		}
		poll(NULL, 0, delay);
		delay = delay * 2 > 200 ? 200 : delay * 2;
	}
}

struct client *
client_connect(const struct client_opts *o, struct df_error *err)
{
	char *ws = absolute(o->workspace), *path, *exe = NULL;
	uid_t want = o->server_uid_set ? o->server_uid : getuid();
	struct client *c = NULL;
	int fd, started = 0;
	pid_t pid = 0;

	reap_started();
	if ((path = sock_path(ws, err)) == NULL)
		goto out;
	/* Before a single byte goes out: the directory and the socket are whose we expect. */
	if (sock_check_owner(ws, want, err) < 0)
		goto out;
	fd = sock_connect(path, 1000, err);
	if (fd == SOCK_NO_SERVER && o->autostart && want != getuid()) {
		df_error_set(
		    err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
		    "no devflow server is listening on %s, and one for uid %lu (--server-uid) "
		    "is not ours to start",
		    path, (unsigned long)want);
		df_error_hint(err, "ask that user to start it with `devflow server --workspace %s`",
		              ws);
		fd = -1;
	} else if (fd == SOCK_NO_SERVER && o->autostart) {
		/*
		 * Make the directory here, as tmux makes its socket directory: a
		 * workspace we cannot create is said so, not "the server exited".
		 */
		if (sock_prepare_dir(ws, err) < 0)
			goto out;
		exe = absolute(o->server_exe != NULL ? o->server_exe : paths_self_exe());
		if (spawn_server(exe, ws, &pid, err) < 0)
			goto out;
		remember_started(pid);
		started = 1;
		fd = await_server(
		    path, ws, pid,
		    o->start_timeout_ms > 0 ? o->start_timeout_ms : DEFAULT_START_TIMEOUT_MS, err);
	} else if (fd == SOCK_NO_SERVER) {
		df_error_hint(err, "start one with `devflow server --workspace %s`", ws);
	}
	if (fd < 0)
		goto out;
	/* The file checks above can be raced; the peer's credentials cannot. */
	if (sock_check_peer(fd, path, want, err) < 0) {
		close(fd);
		goto out;
	}
	c = client_open_fd(fd, o->name, o->call_timeout_ms, err);
	if (c != NULL)
		c->started = started;
out:
	free(exe);
	free(path);
	free(ws);
	return c;
}
