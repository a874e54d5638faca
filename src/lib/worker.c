/*
 * The worker pool: a job queue and a done list under one mutex, threads
 * started on demand up to a cap, and a non-blocking pipe whose read end the
 * loop watches. A thread that finishes a job moves it to the done list and
 * writes one byte; the loop side drains the pipe and delivers every finished
 * job in the order they finished.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"
#include "xalloc.h"

#define WORKER_MAX_THREADS 16

struct job {
	worker_job_fn *fn;
	worker_done_fn *done;
	void *arg, *result;
	struct job *next;
};

struct worker {
	struct loop *loop;
	int pipe_r, pipe_w;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *queue, **queue_tail; /* not started */
	struct job *done, **done_tail;   /* finished, not delivered */
	int running;                     /* jobs a thread holds */
	int stopping;
	int idle; /* threads waiting for a job */
	pthread_t threads[WORKER_MAX_THREADS];
	int nthreads, max_threads;
};

static void *
thread_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *j;

		while (w->queue == NULL && !w->stopping) {
			w->idle++;
			pthread_cond_wait(&w->cv, &w->mu);
			w->idle--;
		}
		if (w->stopping)
			break;
		j = w->queue;
		w->queue = j->next;
		if (w->queue == NULL)
			w->queue_tail = &w->queue;
		j->next = NULL;
		w->running++;
		pthread_mutex_unlock(&w->mu);

		j->result = j->fn(j->arg);

		pthread_mutex_lock(&w->mu);
		w->running--;
		*w->done_tail = j;
		w->done_tail = &j->next;
		/* One byte per job; a full pipe already wakes the loop, so EAGAIN is fine. */
		if (write(w->pipe_w, "", 1) < 0) {
		}
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Take the finished jobs, oldest first; the caller delivers them. */
static struct job *
take_done(struct worker *w)
{
	struct job *list;

	pthread_mutex_lock(&w->mu);
	list = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->mu);
	return list;
}

static void
pipe_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct worker *w = arg;
	char drain[256];
	struct job *list;

	(void)loop;
	(void)events;
	while (read(fd, drain, sizeof drain) > 0)
		;
	list = take_done(w);
	while (list != NULL) {
		struct job *j = list;

		list = j->next;
		j->done(j->result, 0, j->arg);
		free(j);
	}
}

static int
set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	               fcntl(fd, F_SETFD, FD_CLOEXEC) < 0
	           ? -1
	           : 0;
}

struct worker *
worker_new(struct loop *loop, int nthreads, struct df_error *err)
{
	struct worker *w;
	int p[2];

	if (loop == NULL || nthreads < 1 || nthreads > WORKER_MAX_THREADS) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "worker: a loop and 1..%d threads are required", WORKER_MAX_THREADS);
		return NULL;
	}
	if (pipe(p) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "worker: pipe: %s", strerror(errno));
		return NULL;
	}
	if (set_flags(p[0]) != 0 || set_flags(p[1]) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "worker: fcntl: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->pipe_r = p[0];
	w->pipe_w = p[1];
	w->max_threads = nthreads;
	w->queue_tail = &w->queue;
	w->done_tail = &w->done;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (loop_fd_add(loop, w->pipe_r, LOOP_READ, pipe_readable, w, err) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		close(p[0]);
		close(p[1]);
		free(w);
		return NULL;
	}
	return w;
}

/* Start one more thread with every signal blocked; called with the mutex held. */
static int
start_thread(struct worker *w, struct df_error *err)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->threads[w->nthreads], NULL, thread_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return df_error_set(err, DF_FATAL, DF_E_IO, "worker: cannot start a thread: %s",
		                    strerror(rc));
	w->nthreads++;
	return 0;
}

int
worker_submit(struct worker *w, worker_job_fn *job, worker_done_fn *done, void *arg,
              struct df_error *err)
{
	struct job *j;
	int queued = 0;

	pthread_mutex_lock(&w->mu);
	for (struct job *q = w->queue; q != NULL; q = q->next)
		queued++;
	if (w->idle <= queued && w->nthreads < w->max_threads) {
		struct df_error e2;

		/* Without a new thread the job waits for a busy one, unless there is none. */
		if (start_thread(w, &e2) != 0 && w->nthreads == 0) {
			pthread_mutex_unlock(&w->mu);
			if (err != NULL)
				*err = e2;
			return -1;
		}
	}
	j = xcalloc(1, sizeof(*j));
	j->fn = job;
	j->done = done;
	j->arg = arg;
	*w->queue_tail = j;
	w->queue_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
worker_pending(const struct worker *w)
{
	struct worker *m = (struct worker *)w;
	int n;

	pthread_mutex_lock(&m->mu);
	n = m->running;
	for (struct job *j = m->queue; j != NULL; j = j->next)
		n++;
	for (struct job *j = m->done; j != NULL; j = j->next)
		n++;
	pthread_mutex_unlock(&m->mu);
	return n;
}

void
worker_free(struct worker *w)
{
	struct job *queued, *list;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	/* Queued jobs never start; running ones finish into the done list. */
	queued = w->queue;
	w->queue = NULL;
	w->queue_tail = &w->queue;
	while (w->running > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	loop_fd_remove(w->loop, w->pipe_r);
	list = take_done(w);
	while (list != NULL) {
		struct job *j = list;

		list = j->next;
		j->done(j->result, 1, j->arg);
		free(j);
	}
	while (queued != NULL) {
		struct job *j = queued;

		queued = j->next;
		j->done(NULL, 1, j->arg);
		free(j);
	}
	close(w->pipe_r);
	close(w->pipe_w);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
