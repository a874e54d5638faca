/*
 * The poll() reactor: fd watches kept in an array rebuilt into a pollfd set
 * each turn, timers kept in a small unsorted array (a server has tens, not
 * thousands), and signals delivered through a non-blocking self-pipe whose
 * handler does nothing but write the signal number.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "xalloc.h"

struct loop_fd {
	int fd;
	unsigned interest;
	uint64_t id; /* 0 once removed */
	loop_fd_cb *cb;
	void *arg;
};

struct loop_timer {
	uint64_t id;
	uint64_t deadline;
	loop_timer_cb *cb;
	void *arg;
};

struct loop_sig {
	uint64_t id; /* 0 once removed */
	int signo;
	loop_signal_cb *cb;
	void *arg;
};

struct loop {
	struct loop_clock clock;
	struct loop_fd *fds;
	size_t nfds, capfds;
	struct loop_timer *timers;
	size_t ntimers, captimers;
	struct loop_sig *sigs;
	size_t nsigs, capsigs;
	struct sigaction old[NSIG];
	bool installed[NSIG];
	int pipe[2];
	uint64_t next_id;
	bool stop;
	struct pollfd *pfds;
	uint64_t *pids;
	size_t cappfds;
};

/* The self-pipe's write end, for the handler; one signal-watching loop per process. */
static volatile sig_atomic_t loop_sigfd = -1;
static struct loop *loop_sig_owner;

static uint64_t
loop_monotonic(void *ctx)
{
	(void)ctx;
	return (uint64_t)clock_mono_ms();
}

struct loop *
loop_new(const struct loop_clock *clock)
{
	struct loop *loop = xcalloc(1, sizeof *loop);

	if (clock != NULL)
		loop->clock = *clock;
	else
		loop->clock.now_ms = loop_monotonic;
	loop->pipe[0] = loop->pipe[1] = -1;
	loop->next_id = 1;
	return loop;
}

static void
loop_restore_signal(struct loop *loop, int signo)
{
	if (!loop->installed[signo])
		return;
	sigaction(signo, &loop->old[signo], NULL);
	loop->installed[signo] = false;
}

void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	for (int s = 1; s < NSIG; s++)
		loop_restore_signal(loop, s);
	if (loop_sig_owner == loop) {
		loop_sigfd = -1;
		loop_sig_owner = NULL;
	}
	if (loop->pipe[0] >= 0) {
		close(loop->pipe[0]);
		close(loop->pipe[1]);
	}
	free(loop->fds);
	free(loop->timers);
	free(loop->sigs);
	free(loop->pfds);
	free(loop->pids);
	free(loop);
}

uint64_t
loop_now(struct loop *loop)
{
	return loop->clock.now_ms(loop->clock.ctx);
}

static struct loop_fd *
loop_find_fd(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nfds; i++)
		if (loop->fds[i].id != 0 && loop->fds[i].fd == fd)
			return &loop->fds[i];
	return NULL;
}

int
loop_fd_add(struct loop *loop, int fd, unsigned interest, loop_fd_cb *cb, void *arg,
            struct df_error *err)
{
	if (fd < 0 || cb == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "loop: cannot watch fd %d without a callback", fd);
	if (loop_find_fd(loop, fd) != NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "loop: fd %d is already watched", fd);
	if (loop->nfds == loop->capfds) {
		loop->capfds = loop->capfds ? loop->capfds * 2 : 8;
		loop->fds = xreallocarray(loop->fds, loop->capfds, sizeof *loop->fds);
	}
	loop->fds[loop->nfds++] = (struct loop_fd){
		.fd = fd,
		.interest = interest & (LOOP_READ | LOOP_WRITE),
		.id = loop->next_id++,
		.cb = cb,
		.arg = arg,
	};
	return 0;
}

void
loop_fd_set(struct loop *loop, int fd, unsigned interest)
{
	struct loop_fd *f = loop_find_fd(loop, fd);

	if (f != NULL)
		f->interest = interest & (LOOP_READ | LOOP_WRITE);
}

void
loop_fd_remove(struct loop *loop, int fd)
{
	struct loop_fd *f = loop_find_fd(loop, fd);

	/* Only marked here: the dispatcher may be walking the array. */
	if (f != NULL)
		f->id = 0;
}

