/*
 * spawn_run: fork and exec with three pipes: standard input, the output,
 * and a close-on-exec one on which the child reports a failed exec (its
 * errno), so "not found" is told apart from a command that exits 127.
 * The parent polls the pipes against the deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "gitenv.h"
#include "spawn.h"
#include "xalloc.h"

extern char **environ;

/* environ without the filtered git variables and those env replaces, then env. */
static char **
child_env(const char *const *env)
{
	size_t n = 0, k = 0, m = 0;
	char **v;

	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[m] != NULL)
		m++;
	v = xcalloc(n + m + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int replaced = 0;

		for (size_t j = 0; j < m && !replaced; j++)
			replaced = strncmp(env[j], environ[i], len) == 0 && env[j][len] == '=';
		if (!replaced && !gitenv_child_env_filter(environ[i]))
			v[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		v[k++] = (char *)env[j];
	return v;
}

/* In the child: only async-signal-safe calls until exec. */
static void
child(const struct spawn_opts *o, char **envp, int in, int out, int report)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
	    (o->cwd != NULL && chdir(o->cwd) != 0)) {
		e = errno;
	} else {
		execvpe(o->argv[0], (char *const *)o->argv, envp);
		e = errno;
	}
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Feed input and read output until both are done or the deadline passes. */
static int
pump(const struct spawn_opts *o, int in, int out, struct buf *b, int64_t deadline)
{
	size_t fed = 0;
	char chunk[4096];

	if (o->input_len == 0) {
		close(in);
		in = -1;
	}
	while (out >= 0) {
		struct pollfd p[2] = { { .fd = out, .events = POLLIN },
			               { .fd = in, .events = POLLOUT } };
		int64_t left = deadline - clock_mono_ms();
		int r;

		if (left <= 0)
			break;
		r = poll(p, in >= 0 ? 2 : 1, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (in >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in, o->input + fed, o->input_len - fed);

			if (w > 0)
				fed += (size_t)w;
			if (w < 0 || fed == o->input_len) {
				close(in);
				in = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = read(out, chunk, sizeof(chunk));

			if (got <= 0) {
				close(out);
				out = -1;
			} else if (b->len < o->max_output) {
				size_t keep = o->max_output - b->len;

				buf_append(b, chunk, (size_t)got < keep ? (size_t)got : keep);
			}
		}
	}
	int open_yet = out >= 0;

	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return open_yet ? -1 : 0;
}

/* Wait for pid until deadline; kill its group then. Returns the wait status. */
static int
reap(pid_t pid, int64_t deadline, int *timed_out)
{
	int st = 0;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			return st;
		if (clock_mono_ms() >= deadline) {
			*timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return st;
		}
		poll(NULL, 0, 10);
	}
}

int
spawn_run(const struct spawn_opts *o, struct spawn_result *r, struct df_error *err)
{
	int in[2], out[2], rep[2], e = 0, st;
	int64_t deadline = clock_mono_ms() + o->timeout_ms;
	struct buf b = BUF_INIT;
	char **envp;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(in, O_CLOEXEC) != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "pipe: %s", strerror(errno));
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "pipe: %s", strerror(errno));
		close(in[0]), close(in[1]);
		return -1;
	}
	envp = child_env(o->env);
	pid = fork();
	if (pid == 0)
		child(o, envp, in[0], out[1], rep[1]);
	free(envp);
	close(in[0]), close(out[1]), close(rep[1]);
	if (pid < 0) {
		close(in[1]), close(out[0]), close(rep[0]);
		return df_error_set(err, DF_FATAL, DF_E_IO, "fork: %s", strerror(errno));
	}
	setpgid(pid, pid); /* both sides, so the group exists before any kill */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (read(rep[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		close(rep[0]), close(in[1]), close(out[0]);
		waitpid(pid, &st, 0);
		df_error_set(err, DF_FATAL, DF_E_IO, "cannot run %s: %s", o->argv[0], strerror(e));
		if (e == ENOENT)
			df_error_hint(err, "is %s installed and in PATH?", o->argv[0]);
		return -1;
	}
	close(rep[0]);
	if (pump(o, in[1], out[0], &b, deadline) != 0)
		r->timed_out = 1;
	st = reap(pid, r->timed_out ? 0 : deadline, &r->timed_out);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	buf_putc(&b, '\0');
	r->output = buf_detach(&b);
	return 0;
}
