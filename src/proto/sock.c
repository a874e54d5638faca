/*
 * Unix socket helpers: the workspace lock, the listening socket with stale
 * socket recovery, accept with peer credentials, and connect with a timeout.
 * Like tmux, a socket file that refuses connections is taken to be left over
 * from a dead server and replaced; unlike tmux, the lock file is the real
 * guard against two servers, and the socket check only names a live one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "sock.h"

static int
fill_addr(const char *path, struct sockaddr_un *sa, struct df_error *err)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path)) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "socket path too long (%zu bytes, the limit is %zu): %s", len,
		             sizeof(sa->sun_path) - 1, path);
		df_error_hint(err,
		              "use a shorter workspace path (--workspace or $DEVFLOW_WORKSPACE)");
		return -1;
	}
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

char *
sock_path(const char *workspace, struct df_error *err)
{
	struct sockaddr_un sa;
	char *path = xasprintf("%s/%s", workspace, SOCK_FILE);

	if (fill_addr(path, &sa, err) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

int
sock_prepare_dir(const char *workspace, struct df_error *err)
{
	struct stat st;

	if (paths_mkdir_p(workspace, 0700) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot create workspace %s: %s",
		                    workspace, strerror(errno));
	if (stat(workspace, &st) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot stat workspace %s: %s",
		                    workspace, strerror(errno));
	if (st.st_uid != getuid()) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "workspace %s belongs to uid %u, not to you (uid %u)", workspace,
		             (unsigned)st.st_uid, (unsigned)getuid());
		df_error_hint(err,
		              "use a workspace of your own (--workspace or $DEVFLOW_WORKSPACE)");
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(workspace, st.st_mode & 0700) != 0)
		return df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		                    "cannot restrict workspace %s to mode 0700: %s", workspace,
		                    strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Lock file */

/* The pid written in the lock file, 0 when it holds none. */
static pid_t
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0)
		return 0;
	return (pid_t)pid;
}

static pid_t
lock_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid > 0 ? fl.l_pid : read_pid(fd);
}

int
sock_lock_acquire(const char *workspace, struct sock_lock *lk, struct df_error *err)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char pid[32];
	int fd, n;

	lk->fd = -1;
	lk->path = NULL;
	if (sock_prepare_dir(workspace, err) < 0)
		return -1;
	lk->path = xasprintf("%s/%s", workspace, SOCK_LOCK_FILE);
	fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot open lock file %s: %s", lk->path,
		             strerror(errno));
		goto fail;
	}
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		if (errno == EACCES || errno == EAGAIN) {
			pid_t holder = lock_holder(fd);

			if (holder > 0)
				df_error_set(err, DF_FATAL, DF_E_SERVER_RUNNING,
				             "a devflow server is already running on workspace %s "
				             "(pid %ld)",
				             workspace, (long)holder);
			else
				df_error_set(err, DF_FATAL, DF_E_SERVER_RUNNING,
				             "a devflow server is already running on workspace %s "
				             "(lock file %s is held)",
				             workspace, lk->path);
			df_error_hint(err, "use it, or stop it with `devflow kill-server`");
		} else {
			df_error_set(err, DF_FATAL, DF_E_IO, "cannot lock %s: %s", lk->path,
			             strerror(errno));
		}
		close(fd);
		goto fail;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot write our pid into %s: %s", lk->path,
		             strerror(errno));
		close(fd);
		goto fail;
	}
	lk->fd = fd;
	return 0;
fail:
	free(lk->path);
	lk->path = NULL;
	return -1;
}

void
sock_lock_release(struct sock_lock *lk)
{
	if (lk->fd >= 0) {
		/* Clear the pid while still holding the lock; closing releases it. */
		if (ftruncate(lk->fd, 0) != 0) {
			/* The lock goes away with the descriptor anyway. */
		}
		close(lk->fd);
	}
	free(lk->path);
	lk->fd = -1;
	lk->path = NULL;
}

pid_t
sock_lock_owner(const char *workspace)
{
	char *path = xasprintf("%s/%s", workspace, SOCK_LOCK_FILE);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	pid_t pid = 0;

	free(path);
	if (fd < 0)
		return 0;
	pid = lock_holder(fd);
	close(fd);
	return pid;
}

