/* The poll() reactor: fds, timers on a fake clock, signals through the self-pipe. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/loop.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static const struct loop_clock fake = { fake_clock, NULL };

struct record {
	char log[256];
	struct loop *loop;
	uint64_t other;
};

static void
note(struct record *r, const char *s)
{
	strncat(r->log, s, sizeof r->log - strlen(r->log) - 1);
}

static void
timer_a(struct loop *loop, void *arg)
{
	(void)loop;
	note(arg, "a");
}

static void
timer_b(struct loop *loop, void *arg)
{
	(void)loop;
	note(arg, "b");
}

static void
timer_c(struct loop *loop, void *arg)
{
	(void)loop;
	note(arg, "c");
}

static void
test_timers_fire_in_deadline_order(void **state)
{
	struct record r = { "", NULL, 0 };
	struct loop *loop;

	(void)state;
	fake_now = 1000;
	loop = loop_new(&fake);
	loop_timer_add(loop, 30, timer_c, &r);
	loop_timer_add(loop, 10, timer_a, &r);
	loop_timer_add(loop, 20, timer_b, &r);
	assert_int_equal(loop_next_timeout(loop), 10);
	assert_int_equal(loop_run_once(loop, 0, NULL), 0);
	assert_string_equal(r.log, "");
	fake_now = 1020;
	assert_int_equal(loop_next_timeout(loop), 0);
	assert_int_equal(loop_run_once(loop, 0, NULL), 2);
	assert_string_equal(r.log, "ab");
	assert_int_equal(loop_next_timeout(loop), 10);
	fake_now = 5000;
	assert_int_equal(loop_run_once(loop, 0, NULL), 1);
	assert_string_equal(r.log, "abc");
	assert_int_equal(loop_next_timeout(loop), -1);
	loop_free(loop);
}

static void
test_timer_cancel(void **state)
{
	struct record r = { "", NULL, 0 };
	struct loop *loop;

	(void)state;
	fake_now = 0;
	loop = loop_new(&fake);
	uint64_t a = loop_timer_add(loop, 5, timer_a, &r);
	loop_timer_add(loop, 5, timer_b, &r);
	assert_true(a != 0);
	loop_timer_cancel(loop, a);
	loop_timer_cancel(loop, 0);
	loop_timer_cancel(loop, 999);
	fake_now = 5;
	assert_int_equal(loop_run_once(loop, 0, NULL), 1);
	assert_string_equal(r.log, "b");
	loop_free(loop);
}

static void
rearm(struct loop *loop, void *arg)
{
	struct record *r = arg;

	note(r, "r");
	loop_timer_add(loop, 0, rearm, r);
}

static void
test_zero_delay_timer_added_in_callback_waits_a_turn(void **state)
{
	struct record r = { "", NULL, 0 };
	struct loop *loop;

	(void)state;
	fake_now = 0;
	loop = loop_new(&fake);
	loop_timer_add(loop, 0, rearm, &r);
	assert_int_equal(loop_run_once(loop, 0, NULL), 1);
	assert_int_equal(loop_run_once(loop, 0, NULL), 1);
	assert_string_equal(r.log, "rr");
	loop_free(loop);
}

static void
cancel_other(struct loop *loop, void *arg)
{
	struct record *r = arg;

	note(r, "x");
	loop_timer_cancel(loop, r->other);
}

static void
test_timer_cancelled_by_earlier_timer(void **state)
{
	struct record r = { "", NULL, 0 };
	struct loop *loop;

	(void)state;
	fake_now = 0;
	loop = loop_new(&fake);
	loop_timer_add(loop, 1, cancel_other, &r);
	r.other = loop_timer_add(loop, 2, timer_a, &r);
	fake_now = 10;
	assert_int_equal(loop_run_once(loop, 0, NULL), 1);
	assert_string_equal(r.log, "x");
	loop_free(loop);
}

struct fdrec {
	int reads;
	int writes;
	int other_fd;
	char got[32];
};

static void
on_read(struct loop *loop, int fd, unsigned ev, void *arg)
{
	struct fdrec *f = arg;

	if (ev & LOOP_READ) {
		ssize_t n = read(fd, f->got, sizeof f->got - 1);
		if (n > 0)
			f->got[n] = 0;
		f->reads++;
	}
	if (f->other_fd >= 0)
		loop_fd_remove(loop, f->other_fd);
}

static void
on_write(struct loop *loop, int fd, unsigned ev, void *arg)
{
	struct fdrec *f = arg;

	(void)fd;
	if (ev & LOOP_WRITE)
		f->writes++;
	loop_fd_set(loop, fd, 0);
}

static void
test_fd_read_write_interest(void **state)
{
	int p[2];
	struct fdrec f = { 0, 0, -1, "" };
	struct df_error err;
	struct loop *loop = loop_new(NULL);

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_add(loop, p[0], LOOP_READ, on_read, &f, &err), 0);
	assert_int_equal(loop_fd_add(loop, p[0], LOOP_READ, on_read, &f, &err), -1);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(loop_fd_add(loop, -1, LOOP_READ, on_read, &f, &err), -1);
	assert_int_equal(loop_fd_add(loop, p[1], LOOP_WRITE, on_write, &f, &err), 0);
	assert_int_equal(loop_run_once(loop, 1000, NULL), 1);
	assert_int_equal(f.writes, 1);
	/* Write interest dropped: the next turn times out. */
	assert_int_equal(loop_run_once(loop, 10, NULL), 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(loop_run_once(loop, 1000, NULL), 1);
	assert_int_equal(f.reads, 1);
	assert_string_equal(f.got, "hello");
	loop_fd_remove(loop, p[0]);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(loop, 10, NULL), 0);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}

