/*
 * Check commands on worker threads (see checkjobs.h). A job carries its own
 * copies of the spec; the thread touches only the job and the files it
 * names. Up to CHECKJOBS_THREADS run at once (runs have one check running at
 * a time each; more runs queue).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/worker.h"
#include "lib/xalloc.h"
#include "checkjobs.h"

#define CHECKJOBS_THREADS 4

struct job {
	struct checkjobs *cj; /* the loop side only */
	char *id, *cwd, *out;
	char **argv;
	int64_t timeout_ms;
	size_t max_output;
	volatile int cancel;
	int dropped;      /* the loop side: its result is not wanted (checkjobs_cancel) */
	struct job *next; /* outstanding jobs, for cancelling at the end */
	/* Filled on the worker thread: */
	int rc;
	struct df_error err;
	struct checkrun_result res;
};

struct checkjobs {
	struct worker *w;
	checkjobs_done_fn *done;
	void *ctx;
	struct job *jobs;
	int closing;
};

static void
job_free(struct job *j)
{
	for (size_t i = 0; j->argv && j->argv[i]; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->id);
	free(j->cwd);
	free(j->out);
	free(j);
}

/* Worker thread. */
static void *
job_run(void *arg)
{
	struct job *j = arg;
	struct checkrun_spec spec = { .argv = (const char *const *)j->argv,
		                      .cwd = j->cwd,
		                      .output_path = j->out,
		                      .timeout_ms = j->timeout_ms,
		                      .max_output = j->max_output,
		                      .cancel = &j->cancel };

	df_error_clear(&j->err);
	j->rc = checkrun_exec(&spec, &j->res, &j->err);
	return j;
}

/* Loop thread. */
static void
job_done(void *result, int cancelled, void *arg)
{
	struct job *j = arg, **pp;
	struct checkjobs *cj = j->cj;

	(void)result;
	for (pp = &cj->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (!cancelled && !cj->closing && !j->dropped) {
		struct engine_check_result r = { 0 };

		if (j->rc != 0) {
			r.exit_code = -1;
			r.error = j->err.message;
		} else {
			r.exit_code = j->res.exit_code;
			r.signal = j->res.signal;
			r.timed_out = j->res.timed_out;
			r.duration_ms = j->res.duration_ms;
			r.output_bytes = j->res.output_bytes;
			r.capped = j->res.capped;
			r.tail = j->res.tail;
		}
		cj->done(j->id, &r, cj->ctx);
	}
	job_free(j);
}

struct checkjobs *
checkjobs_new(struct loop *loop, checkjobs_done_fn *done, void *ctx, struct df_error *err)
{
	struct checkjobs *cj = xcalloc(1, sizeof(*cj));

	cj->w = worker_new(loop, CHECKJOBS_THREADS, err);
	if (cj->w == NULL) {
		free(cj);
		return NULL;
	}
	cj->done = done;
	cj->ctx = ctx;
	return cj;
}

int
checkjobs_start(struct checkjobs *cj, const struct engine_check_spec *spec, struct df_error *err)
{
	struct job *j = xcalloc(1, sizeof(*j));
	size_t n = 0;

	while (spec->argv[n])
		n++;
	j->cj = cj;
	j->id = xstrdup(spec->check_id);
	j->cwd = xstrdup(spec->cwd);
	j->out = xstrdup(spec->output_path);
	j->argv = xcalloc(n + 1, sizeof(*j->argv));
	for (size_t i = 0; i < n; i++)
		j->argv[i] = xstrdup(spec->argv[i]);
	j->timeout_ms = spec->timeout_ms;
	j->max_output = spec->max_output;
	if (worker_submit(cj->w, job_run, job_done, j, err) != 0) {
		job_free(j);
		return -1;
	}
	j->next = cj->jobs;
	cj->jobs = j;
	return 0;
}

void
checkjobs_cancel(struct checkjobs *cj, const char *check_id)
{
	for (struct job *j = cj->jobs; j; j = j->next)
		if (strcmp(j->id, check_id) == 0) {
			j->cancel = 1;
			j->dropped = 1;
		}
}

void
checkjobs_free(struct checkjobs *cj)
{
	if (cj == NULL)
		return;
	cj->closing = 1;
	/* The commands end at once; worker_free then waits for their threads. */
	for (struct job *j = cj->jobs; j; j = j->next)
		j->cancel = 1;
	worker_free(cj->w);
	free(cj);
}
