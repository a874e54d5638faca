/*
 * The engine's insides, shared by its files and never included outside
 * src/engine/ (the engine's API is engine.h): struct engine, the items of
 * its work queue, phase definitions, and the helpers one file of the engine
 * lends another.
 */
#ifndef DEVFLOW_ENGINE_INT_H
#define DEVFLOW_ENGINE_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "store/states.h"
#include "engine.h"

/* The phase plan's schema: a phase with it runs with the run in planning. */
#define PLAN_SCHEMA "dev/phase-plan@1"

/* Session states by name (store/states.h lists them). */
#define SS_STARTING df_session_state_name(DF_SESSION_STARTING)
#define SS_RUNNING df_session_state_name(DF_SESSION_RUNNING)
#define SS_IDLE df_session_state_name(DF_SESSION_IDLE)
#define SS_BUSY df_session_state_name(DF_SESSION_BUSY)
#define SS_NEEDS_INPUT df_session_state_name(DF_SESSION_NEEDS_INPUT)
#define SS_WAITING df_session_state_name(DF_SESSION_WAITING)
#define SS_EXITED df_session_state_name(DF_SESSION_EXITED)
#define SS_STOPPED df_session_state_name(DF_SESSION_STOPPED)
#define SS_FAILED df_session_state_name(DF_SESSION_FAILED)

/* A phase attempt's timeout, armed on the host's timers. */
struct timer_ent {
	uint64_t id;
	char run_id[ENGINE_ID_MAX];
	char phase_id[ENGINE_ID_MAX];
	int attempt;
};

/* An event that arrived while the engine was inside a step, handled right after it. */
enum item_kind {
	IT_SESSION,
	IT_ARTIFACT,
	IT_TIMER,
	IT_CONVERSATION,
	IT_RESUME_FAILED,
	IT_CHECK_DONE,
	IT_COMMIT_DONE
};

struct item {
	enum item_kind kind;
	char *a, *b; /* session id + detail (or conversation id), or run id + path */
	char *c, *d; /* a question's text and choices (JSON), or NULL; a check's result (JSON) */
	/* IT_COMMIT_DONE: a = the commit id, b = the commit, c = the error, status = rc */
	int ev, status;
	int source; /* IT_SESSION: enum engine_session_source */
	uint64_t timer;
};

/* A check the host runs for the engine: its id ("<phase>/<attempt>/<repair>/<index>"), its run. */
struct running_check {
	char *id;
	char run_id[ENGINE_ID_MAX];
};

/* A phase commit the engine waits for: its id ("<phase>:<attempt>"), run and phase key. */
struct running_commit {
	char *id, *run_id, *phase_key;
};

/* An event appended in the open transaction: the host hears of it at commit. */
struct note {
	char run_id[ENGINE_ID_MAX];
	int64_t seq;
};

struct engine {
	struct store *st;
	const struct schema_registry *reg;
	char *workspace;
	char **backends;
	size_t nbackends;
	int max_runs, max_repairs, restart_limit;
	int64_t timeout_ms;
	size_t max_artifact; /* bytes: larger artifact files are refused unread */
	const struct engine_host_ops *host;
	void *hctx;
	const struct engine_session_ops *drv;
	void *dctx;

	struct timer_ent *timers;
	size_t ntimers, ctimers;
	struct item *queue;
	size_t qhead, qlen, qcap;
	int depth;
	struct note *notes;
	size_t nnotes, cnotes;
	char **stops; /* sessions to stop once the transaction is committed */
	size_t nstops, cstops;
	int64_t check_ms;              /* the self-check's period; 0: none */
	uint64_t check_timer;          /* its timer (host id), 0 when not armed */
	struct running_check *running; /* the checks the host runs for this engine now */
	size_t nrunning, crunning;
	struct running_commit *commits; /* the phase commits under way */
	size_t ncommits, ccommits;
};

/* A phase definition (EnginePhaseDefinition), stored as JSON on each phase row. */
struct phase_def {
	char *key, *title;
	char **roles;
	size_t nroles;
	char *art_path, *art_schema; /* NULL: no expected artifact */
	char **gates;
	size_t ngates;
	int64_t timeout_ms; /* 0: default */
	int max_repairs;    /* -1: default */
};

