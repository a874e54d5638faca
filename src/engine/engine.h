/*
 * The engine: the whole lifecycle of a run, as a reactor. It never blocks
 * and never sleeps; it reacts to commands (start, approval decisions, pause,
 * resume, abort, status), to session events (idle, busy, needs input,
 * exited), to artifact-file events and to timers, and each state change is
 * one store transaction that also appends the run's events with the
 * reference engine's idempotency keys (run.created:<run>,
 * phase.started:<phase>:<attempt>, approval.resolved:<req>:<action>, ...),
 * so a replayed step adds nothing.
 *
 * The engine talks to the outside only through two injected ops tables:
 * the host (wall clock, ids, timers, "an event was appended"
 * notifications, and the slow work it does off the engine's thread: check
 * commands and phase commits, whose results come back as steps of their
 * own) and the session driver (start, send instructions, stop, is-alive).
 * Both may be fakes: tests drive the engine with a fake clock and a
 * scripted driver. Session and artifact events that arrive while the
 * engine is inside a step (a driver calling back from send) are queued and
 * handled right after that step, in order.
 *
 * States, transitions and error codes are the reference engine's (see
 * DESIGN.md "Domain model"), with two additions: request_changes reruns the
 * phase with the reviewer's comment in the agent's instructions, and every
 * approval decision records its actor.
 */
#ifndef DEVFLOW_ENGINE_H
#define DEVFLOW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "schema/schema.h"
#include "store/store.h"
#include "binding.h"

#define ENGINE_ID_MAX 64

/* Defaults of struct engine_config (a 0 field means the default). */
#define ENGINE_DEFAULT_MAX_CONCURRENT_RUNS 4
#define ENGINE_DEFAULT_PHASE_TIMEOUT_MS (30 * 60 * 1000)
/* The longest timeoutMs a template or phase plan may set (7 days). */
#define ENGINE_MAX_PHASE_TIMEOUT_MS (7LL * 24 * 60 * 60 * 1000)
#define ENGINE_DEFAULT_MAX_REPAIRS 2
#define ENGINE_DEFAULT_RESTART_LIMIT 2
/* The largest artifact file the engine reads (8 MiB); larger ones are invalid, unread. */
#define ENGINE_DEFAULT_MAX_ARTIFACT_BYTES ((size_t)8 << 20)
#define ENGINE_DEFAULT_SELF_CHECK_MS (30 * 1000)

struct engine;

/* A check command the engine asks the host to run (docs/engine.md "Checks"). */
struct engine_check_spec {
	const char *check_id; /* the engine's; given back to engine_check_done */
	const char *run_id, *phase_id, *name;
	const char *const *argv; /* NULL-terminated */
	const char *cwd;         /* in the run's worktree */
	const char
	    *output_path; /* <workspace>/<run>/checks/<phase>.<attempt>.<repair>.<name>.log */
	int64_t timeout_ms;
	size_t max_output; /* bytes kept in the output file */
};

/* How a check ended (checkrun_result, as the host saw it). */
struct engine_check_result {
	int exit_code; /* -1 when a signal ended it or it never ran */
	int signal;    /* 0 when it exited */
	int timed_out; /* killed at its timeout */
	int64_t duration_ms;
	size_t output_bytes;
	int capped;        /* output past max_output was dropped */
	const char *tail;  /* the last lines of its output; may be NULL */
	const char *error; /* it could not be run at all (why); NULL when it ran */
};

/*
 * A completed phase's work the engine asks the host to commit on the run's
 * branch (docs/engine.md "Landing"): land_commit_worktree(worktree,
 * message, step, exclude, nexclude, ...).
 */
struct engine_commit_spec {
	const char *commit_id; /* the engine's; given back to engine_commit_done */
	const char *run_id, *phase_id, *phase_key;
	int attempt;
	const char *worktree;       /* the run's worktree */
	const char *message;        /* "devflow: run R, phase P, attempt N" */
	const char *step;           /* "<phase>:<attempt>", the commit's Devflow-Step trailer */
	const char *const *exclude; /* the run's artifact paths, left out */
	size_t nexclude;
};

/* How a phase commit ended (land_commit_worktree's return, as the host saw it). */
struct engine_commit_result {
	int rc; /* 1 a new commit; 0 nothing to commit, or this step's commit already there; -1 */
	const char *commit; /* rc >= 0: the commit's id, or "" when nothing was committed */
	const char *error;  /* rc -1: why (git's message) */
};

