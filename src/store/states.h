/*
 * The states of runs, phases, approvals and agent sessions, each from one
 * X-macro (as DF_ERROR_CODES lists the error codes): the enum, the name
 * table, what a state means (terminal, live, ...) and the store's SQL CHECK
 * lists all come from the same list, so a state cannot be added in one
 * place and forgotten in another.
 *
 * Each list is LIST(X, SEP): X(ENUM, "name", flags) per state, SEP between
 * two of them, so that a list expands to an enum (SEP empty) or to a SQL
 * list "'a','b'" at compile time (SEP ","), with no trailing separator.
 */
#ifndef DEVFLOW_STATES_H
#define DEVFLOW_STATES_H

#include <stdbool.h>

/* Flags of a state. */
#define DF_ST_TERMINAL 0x1u /* nothing happens to it any more */
#define DF_ST_LIVE 0x2u     /* runs: an agent works (the engine drives it); sessions: a process */

/* Runs. */
#define DF_RUN_STATES(X, SEP)                                                                      \
	X(DF_RUN_CREATED, "created", 0u)                                                           \
	SEP X(DF_RUN_BOUND, "bound", 0u) SEP X(DF_RUN_EXECUTING, "executing", DF_ST_LIVE)          \
	SEP X(DF_RUN_PLANNING, "planning", DF_ST_LIVE)                                             \
	SEP X(DF_RUN_AWAITING_APPROVAL, "awaiting_approval", 0u) SEP X(DF_RUN_PAUSED, "paused",    \
	                                                               0u) SEP                     \
	X(DF_RUN_COMPLETED, "completed", DF_ST_TERMINAL)                                           \
	SEP X(DF_RUN_FAILED, "failed", DF_ST_TERMINAL)                                             \
	SEP X(DF_RUN_ABORTED, "aborted", DF_ST_TERMINAL)

/* Phases (live: the phase's agent works or its artifact is awaited). */
#define DF_PHASE_STATES(X, SEP)                                                                    \
	X(DF_PHASE_PENDING, "pending", 0u)                                                         \
	SEP X(DF_PHASE_RUNNING, "running", DF_ST_LIVE)                                             \
	SEP X(DF_PHASE_AWAITING_ARTIFACT, "awaiting_artifact", DF_ST_LIVE)                         \
	SEP X(DF_PHASE_VALIDATING, "validating", DF_ST_LIVE)                                       \
	SEP X(DF_PHASE_AWAITING_APPROVAL, "awaiting_approval", DF_ST_LIVE)                         \
	SEP X(DF_PHASE_COMPLETED, "completed", DF_ST_TERMINAL)                                     \
	SEP X(DF_PHASE_FAILED, "failed", DF_ST_TERMINAL)                                           \
	SEP X(DF_PHASE_SKIPPED, "skipped", DF_ST_TERMINAL)

/* Approvals (terminal: decided). */
#define DF_APPROVAL_STATES(X, SEP)                                                                 \
	X(DF_APPROVAL_PENDING, "pending", 0u)                                                      \
	SEP X(DF_APPROVAL_APPROVED, "approved", DF_ST_TERMINAL)                                    \
	SEP X(DF_APPROVAL_REJECTED, "rejected", DF_ST_TERMINAL)                                    \
	SEP X(DF_APPROVAL_CHANGES_REQUESTED, "changes_requested", DF_ST_TERMINAL)                  \
	SEP X(DF_APPROVAL_ABORTED, "aborted", DF_ST_TERMINAL)

/* Agent sessions (live: its process is starting or running). */
#define DF_SESSION_STATES(X, SEP)                                                                  \
	X(DF_SESSION_STARTING, "STARTING", DF_ST_LIVE)                                             \
	SEP X(DF_SESSION_RUNNING, "RUNNING", DF_ST_LIVE)                                           \
	SEP X(DF_SESSION_IDLE, "IDLE", DF_ST_LIVE)                                                 \
	SEP X(DF_SESSION_BUSY, "BUSY", DF_ST_LIVE)                                                 \
	SEP X(DF_SESSION_NEEDS_INPUT, "NEEDS_INPUT", DF_ST_LIVE)                                   \
	SEP X(DF_SESSION_WAITING, "WAITING_FOR_APPROVAL", 0u) SEP X(DF_SESSION_EXITED, "EXITED",   \
	                                                            DF_ST_TERMINAL)                \
	SEP X(DF_SESSION_STOPPED, "STOPPED", DF_ST_TERMINAL)                                       \
	SEP X(DF_SESSION_FAILED, "FAILED_NEEDS_HUMAN", DF_ST_TERMINAL)

#define DF_STATE_ENUM_(e, n, f) e,
#define DF_STATE_NOSEP_
/* The SQL list of a state list's names: "'created','bound',...". */
#define DF_STATE_SQL_(e, n, f) "'" n "'"
#define DF_STATES_SQL(LIST) LIST(DF_STATE_SQL_, ",")

enum df_run_state { DF_RUN_STATES(DF_STATE_ENUM_, DF_STATE_NOSEP_) DF_RUN_STATE_COUNT };
enum df_phase_state { DF_PHASE_STATES(DF_STATE_ENUM_, DF_STATE_NOSEP_) DF_PHASE_STATE_COUNT };
enum df_approval_state {
	DF_APPROVAL_STATES(DF_STATE_ENUM_, DF_STATE_NOSEP_) DF_APPROVAL_STATE_COUNT
};
enum df_session_state { DF_SESSION_STATES(DF_STATE_ENUM_, DF_STATE_NOSEP_) DF_SESSION_STATE_COUNT };

/* A state's name ("planning"); never NULL for a valid state. */
const char *df_run_state_name(enum df_run_state s);
const char *df_phase_state_name(enum df_phase_state s);
const char *df_approval_state_name(enum df_approval_state s);
const char *df_session_state_name(enum df_session_state s);

/* A state's name by its short enum name: DF_RUN(PAUSED) is "paused"; a misspelt one does not
 * compile. */
#define DF_RUN(x) df_run_state_name(DF_RUN_##x)
#define DF_PHASE(x) df_phase_state_name(DF_PHASE_##x)
#define DF_APPROVAL(x) df_approval_state_name(DF_APPROVAL_##x)

/* The state of a name: 0 with *out, or -1 for a name no state has (or NULL). */
int df_run_state_parse(const char *name, enum df_run_state *out);
int df_phase_state_parse(const char *name, enum df_phase_state *out);
int df_approval_state_parse(const char *name, enum df_approval_state *out);
int df_session_state_parse(const char *name, enum df_session_state *out);

/*
 * What a state, by name, is: flags of DF_ST_* (0 for an unknown name, as
 * for a state with none). The engine's rules read these.
 */
unsigned df_run_state_flags(const char *name);
unsigned df_phase_state_flags(const char *name);
unsigned df_approval_state_flags(const char *name);
unsigned df_session_state_flags(const char *name);

#endif