/* Everything a phase attempt needs besides the run and the phase. */
struct attempt_ctx {
	struct phase_def def;
	struct store_run_inputs in;
	struct store_binding *bindings;
	size_t nbindings;
	const struct store_binding *binding;
	struct store_catalog_entry persona, backend;
	char *persona_instructions;
	char *artifact_abs;
	char *schema_text;
};

/* Where the agent of a working phase is, seen from this server. */
enum agent_where {
	AGENT_LIVE,   /* its row is live and this server's driver runs it */
	AGENT_EXITED, /* it exited on its own (the exit was recorded) */
	AGENT_DEAD,   /* not live in this server: it died with a previous one, or never started */
};

/*
 * engine.c: plumbing (clock, ids, run states, transactions with their event
 * notes, timers, the work queue), phase definitions, ending runs.
 */
int64_t eng_now_ms(struct engine *e);
void eng_now_ts(struct engine *e, char out[STORE_TS_MAX]);
void eng_new_id(struct engine *e, char out[ENGINE_ID_MAX]);
int eng_is_terminal(const char *state);
int eng_is_mutable(const char *state);
int eng_phase_active(const char *state);
void eng_set_ids(struct df_error *err, const char *run_id, const char *phase_id);
int eng_load_run(struct engine *e, const char *run_id, struct store_run *run, struct df_error *err);
void eng_push_stop(struct engine *e, const char *session_id);
int eng_tx_begin(struct engine *e, struct df_error *err);
void eng_tx_rollback(struct engine *e);
int eng_tx_commit(struct engine *e, struct df_error *err);
int eng_emit(struct engine *e, const char *run_id, const char *phase_id, const char *type,
             cJSON *payload, struct df_error *err, const char *keyfmt, ...)
    __attribute__((format(printf, 7, 8)));
cJSON *eng_payload_str(const char *k, ...);
void eng_step_failed(struct engine *e, const struct df_error *err);
void eng_hash_text(const char *text, char out[CANON_HASH_HEX]);
void eng_arm_timer(struct engine *e, const char *run_id, const char *phase_id, int attempt,
                   int64_t due);
void eng_cancel_timers(struct engine *e, const char *run_id, const char *phase_id);
void eng_pump(struct engine *e);
void eng_enqueue(struct engine *e, const struct item *it);
void eng_phase_def_clear(struct phase_def *d);
int eng_phase_def_from(const cJSON *o, struct phase_def *d, const char *what, struct df_error *err);
int eng_phase_def_parse(const struct store_phase *ph, struct phase_def *d, struct df_error *err);
int eng_role_matches(const char *bound, const char *role);
void eng_ensure_report(struct engine *e, const char *run_id);
int eng_end_run_tx(struct engine *e, const char *run_id, const char *final, const char *reason,
                   const char *phase_reason, struct df_error *err);
int eng_end_run(struct engine *e, const char *run_id, const char *final, const char *reason,
                const char *phase_reason, struct df_error *err);
void eng_fail_run(struct engine *e, const char *run_id, const char *reason);

/* engine-phase.c: phase attempts, advancing a run, restarting a phase. */
int eng_attempt_ctx_load(struct engine *e, const struct store_run *run,
                         const struct store_phase *ph, struct attempt_ctx *c, const char **reason,
                         struct df_error *err);
void eng_attempt_ctx_clear(struct attempt_ctx *c);
/* What an attempt's instructions carry besides a comment and validation errors. */
struct compose_more {
	const char *const *checks; /* "Check failures:" entries (a check repair) */
	size_t nchecks;
	const char *findings; /* "Review findings:" text (sent back by a review), or NULL */
};
char *eng_compose(struct engine *e, const struct store_run *run, const struct store_phase *ph,
                  const struct attempt_ctx *c, int attempt, const char *comment,
                  const char *const *errors, size_t nerrors, const struct compose_more *more);
int eng_phase_session(struct engine *e, const char *run_id, const char *phase_id,
                      struct store_session *out, struct df_error *err);
int eng_working_phase(struct engine *e, const char *run_id, struct store_phase *out,
                      struct df_error *err);
int eng_advance(struct engine *e, const char *run_id, struct df_error *err);
void eng_advance_or_fail(struct engine *e, const char *run_id, const char *reason);
int eng_restart_phase(struct engine *e, const char *run_id, struct store_phase *ph,
                      struct df_error *err);

