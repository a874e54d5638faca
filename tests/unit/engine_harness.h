/*
 * A test bench for the engine: a temporary workspace with a real SQLite
 * store loaded with the built-in catalog, a real git repository, a fake
 * host (a clock the test advances, deterministic ids, a manual timer list)
 * and a scripted session driver that, per phase key, writes artifact files
 * into the worktree and reports idle or exit when it receives instructions.
 */
#ifndef DEVFLOW_ENGINE_HARNESS_H
#define DEVFLOW_ENGINE_HARNESS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/catalog.h"
#include "engine/engine.h"
#include "store/store.h"

enum h_event { H_NONE, H_IDLE, H_EXIT };

struct h_resp {
	char *phase_key;
	char *content;  /* NULL: write nothing */
	char *fix_path; /* NULL: none; else a file (relative to the worktree) written too */
	char *fix_content;
	enum h_event event;
	int used;
};

struct h_sess {
	char id[ENGINE_ID_MAX], run_id[ENGINE_ID_MAX], phase_id[ENGINE_ID_MAX];
	char cwd[PATH_MAX];
	char resume[128]; /* the spec's resume_conversation; "" when NULL */
	int alive, started;
	int gone; /* started by a server that died: this one does not know it */
};

struct h_timer {
	uint64_t id;
	int64_t due;
	int active;
};

/* A check the engine asked the harness's host to run. */
struct h_check {
	char id[160];
	char **argv;
	char cwd[PATH_MAX], out[PATH_MAX];
	int64_t timeout_ms;
	size_t max_output;
};

/* A phase commit the engine asked the harness's host for. */
struct h_commit {
	char id[160], phase_key[64];
	char root[PATH_MAX], message[512], step[160];
	char **ex; /* NULL-terminated */
	size_t nex;
};

struct harness {
	char dir[64];
	char *ws, *repo, *dbpath;
	struct store *st;
	struct catalog *cat;
	struct engine *e;
	int64_t now;
	unsigned long next_id;
	char idprefix[16];
	struct h_timer timers[4096];
	size_t ntimers;
	struct h_resp resp[64];
	size_t nresp;
	struct h_sess sess[64];
	size_t nsess;
	char *texts[128];
	size_t ntexts;
	int notified;
	int step_failures;
	struct df_error last_step_error;
	int max_runs;
	size_t max_artifact_bytes; /* the engine's limit; 0: the default */
	int restart_limit;
	int64_t self_check_ms; /* engine_config.self_check_ms */
	int stranded;          /* runs the engine's self-check reported */
	char stranded_run[ENGINE_ID_MAX], stranded_what[256];
	int no_schemas;      /* engine without a schema registry */
	int fail_start;      /* the driver refuses to start sessions */
	int ghost_backend;   /* also list "ghost", a backend the catalog does not have */
	const char *backend; /* h_start binds every role to it; NULL: "fake" */
	/* Checks the engine asked for: run at once (checkrun_exec) unless checks_hold. */
	struct h_check checks[32];
	size_t nchecks;
	int checks_hold;
	int checks_started;
	int checks_cancelled; /* check_cancel calls (a held check is dropped) */
	int no_check_runner;  /* the host has no check_start (nor commit_start) */
	/*
	 * Phase commits the engine asked for (commit_start): made at once with
	 * land_commit_worktree (the result comes back within the step that
	 * asked), or kept until h_run_commits when commits_hold is set.
	 */
	struct h_commit commits[16];
	size_t ncommits;
	int commits_hold;
	int commits_started;
	int commits_refuse; /* commit_start fails (no thread could take it) */
	/* Optional: called for every committed event (the server's tests push them). */
	void (*on_event)(void *ctx, const struct store_event *ev);
	void *on_event_ctx;
};

/* Set up (dir, store, catalog, repo with one commit on main, engine). */
struct harness *h_new(void);
/* (Re)create the engine on the harness's store (a "server restart" keeps sessions' liveness). */
void h_engine(struct harness *h);
void h_free(struct harness *h);

/*
 * A server restart: the engine is made anew and recovers. Unless
 * sessions_survive, every session dies with the old server and the new one
 * does not know them (send answers invalid_argument, as the real driver);
 * timers die either way.
 */
void h_restart(struct harness *h, int sessions_survive);

/*
 * A start request on repo at base with the requirements "x" and every role
 * pinned to the fake backend; the request's other fields are left as they are.
 */
void h_fake_request(struct engine_start_request *req, const char *repo, const char *base);

/* cmocka fixtures: a new harness in *state, and its end. */
int h_setup(void **state);
int h_teardown(void **state);

/* The engine ops a test expects to succeed: anything else fails the test. */
void h_must_start(struct harness *h, const char *extra_json, char run_id[ENGINE_ID_MAX]);
void h_must_pause(struct harness *h, const char *run_id);
void h_must_resume(struct harness *h, const char *run_id);
/* Decide the run's pending approval (there must be one) as actor. */
void h_must_decide(struct harness *h, const char *run_id, enum engine_action act, const char *token,
                   const char *actor, const char *comment);

/* Queue a scripted response for the next instructions of phase_key. */
void h_script(struct harness *h, const char *phase_key, const char *content, enum h_event ev);

/*
 * As h_script, and the response also writes content to rel in the worktree
 * (the agent fixing what a check found).
 */
void h_script_fix(struct harness *h, const char *phase_key, const char *artifact, const char *rel,
                  const char *content, enum h_event ev);

/* Run the checks held (checks_hold) with the real runner and report them; how many ran. */
int h_run_checks(struct harness *h);

/*
 * Make the phase commits held now (land_commit_worktree), in order (those
 * asked for meanwhile stay held); when report,
 * tell the engine each result (engine_commit_done), else drop it, as a
 * server that died right after the git commit. How many were made.
 */
int h_run_commits(struct harness *h, int report);

/* Start a run on h->repo/main with overrides binding every role to the fake backend. */
int h_start(struct harness *h, const char *extra_json, char run_id[ENGINE_ID_MAX],
            struct df_error *err);

/* Advance the fake clock by ms, firing due timers in order. */
void h_advance(struct harness *h, int64_t ms);

/* Run state (static buffer), phase state by key (static buffer; "" when absent). */
const char *h_run_state(struct harness *h, const char *run_id);
const char *h_phase_state(struct harness *h, const char *run_id, const char *key);
int h_phase_attempts(struct harness *h, const char *run_id, const char *key);

/* The pending approval request of the run into out: 1, or 0 when none. */
int h_pending_approval(struct harness *h, const char *run_id, char out[ENGINE_ID_MAX]);

/* Number of events of a type in the run (all of them). */
int h_count_events(struct harness *h, const char *run_id, const char *type);
/* Total number of events of the run; also asserts seq is 1..n. */
int h_event_total(struct harness *h, const char *run_id);
/* The payload of the run's last event of type (static buffer; "" when none). */
const char *h_last_payload(struct harness *h, const char *run_id, const char *type);

/* The last instructions sent (NULL when none). */
const char *h_last_text(struct harness *h);

/* Absolute path of a file in the run's worktree; the caller frees. */
char *h_worktree_file(struct harness *h, const char *run_id, const char *rel);
void h_write(const char *path, const char *content);

/* The newest session of the run (NULL when none). */
struct h_sess *h_last_session(struct harness *h, const char *run_id);

extern const char H_PLAN_OK[];
extern const char H_CHANGE_OK[];
extern const char H_REVIEW_OK[];

#endif
