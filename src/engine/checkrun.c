/*
 * One check command, run to its end (see checkrun.h). The child gets its
 * own process group so that the timeout reaches what the command started
 * (make's children, a shell's pipeline), and PR_SET_PDEATHSIG where Linux
 * has it, so a server killed with -9 does not leave the command running
 * with no one reading it (its grandchildren may outlive it; the recovering
 * server runs the check again, see docs/engine.md "Checks").
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
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "checkrun.h"
#include "worktree.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: only async-signal-safe calls until exec. */
static void __attribute__((noreturn))
child(const struct checkrun_spec *spec, int out_fd, pid_t parent)
{
	static const char msg[] = "devflow: cannot execute the check command\n";

	setpgid(0, 0);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	if (out_fd > 2)
		close(out_fd);
	{
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0 && nul != 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	if (spec->cwd && chdir(spec->cwd) != 0)
		_exit(127);
	execvp(spec->argv[0], (char *const *)spec->argv);
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(127);
}

/* Keep the last CHECKRUN_TAIL_MAX bytes written (kept part), for the tail. */
struct tail {
	char ring[CHECKRUN_TAIL_MAX];
	size_t len; /* bytes in ring, oldest first */
};

static void
tail_add(struct tail *t, const char *p, size_t n)
{
	if (n >= sizeof(t->ring)) {
		memcpy(t->ring, p + n - sizeof(t->ring), sizeof(t->ring));
		t->len = sizeof(t->ring);
		return;
	}
	if (t->len + n > sizeof(t->ring)) {
		size_t drop = t->len + n - sizeof(t->ring);

		memmove(t->ring, t->ring + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->ring + t->len, p, n);
	t->len += n;
}

/* The tail from a line start (when the ring was full and holds a newline). */
static void
tail_finish(const struct tail *t, char *out, int full)
{
	size_t start = 0;

	if (full) {
		const char *nl = memchr(t->ring, '\n', t->len);

		if (nl != NULL && (size_t)(nl - t->ring) + 1 < t->len)
			start = (size_t)(nl - t->ring) + 1;
	}
	memcpy(out, t->ring + start, t->len - start);
	out[t->len - start] = '\0';
	/* A NUL the command wrote would cut the tail short: show it as '?'. */
	for (size_t i = 0; i < t->len - start; i++)
		if (out[i] == '\0')
			out[i] = '?';
}

struct pump {
	int fd_in, fd_out;
	size_t max, written;
	struct tail tail;
	struct checkrun_result *res;
};

/* Read what is there; 1 at EOF. */
static int
pump_read(struct pump *p)
{
	char chunk[8192];
	ssize_t r = read(p->fd_in, chunk, sizeof(chunk));

	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (r == 0)
		return 1;
	p->res->output_bytes += (size_t)r;
	if (p->written < p->max) {
		size_t keep = (size_t)r < p->max - p->written ? (size_t)r : p->max - p->written;

		if (write(p->fd_out, chunk, keep) == (ssize_t)keep)
			p->written += keep;
		tail_add(&p->tail, chunk, keep);
	}
	if (p->res->output_bytes > p->max)
		p->res->capped = 1;
	return 0;
}

/* Pump output until EOF and the child is reaped, killing the group at the timeout. */
static void
supervise(const struct checkrun_spec *spec, pid_t pid, struct pump *p, int64_t t0, int *status)
{
	int64_t grace = spec->kill_grace_ms > 0 ? spec->kill_grace_ms : CHECKRUN_KILL_GRACE_MS;
	int64_t deadline = t0 + spec->timeout_ms, kill_at = -1;
	int eof = 0, reaped = 0;

	while (!reaped) {
		int64_t now = mono_ms(), due = kill_at >= 0 ? kill_at : deadline;
		struct pollfd pfd = { .fd = p->fd_in, .events = POLLIN };
		int wait_ms = due - now > 0 ? (int)(due - now < 100 ? due - now : 100) : 0;

		if (spec->cancel != NULL && *spec->cancel && kill_at < 0) {
			kill(-pid, SIGKILL);
			kill_at = now + 60 * 1000;
		} else if (now >= deadline && !p->res->timed_out) {
			p->res->timed_out = 1;
			kill(-pid, SIGTERM);
			kill_at = now + grace;
		} else if (kill_at >= 0 && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now + 60 * 1000;
		}
		if (!eof && poll(&pfd, 1, wait_ms) > 0)
			eof = pump_read(p);
		else if (eof)
			poll(NULL, 0, wait_ms < 20 ? wait_ms : 20);
		if (waitpid(pid, status, WNOHANG) == pid)
			reaped = 1;
	}
	/* The command ended; what its children still write is read until EOF or a while. */
	for (int i = 0; i < 20 && !eof; i++) {
		struct pollfd pfd = { .fd = p->fd_in, .events = POLLIN };

		if (poll(&pfd, 1, 10) > 0)
			eof = pump_read(p);
	}
	kill(-pid, SIGKILL); /* nothing of the check outlives it */
}

int
checkrun_exec(const struct checkrun_spec *spec, struct checkrun_result *res, struct df_error *err)
{
	int pfd[2], status = 0, out;
	struct pump p;
	pid_t pid, self = getpid();
	int64_t t0;

	memset(res, 0, sizeof(*res));
	if (spec->argv == NULL || spec->argv[0] == NULL || spec->timeout_ms <= 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a check needs a command and a timeout");
	out = open(spec->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot create the check output %s: %s",
		                    spec->output_path, strerror(errno));
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		close(out);
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot make a pipe for a check: %s",
		                    strerror(errno));
	}
	t0 = mono_ms();
	pid = fork();
	if (pid < 0) {
		close(out);
		close(pfd[0]);
		close(pfd[1]);
		return df_error_set(err, DF_FATAL, DF_E_IO, "cannot fork a check: %s",
		                    strerror(errno));
	}
	if (pid == 0) {
		close(pfd[0]);
		child(spec, pfd[1], self);
	}
	setpgid(pid, pid); /* both sides set it: no race with the first kill */
	close(pfd[1]);
	memset(&p, 0, sizeof(p));
	p.fd_in = pfd[0];
	p.fd_out = out;
	p.max = spec->max_output > 0 ? spec->max_output : CHECKRUN_DEFAULT_MAX_OUTPUT;
	p.res = res;
	supervise(spec, pid, &p, t0, &status);
	res->duration_ms = mono_ms() - t0;
	if (res->capped) {
		char note[160];
		int n = snprintf(note, sizeof(note),
		                 "\n[devflow: output capped at %zu bytes; %zu bytes dropped]\n",
		                 p.max, res->output_bytes - p.written);

		(void)!write(out, note, (size_t)n);
	}
	close(pfd[0]);
	close(out);
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	tail_finish(&p.tail, res->tail, p.tail.len == sizeof(p.tail.ring));
	return 0;
}

int
checkrun_rules(const cJSON *checks, char *where, size_t wlen, char *why, size_t ylen)
{
	const cJSON *c, *o;
	int i = 0;

	cJSON_ArrayForEach(c, checks)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *cwd = cJSON_GetObjectItemCaseSensitive(c, "cwd");
		int j = 0;

		for (o = checks->child; o != c && cJSON_IsString(name); o = o->next, j++) {
			const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "name");

			if (cJSON_IsString(on) && strcmp(on->valuestring, name->valuestring) == 0) {
				snprintf(where, wlen, "/checks/%d/name", i);
				snprintf(why, ylen,
				         "check name '%s' is used twice (/checks/%d/name)",
				         name->valuestring, j);
				return -1;
			}
		}
		if (cJSON_IsString(cwd) &&
		    worktree_artifact_path_check(cwd->valuestring, why, ylen) != 0) {
			snprintf(where, wlen, "/checks/%d/cwd", i);
			return -1;
		}
		i++;
	}
	return 0;
}