struct engine_host_ops {
	/* Wall clock, milliseconds since the epoch: timestamps and timeouts. */
	int64_t (*now_ms)(void *ctx);
	/* A new unique id (run, phase, approval, session, ...); NUL-terminated, < ENGINE_ID_MAX. */
	void (*new_id)(void *ctx, char out[ENGINE_ID_MAX]);
	/*
	 * Arm a one-shot timer due at due_ms (on the now_ms clock); return a
	 * nonzero id. When it is due the host calls engine_timer_fired(engine, id).
	 */
	uint64_t (*timer_add)(void *ctx, int64_t due_ms);
	/* Disarm a timer (unknown or fired ids are ignored). */
	void (*timer_cancel)(void *ctx, uint64_t id);
	/* Optional: a run event was committed (ev is valid for the call only). */
	void (*event_appended)(void *ctx, const struct store_event *ev);
	/* Optional: an asynchronous step failed (its run was failed when possible). */
	void (*step_failed)(void *ctx, const struct df_error *err);
	/*
	 * Optional: the self-check found a run that nothing drove (in state; what
	 * says what was wrong and what the engine did about it). For the log.
	 */
	void (*stranded)(void *ctx, const char *run_id, const char *state, const char *what);
	/*
	 * Optional: run a check command off the engine's thread (the server: a
	 * worker thread, checkrun_exec) and, once it has ended, call
	 * engine_check_done(engine, spec->check_id, result) from the loop. 0, or
	 * -1 with err when it cannot be started (the check then fails with that
	 * message). NULL: this host runs no checks, and every check fails so.
	 */
	int (*check_start)(void *ctx, const struct engine_check_spec *spec, struct df_error *err);
	/*
	 * Optional: the run of a check check_start runs has ended (aborted,
	 * failed, completed): stop it now; its result is not wanted any more.
	 */
	void (*check_cancel)(void *ctx, const char *check_id);
	/*
	 * Optional: commit a completed phase's work off the engine's thread
	 * (the server: a worker thread, land_commit_worktree) and, once done,
	 * call engine_commit_done(engine, spec->commit_id, result) from the
	 * loop (it may call it from within commit_start: it is queued). 0, or
	 * -1 with err when it cannot be started (phase.commit_failed with that
	 * message). NULL: the engine commits in its own step, on its thread.
	 */
	int (*commit_start)(void *ctx, const struct engine_commit_spec *spec, struct df_error *err);
};

/* What the engine asks the driver to start: one agent session for one phase attempt. */
struct engine_session_spec {
	const char *session_id; /* chosen by the engine */
	const char *run_id, *phase_id, *role_id;
	const char *backend;      /* backend name */
	const char *backend_json; /* the backend definition (devflow/backend@1) as JSON text */
	const char *const *argv;  /* the backend's argv template; "{prompt}" is the driver's */
	size_t argc;
	/* from the backend definition: "NAME=value", or "NAME" (a null: removed) */
	const char *const *env;
	size_t envc;
	const char *prompt_mode; /* "paste" or "argv" */
	int submit_delay_ms;
	const char *cwd;             /* the run's worktree */
	const char *transcript_path; /* <workspace>/<run-id>/sessions/<session-id>.raw */
	/*
	 * The agent's conversation to resume (the backend's "resume"), or NULL.
	 * Set only when a phase restarts after its agent died with the server
	 * and the dead session recorded a conversation id that the backend can
	 * resume; the driver starts the session afresh, once, when the resumed
	 * process fails at once (engine_session_resume_failed).
	 */
	const char *resume_conversation;
};

struct engine_session_ops {
	/* Start the session (the engine delivers instructions with send next). 0 or -1 with err. */
	int (*start)(void *ctx, const struct engine_session_spec *spec, struct df_error *err);
	/*
	 * Deliver instructions to the session when the agent is ready (paste or
	 * argv mode is the driver's business). May call back into the engine.
	 */
	int (*send)(void *ctx, const char *session_id, const char *text, struct df_error *err);
	/* Stop the session (SIGTERM, then SIGKILL); an unknown id is ignored. */
	void (*stop)(void *ctx, const char *session_id);
	/* 1 when the session's process is alive (restart recovery), else 0. */
	int (*alive)(void *ctx, const char *session_id);
};