/* ------------------------------------------------------------------------ */
/* Peers */

int
sock_peer(int fd, struct sock_peer *peer, struct df_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return df_error_set(err, DF_RETRYABLE, DF_E_IO, "cannot read peer credentials: %s",
		                    strerror(errno));
	peer->pid = cred.pid;
	peer->uid = cred.uid;
	peer->gid = cred.gid;
	return 0;
}

int
sock_accept(int listen_fd, int *fd, struct sock_peer *peer, struct df_error *err)
{
	int c;

	*fd = -1;
	do
		c = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (c < 0 && errno == EINTR);
	if (c < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
		    errno == EPROTO)
			return 0;
		return df_error_set(err, DF_RETRYABLE, DF_E_IO, "cannot accept a connection: %s",
		                    strerror(errno));
	}
	if (sock_peer(c, peer, err) < 0) {
		close(c);
		return -1;
	}
	*fd = c;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Trust: whom a client talks to */

/* "uid N (name)", "uid N (you)" or "uid N" into out, for the refusals below. */
static const char *
uid_text(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (uid == getuid())
		snprintf(out, size, "uid %lu (you)", (unsigned long)uid);
	else if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, size, "uid %lu (%s)", (unsigned long)uid, pw.pw_name);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
	return out;
}

/* A refusal: what (the workspace, the socket) at path belongs to found, not to want. */
static int
foreign(const char *what, const char *path, uid_t found, uid_t want, struct df_error *err)
{
	char f[300], w[300];

	df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
	             "%s %s belongs to %s, not to %s: not talking to a server there", what, path,
	             uid_text(found, f, sizeof(f)), uid_text(want, w, sizeof(w)));
	df_error_hint(err,
	              "use a workspace of your own, or pass --server-uid %lu if you trust "
	              "that user's server",
	              (unsigned long)found);
	return -1;
}

int
sock_check_owner(const char *workspace, uid_t uid, struct df_error *err)
{
	char *path;
	struct stat st;
	int rc;

	if (stat(workspace, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot access workspace %s: %s",
		                    workspace, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return df_error_set(err, DF_FATAL, DF_E_IO, "workspace %s is not a directory",
		                    workspace);
	if (st.st_uid != uid)
		return foreign("workspace", workspace, st.st_uid, uid, err);
	path = xasprintf("%s/%s", workspace, SOCK_FILE);
	if (lstat(path, &st) != 0) {
		rc = errno == ENOENT ? 0
		                     : df_error_set(err, DF_FATAL, DF_E_IO, "cannot access %s: %s",
		                                    path, strerror(errno));
	} else if (!S_ISSOCK(st.st_mode)) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s exists and is not a socket", path);
		df_error_hint(err, "move it away; devflow keeps its socket there");
		rc = -1;
	} else if (st.st_uid != uid) {
		rc = foreign("socket", path, st.st_uid, uid, err);
	} else {
		rc = 1;
	}
	free(path);
	return rc;
}

int
sock_check_peer(int fd, const char *path, uid_t uid, struct df_error *err)
{
	struct sock_peer peer = { 0 };
	char f[300], w[300];

	if (sock_peer(fd, &peer, err) < 0)
		return -1;
	if (peer.uid == uid)
		return 0;
	df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
	             "the server on %s (pid %ld) runs as %s, not as %s: not talking to it", path,
	             (long)peer.pid, uid_text(peer.uid, f, sizeof(f)), uid_text(uid, w, sizeof(w)));
	df_error_hint(err,
	              "someone else's process answers on your socket; pass --server-uid %lu only "
	              "if you trust it",
	              (unsigned long)peer.uid);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Connecting */

/* One connect attempt on a fresh socket: fd, SOCK_NO_SERVER, or -1 with errno. */
static int
try_connect(const struct sockaddr_un *sa, int *busy)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e;

	*busy = 0;
	if (fd < 0)
		return -1;
	while (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		if (e == ENOENT || e == ECONNREFUSED)
			return SOCK_NO_SERVER;
		if (e == EAGAIN)
			*busy = 1; /* the listener's backlog is full */
		return -1;
	}
	return fd;
}

