/*
 * Agent sessions: forkpty, a child prepared for exec (environment, signals,
 * working directory) with exec failures sent back over a close-on-exec pipe,
 * non-blocking reads into the screen and the transcript under a per-turn
 * budget, a write queue for input, and an exit path driven only by SIGCHLD
 * from the loop's signal pipe: the program is reaped with waitpid, its
 * remaining output drained, then the exited callback runs once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/gitenv.h"
#include "lib/xalloc.h"
#include "session.h"

extern char **environ;

/* Once reaped, how long to wait for the terminal to report end-of-file. */
#define SESSION_DRAIN_MS 500

struct session {
	struct loop *loop;
	const struct session_ops *ops;
	void *arg;
	struct screen *screen;
	pid_t pid;
	int master; /* -1 once closed */
	bool eof;   /* no more output: the fd is no longer watched, maybe still open */
	int transcript;
	size_t transcript_bytes;
	size_t read_budget;
	unsigned grace_ms;
	uint64_t sigchld_id;
	uint64_t grace_timer;
	uint64_t drain_timer;
	uint64_t start_timer;
	struct buf out;
	size_t out_off;
	char *title;
	bool reaped;
	bool stopping;
	bool reported;
	struct session_exit exit;
};

/*
 * Terminal variables the child must not inherit (its size and type are the
 * pty's); git's repository variables are dropped too (gitenv.h).
 */
static const char *const session_drop_env[] = {
	"LINES",
	"COLUMNS",
	"TERM",
};

static bool
env_name_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static bool
env_overridden(const char *entry, const char *const *extra)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		if (strncmp(extra[i], entry, n) == 0 && (extra[i][n] == '=' || extra[i][n] == '\0'))
			return true;
	return false;
}

/* The child's environment; the caller frees the array and its strings. */
static char **
session_build_env(const char *const *extra)
{
	size_t n = 0, k = 0;

	for (char **e = environ; e != NULL && *e != NULL; e++)
		n++;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		n++;
	char **env = xcalloc(n + 2, sizeof *env);
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		bool drop = env_overridden(*e, extra) || gitenv_child_env_filter(*e);
		for (size_t i = 0; !drop && i < sizeof session_drop_env / sizeof *session_drop_env;
		     i++)
			drop = env_name_is(*e, session_drop_env[i]);
		if (!drop)
			env[k++] = xstrdup(*e);
	}
	if (!env_overridden("TERM=", extra))
		env[k++] = xstrdup("TERM=xterm-256color");
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		if (strchr(extra[i], '=') != NULL)
			env[k++] = xstrdup(extra[i]);
	env[k] = NULL;
	return env;
}

static void
free_strv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* What the child reports when it cannot run the program. */
struct child_failure {
	int stage; /* 1 chdir, 2 exec */
	int err;
};

static void __attribute__((noreturn))
session_child(const struct session_config *cfg, char **env, int errfd)
{
	struct child_failure f = { 0, 0 };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (cfg->cwd != NULL && chdir(cfg->cwd) < 0) {
		f = (struct child_failure){ 1, errno };
	} else {
		environ = env;
		execvp(cfg->argv[0], (char *const *)cfg->argv);
		f = (struct child_failure){ 2, errno };
	}
	(void)!write(errfd, &f, sizeof f);
	_exit(127);
}

static void
describe_exit(struct session_exit *ex, int status)
{
	if (WIFSIGNALED(status)) {
		ex->signaled = true;
		ex->signo = WTERMSIG(status);
		snprintf(ex->reason, sizeof ex->reason, "killed by signal %d (%s)%s", ex->signo,
		         strsignal(ex->signo), ex->killed ? " after the grace period" : "");
	} else {
		ex->code = WEXITSTATUS(status);
		snprintf(ex->reason, sizeof ex->reason, "exited with status %d", ex->code);
	}
}

static void session_flush_out(struct session *s);

