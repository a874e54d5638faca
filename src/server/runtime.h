/*
 * The runtime: everything the server process owns, assembled on one loop.
 * It opens the workspace's store, loads and stores the catalog, builds the
 * engine with a production host (wall clock, random UUIDs, timers on the
 * loop, committed events forwarded to the runtime's subscribers, check
 * commands and phase commits on worker threads: checkjobs.h, commitjobs.h),
 * the session driver (driver.h) and the artifact watcher (watch.h), and keeps
 * the watcher pointed at what each active run expects
 * (engine_expected_artifact, re-read after every committed event of that
 * run). The server adds its sockets to runtime_loop() and runs it.
 */
#ifndef DEVFLOW_RUNTIME_H
#define DEVFLOW_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "lib/error.h"
#include "lib/loop.h"
#include "store/store.h"
#include "driver.h"

struct runtime;

struct runtime_options {
	int max_concurrent_runs; /* 0: ENGINE_DEFAULT_MAX_CONCURRENT_RUNS */
	int restart_limit; /* restarts of a phase after a server restart; 0: default, -1: none */
	int64_t
	    phase_timeout_ms;   /* 0: ENGINE_DEFAULT_PHASE_TIMEOUT_MS (a phase's timeoutMs wins) */
	const char *share_dir;  /* NULL: paths_share_dir() */
	const char *config_dir; /* NULL: paths_config_dir(); "": built-ins only */
	unsigned grace_ms;      /* sessions' SIGTERM to SIGKILL; 0: 5000 */
	size_t max_artifact_bytes; /* 0: ENGINE_DEFAULT_MAX_ARTIFACT_BYTES */
	/*
	 * The runtime's owner receives `devflow hook` (the server's hook op): the
	 * backends' hooks are installed for their sessions (driver_options.hooks).
	 */
	bool hooks;
	const char *devflow_bin; /* "{devflow}" in backends; NULL: paths_bin_dir()/devflow */
	int64_t self_check_ms;   /* the engine's self-check period; 0: default, -1: none */
};

/*
 * Assemble the runtime for workspace (created 0700 when missing). opts may
 * be NULL for the defaults. The available backends are the catalog's
 * backends whose program is found (catalog_which). The loop becomes the
 * process's signal loop (SIGCHLD). Returns the runtime (free with
 * runtime_free), or NULL with err: the store's errors (workspace_permissions,
 * database_*), the catalog's (io_error, catalog_invalid, ...), io_error when
 * inotify is unavailable.
 */
struct runtime *runtime_new(const char *workspace, const struct runtime_options *opts,
                            struct df_error *err);

/*
 * Server start: engine_recover (runs waiting for a person stay, working runs
 * whose session died with the previous server restart their phase or fail,
 * terminal runs without a report get one), then watch what each active run
 * expects. Returns 0, or -1 with err when the store cannot be read.
 */
int runtime_recover(struct runtime *rt, struct df_error *err);

/* The parts; owned by the runtime. */
struct loop *runtime_loop(struct runtime *rt);
struct engine *runtime_engine(struct runtime *rt);
struct store *runtime_store(struct runtime *rt);
struct driver *runtime_driver(struct runtime *rt);

/* The names of the available backends (owned by the runtime) and their count. */
const char *const *runtime_backends(struct runtime *rt, size_t *n);

/*
 * Call cb for every committed run event, after the commit (ev is valid for
 * the call only). Several subscribers may register; they are called in
 * order. A callback may call the engine (the engine queues what arrives
 * inside a step).
 */
typedef void runtime_event_cb(const struct store_event *ev, void *ctx);
void runtime_on_event(struct runtime *rt, runtime_event_cb *cb, void *ctx);

/*
 * Call cb for every run the engine's self-check found stranded (see
 * engine_self_check; the strings are valid for the call only). One
 * callback; a second call replaces it, NULL removes it.
 */
typedef void runtime_stranded_cb(const char *run_id, const char *state, const char *what,
                                 void *ctx);
void runtime_on_stranded(struct runtime *rt, runtime_stranded_cb *cb, void *ctx);

/*
 * The last asynchronous step failure (a session that could not start, a
 * store error while reacting), or NULL when none; and how many there were.
 */
const struct df_error *runtime_last_failure(struct runtime *rt, int *count);

/* What a reload found: how many templates, personas and backends, and how many are available. */
struct runtime_reload {
	size_t templates, personas, backends, available;
};

/*
 * Load the catalog again from the folders it came from (the user's new or
 * changed templates, personas, backends and schemas), check it and store it
 * (catalog_load, catalog_store: all or nothing); only then does the engine
 * use it, with the available backends found anew. On any error the catalog
 * in use stays, and err names the file and what is wrong. *r (may be NULL)
 * gets the counts. Returns 0 or -1 with err.
 */
int runtime_reload(struct runtime *rt, struct runtime_reload *r, struct df_error *err);

/*
 * The runtime watches the user's configuration folder (and its templates/,
 * personas/, backends/ and schemas/, also when they appear later; inotify)
 * and reloads by itself a moment after a .json file there changes. cb is
 * told each such reload's outcome: r on success, else err (the old catalog
 * stays). One callback; a second call replaces it, NULL removes it.
 */
typedef void runtime_reload_cb(const struct runtime_reload *r, const struct df_error *err,
                               void *ctx);
void runtime_on_reload(struct runtime *rt, runtime_reload_cb *cb, void *ctx);

/*
 * Stop every session cleanly (SIGTERM, grace, SIGKILL; their runs are left
 * for the next server's recovery), then free everything. NULL is a no-op.
 */
void runtime_free(struct runtime *rt);

#endif
