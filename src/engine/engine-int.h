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
#include "engine.h"

/* The phase plan's schema: a phase with it runs with the run in planning. */
#define PLAN_SCHEMA "dev/phase-plan@1"

/* Session states (the session runtime may use more). */
#define SS_STARTING "STARTING"
#define SS_RUNNING "RUNNING"
#define SS_IDLE "IDLE"
#define SS_BUSY "BUSY"
#define SS_NEEDS_INPUT "NEEDS_INPUT"
#define SS_WAITING "WAITING_FOR_APPROVAL"
#define SS_EXITED "EXITED"
#define SS_STOPPED "STOPPED"
#define SS_FAILED "FAILED_NEEDS_HUMAN"

/* A phase attempt's timeout, armed on the host's timers. */
struct timer_ent {
	uint64_t id;
	char run_id[ENGINE_ID_MAX];
	char phase_id[ENGINE_ID_MAX];
	int attempt;
};

/* An event that arrived while the engine was inside a step, handled right after it. */
enum item_kind { IT_SESSION, IT_ARTIFACT, IT_TIMER, IT_CONVERSATION, IT_RESUME_FAILED };

struct item {
	enum item_kind kind;
	char *a, *b; /* session id + detail (or conversation id), or run id + path */
	int ev, status;
	uint64_t timer;
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
	int64_t check_ms;     /* the self-check's period; 0: none */
	uint64_t check_timer; /* its timer (host id), 0 when not armed */
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
int64_t now_ms(struct engine *e);
void now_ts(struct engine *e, char out[STORE_TS_MAX]);
void new_id(struct engine *e, char out[ENGINE_ID_MAX]);
int is_terminal(const char *state);
int is_mutable(const char *state);
int phase_active(const char *state);
void set_ids(struct df_error *err, const char *run_id, const char *phase_id);
int load_run(struct engine *e, const char *run_id, struct store_run *run, struct df_error *err);
void push_stop(struct engine *e, const char *session_id);
int tx_begin(struct engine *e, struct df_error *err);
void tx_rollback(struct engine *e);
int tx_commit(struct engine *e, struct df_error *err);
char *xvasprintf(const char *fmt, va_list ap);
int emit(struct engine *e, const char *run_id, const char *phase_id, const char *type,
         cJSON *payload, struct df_error *err, const char *keyfmt, ...)
    __attribute__((format(printf, 7, 8)));
cJSON *payload_str(const char *k, ...);
void step_failed(struct engine *e, const struct df_error *err);
void hash_text(const char *text, char out[CANON_HASH_HEX]);
void arm_timer(struct engine *e, const char *run_id, const char *phase_id, int attempt,
               int64_t due);
void cancel_timers(struct engine *e, const char *run_id, const char *phase_id);
void pump(struct engine *e);
void enqueue(struct engine *e, const struct item *it);
void phase_def_clear(struct phase_def *d);
int phase_def_from(const cJSON *o, struct phase_def *d, const char *what, struct df_error *err);
int phase_def_parse(const struct store_phase *ph, struct phase_def *d, struct df_error *err);
int role_matches(const char *bound, const char *role);
void ensure_report(struct engine *e, const char *run_id);
int end_run_tx(struct engine *e, const char *run_id, const char *final, const char *reason,
               const char *phase_reason, struct df_error *err);
int end_run(struct engine *e, const char *run_id, const char *final, const char *reason,
            const char *phase_reason, struct df_error *err);
void fail_run(struct engine *e, const char *run_id, const char *reason);

/* engine-phase.c: phase attempts, advancing a run, restarting a phase. */
int attempt_ctx_load(struct engine *e, const struct store_run *run, const struct store_phase *ph,
                     struct attempt_ctx *c, const char **reason, struct df_error *err);
void attempt_ctx_clear(struct attempt_ctx *c);
char *compose(struct engine *e, const struct store_run *run, const struct store_phase *ph,
              const struct attempt_ctx *c, int attempt, const char *comment,
              const char *const *errors, size_t nerrors);
int phase_session(struct engine *e, const char *run_id, const char *phase_id,
                  struct store_session *out, struct df_error *err);
int working_phase(struct engine *e, const char *run_id, struct store_phase *out,
                  struct df_error *err);
int advance(struct engine *e, const char *run_id, struct df_error *err);
void advance_or_fail(struct engine *e, const char *run_id, const char *reason);
int restart_phase(struct engine *e, const char *run_id, struct store_phase *ph,
                  struct df_error *err);

/* engine-artifact.c: judging and recording artifacts, planned phases. */
int check_and_advance(struct engine *e, const char *run_id, const char *phase_id,
                      struct df_error *err);
int append_planned(struct engine *e, const struct store_run *run, struct df_error *err);

/* engine-event.c: session, artifact and timer events. */
void run_item(struct engine *e, struct item *it);

/* engine-recover.c: where an agent is, recovery, the self-check. */
int session_state_live(const char *state);
enum agent_where agent_where(struct engine *e, const struct store_session *s);
int agent_unreachable(struct engine *e, const char *run_id, const char *phase_id,
                      enum agent_where w, struct df_error *err);
int recheck_active_phase(struct engine *e, const char *run_id, int rearm, struct df_error *err);
int agent_gone_after_resume(struct engine *e, const char *run_id, struct df_error *err);
void arm_self_check(struct engine *e);
int self_check_impl(struct engine *e, int *found, struct df_error *err);

#endif