/* Production defaults for two host ops: the real-time clock, and random UUIDs (libuuid). */
int64_t engine_clock_now_ms(void *ctx);
void engine_uuid_new_id(void *ctx, char out[ENGINE_ID_MAX]);

struct engine_config {
	struct store *store;                   /* borrowed; the engine is its only writer */
	const struct schema_registry *schemas; /* borrowed; artifact and report schemas */
	const char *workspace;                 /* copied */
	const char *const *backends;           /* names of the available backends; copied */
	size_t nbackends;
	int max_concurrent_runs; /* 0: ENGINE_DEFAULT_MAX_CONCURRENT_RUNS */
	int64_t
	    phase_timeout_ms; /* 0: ENGINE_DEFAULT_PHASE_TIMEOUT_MS (a phase's timeoutMs wins) */
	int max_repairs;   /* 0: ENGINE_DEFAULT_MAX_REPAIRS, -1: none (a phase's maxRepairs wins) */
	int restart_limit; /* 0: ENGINE_DEFAULT_RESTART_LIMIT, -1: none */
	size_t max_artifact_bytes; /* 0: ENGINE_DEFAULT_MAX_ARTIFACT_BYTES */
	int64_t self_check_ms;     /* 0: ENGINE_DEFAULT_SELF_CHECK_MS, -1: no periodic self-check */
	const struct engine_host_ops *host;
	void *host_ctx;
	const struct engine_session_ops *sessions;
	void *session_ctx;
};

/* A new engine, or NULL with err (invalid_argument for a missing store, workspace or op). */
struct engine *engine_new(const struct engine_config *cfg, struct df_error *err);

/* Free the engine (cancelling its timers; sessions are left to the driver). NULL is a no-op. */
void engine_free(struct engine *e);

/*
 * The backends a start may bind (those whose command was found), as the
 * engine was configured; *n gets the count. Owned by the engine.
 */
const char *const *engine_backends(const struct engine *e, size_t *n);

/*
 * After the catalog was loaded again (runtime_reload): the schema registry
 * to use from now on (borrowed: the caller keeps the old one alive as long
 * as the engine may still hold it) and the names of the available backends
 * (copied), as in engine_config. Runs already bound keep their bindings.
 */
void engine_set_catalog(struct engine *e, const struct schema_registry *schemas,
                        const char *const *backends, size_t nbackends);

struct engine_start_request {
	const char *requirements_md; /* required */
	const char *repo_path;       /* required; any spelling of the repository's top level */
	const char *base_branch;     /* required */
	const char *template_name;   /* NULL: "development" */
	int template_version;        /* 0: 1 */
	const char *worktree_root;   /* NULL: <workspace>/<run-id>/main */
	const char *objective_json;  /* NULL: null */
	/* JSON object; "scenarios": {phaseKey: "name" | {scenario, repairScenario}} adds Scenario:
	 * lines */
	const char *extra_json;
	const struct binding_override *overrides;
	size_t noverrides;
	const char *run_id; /* NULL: a new id from the host */
	/*
	 * Set only by engine_rebase_start (the rebase follow-up), NULL
	 * otherwise: the commit or local branch the run's branch starts at
	 * instead of the base's tip; the original run, named in run.created
	 * (rebaseOf) and given run.rebase_started with the actor and the
	 * conflicting paths in the transaction that starts the run.
	 */
	const char *start_point;
	const char *rebase_of, *rebase_actor, *rebase_conflicts;
};

/*
 * Start a run: canonical repository, worktree root, template and bindings,
 * then in one transaction the run, its inputs, phases and bindings and
 * run.created (refused with active_run_exists or max_concurrent_runs), the
 * worktree, run.started, and the first phase. run_id_out receives the id once
 * the run exists. Returns 0 (the run may already have failed: see its
 * status), or -1 with err: invalid_argument, git_error (repository),
 * template_load_failed, binding_failed, workspace_permissions,
 * active_run_exists, max_concurrent_runs, worktree_create_failed, ...
 * A start that fails before the run exists leaves nothing behind (rows,
 * worktree, branch, run directory).
 */
int engine_start(struct engine *e, const struct engine_start_request *req,
                 char run_id_out[ENGINE_ID_MAX], struct df_error *err);

enum engine_action {
	ENGINE_APPROVE,
	ENGINE_REQUEST_CHANGES,
	ENGINE_REJECT,
	ENGINE_ABORT,
};

