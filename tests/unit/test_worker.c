/* The worker pool: jobs off the loop, results delivered on the loop thread, the loop responsive
 * meanwhile. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/loop.h"
#include "lib/worker.h"
#include "lib/xalloc.h"

struct gate {
	int fds[2]; /* the job blocks reading fds[0] until the test writes fds[1] */
	int value;
	pthread_t ran_on;
};

struct outcome {
	int calls, cancelled;
	int value;
	pthread_t done_on;
	char order[32];
};

static struct outcome out;

static void *
job_square(void *arg)
{
	struct gate *g = arg;
	int *r = xmalloc(sizeof(*r));

	g->ran_on = pthread_self();
	*r = g->value * g->value;
	return r;
}

static void *
job_blocking(void *arg)
{
	struct gate *g = arg;
	char c;
	int *r = xmalloc(sizeof(*r));

	g->ran_on = pthread_self();
	/* Slow work: as long as the test keeps the gate shut. */
	while (read(g->fds[0], &c, 1) < 0)
		;
	*r = g->value + 1;
	return r;
}

static void
done_cb(void *result, int cancelled, void *arg)
{
	struct gate *g = arg;
	size_t n = strlen(out.order);

	out.calls++;
	out.cancelled += cancelled;
	out.done_on = pthread_self();
	if (result != NULL)
		out.value = *(int *)result;
	if (n + 1 < sizeof out.order)
		out.order[n] = (char)('0' + g->value % 10);
	free(result);
}

static void
tick(struct loop *loop, void *arg)
{
	(void)loop;
	(*(int *)arg)++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&out, 0, sizeof out);
	return 0;
}

static void
run_until(struct loop *loop, int calls)
{
	for (int i = 0; i < 500 && out.calls < calls; i++)
		assert_true(loop_run_once(loop, 20, NULL) >= 0);
	assert_int_equal(out.calls, calls);
}

static void
test_result_on_loop_thread(void **state)
{
	struct loop *loop = loop_new(NULL);
	struct worker *w = worker_new(loop, 2, NULL);
	struct gate g = { .value = 7 };

	(void)state;
	assert_non_null(w);
	assert_int_equal(worker_submit(w, job_square, done_cb, &g, NULL), 0);
	run_until(loop, 1);
	assert_int_equal(out.value, 49);
	assert_int_equal(out.cancelled, 0);
	assert_true(pthread_equal(out.done_on, pthread_self()));
	assert_false(pthread_equal(g.ran_on, pthread_self()));
	assert_int_equal(worker_pending(w), 0);
	worker_free(w);
	loop_free(loop);
}

static void
test_loop_responsive_while_job_runs(void **state)
{
	struct loop *loop = loop_new(NULL);
	struct worker *w = worker_new(loop, 1, NULL);
	struct gate g = { .value = 41 };
	int ticks = 0;

	(void)state;
	assert_int_equal(pipe(g.fds), 0);
	assert_int_equal(worker_submit(w, job_blocking, done_cb, &g, NULL), 0);
	/* The job holds its thread; timers keep firing on the loop. */
	for (int i = 0; i < 5; i++) {
		loop_timer_add(loop, 1, tick, &ticks);
		while (ticks <= i)
			assert_true(loop_run_once(loop, 100, NULL) >= 0);
	}
	assert_int_equal(ticks, 5);
	assert_int_equal(out.calls, 0);
	assert_int_equal(worker_pending(w), 1);
	assert_int_equal(write(g.fds[1], "x", 1), 1);
	run_until(loop, 1);
	assert_int_equal(out.value, 42);
	worker_free(w);
	loop_free(loop);
	close(g.fds[0]);
	close(g.fds[1]);
}

static void
test_jobs_start_in_order(void **state)
{
	struct loop *loop = loop_new(NULL);
	struct worker *w = worker_new(loop, 1, NULL);
	struct gate g[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		g[i].value = i + 1;
		assert_int_equal(worker_submit(w, job_square, done_cb, &g[i], NULL), 0);
	}
	run_until(loop, 4);
	assert_string_equal(out.order, "1234");
	worker_free(w);
	loop_free(loop);
}

static void
test_free_cancels_undelivered(void **state)
{
	struct loop *loop = loop_new(NULL);
	struct worker *w = worker_new(loop, 1, NULL);
	struct gate slow = { .value = 5 }, queued = { .value = 6 };

	(void)state;
	assert_int_equal(pipe(slow.fds), 0);
	assert_int_equal(worker_submit(w, job_blocking, done_cb, &slow, NULL), 0);
	assert_int_equal(worker_submit(w, job_square, done_cb, &queued, NULL), 0);
	/* Let the slow job start, then release it just as the worker is freed. */
	while (worker_pending(w) != 2 || slow.ran_on == 0)
		usleep(1000);
	assert_int_equal(write(slow.fds[1], "x", 1), 1);
	worker_free(w);
	/* Both delivered as cancelled: the finished one with its result, the queued one without. */
	assert_int_equal(out.calls, 2);
	assert_int_equal(out.cancelled, 2);
	loop_free(loop);
	close(slow.fds[0]);
	close(slow.fds[1]);
}

static void
test_bad_arguments(void **state)
{
	struct loop *loop = loop_new(NULL);
	struct df_error err;

	(void)state;
	assert_null(worker_new(loop, 0, &err));
	assert_int_equal(err.code, DF_E_INVALID_ARGUMENT);
	assert_null(worker_new(NULL, 1, &err));
	assert_null(worker_new(loop, 17, &err));
	worker_free(NULL);
	loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_result_on_loop_thread, setup),
		cmocka_unit_test_setup(test_loop_responsive_while_job_runs, setup),
		cmocka_unit_test_setup(test_jobs_start_in_order, setup),
		cmocka_unit_test_setup(test_free_cancels_undelivered, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
