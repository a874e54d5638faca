/* Unix socket helpers: permissions, stale sockets, the lock file, peer credentials. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "proto/sock.h"

struct fixture {
	char base[64]; /* a fresh temporary directory */
	char *ws;      /* base/ws, not created */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->base, sizeof(f->base), "/tmp/devflow-sock.XXXXXX");
	if (mkdtemp(f->base) == NULL)
		return -1;
	f->ws = xasprintf("%s/ws", f->base);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->base);
	int rc = system(cmd);

	free(cmd);
	free(f->ws);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void
assert_contains(const char *s, const char *want)
{
	if (strstr(s, want) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, want);
}

static void
test_listen_permissions(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	struct stat st;

	assert_int_equal(sock_listen(f->ws, &l, &err), 0);
	assert_true(l.fd >= 0);
	assert_int_equal(stat(f->ws, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(l.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(fcntl(l.fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(l.fd, F_GETFD) & FD_CLOEXEC);
	/* The process umask is restored. */
	{
		mode_t m = umask(022);

		assert_int_equal(m, 022);
	}
	sock_listener_close(&l);
}

static void
test_existing_dir_narrowed(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	struct stat st;
	char *path;

	assert_int_equal(mkdir(f->ws, 0755), 0);
	assert_int_equal(chmod(f->ws, 0755), 0);
	assert_int_equal(sock_listen(f->ws, &l, &err), 0);
	assert_int_equal(stat(f->ws, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	path = xstrdup(l.path);
	sock_listener_close(&l);
	/* Closing removes the socket file. */
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(path);
}

static void
test_foreign_workspace_refused(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	char want[128];

	if (getuid() != 0)
		skip(); /* only root can hand a directory to another user */
	assert_int_equal(mkdir(f->ws, 0700), 0);
	assert_int_equal(chown(f->ws, 65534, 65534), 0);
	assert_int_equal(sock_listen(f->ws, &l, &err), -1);
	assert_int_equal(err.code, DF_E_WORKSPACE_PERMISSIONS);
	snprintf(want, sizeof(want), "workspace %s belongs to uid 65534, not to you (uid 0)",
	         f->ws);
	assert_string_equal(err.message, want);
}

/* Leave a socket file behind with nothing listening, as a killed server does. */
static void
make_stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	close(fd);
}

static void
test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	struct stat before, after;
	char *path = xasprintf("%s/%s", f->ws, SOCK_FILE);
	int fd;

	assert_int_equal(mkdir(f->ws, 0700), 0);
	make_stale_socket(path);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(lstat(path, &before), 0);
	assert_int_equal(before.st_mode & 07777, 0644);
	assert_int_equal(sock_connect(path, 100, &err), SOCK_NO_SERVER);
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_contains(err.message, "no devflow server is listening on");

	assert_int_equal(sock_listen(f->ws, &l, &err), 0);
	assert_int_equal(lstat(path, &after), 0);
	/* A new socket file (inode numbers may be recycled; the mode is not). */
	assert_true(S_ISSOCK(after.st_mode));
	assert_int_equal(after.st_mode & 07777, 0600);
	fd = sock_connect(path, 1000, &err);
	assert_true(fd >= 0);
	close(fd);
	sock_listener_close(&l);
	free(path);
}

static void
test_live_socket_refused(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l, l2;
	struct df_error err;
	char want[64];

	assert_int_equal(sock_listen(f->ws, &l, &err), 0);
	assert_int_equal(sock_listen(f->ws, &l2, &err), -1);
	assert_int_equal(err.code, DF_E_SERVER_RUNNING);
	snprintf(want, sizeof(want), "is already running on %s (pid %ld)", l.path, (long)getpid());
	assert_contains(err.message, want);
	assert_contains(err.hint, "devflow kill-server");
	/* The live socket is still there and still ours. */
	{
		int fd = sock_connect(l.path, 1000, &err);

		assert_true(fd >= 0);
		close(fd);
	}
	sock_listener_close(&l);
}

static void
test_not_a_socket_refused(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	char *path = xasprintf("%s/%s", f->ws, SOCK_FILE);
	FILE *fp;

	assert_int_equal(mkdir(f->ws, 0700), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(sock_listen(f->ws, &l, &err), -1);
	assert_int_equal(err.code, DF_E_IO);
	assert_contains(err.message, "exists and is not a socket");
	assert_contains(err.message, path);
	assert_int_equal(access(path, F_OK), 0); /* left alone */
	free(path);
}

static void
test_path_too_long(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct df_error err;
	char ws[200];
	char *p;

	(void)f;
	memset(ws, 'x', sizeof(ws) - 1);
	ws[0] = '/';
	ws[sizeof(ws) - 1] = '\0';
	p = sock_path(ws, &err);
	assert_null(p);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_contains(err.message, "socket path too long (212 bytes, the limit is 107)");
	assert_contains(err.message, "/devflow.sock");
	assert_contains(err.hint, "shorter workspace path");

	/* sock_listen reports the same before touching the directory tree. */
	snprintf(ws, sizeof(ws), "%s/%s", f->base,
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaaaaaaaaaaa");
	assert_int_equal(sock_listen(ws, &l, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_contains(err.message, ws);
	assert_int_equal(access(ws, F_OK), -1);
	assert_int_equal(sock_connect(ws, 10, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);

	p = sock_path(f->ws, &err);
	assert_non_null(p);
	assert_int_equal(strlen(p), strlen(f->ws) + strlen("/devflow.sock"));
	free(p);
}

static void
test_lock_refuses_second_holder(void **state)
{
	struct fixture *f = *state;
	struct sock_lock lk;
	struct df_error err;
	int up[2], down[2], status;
	char c, want[128], content[32] = { 0 };
	pid_t child;
	FILE *fp;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct sock_lock mine;

		close(up[0]);
		close(down[1]);
		if (sock_lock_acquire(f->ws, &mine, NULL) != 0)
			_exit(2);
		if (write(up[1], "L", 1) != 1)
			_exit(3);
		/* Hold the lock until the parent has looked. */
		if (read(down[0], &c, 1) != 1)
			_exit(4);
		sock_lock_release(&mine);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);

	assert_int_equal(sock_lock_acquire(f->ws, &lk, &err), -1);
	assert_int_equal(err.code, DF_E_SERVER_RUNNING);
	snprintf(want, sizeof(want),
	         "a devflow server is already running on workspace %s (pid %ld)", f->ws,
	         (long)child);
	assert_string_equal(err.message, want);
	assert_int_equal(sock_lock_owner(f->ws), child);

	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sock_lock_owner(f->ws), 0);

	/* Free again: we take it, and our pid is in the file. */
	assert_int_equal(sock_lock_acquire(f->ws, &lk, &err), 0);
	fp = fopen(lk.path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(content, sizeof(content), fp));
	fclose(fp);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(content, want);
	sock_lock_release(&lk);
	close(up[0]);
	close(down[1]);
}

static void
test_lock_dies_with_holder(void **state)
{
	struct fixture *f = *state;
	struct sock_lock lk;
	struct df_error err;
	int status;
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		struct sock_lock mine;

		/* Killed holding the lock: nothing released it explicitly. */
		if (sock_lock_acquire(f->ws, &mine, NULL) != 0)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sock_lock_acquire(f->ws, &lk, &err), 0);
	sock_lock_release(&lk);
}

static void
test_accept_peer_credentials(void **state)
{
	struct fixture *f = *state;
	struct sock_listener l;
	struct sock_peer peer = { 0 };
	struct df_error err;
	int cfd, sfd = -1;

	assert_int_equal(sock_listen(f->ws, &l, &err), 0);
	assert_int_equal(sock_accept(l.fd, &sfd, &peer, &err), 0);
	assert_int_equal(sfd, -1);
	cfd = sock_connect(l.path, 1000, &err);
	assert_true(cfd >= 0);
	assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(sock_accept(l.fd, &sfd, &peer, &err), 1);
	assert_true(sfd >= 0);
	assert_int_equal(peer.uid, getuid());
	assert_int_equal(peer.gid, getgid());
	assert_int_equal(peer.pid, getpid());
	assert_true(fcntl(sfd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
	/* The client side sees the server's credentials too. */
	memset(&peer, 0, sizeof(peer));
	assert_int_equal(sock_peer(cfd, &peer, &err), 0);
	assert_int_equal(peer.pid, getpid());
	assert_int_equal(write(cfd, "hi", 2), 2);
	{
		char buf[4];

		assert_int_equal(read(sfd, buf, sizeof(buf)), 2);
	}
	close(cfd);
	close(sfd);
	sock_listener_close(&l);
}

static void
test_connect_missing_and_full_backlog(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct df_error err;
	char *path = xasprintf("%s/full.sock", f->base);
	int lfd, fds[64], n = 0, rc;

	assert_int_equal(sock_connect(path, 100, &err), SOCK_NO_SERVER);
	assert_contains(err.message, path);

	/* A listener that never accepts: once its backlog is full, connect times out. */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	while (n < 64 && (rc = sock_connect(path, 0, &err)) >= 0)
		fds[n++] = rc;
	assert_true(n < 64);
	assert_int_equal(rc, -1);
	assert_contains(err.message, "timed out after 0 ms");
	assert_int_equal(sock_connect(path, 150, &err), -1);
	assert_int_equal(err.code, DF_E_SERVER_UNAVAILABLE);
	assert_contains(err.message, "timed out after 150 ms connecting to");
	while (n > 0)
		close(fds[--n]);
	close(lfd);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_dir_narrowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_workspace_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_refuses_second_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_dies_with_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_peer_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_missing_and_full_backlog, setup,
		                                teardown),
	};

	return cmocka_run_group_tests_name("sock", tests, NULL, NULL);
}