/* "approve", "request_changes", "reject", "abort". */
const char *engine_action_name(enum engine_action action);
/* 0 and *out, or -1 for an unknown name. */
int engine_action_parse(const char *name, enum engine_action *out);

/* The most names engine_run_actions gives. */
#define ENGINE_RUN_ACTIONS_MAX 6

/*
 * What a person may ask of the run now, by the rules the ops apply: the
 * names of "approve", "request_changes", "reject" (a pending approval
 * waits; a paused run takes only reject, and only for a gate that needs a
 * person), "pause", "resume" (not while such a gate waits) and "abort", in
 * that order, into names (static strings). Returns how many, or -1 with err
 * (run_not_found). Clients show these instead of re-implementing the rules.
 */
int engine_run_actions(struct engine *e, const char *run_id,
                       const char *names[ENGINE_RUN_ACTIONS_MAX], struct df_error *err);

/*
 * A person's decision on an approval request. Idempotent by client_token:
 * the same token and action replays (0, *replayed = 1, nothing changes);
 * the same token with another action is approval_conflict. Decisions on
 * terminal runs, runs not awaiting approval and requests no longer pending
 * are approval_conflict; a paused run accepts only reject and abort, and only
 * for a human-required gate. approve completes the phase and goes on (once
 * the phase's commit is recorded);
 * request_changes reruns the phase with comment in the agent's instructions;
 * reject fails the run; abort aborts it. actor is recorded with the decision.
 * replayed may be NULL. Errors: run_not_found, approval_not_found,
 * approval_conflict, invalid_argument.
 */
int engine_decide(struct engine *e, const char *run_id, const char *approval_id,
                  enum engine_action action, const char *client_token, const char *actor,
                  const char *comment, int *replayed, struct df_error *err);

/*
 * Pause a planning, executing or awaiting_approval run (remembering the
 * state). Pausing a paused run does nothing. Errors: run_not_found,
 * run_state_changed for other states.
 */
int engine_pause(struct engine *e, const char *run_id, struct df_error *err);

/*
 * Resume a paused run in the state it was paused from. Refused with
 * approval_conflict while a human-required gate is pending. Resuming a run
 * that is not paused and not terminal does nothing. The working phase gets
 * a fresh deadline and an artifact written meanwhile is judged; if it still
 * waits for an agent that exited, the run fails (session_exited), and if
 * its agent is not live in this server (it died with a previous one), the
 * phase restarts (cause process_restart; past restart_limit the run fails
 * with process_restart_unrecovered). Errors: run_not_found,
 * approval_conflict, run_state_changed (terminal).
 */
int engine_resume(struct engine *e, const char *run_id, struct df_error *err);

/*
 * Abort a non-terminal run: active phases fail, pending approvals are
 * aborted, sessions become FAILED_NEEDS_HUMAN and are stopped, the report is
 * written. Aborting an aborted run does nothing. Errors: run_not_found,
 * run_state_changed (completed or failed).
 */
int engine_abort(struct engine *e, const char *run_id, const char *reason, struct df_error *err);

/*
 * The run's status as JSON text (the caller frees): {run, phases (each with
 * its title from the phase definition), bindings ({roleId, persona (name),
 * personaId, backend}), approvals (with decisions), sessions, events (the
 * last 20), checks (each phase's checks as they stand: {phaseId, phaseKey,
 * name, state running|passed|failed, how, outputPath, tail, attempt,
 * repair})}. Errors: run_not_found.
 */
int engine_status(struct engine *e, const char *run_id, char **json_out, struct df_error *err);

enum engine_session_event_kind {
	ENGINE_SESSION_IDLE,
	ENGINE_SESSION_BUSY,
	ENGINE_SESSION_NEEDS_INPUT, /* detail: the question */
	ENGINE_SESSION_EXITED,      /* status: the exit status */
};

/* Who saw what a session reports: its screen's patterns, or the CLI's own hook. */
enum engine_session_source {
	ENGINE_FROM_SCREEN,
	ENGINE_FROM_HOOK,
};

/*
 * A session reports, as seen on its screen. Unknown sessions are ignored.
 * Same as engine_session_event_from(..., ENGINE_FROM_SCREEN, ...).
 */
void engine_session_event(struct engine *e, const char *session_id,
                          enum engine_session_event_kind kind, const char *detail, int status);