static void
test_callback_removes_other_ready_fd(void **state)
{
	int p[2], q[2];
	struct fdrec f1 = { 0, 0, -1, "" }, f2 = { 0, 0, -1, "" };
	struct loop *loop = loop_new(NULL);

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	f1.other_fd = q[0];
	f2.other_fd = p[0];
	assert_int_equal(loop_fd_add(loop, p[0], LOOP_READ, on_read, &f1, NULL), 0);
	assert_int_equal(loop_fd_add(loop, q[0], LOOP_READ, on_read, &f2, NULL), 0);
	assert_int_equal(write(p[1], "a", 1), 1);
	assert_int_equal(write(q[1], "b", 1), 1);
	/* Both are ready; whichever runs first removes the other. */
	assert_int_equal(loop_run_once(loop, 1000, NULL), 1);
	assert_int_equal(f1.reads + f2.reads, 1);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void
test_poll_sleeps_until_timer(void **state)
{
	struct record r = { "", NULL, 0 };
	struct loop *loop = loop_new(NULL);
	struct timespec a, b;

	(void)state;
	loop_timer_add(loop, 50, timer_a, &r);
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* Infinite timeout, but the timer bounds the sleep. */
	while (r.log[0] == 0)
		assert_true(loop_run_once(loop, -1, NULL) >= 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 49);
	assert_true(ms < 1000);
	loop_free(loop);
}

struct sigrec {
	int count;
	int last;
};

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	struct sigrec *s = arg;

	s->count++;
	s->last = signo;
	loop_stop(loop);
}

static void
test_signals_through_self_pipe(void **state)
{
	struct sigrec s1 = { 0, 0 }, s2 = { 0, 0 };
	struct df_error err;
	struct loop *loop = loop_new(NULL);
	struct loop *other = loop_new(NULL);

	(void)state;
	uint64_t a = loop_signal_add(loop, SIGCHLD, on_signal, &s1, &err);
	uint64_t b = loop_signal_add(loop, SIGCHLD, on_signal, &s2, &err);
	assert_true(a != 0 && b != 0);
	assert_int_equal(loop_signal_add(loop, SIGKILL, on_signal, &s1, &err), 0);
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_int_equal(loop_signal_add(other, SIGUSR1, on_signal, &s1, &err), 0);
	loop_free(other);

	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	assert_int_equal(loop_run(loop, NULL), 0);
	assert_int_equal(s1.count, 1);
	assert_int_equal(s2.count, 1);
	assert_int_equal(s1.last, SIGCHLD);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 3);

	loop_signal_remove(loop, a);
	uint64_t t = loop_signal_add(loop, SIGUSR1, on_signal, &s1, &err);
	assert_true(t != 0);
	raise(SIGUSR1);
	assert_int_equal(loop_run(loop, NULL), 0);
	assert_int_equal(s1.count, 2);
	assert_int_equal(s1.last, SIGUSR1);
	loop_signal_remove(loop, t);
	loop_signal_remove(loop, b);
	loop_free(loop);

	/* The old disposition is back: SIGUSR1 ignored stays ignored. */
	signal(SIGUSR1, SIG_IGN);
	loop = loop_new(NULL);
	t = loop_signal_add(loop, SIGUSR1, on_signal, &s1, &err);
	loop_free(loop);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	assert_true(sa.sa_handler == SIG_IGN);
	signal(SIGUSR1, SIG_DFL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_zero_delay_timer_added_in_callback_waits_a_turn),
		cmocka_unit_test(test_timer_cancelled_by_earlier_timer),
		cmocka_unit_test(test_fd_read_write_interest),
		cmocka_unit_test(test_callback_removes_other_ready_fd),
		cmocka_unit_test(test_poll_sleeps_until_timer),
		cmocka_unit_test(test_signals_through_self_pipe),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
