/*
 * The server's check runner: each check command (engine host op
 * check_start) runs with checkrun_exec on a worker thread of its own pool,
 * never on the loop, and its result is handed back on the loop thread.
 * Freeing the runner kills the commands still running (SIGKILL to their
 * process groups) and waits for their threads.
 */
#ifndef DEVFLOW_CHECKJOBS_H
#define DEVFLOW_CHECKJOBS_H

#include "engine/checkrun.h"
#include "engine/engine.h"
#include "lib/error.h"
#include "lib/loop.h"

struct checkjobs;

/* On the loop thread: check_id ended with res (valid for the call only). */
typedef void checkjobs_done_fn(const char *check_id, const struct engine_check_result *res,
                               void *ctx);

/* A runner posting to loop (borrowed), or NULL with err (io_error). */
struct checkjobs *checkjobs_new(struct loop *loop, checkjobs_done_fn *done, void *ctx,
                                struct df_error *err);

/* Run spec (copied) off the loop; 0, or -1 with err when no thread can take it. */
int checkjobs_start(struct checkjobs *cj, const struct engine_check_spec *spec,
                    struct df_error *err);

/* Kill the command of check_id now (its process group) and drop its result; unknown ids: nothing.
 */
void checkjobs_cancel(struct checkjobs *cj, const char *check_id);

/* Kill what still runs, wait for it, free. NULL is a no-op. done is not called any more. */
void checkjobs_free(struct checkjobs *cj);

#endif
