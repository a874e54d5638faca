/*
 * The server's phase commits: each commit the engine asks for (host op
 * commit_start) runs land_commit_worktree on a worker thread of its own
 * pool, never on the loop (a big tree takes seconds to stage), and its
 * result is handed back on the loop thread. Freeing the runner waits for
 * the commits under way; their results are dropped (the next server's
 * recovery commits again, and land_commit_worktree finds what was made).
 */
#ifndef DEVFLOW_COMMITJOBS_H
#define DEVFLOW_COMMITJOBS_H

#include "engine/engine.h"
#include "lib/error.h"
#include "lib/loop.h"

struct commitjobs;

/* On the loop thread: commit_id ended with res (valid for the call only). */
typedef void commitjobs_done_fn(const char *commit_id, const struct engine_commit_result *res,
                                void *ctx);

/* A runner posting to loop (borrowed), or NULL with err (io_error). */
struct commitjobs *commitjobs_new(struct loop *loop, commitjobs_done_fn *done, void *ctx,
                                  struct df_error *err);

/*
 * Commit spec (copied) off the loop; 0, or -1 with err when no thread can
 * take it. For the tests, DEVFLOW_TEST_FAULT=phase-completed:<phase key>
 * kills the server here (SIGKILL: after phase.completed, before the
 * commit), and phase-committed:<phase key> once the commit is made, before
 * its result is recorded.
 */
int commitjobs_start(struct commitjobs *cj, const struct engine_commit_spec *spec,
                     struct df_error *err);

/* Wait for the commits under way, drop their results, free. NULL is a no-op. */
void commitjobs_free(struct commitjobs *cj);

#endif
