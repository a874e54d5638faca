/*
 * Errors are values: every fallible function in src/ returns 0 or -1 (or a
 * status) and fills an optional struct df_error that the caller shows or
 * passes on. Classes and codes follow the reference engine; the CLI and the
 * TUI decide how to print them, src/ never prints.
 */
#ifndef DEVFLOW_ERROR_H
#define DEVFLOW_ERROR_H

#include <stddef.h>

enum df_class {
	DF_FATAL,
	DF_HUMAN_REQUIRED,
	DF_RETRYABLE,
};

/* X(id, name): every error code devflow can report. */
#define DF_ERROR_CODES(X)                                                                          \
	X(NONE, "none")                                                                            \
	X(ACTIVE_RUN_EXISTS, "active_run_exists")                                                  \
	X(MAX_CONCURRENT_RUNS, "max_concurrent_runs")                                              \
	X(APPROVAL_CONFLICT, "approval_conflict")                                                  \
	X(APPROVAL_NOT_FOUND, "approval_not_found")                                                \
	X(SESSION_NOT_FOUND, "session_not_found")                                                  \
	X(RUN_NOT_FOUND, "run_not_found")                                                          \
	X(RUN_STATE_CHANGED, "run_state_changed")                                                  \
	X(TEMPLATE_LOAD_FAILED, "template_load_failed")                                            \
	X(WORKSPACE_PERMISSIONS, "workspace_permissions")                                          \
	X(INTERNAL_STATE_CORRUPTION, "internal_state_corruption")                                  \
	X(PROCESS_RESTART_UNRECOVERED, "process_restart_unrecovered")                              \
	X(FINAL_REPORT_COMPOSE_FAILED, "final_report_compose_failed")                              \
	X(WORKTREE_CREATE_FAILED, "worktree_create_failed")                                        \
	X(START_RUN_FAILED, "start_run_failed")                                                    \
	X(BINDING_FAILED, "binding_failed")                                                        \
	X(BACKEND_UNAVAILABLE, "backend_unavailable")                                              \
	X(ARTIFACT_INVALID, "artifact_invalid")                                                    \
	X(ARTIFACT_NOT_FOUND, "artifact_not_found")                                                \
	X(PHASE_TIMEOUT, "phase_timeout")                                                          \
	X(SCHEMA_INVALID, "schema_invalid")                                                        \
	X(SCHEMA_NOT_FOUND, "schema_not_found")                                                    \
	X(JSON_PARSE, "json_parse")                                                                \
	X(CATALOG_CONFLICT, "catalog_conflict")                                                    \
	X(CATALOG_INVALID, "catalog_invalid")                                                      \
	X(INVALID_ARGUMENT, "invalid_argument")                                                    \
	X(IO, "io_error")                                                                          \
	X(DATABASE, "database_error")                                                              \
	X(DATABASE_TOO_NEW, "database_too_new")                                                    \
	X(DATABASE_CORRUPT, "database_corrupt")                                                    \
	X(GIT, "git_error")                                                                        \
	X(LAND_CONFLICT, "land_conflict")                                                          \
	X(SESSION_FAILED, "session_failed")                                                        \
	X(PROTOCOL, "protocol_error")                                                              \
	X(SERVER_RUNNING, "server_running")                                                        \
	X(SERVER_UNAVAILABLE, "server_unavailable")

enum df_code {
#define DF_X(id, name) DF_E_##id,
	DF_ERROR_CODES(DF_X)
#undef DF_X
	    DF_E__COUNT
};

#define DF_ID_MAX 64

struct df_error {
	enum df_class class;
	enum df_code code;
	char message[1024];
	char hint[512];
	char run_id[DF_ID_MAX];
	char phase_id[DF_ID_MAX];
};

/*
 * Fill err (when not NULL) with class, code and a printf-style message; hint,
 * run and phase are cleared. Always returns -1 so callers can write
 * `return df_error_set(err, ...);`.
 */
int df_error_set(struct df_error *err, enum df_class class, enum df_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set the hint of an already filled error (no-op when err is NULL). */
void df_error_hint(struct df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the message of a filled error with "what: " (no-op when NULL). */
void df_error_prefix(struct df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void df_error_clear(struct df_error *err);

/* Static names; "unknown" for out-of-range values. */
const char *df_code_name(enum df_code code);
const char *df_class_name(enum df_class class);

/* Look a code up by its name; returns DF_E_NONE when unknown. */
enum df_code df_code_from_name(const char *name);

#endif
