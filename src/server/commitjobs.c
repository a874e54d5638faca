/*
 * Phase commits on worker threads (see commitjobs.h). A job carries its own
 * copies of the spec; the thread touches only the job and the worktree it
 * names. Commits of different runs may run at once (different worktrees);
 * a run has one at a time, since the engine waits for it.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine/land.h"
#include "lib/fault.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "commitjobs.h"

#define COMMITJOBS_THREADS 2

struct job {
	struct commitjobs *cj; /* the loop side only */
	char *id, *phase_key, *root, *message, *step;
	char **ex;
	size_t nex;
	/* Filled on the worker thread: */
	int rc;
	char commit[LAND_OID_HEX];
	struct df_error err;
};

struct commitjobs {
	struct worker *w;
	commitjobs_done_fn *done;
	void *ctx;
	int closing;
};

static void
job_free(struct job *j)
{
	for (size_t i = 0; i < j->nex; i++)
		free(j->ex[i]);
	free(j->ex);
	free(j->id);
	free(j->phase_key);
	free(j->root);
	free(j->message);
	free(j->step);
	free(j);
}

/* Worker thread. */
static void *
job_run(void *arg)
{
	struct job *j = arg;

	df_error_clear(&j->err);
	j->rc = land_commit_worktree(j->root, j->message, j->step, (const char *const *)j->ex,
	                             j->nex, j->commit, &j->err);
	return j;
}

/* Loop thread. */
static void
job_done(void *result, int cancelled, void *arg)
{
	struct job *j = arg;
	struct commitjobs *cj = j->cj;

	(void)result;
	if (!cancelled && !cj->closing) {
		struct engine_commit_result r = { .rc = j->rc,
			                          .commit = j->commit,
			                          .error = j->rc < 0 ? j->err.message : NULL };

		/* The tests' kill -9 between the git commit and the event that records it. */
		if (j->rc >= 0 && fault_is("phase-committed", j->phase_key))
			raise(SIGKILL);
		cj->done(j->id, &r, cj->ctx);
	}
	job_free(j);
}

struct commitjobs *
commitjobs_new(struct loop *loop, commitjobs_done_fn *done, void *ctx, struct df_error *err)
{
	struct commitjobs *cj = xcalloc(1, sizeof(*cj));

	cj->w = worker_new(loop, COMMITJOBS_THREADS, err);
	if (cj->w == NULL) {
		free(cj);
		return NULL;
	}
	cj->done = done;
	cj->ctx = ctx;
	return cj;
}

int
commitjobs_start(struct commitjobs *cj, const struct engine_commit_spec *spec, struct df_error *err)
{
	struct job *j;

	/* The tests' kill -9 after phase.completed, before the commit. */
	if (fault_is("phase-completed", spec->phase_key))
		raise(SIGKILL);
	j = xcalloc(1, sizeof(*j));
	j->cj = cj;
	j->id = xstrdup(spec->commit_id);
	j->phase_key = xstrdup(spec->phase_key);
	j->root = xstrdup(spec->worktree);
	j->message = xstrdup(spec->message);
	j->step = xstrdup(spec->step);
	j->ex = xcalloc(spec->nexclude + 1, sizeof(*j->ex));
	for (size_t i = 0; i < spec->nexclude; i++)
		j->ex[j->nex++] = xstrdup(spec->exclude[i]);
	if (worker_submit(cj->w, job_run, job_done, j, err) != 0) {
		job_free(j);
		return -1;
	}
	return 0;
}

void
commitjobs_free(struct commitjobs *cj)
{
	if (cj == NULL)
		return;
	cj->closing = 1;
	worker_free(cj->w);
	free(cj);
}