static void
session_queue(const char *bytes, size_t len, void *arg)
{
	struct session *s = arg;

	if (s->eof)
		return;
	buf_append(&s->out, bytes, len);
	session_flush_out(s);
}

/*
 * End of output. The master stays open until the program is reaped: closing
 * it would hang up (SIGHUP) a program that merely closed its own terminal.
 */
static void
session_end_output(struct session *s)
{
	if (s->eof)
		return;
	s->eof = true;
	loop_fd_remove(s->loop, s->master);
	buf_reset(&s->out);
	s->out_off = 0;
}

static void
session_close_pty(struct session *s)
{
	session_end_output(s);
	if (s->master >= 0)
		close(s->master);
	s->master = -1;
}

/* Report the exit once both the program is reaped and its output is drained. */
static void
session_maybe_report(struct session *s)
{
	if (!s->reaped || !s->eof || s->reported)
		return;
	s->reported = true;
	session_close_pty(s);
	loop_timer_cancel(s->loop, s->grace_timer);
	loop_timer_cancel(s->loop, s->drain_timer);
	loop_timer_cancel(s->loop, s->start_timer);
	s->grace_timer = s->drain_timer = s->start_timer = 0;
	loop_signal_remove(s->loop, s->sigchld_id);
	s->sigchld_id = 0;
	if (s->ops != NULL && s->ops->exited != NULL)
		s->ops->exited(s, &s->exit, s->arg); /* may free s */
}

static void
session_flush_out(struct session *s)
{
	while (!s->eof && s->out_off < s->out.len) {
		ssize_t n = write(s->master, s->out.data + s->out_off, s->out.len - s->out_off);
		if (n > 0) {
			s->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_fd_set(s->loop, s->master, LOOP_READ | LOOP_WRITE);
			return;
		}
		/* EIO: the program is gone; its input goes nowhere. */
		break;
	}
	buf_reset(&s->out);
	s->out_off = 0;
	if (!s->eof)
		loop_fd_set(s->loop, s->master, LOOP_READ);
}