static void
loop_compact(struct loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->nfds; i++)
		if (loop->fds[i].id != 0)
			loop->fds[j++] = loop->fds[i];
	loop->nfds = j;
	j = 0;
	for (size_t i = 0; i < loop->nsigs; i++)
		if (loop->sigs[i].id != 0)
			loop->sigs[j++] = loop->sigs[i];
	loop->nsigs = j;
}

uint64_t
loop_timer_add(struct loop *loop, uint64_t delay_ms, loop_timer_cb *cb, void *arg)
{
	if (loop->ntimers == loop->captimers) {
		loop->captimers = loop->captimers ? loop->captimers * 2 : 8;
		loop->timers = xreallocarray(loop->timers, loop->captimers, sizeof *loop->timers);
	}
	uint64_t id = loop->next_id++;
	loop->timers[loop->ntimers++] = (struct loop_timer){
		.id = id,
		.deadline = loop_now(loop) + delay_ms,
		.cb = cb,
		.arg = arg,
	};
	return id;
}

void
loop_timer_cancel(struct loop *loop, uint64_t id)
{
	if (id == 0)
		return;
	for (size_t i = 0; i < loop->ntimers; i++) {
		if (loop->timers[i].id == id) {
			loop->timers[i] = loop->timers[--loop->ntimers];
			return;
		}
	}
}

int64_t
loop_next_timeout(struct loop *loop)
{
	if (loop->ntimers == 0)
		return -1;
	uint64_t first = loop->timers[0].deadline;
	for (size_t i = 1; i < loop->ntimers; i++)
		if (loop->timers[i].deadline < first)
			first = loop->timers[i].deadline;
	uint64_t now = loop_now(loop);
	return first <= now ? 0 : (int64_t)(first - now);
}

static void
loop_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (loop_sigfd >= 0)
		(void)!write(loop_sigfd, &b, 1);
	errno = saved;
}

static int
loop_open_pipe(struct loop *loop, struct df_error *err)
{
	if (loop->pipe[0] >= 0)
		return 0;
	if (loop_sig_owner != NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "loop: another loop already watches signals");
	if (pipe2(loop->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "loop: signal pipe: %s",
		                    strerror(errno));
	loop_sig_owner = loop;
	loop_sigfd = loop->pipe[1];
	return 0;
}

uint64_t
loop_signal_add(struct loop *loop, int signo, loop_signal_cb *cb, void *arg, struct df_error *err)
{
	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP || cb == NULL) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "loop: cannot watch signal %d",
		             signo);
		return 0;
	}
	if (loop_open_pipe(loop, err) < 0)
		return 0;
	if (!loop->installed[signo]) {
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = loop_handler;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
		if (sigaction(signo, &sa, &loop->old[signo]) < 0) {
			df_error_set(err, DF_FATAL, DF_E_IO, "loop: sigaction(%d): %s", signo,
			             strerror(errno));
			return 0;
		}
		loop->installed[signo] = true;
	}
	if (loop->nsigs == loop->capsigs) {
		loop->capsigs = loop->capsigs ? loop->capsigs * 2 : 4;
		loop->sigs = xreallocarray(loop->sigs, loop->capsigs, sizeof *loop->sigs);
	}
	uint64_t id = loop->next_id++;
	loop->sigs[loop->nsigs++] = (struct loop_sig){
		.id = id,
		.signo = signo,
		.cb = cb,
		.arg = arg,
	};
	return id;
}

void
loop_signal_remove(struct loop *loop, uint64_t id)
{
	int signo = 0;
	bool others = false;

	if (id == 0)
		return;
	for (size_t i = 0; i < loop->nsigs; i++) {
		if (loop->sigs[i].id == id) {
			signo = loop->sigs[i].signo;
			loop->sigs[i].id = 0;
		}
	}
	if (signo == 0)
		return;
	for (size_t i = 0; i < loop->nsigs; i++)
		if (loop->sigs[i].id != 0 && loop->sigs[i].signo == signo)
			others = true;
	if (!others)
		loop_restore_signal(loop, signo);
}