/* engine-artifact.c: judging and recording artifacts, planned phases. */
int eng_check_and_advance(struct engine *e, const char *run_id, const char *phase_id,
                          struct df_error *err);
int eng_append_planned(struct engine *e, const struct store_run *run, struct df_error *err);

/* engine-check.c: a phase's checks, run after its artifact validated. */
int eng_checks_count(struct engine *e, const struct store_run *run, const struct store_phase *ph,
                     struct df_error *err);
int eng_checks_next(struct engine *e, const char *run_id, const char *phase_id,
                    struct df_error *err);
int eng_check_done_item(struct engine *e, const struct item *it, struct df_error *err);
int eng_checks_driven(struct engine *e, const char *phase_id);
int eng_checks_failure_text(struct engine *e, const struct store_phase *ph, char ***out, size_t *n,
                            struct df_error *err);
void eng_checks_free(struct engine *e);
void eng_checks_cancel_run(struct engine *e, const char *run_id);
int eng_checks_status(struct engine *e, cJSON *o, const char *run_id, struct df_error *err);
int eng_checks_for_start(struct engine *e, const char *repo, const char *base, char **extra,
                         struct df_error *err);

/* engine-review.c: review rounds. */
int eng_review_round(struct engine *e, struct store_phase *ph, const cJSON *doc, const char *ts,
                     struct df_error *err);
int eng_review_changes_requested(struct engine *e, struct store_phase *ph, const char *approval_id,
                                 const char *actor, const char *comment, const char *ts,
                                 struct df_error *err);
int eng_review_feedback(struct engine *e, const struct store_phase *ph, char **findings,
                        char **comment, struct df_error *err);

/* engine-artifact.c, for checks: the phase's valid artifact is accepted (gate or complete). */
int eng_accept_phase(struct engine *e, const char *run_id, const char *phase_id,
                     const char *failed_check, struct df_error *err);

/* engine-event.c: session, artifact and timer events. */
void eng_run_item(struct engine *e, struct item *it);

/* engine-recover.c: where an agent is, recovery, the self-check. */
int eng_session_state_live(const char *state);
enum agent_where eng_agent_where(struct engine *e, const struct store_session *s);
int eng_agent_unreachable(struct engine *e, const char *run_id, const char *phase_id,
                          enum agent_where w, struct df_error *err);
int eng_recheck_active_phase(struct engine *e, const char *run_id, int rearm, struct df_error *err);
int eng_agent_gone_after_resume(struct engine *e, const char *run_id, struct df_error *err);
void eng_arm_self_check(struct engine *e);
int eng_self_check_impl(struct engine *e, int *found, struct df_error *err);

/* ---- engine-land.c ------------------------------------------------------- */

/*
 * The run's completed phases whose commit is not recorded (phase.completed
 * without phase.committed or phase.commit_failed for that attempt) are
 * committed: each not under way already is asked of the host. Returns 0
 * when none is owed, 1 when the run waits for commits that were under way
 * already, 2 when this call asked for one (just after its phase completed,
 * or again when it runs in no process: after a restart, for the
 * self-check), -1 with err.
 */
int eng_commits_wait(struct engine *e, const char *run_id, struct df_error *err);
/* Is a commit of the run under way? */
int eng_commits_driven(struct engine *e, const char *run_id);
/* A commit's result (IT_COMMIT_DONE): recorded, then the run advances. */
int eng_commit_done_item(struct engine *e, const struct item *it, struct df_error *err);
void eng_commits_free(struct engine *e);

/*
 * engine-rebase.c: the links of a rebase follow-up, inside the caller's
 * transaction. run.rebase_started on req->rebase_of naming the new run_id;
 * run.landed (via run_id) on the runs run_id rebases, up its chain;
 * rebaseRunId and rebaseOf (or null) into a status's run object.
 */
int eng_rebase_started(struct engine *e, const struct engine_start_request *req, const char *run_id,
                       struct df_error *err);
int eng_rebase_land_origins(struct engine *e, const char *run_id,
                            const struct engine_land_record *rec, struct df_error *err);
int eng_rebase_status(struct engine *e, cJSON *run_obj, const char *run_id, struct df_error *err);

#endif
