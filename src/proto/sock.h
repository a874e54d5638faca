/*
 * Unix socket plumbing for both ends of the protocol. The server of a
 * workspace first takes the lock file <workspace>/server.lock (a POSIX record
 * lock; the holder's pid is written in the file) so that one server runs per
 * workspace, then listens on <workspace>/devflow.sock: directory 0700, socket
 * 0600, a stale socket left by a dead server replaced, a live one refused.
 * Accepted connections are non-blocking and close-on-exec and carry the
 * peer's credentials (SO_PEERCRED). Clients connect with a timeout and learn
 * whether anything listens at all (so they can start a server).
 */
#ifndef DEVFLOW_SOCK_H
#define DEVFLOW_SOCK_H

#include <sys/types.h>

#include "lib/error.h"

#define SOCK_FILE "devflow.sock"
#define SOCK_LOCK_FILE "server.lock"

/* sock_connect(): nothing listens on the path (no socket, or a stale one). */
#define SOCK_NO_SERVER (-2)

/*
 * The socket path <workspace>/devflow.sock, a new string the caller frees.
 * NULL with err (invalid_argument, naming the path and the limit) when it
 * does not fit in sockaddr_un.sun_path.
 */
char *sock_path(const char *workspace, struct df_error *err);

/*
 * Create the workspace directory (and parents) with mode 0700. An existing
 * one must belong to the current user (workspace_permissions otherwise) and
 * is narrowed to 0700 when group or others have access. Returns 0 or -1.
 */
int sock_prepare_dir(const char *workspace, struct df_error *err);

/* ------------------------------------------------------------------------ */

struct sock_lock {
	int fd; /* -1 when not held */
	char *path;
};

/*
 * Take <workspace>/server.lock (prepares the directory first) and write our
 * pid into it. Returns 0, or -1 with err: server_running ("a devflow server
 * is already running on workspace W (pid N)") when another process holds
 * it, io_error otherwise. The lock dies with the process; it is not
 * inherited by children. Release with sock_lock_release.
 */
int sock_lock_acquire(const char *workspace, struct sock_lock *lk, struct df_error *err);

/* Release the lock and clear the pid from the file. Safe on a zeroed or released lock. */
void sock_lock_release(struct sock_lock *lk);

/*
 * Who holds the workspace's lock: the pid, 0 when nobody does (or there is
 * no lock file). Never call it in the process that holds the lock: POSIX
 * record locks are dropped by any close of the file in the holder.
 */
pid_t sock_lock_owner(const char *workspace);

/* ------------------------------------------------------------------------ */

struct sock_listener {
	int fd; /* non-blocking, close-on-exec; -1 when closed */
	char *path;
	dev_t dev; /* identity of the socket file we bound */
	ino_t ino;
};

/*
 * Listen on <workspace>/devflow.sock (prepares the directory; the socket is
 * created 0600). A socket file nobody accepts on is removed and replaced; a
 * live one fails with server_running naming the pid of its server; a path
 * that is not a socket fails with io_error. Take sock_lock_acquire first so
 * that two servers cannot race here. Returns 0 or -1.
 */
int sock_listen(const char *workspace, struct sock_listener *l, struct df_error *err);

/*
 * Close the listener and remove its socket file, unless another file has
 * replaced it meanwhile. Safe on a zeroed or closed listener.
 */
void sock_listener_close(struct sock_listener *l);

/* ------------------------------------------------------------------------ */

struct sock_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/*
 * Accept one connection: returns 1 with *fd (non-blocking, close-on-exec,
 * the caller closes it) and *peer filled, 0 when nothing is pending (or the
 * pending connection was aborted), -1 with err (io_error) on failure, e.g.
 * out of descriptors.
 */
int sock_accept(int listen_fd, int *fd, struct sock_peer *peer, struct df_error *err);

/* The credentials of the process at the other end of fd. Returns 0 or -1 (io_error). */
int sock_peer(int fd, struct sock_peer *peer, struct df_error *err);

/*
 * The client's trust check, before it sends anything: the workspace
 * directory and its socket must belong to uid (the invoking user, or the
 * uid the user named). Returns 1 when both are as expected, 0 when the
 * workspace or the socket does not exist yet (nothing to distrust: no
 * server listens there), -1 with err when either belongs to another uid
 * (workspace_permissions naming the path, the uid found and uid), is not a
 * directory or a socket, or cannot be examined (io_error naming the path
 * and the reason, e.g. a parent directory we may not search).
 */
int sock_check_owner(const char *workspace, uid_t uid, struct df_error *err);

/*
 * The other half of the trust check, once connected to path: the process
 * answering on fd must run as uid (SO_PEERCRED). Returns 0, or -1 with err
 * (workspace_permissions naming path, the peer's uid and pid, and uid).
 */
int sock_check_peer(int fd, const char *path, uid_t uid, struct df_error *err);

/*
 * Connect to the socket at path, waiting at most timeout_ms for a busy
 * server's backlog. Returns a non-blocking, close-on-exec fd (the caller
 * closes it); SOCK_NO_SERVER with err (server_unavailable) when no socket
 * exists or nothing accepts on it; -1 with err (server_unavailable) on a
 * timeout or another failure (e.g. permission denied).
 */
int sock_connect(const char *path, int timeout_ms, struct df_error *err);

#endif