/* Run every registration for the signals read from the self-pipe. */
static int
loop_dispatch_signals(struct loop *loop)
{
	unsigned char buf[64];
	bool seen[NSIG] = { false };
	ssize_t n;
	int ran = 0;

	while ((n = read(loop->pipe[0], buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < NSIG)
				seen[buf[i]] = true;
	for (int s = 1; s < NSIG; s++) {
		if (!seen[s])
			continue;
		/* Registrations added by a callback wait for the next signal. */
		size_t count = loop->nsigs;
		for (size_t i = 0; i < count; i++) {
			struct loop_sig sig = loop->sigs[i];
			if (sig.id != 0 && sig.signo == s) {
				sig.cb(loop, s, sig.arg);
				ran++;
			}
		}
	}
	return ran;
}

static int
loop_dispatch_timers(struct loop *loop)
{
	uint64_t now = loop_now(loop);
	/* Timers added while dispatching (even with delay 0) wait for the next turn. */
	uint64_t last_id = loop->next_id;
	int ran = 0;

	for (;;) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < loop->ntimers; i++) {
			struct loop_timer *t = &loop->timers[i];
			if (t->deadline > now || t->id >= last_id)
				continue;
			if (best == SIZE_MAX || t->deadline < loop->timers[best].deadline ||
			    (t->deadline == loop->timers[best].deadline &&
			     t->id < loop->timers[best].id))
				best = i;
		}
		if (best == SIZE_MAX)
			return ran;
		struct loop_timer t = loop->timers[best];
		loop->timers[best] = loop->timers[--loop->ntimers];
		t.cb(loop, t.arg);
		ran++;
	}
}

int
loop_run_once(struct loop *loop, int timeout_ms, struct df_error *err)
{
	size_t n = 0;
	size_t want = loop->nfds + 1;
	int ran = 0;

	loop_compact(loop);
	if (want > loop->cappfds) {
		loop->cappfds = want * 2;
		loop->pfds = xreallocarray(loop->pfds, loop->cappfds, sizeof *loop->pfds);
		loop->pids = xreallocarray(loop->pids, loop->cappfds, sizeof *loop->pids);
	}
	if (loop->pipe[0] >= 0) {
		loop->pfds[n] = (struct pollfd){ .fd = loop->pipe[0], .events = POLLIN };
		loop->pids[n++] = 0;
	}
	for (size_t i = 0; i < loop->nfds; i++) {
		struct loop_fd *f = &loop->fds[i];
		short ev = 0;
		if (f->interest & LOOP_READ)
			ev |= POLLIN;
		if (f->interest & LOOP_WRITE)
			ev |= POLLOUT;
		/* An idle fd is left out: poll would still report its hang-ups. */
		if (ev == 0)
			continue;
		loop->pfds[n] = (struct pollfd){ .fd = f->fd, .events = ev };
		loop->pids[n++] = f->id;
	}

	int64_t next = loop_next_timeout(loop);
	int timeout = timeout_ms;
	if (next >= 0 && (timeout < 0 || next < timeout))
		timeout = next > 3600000 ? 3600000 : (int)next;

	int rc = poll(loop->pfds, n, timeout);
	if (rc < 0 && errno != EINTR)
		return df_error_set(err, DF_FATAL, DF_E_IO, "loop: poll: %s", strerror(errno));

	for (size_t i = 0; rc > 0 && i < n; i++) {
		struct pollfd *p = &loop->pfds[i];
		if (p->revents == 0)
			continue;
		if (loop->pids[i] == 0) {
			ran += loop_dispatch_signals(loop);
			continue;
		}
		struct loop_fd *f = NULL;
		for (size_t j = 0; j < loop->nfds; j++)
			if (loop->fds[j].id == loop->pids[i])
				f = &loop->fds[j];
		if (f == NULL) /* removed by an earlier callback this turn */
			continue;
		unsigned ev = 0;
		if (p->revents & POLLIN)
			ev |= LOOP_READ;
		if (p->revents & POLLOUT)
			ev |= LOOP_WRITE;
		if (p->revents & (POLLHUP | POLLERR | POLLNVAL))
			ev |= LOOP_HUP;
		/* Copy: the callback may add fds and move the array. */
		struct loop_fd call = *f;
		call.cb(loop, call.fd, ev, call.arg);
		ran++;
	}
	/* Signals that interrupted poll or arrived during a callback are handled this turn too. */
	if (loop->pipe[0] >= 0) {
		struct pollfd p = { .fd = loop->pipe[0], .events = POLLIN };
		if (poll(&p, 1, 0) > 0)
			ran += loop_dispatch_signals(loop);
	}
	ran += loop_dispatch_timers(loop);
	return ran;
}

int
loop_run(struct loop *loop, struct df_error *err)
{
	loop->stop = false;
	while (!loop->stop)
		if (loop_run_once(loop, -1, err) < 0)
			return -1;
	return 0;
}

void
loop_stop(struct loop *loop)
{
	loop->stop = true;
}