/* Read up to the budget; returns true at end-of-file (the terminal is closed then). */
static bool
session_read(struct session *s, size_t budget)
{
	char chunk[16384];
	size_t total = 0;
	bool eof = false;

	while (total < budget) {
		size_t want = budget - total < sizeof chunk ? budget - total : sizeof chunk;
		ssize_t n = read(s->master, chunk, want);
		if (n > 0) {
			if (s->transcript >= 0) {
				const char *p = chunk;
				size_t left = (size_t)n;
				while (left > 0) {
					ssize_t w = write(s->transcript, p, left);
					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0) {
						/* Disk full or similar: keep the session, lose the
						 * copy. */
						close(s->transcript);
						s->transcript = -1;
						break;
					}
					p += w;
					left -= (size_t)w;
					s->transcript_bytes += (size_t)w;
				}
			}
			screen_feed(s->screen, chunk, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		eof = true; /* 0, EIO (no slave left) or a real error: the terminal is done */
		break;
	}
	if (total > 0) {
		screen_flush(s->screen);
		const char *t = screen_title(s->screen);
		bool titled = strcmp(t, s->title) != 0;
		if (titled) {
			free(s->title);
			s->title = xstrdup(t);
		}
		if (titled && s->ops != NULL && s->ops->title != NULL)
			s->ops->title(s, s->title, s->arg);
		if (s->ops != NULL && s->ops->output != NULL)
			s->ops->output(s, s->arg);
	}
	if (eof)
		session_end_output(s);
	return eof;
}

static void
session_on_pty(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct session *s = arg;

	(void)loop;
	(void)fd;
	if (events & LOOP_WRITE)
		session_flush_out(s);
	if (!s->eof && (events & (LOOP_READ | LOOP_HUP)))
		if (session_read(s, s->read_budget))
			session_maybe_report(s);
}

static void
session_on_drain(struct loop *loop, void *arg)
{
	struct session *s = arg;

	(void)loop;
	s->drain_timer = 0;
	/* A grandchild still holds the terminal: take what is there and let go. */
	if (!s->eof)
		session_read(s, 1u << 20);
	session_end_output(s);
	session_maybe_report(s);
}

static void
session_on_sigchld(struct loop *loop, int signo, void *arg)
{
	struct session *s = arg;
	int status;
	pid_t r;

	(void)signo;
	if (s->reaped)
		return;
	do
		r = waitpid(s->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != s->pid)
		return;
	s->reaped = true;
	describe_exit(&s->exit, status);
	loop_timer_cancel(loop, s->grace_timer);
	s->grace_timer = 0;
	if (!s->eof) {
		if (session_read(s, s->read_budget)) {
			session_maybe_report(s);
			return;
		}
		s->drain_timer = loop_timer_add(loop, SESSION_DRAIN_MS, session_on_drain, s);
		return;
	}
	session_maybe_report(s);
}

static void
session_on_start(struct loop *loop, void *arg)
{
	struct session *s = arg;

	s->start_timer = 0;
	session_on_sigchld(loop, SIGCHLD, s);
}

static void
session_on_grace(struct loop *loop, void *arg)
{
	struct session *s = arg;

	(void)loop;
	s->grace_timer = 0;
	if (s->reaped)
		return;
	s->exit.killed = true;
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
}

static int
spawn_fail(struct df_error *err, const struct session_config *cfg, const char *what, int e)
{
	return df_error_set(err, DF_RETRYABLE, DF_E_SESSION_FAILED, "session '%s': %s: %s",
	                    cfg->argv != NULL && cfg->argv[0] != NULL ? cfg->argv[0] : "", what,
	                    strerror(e));
}

struct session *
session_spawn(struct loop *loop, const struct session_config *cfg, const struct session_ops *ops,
              void *arg, struct df_error *err)
{
	int errpipe[2];
	int master = -1;
	int transcript = -1;

	if (cfg->argv == NULL || cfg->argv[0] == NULL || cfg->argv[0][0] == 0) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "session: no program to run (empty argv)");
		return NULL;
	}
	int rows = cfg->rows > 0 ? cfg->rows : 24;
	int cols = cfg->cols > 0 ? cfg->cols : 80;
	if (cfg->transcript_path != NULL) {
		transcript =
		    open(cfg->transcript_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (transcript < 0) {
			int e = errno;
			spawn_fail(err, cfg, "cannot open transcript", e);
			df_error_hint(err, "transcript path: %s", cfg->transcript_path);
			return NULL;
		}
	}
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		spawn_fail(err, cfg, "pipe", errno);
		if (transcript >= 0)
			close(transcript);
		return NULL;
	}
	char **env = session_build_env(cfg->env);
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid == 0) {
		close(errpipe[0]);
		session_child(cfg, env, errpipe[1]);
	}
	int fork_errno = errno;
	free_strv(env);
	close(errpipe[1]);
	if (pid < 0) {
		close(errpipe[0]);
		if (transcript >= 0)
			close(transcript);
		spawn_fail(err, cfg, "forkpty", fork_errno);
		return NULL;
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);

	/* Blocks only until the child has exec'd (the pipe closes) or failed. */
	struct child_failure f;
	ssize_t got;
	do
		got = read(errpipe[0], &f, sizeof f);
	while (got < 0 && errno == EINTR);
	close(errpipe[0]);
	if (got == (ssize_t)sizeof f) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		close(master);
		if (transcript >= 0)
			close(transcript);
		if (f.stage == 1) {
			spawn_fail(err, cfg, "cannot change to the working directory", f.err);
			df_error_hint(err, "working directory: %s", cfg->cwd);
		} else {
			spawn_fail(err, cfg, "cannot execute", f.err);
			df_error_hint(err,
			              "the program exited with status %d; check that it is "
			              "installed and in PATH",
			              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		return NULL;
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

	struct session *s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->ops = ops;
	s->arg = arg;
	s->pid = pid;
	s->master = master;
	s->transcript = transcript;
	s->read_budget = cfg->read_budget ? cfg->read_budget : 65536;
	s->grace_ms = cfg->grace_ms ? cfg->grace_ms : 5000;
	s->title = xstrdup("");
	s->screen =
	    screen_new(rows, cols, cfg->scrollback ? cfg->scrollback : 10000, session_queue, s);
	if (cfg->scrollback_bytes != 0)
		screen_set_scrollback_bytes(s->screen, cfg->scrollback_bytes);
	s->sigchld_id = loop_signal_add(loop, SIGCHLD, session_on_sigchld, s, err);
	if (s->sigchld_id == 0 ||
	    loop_fd_add(loop, master, LOOP_READ, session_on_pty, s, err) < 0) {
		df_error_prefix(err, "session '%s'", cfg->argv[0]);
		session_free(s);
		return NULL;
	}
	/* The child may have exited before our SIGCHLD watch existed: look once, soon. */
	s->start_timer = loop_timer_add(loop, 0, session_on_start, s);
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	loop_timer_cancel(s->loop, s->grace_timer);
	loop_timer_cancel(s->loop, s->drain_timer);
	loop_timer_cancel(s->loop, s->start_timer);
	loop_signal_remove(s->loop, s->sigchld_id);
	session_close_pty(s);
	if (!s->reaped) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->transcript >= 0)
		close(s->transcript);
	screen_free(s->screen);
	buf_free(&s->out);
	free(s->title);
	free(s);
}