/*
 * A session asks a question its backend declares answers for: as
 * ENGINE_SESSION_NEEDS_INPUT with detail (seen by source), and the session.needs_input event
 * also carries the question's text and its choices (choices_json: a JSON
 * array of {key, label}). Unknown sessions are ignored.
 */
void engine_session_asks(struct engine *e, const char *session_id,
                         enum engine_session_source source, const char *detail, const char *text,
                         const char *choices_json);

/*
 * A person answered a session's question (the driver sent the answer's
 * keys): a session waiting for input is busy again and session.answered
 * records {sessionId, roleId, choice, label, question, actor}. Returns 0, or
 * -1 with err (session_not_found, a store error).
 */
int engine_session_answered(struct engine *e, const char *session_id, const char *choice,
                            const char *label, const char *question, const char *actor,
                            struct df_error *err);

/*
 * A session reports, with who saw it: session.idle and session.needs_input
 * carry it as "source" ("screen" or "hook"), so a reader can tell a CLI's
 * own word from a pattern's guess. Unknown sessions are ignored.
 */
void engine_session_event_from(struct engine *e, const char *session_id,
                               enum engine_session_event_kind kind,
                               enum engine_session_source source, const char *detail, int status);

/*
 * The agent CLI told its own conversation id for a session (Claude Code's
 * session_id, Codex's thread-id): kept on the session's row
 * (store_session.conversation_id), for resuming the conversation later.
 * Unknown sessions are ignored.
 */
void engine_session_conversation(struct engine *e, const char *session_id,
                                 const char *conversation_id);

/*
 * The driver gave up resuming a session's conversation (the resumed process
 * exited with status at once) and started it afresh: session.resume_failed
 * is appended and the row's conversation_id cleared. Unknown sessions are
 * ignored.
 */
void engine_session_resume_failed(struct engine *e, const char *session_id, int status);

/* A file changed at abs_path in run_id's worktree; the engine checks it when it is expected. */
void engine_artifact_event(struct engine *e, const char *run_id, const char *abs_path);

/*
 * Where the run's working phase expects its artifact (for the server's file
 * watcher): 1 and an absolute path in *abs_out (the caller frees), 0 when the
 * run waits for no artifact, -1 with err (run_not_found, ...).
 */
int engine_expected_artifact(struct engine *e, const char *run_id, char **abs_out,
                             struct df_error *err);

/*
 * A check the engine asked host->check_start to run has ended. Queued like a
 * session event; a result for a check the phase no longer waits for (a
 * repair moved on, the run ended, a restart re-ran it) is ignored.
 */
void engine_check_done(struct engine *e, const char *check_id,
                       const struct engine_check_result *res);

/*
 * A phase commit the engine asked host->commit_start for has ended (res
 * valid for the call only). Queued like a session event: the outcome is
 * recorded (phase.committed or phase.commit_failed, once per phase attempt)
 * and the run goes on (its next phase, or its end). An id the engine does
 * not wait for is ignored.
 */
void engine_commit_done(struct engine *e, const char *commit_id,
                        const struct engine_commit_result *res);

/*
 * Is a phase commit of the run under way (asked of the host, its result
 * not recorded yet)? 1 with that phase's key in phase_key (cut to fit), else 0.
 */
int engine_commit_pending(struct engine *e, const char *run_id, char phase_key[ENGINE_ID_MAX]);

/* A timer armed through host->timer_add is due. */
void engine_timer_fired(struct engine *e, uint64_t timer_id);

/*
 * Server start: runs waiting for a person (awaiting_approval, paused) stay
 * (their sessions whose process this server does not run become
 * FAILED_NEEDS_HUMAN, session.failed with reason process_restart);
 * executing and planning runs whose session is alive keep it (the timeout is
 * re-armed, the artifact checked); those whose session died restart the
 * phase (attempt + 1, phase.started with cause "process_restart") or, past
 * restart_limit restarts, fail with process_restart_unrecovered and a
 * report; runs caught in the middle of a start fail likewise; terminal runs
 * without a report get one; a completed phase of a non-terminal run whose
 * commit is not recorded (the old server died between phase.completed and
 * the commit's result) is committed again, and its run goes on once it is
 * recorded. Returns 0, or -1 with err when the store cannot
 * be read (each run is recovered on its own: one run's failure does not stop
 * the others; it is reported through host->step_failed).
 */
int engine_recover(struct engine *e, struct df_error *err);