int
sock_connect(const char *path, int timeout_ms, struct df_error *err)
{
	struct sockaddr_un sa;
	long long deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int fd, busy;

	if (fill_addr(path, &sa, err) < 0)
		return -1;
	for (;;) {
		fd = try_connect(&sa, &busy);
		if (fd >= 0)
			return fd;
		if (fd == SOCK_NO_SERVER) {
			df_error_set(err, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
			             "no devflow server is listening on %s", path);
			return SOCK_NO_SERVER;
		}
		if (!busy) {
			int e = errno;

			df_error_set(err, DF_FATAL, DF_E_SERVER_UNAVAILABLE,
			             "cannot connect to %s: %s", path, strerror(e));
			if (e == EACCES)
				df_error_hint(err, "check the modes of the socket and of the "
				                   "directories above it");
			return -1;
		}
		if (clock_mono_ms() >= deadline) {
			df_error_set(err, DF_RETRYABLE, DF_E_SERVER_UNAVAILABLE,
			             "timed out after %d ms connecting to %s: the server does not "
			             "accept connections",
			             timeout_ms, path);
			return -1;
		}
		poll(NULL, 0, 10);
	}
}

/* ------------------------------------------------------------------------ */
/* Listening */

/*
 * Is a server accepting on path? 1 (with its pid, 0 when unknown), 0 when
 * the socket is stale, -1 with err.
 */
static int
probe_live(const char *path, pid_t *pid, struct df_error *err)
{
	struct sock_peer peer;
	int fd = sock_connect(path, 200, err);

	*pid = 0;
	if (fd == SOCK_NO_SERVER)
		return 0;
	if (fd < 0) {
		if (err != NULL && err->code == DF_E_SERVER_UNAVAILABLE &&
		    err->class == DF_RETRYABLE)
			return 1; /* alive but swamped */
		return -1;
	}
	if (sock_peer(fd, &peer, NULL) == 0)
		*pid = peer.pid;
	close(fd);
	return 1;
}

int
sock_listen(const char *workspace, struct sock_listener *l, struct df_error *err)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	pid_t pid;
	int fd, rc;

	l->fd = -1;
	l->path = NULL;
	if ((l->path = sock_path(workspace, err)) == NULL)
		return -1;
	if (sock_prepare_dir(workspace, err) < 0)
		goto fail;
	fill_addr(l->path, &sa, NULL);
	if (lstat(l->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			df_error_set(err, DF_FATAL, DF_E_IO, "%s exists and is not a socket",
			             l->path);
			df_error_hint(err, "move it away; devflow keeps its socket there");
			goto fail;
		}
		rc = probe_live(l->path, &pid, err);
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			if (pid > 0)
				df_error_set(err, DF_FATAL, DF_E_SERVER_RUNNING,
				             "a devflow server is already running on %s (pid %ld)",
				             l->path, (long)pid);
			else
				df_error_set(err, DF_FATAL, DF_E_SERVER_RUNNING,
				             "a devflow server is already running on %s", l->path);
			df_error_hint(err, "use it, or stop it with `devflow kill-server`");
			goto fail;
		}
		/* Stale: left by a server that died without cleaning up. */
		if (unlink(l->path) != 0 && errno != ENOENT) {
			df_error_set(err, DF_FATAL, DF_E_IO, "cannot remove stale socket %s: %s",
			             l->path, strerror(errno));
			goto fail;
		}
	} else if (errno != ENOENT) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot stat %s: %s", l->path,
		             strerror(errno));
		goto fail;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot create a socket: %s", strerror(errno));
		goto fail;
	}
	/* The socket file takes its mode from the umask at bind time. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 64) != 0 || stat(l->path, &st) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot listen on %s: %s", l->path,
		             strerror(errno));
		close(fd);
		goto fail;
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
fail:
	free(l->path);
	l->path = NULL;
	return -1;
}

void
sock_listener_close(struct sock_listener *l)
{
	struct stat st;

	if (l->fd >= 0) {
		if (l->path != NULL && lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
		    st.st_ino == l->ino)
			unlink(l->path);
		close(l->fd);
	}
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}
