/*
 * Slow work off the loop. DESIGN.md forbids git diffs and other slow work in
 * the loop that serves keys; a worker runs such jobs on a small pool of
 * threads and posts each result back through a pipe registered with the
 * loop, so the completion callback runs on the loop thread, in the loop's
 * ordinary dispatch, where it may touch the store, the engine and clients.
 *
 * A job function runs on a worker thread: it must touch nothing the loop
 * owns (no store, engine, client or loop calls), only what its argument
 * carries. The worker threads block every signal, so signals keep going to
 * the loop's self-pipe.
 */
#ifndef DEVFLOW_WORKER_H
#define DEVFLOW_WORKER_H

#include "error.h"
#include "loop.h"

struct worker;

/* Runs on a worker thread; returns the job's result (may be NULL). */
typedef void *worker_job_fn(void *arg);

/*
 * Runs on the loop thread once the job has finished, with the job's result.
 * cancelled is 1 when the worker is being freed (the job may not have run:
 * result is then NULL); the callback should then only release result and
 * arg. The callback owns result and arg.
 */
typedef void worker_done_fn(void *result, int cancelled, void *arg);

/*
 * A worker with at most nthreads (1..16) threads, started as jobs arrive,
 * posting to loop (borrowed; must outlive the worker). Returns NULL with
 * err (io_error) when the pipe cannot be made or registered.
 */
struct worker *worker_new(struct loop *loop, int nthreads, struct df_error *err);

/*
 * Queue a job: job(arg) runs on a worker thread (jobs start in submission
 * order), then done(result, 0, arg) on the loop thread. Returns 0, or -1
 * with err (io_error) when no thread can be started; neither function is
 * called then and arg stays the caller's.
 */
int worker_submit(struct worker *w, worker_job_fn *job, worker_done_fn *done, void *arg,
                  struct df_error *err);

/* Jobs queued or running, or finished but not yet delivered. */
int worker_pending(const struct worker *w);

/*
 * Stop: waits for the jobs that are running to return, then calls done with
 * cancelled = 1 for every job not delivered yet (queued ones with a NULL
 * result), joins the threads and frees everything. NULL is a no-op.
 */
void worker_free(struct worker *w);

#endif