/*
 * The self-check (also run every self_check_ms on the host's timers, the
 * first one self_check_ms after engine_new): finds runs that nothing
 * drives and sets them going, each reported through host->stranded. A
 * run is driven when it waits for a person (paused, awaiting_approval, a
 * phase at its gate), for a phase commit under way, or its working phase's
 * agent is live in this server with its timeout armed. Otherwise: a
 * completed phase whose commit is neither recorded nor under way is
 * committed again; a working phase whose attempt never
 * reached its agent, or whose agent is not live here, restarts (cause
 * process_restart; past restart_limit the run fails with
 * process_restart_unrecovered and a report), one whose agent exited on its
 * own fails the run (session_exited); a missing timeout is re-armed; a
 * pending phase nothing started restarts; a run with no phase left
 * advances; a bound run advances; a created run (a start that died) fails
 * (start_run_failed); a terminal run without a report gets one. found (may
 * be NULL) receives how many runs were stranded. Returns 0, or -1 with err
 * when the store cannot be read; a run whose repair fails is failed when
 * possible (the next check tries again otherwise).
 */
int engine_self_check(struct engine *e, int *found, struct df_error *err);

/* ---- landing (engine-land.c; the git work is land.h's) ------------------- */

/* A landing or a push, as engine_record_land records it. */
struct engine_land_record {
	const char *type;   /* "run.landed" or "run.pushed" */
	const char *actor;  /* who asked (the peer's user) */
	const char *mode;   /* land_mode_name, or NULL */
	const char *how;    /* "fast-forward", "merge", "squash", or NULL */
	const char *commit; /* the base's new tip, or NULL */
	const char *remote; /* run.pushed: the remote; else NULL */
	const char *url;    /* a pull request's address, or NULL */
};

/*
 * Record a landing (run.landed:<run>) or a push (run.pushed:<run>:<remote>)
 * in one transaction; a landing of a rebase follow-up also records the
 * landing of the run it rebases (and of that one's, up a chain), with via. The git step comes
 * first, so a crash between them is caught by land_merge finding the work already on the base;
 * replaying the key adds nothing. Returns 0, or -1 with err.
 */
int engine_record_land(struct engine *e, const char *run_id, const struct engine_land_record *rec,
                       struct df_error *err);

/*
 * The artifact paths of the run's phases (relative to its worktree), which
 * the phase commits leave out; *n gets the count. Free each and the array.
 */
char **engine_artifact_paths(struct engine *e, const char *run_id, size_t *n);

/* 1 with the commit when the run has a run.landed event, 0 when not, -1 with err. */
int engine_landed(struct engine *e, const char *run_id, char commit[ENGINE_ID_MAX],
                  struct df_error *err);

/* ---- the rebase follow-up (engine-rebase.c; docs/engine.md "Landing") ---- */

/*
 * Start the rebase follow-up of run_id, a completed run whose landing
 * conflicts with its base in conflicts ("a, b", as land_probe gives them):
 * a run of the template "rebase" on the same repository and base, its
 * branch started at the run's branch tip, its implementer bound as the
 * run's (persona and backend), its requirements and objective saying what
 * to merge (`git merge BASE`) and where it conflicts. actor is recorded in
 * the run's run.rebase_started. Idempotent while the follow-up is active:
 * 0 with that run in out and *already = 1. Returns 0 with the new run's id
 * in out, or -1 with err: run_not_found; run_state_changed for a run that
 * is not completed, or whose follow-up completed (land that one); and
 * engine_start's errors.
 */
int engine_rebase_start(struct engine *e, const char *run_id, const char *conflicts,
                        const char *actor, char out[ENGINE_ID_MAX], int *already,
                        struct df_error *err);

/* The run's newest rebase follow-up (run.rebase_started): 1 with its id, 0 none, -1 with err. */
int engine_rebase_followup(struct engine *e, const char *run_id, char out[ENGINE_ID_MAX],
                           struct df_error *err);

/* The run a follow-up rebases (its run.created's rebaseOf): 1 with its id, 0 none, -1 with err. */
int engine_rebase_origin(struct engine *e, const char *run_id, char out[ENGINE_ID_MAX],
                         struct df_error *err);

/*
 * As engine_landed, and via gets the follow-up the run landed through (""
 * when it landed itself).
 */
int engine_landed_via(struct engine *e, const char *run_id, char commit[ENGINE_ID_MAX],
                      char via[ENGINE_ID_MAX], struct df_error *err);

#endif