struct screen *
session_screen(struct session *s)
{
	return s->screen;
}

pid_t
session_pid(const struct session *s)
{
	return s->pid;
}

bool
session_running(const struct session *s)
{
	return !s->reaped;
}

const struct session_exit *
session_exit_status(const struct session *s)
{
	return s->reported ? &s->exit : NULL;
}

static int
session_gone(const struct session *s, struct df_error *err)
{
	return df_error_set(err, DF_RETRYABLE, DF_E_SESSION_FAILED,
	                    "session %ld: the program's terminal is closed", (long)s->pid);
}

int
session_write(struct session *s, const void *bytes, size_t len, struct df_error *err)
{
	if (s->eof)
		return session_gone(s, err);
	session_queue(bytes, len, s);
	return 0;
}

int
session_paste(struct session *s, const char *text, size_t len, struct df_error *err)
{
	if (s->eof)
		return session_gone(s, err);
	screen_paste(s->screen, text, len);
	return 0;
}

int
session_key(struct session *s, const char *name, unsigned mods, struct df_error *err)
{
	if (s->eof)
		return session_gone(s, err);
	return screen_key(s->screen, name, mods, err);
}

int
session_char(struct session *s, uint32_t codepoint, unsigned mods, struct df_error *err)
{
	if (s->eof)
		return session_gone(s, err);
	screen_char(s->screen, codepoint, mods);
	return 0;
}

int
session_send_keys(struct session *s, const char *spec, struct df_error *err)
{
	if (s->eof)
		return session_gone(s, err);
	return screen_send_keys(s->screen, spec, err);
}

void
session_resize(struct session *s, int rows, int cols)
{
	screen_resize(s->screen, rows, cols);
	screen_size(s->screen, &rows, &cols);
	if (!s->eof) {
		struct winsize ws = { .ws_row = (unsigned short)rows,
			              .ws_col = (unsigned short)cols };
		ioctl(s->master, TIOCSWINSZ, &ws);
	}
}

void
session_stop(struct session *s)
{
	if (s->reaped || s->stopping)
		return;
	s->stopping = true;
	kill(-s->pid, SIGTERM);
	kill(s->pid, SIGTERM);
	s->grace_timer = loop_timer_add(s->loop, s->grace_ms, session_on_grace, s);
}

size_t
session_transcript_bytes(const struct session *s)
{
	return s->transcript_bytes;
}
