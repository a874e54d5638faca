/*
 * The results of the server's ops (docs/protocol.md, "Ops of the server"),
 * one struct an op with one encoder (result_X_json, used by the server) and
 * one decoder (result_X_parse, used by the CLI and the TUI), so that every
 * field has one name, in camelCase, written in one place: a table of the
 * struct's fields (name, kind, offset) that both directions read.
 *
 * Decoded strings and JSON values borrow from the parsed tree and die with
 * it; the arrays a decoder allocates are freed by the struct's result_X_free.
 * A decoder requires the fields that name a thing (ids, states) and takes an
 * absent optional field as NULL, 0 or false; a field of the wrong type is a
 * protocol_error naming its JSON path ("status.phases[1].seq: expected an
 * integer, got a string"). Encoders write every field, null when unset.
 */
#ifndef DEVFLOW_RESULT_H
#define DEVFLOW_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

/* The most actions a run lists (the engine's ENGINE_RUN_ACTIONS_MAX). */
#define RESULT_ACTIONS_MAX 6

/*
 * What a person may ask of a run now ("approve", "request_changes",
 * "reject", "pause", "resume", "abort"), as the server's engine says.
 */
struct result_actions {
	const char *name[RESULT_ACTIONS_MAX];
	size_t n;
};

/* 1 when the list holds name. */
int result_actions_has(const struct result_actions *a, const char *name);

/* start: the new run. */
struct result_start {
	const char *run_id, *state, *worktree_root;
};

/* pause, resume: the run's state after it. */
struct result_run_state {
	const char *run_id, *state;
};

/* decide: the decision as recorded (approval_id NULL for an abort without a gate). */
struct result_decide {
	const char *run_id, *approval_id, *action, *actor, *state;
	int replayed;
};

/*
 * land: what landing did. action "land" (merged into the base: how is
 * "fast-forward", "merge" or "squash", commit the base's new tip, checkout
 * the work tree updated with it or NULL), "push" (remote) or "pr" (remote
 * and url); already when an earlier land did it (nothing changed).
 */
struct result_land {
	const char *run_id, *action, *mode, *how, *commit, *base, *branch, *checkout, *remote, *url,
	    *actor;
	const char *follow_up; /* action "rebase": the follow-up run (absent from older servers) */
	const char *via;       /* landed through this rebase follow-up, or NULL */
	int already;
};

/*
 * clean: per run, what was removed and what was kept, each an array of
 * {runId, worktree, branch, removed: [what...], kept: why or null}.
 */
struct result_clean {
	const cJSON *runs;
};

/* answer: the answer sent to a session's question, and who answered. */
struct result_answer {
	const char *session, *choice, *label, *question, *actor;
};

/* report: the files of the run's report, its Markdown and its JSON document. */
struct result_report {
	const char *run_id, *state, *markdown_path, *json_path, *markdown;
	const cJSON *report;
};

/* One row of a run's event log (events, status, and the pushed event message). */
struct result_event {
	const char *run_id;
	int64_t seq;
	const char *type, *phase_id, *ts;
	const cJSON *payload;
};

/* events: a run's events after a seq. */
struct result_events {
	const char *run_id, *state;
	struct result_event *events;
	size_t nevents;
};

/* One run as ls lists it. */
struct result_ls_run {
	const char *id, *state, *template_name, *repo_path, *base_branch;
	const char *phase, *phase_state; /* the current phase's key and state, or NULL */
	int64_t pending_approvals;
	const char *created_at, *ended_at, *final_report_path;
	int terminal;
	struct result_actions actions;
};

struct result_ls {
	struct result_ls_run *runs;
	size_t nruns;
};

/* status: the run. */
struct result_run {
	const char *id, *state, *paused_from_state, *repo_path, *base_branch, *worktree_root;
	const char *template_hash, *current_phase_id, *final_report_path;
	const char *created_at, *started_at, *ended_at;
	const char *rebase_run_id; /* its newest rebase follow-up, or NULL */
	const char *rebase_of;     /* the run this one rebases, or NULL */
	int terminal;
	struct result_actions actions;
};

struct result_phase {
	const char *id, *phase_key, *title, *state, *deadline_at;
	int64_t seq, attempts, repairs;
};

/* A role's binding: persona is the persona's name, persona_id its catalog id. */
struct result_binding {
	const char *role_id, *persona, *persona_id, *backend;
};

struct result_decision {
	const char *action, *actor, *comment, *created_at;
};

struct result_approval {
	const char *id, *phase_id, *gate_key, *kind, *state, *created_at;
	const cJSON *payload;
	struct result_decision *decisions;
	size_t ndecisions;
};

/* A session as status lists it. */
struct result_session {
	const char *id, *phase_id, *role_id, *backend, *state, *transcript_path;
	int has_exit_status;
	int64_t exit_status;
};

/* status: the run, its phases, bindings, approvals, sessions and last events. */
/* A check devflow runs itself, as it stands now (the newest of its events in the run). */
struct result_check {
	const char *phase_id, *phase_key, *name;
	const char *state; /* "running", "passed" or "failed" */
	const char *how;   /* "exited with status 2 after 1.3 s", ...; NULL while running */
	const char *output_path, *tail;
	int64_t attempt, repair;
};

struct result_status {
	struct result_run run;
	struct result_check *checks; /* absent from older servers: none */
	size_t nchecks;
	struct result_phase *phases;
	size_t nphases;
	struct result_binding *bindings;
	size_t nbindings;
	struct result_approval *approvals;
	size_t napprovals;
	struct result_session *sessions;
	size_t nsessions;
	struct result_event *events;
	size_t nevents;
};

/* A session as the sessions op lists it: live (a process runs), screen (held). */
struct result_sessions_item {
	const char *id, *run_id, *phase, *role_id, *backend, *state;
	int live, screen;
	int has_terminal; /* pid, rows, cols: only while the server holds its terminal */
	int64_t pid, rows, cols;
	const char *transcript_path, *conversation_id, *created_at;
};

struct result_sessions {
	struct result_sessions_item *sessions;
	size_t nsessions;
};

/* diff: the worktree against its base; files_truncated when the list was cut to fit. */
struct result_diff_file {
	const char *path, *status; /* status: "A", "D", "M", "T" or "?" */
};

struct result_diff {
	const char *run_id, *base, *worktree_root;
	struct result_diff_file *files;
	size_t nfiles;
	const char *text;
	int truncated, files_truncated;
};

/*
 * artifact: the stored validation of a phase's artifact and the file as it
 * is now: json (its document), else text (not JSON), else file_error.
 */
struct result_artifact {
	const char *run_id, *phase, *phase_id, *path, *schema;
	int64_t attempt;
	int valid;
	const cJSON *errors; /* an array of messages */
	const char *hash, *validated_at;
	int changed;
	const cJSON *json;
	const char *text, *file_error;
};

/* capture: a session's screen as text, and as a screen message when asked (else NULL). */
struct result_capture {
	const char *session;
	int64_t rows, cols;
	const char *text;
	const cJSON *screen;
};

struct proto_row;

/*
 * history: lines of a session's terminal, stable numbers first ..
 * first + count - 1 (proto/histnum.h); start is first's tmux number. more:
 * the range asked goes on after the last line returned (cut to fit one
 * reply: ask again from first + count). Without spans, text holds the
 * lines, each right-trimmed and followed by '\n', and lines is NULL; with
 * them, lines holds count rows of spans (y the index) and text is NULL.
 */
struct result_history {
	const char *session;
	int64_t history_size, rows, cols, dropped;
	int64_t first, start, count;
	int more;
	const char *text;
	struct proto_row *lines; /* decoded: malloc'd, freed by result_history_free */
	size_t nlines;
};

/*
 * history-search: the nearest line from where the search started holding
 * the text (line its stable number, start its tmux number), when found;
 * wrapped when it was found past an end, starting over at the other.
 */
struct result_history_search {
	const char *session;
	int found, wrapped;
	int has_line;
	int64_t line, start;
	int64_t history_size, rows, dropped;
};

/* ping: the server's pid, workspace and number of clients. */
struct result_ping {
	int64_t pid;
	const char *workspace;
	int64_t clients;
};

/*
 * backends: the agent backends of the catalog, whether this server can run
 * each (its command is found), how to install one that is missing, and the
 * roles of a template (bare, "reviewer#2" as "reviewer"), each of which a
 * start binds to a backend.
 */
struct result_backend {
	const char *name;
	int available;
	const char *install;
};

struct result_role {
	const char *role;
};

struct result_backends {
	const char *template_name; /* NULL when none was asked or it is not in the catalog */
	struct result_backend *backends;
	size_t nbackends;
	struct result_role *roles;
	size_t nroles;
};

/*
 * Encoders: a new tree (the caller deletes it); JSON members (payload,
 * report) are copied. Decoders: 0 with *r filled, or -1 with err
 * (protocol_error); *r is zeroed first, so result_X_free is safe either way.
 */
cJSON *result_start_json(const struct result_start *r);
int result_start_parse(const cJSON *j, struct result_start *r, struct df_error *err);

cJSON *result_run_state_json(const struct result_run_state *r);
int result_run_state_parse(const cJSON *j, struct result_run_state *r, struct df_error *err);

cJSON *result_decide_json(const struct result_decide *r);
int result_decide_parse(const cJSON *j, struct result_decide *r, struct df_error *err);

cJSON *result_land_json(const struct result_land *r);
int result_land_parse(const cJSON *j, struct result_land *r, struct df_error *err);

cJSON *result_clean_json(const struct result_clean *r);
int result_clean_parse(const cJSON *j, struct result_clean *r, struct df_error *err);

cJSON *result_answer_json(const struct result_answer *r);
int result_answer_parse(const cJSON *j, struct result_answer *r, struct df_error *err);

cJSON *result_report_json(const struct result_report *r);
int result_report_parse(const cJSON *j, struct result_report *r, struct df_error *err);

cJSON *result_event_json(const struct result_event *r);
int result_event_parse(const cJSON *j, struct result_event *r, struct df_error *err);

cJSON *result_events_json(const struct result_events *r);
int result_events_parse(const cJSON *j, struct result_events *r, struct df_error *err);
void result_events_free(struct result_events *r);

cJSON *result_ls_json(const struct result_ls *r);
int result_ls_parse(const cJSON *j, struct result_ls *r, struct df_error *err);
void result_ls_free(struct result_ls *r);

cJSON *result_status_json(const struct result_status *r);
int result_status_parse(const cJSON *j, struct result_status *r, struct df_error *err);
void result_status_free(struct result_status *r);

cJSON *result_sessions_json(const struct result_sessions *r);
int result_sessions_parse(const cJSON *j, struct result_sessions *r, struct df_error *err);
void result_sessions_free(struct result_sessions *r);

cJSON *result_diff_json(const struct result_diff *r);
int result_diff_parse(const cJSON *j, struct result_diff *r, struct df_error *err);
void result_diff_free(struct result_diff *r);

cJSON *result_artifact_json(const struct result_artifact *r);
int result_artifact_parse(const cJSON *j, struct result_artifact *r, struct df_error *err);

cJSON *result_capture_json(const struct result_capture *r);
int result_capture_parse(const cJSON *j, struct result_capture *r, struct df_error *err);

cJSON *result_backends_json(const struct result_backends *r);
int result_backends_parse(const cJSON *j, struct result_backends *r, struct df_error *err);
void result_backends_free(struct result_backends *r);
cJSON *result_history_json(const struct result_history *r);
int result_history_parse(const cJSON *j, struct result_history *r, struct df_error *err);
void result_history_free(struct result_history *r);

cJSON *result_history_search_json(const struct result_history_search *r);
int result_history_search_parse(const cJSON *j, struct result_history_search *r,
                                struct df_error *err);

cJSON *result_ping_json(const struct result_ping *r);
int result_ping_parse(const cJSON *j, struct result_ping *r, struct df_error *err);

/* reload: how many templates, personas and backends the catalog now has, and backends available. */
struct result_reload {
	int64_t templates, personas, backends, available;
};

cJSON *result_reload_json(const struct result_reload *r);
int result_reload_parse(const cJSON *j, struct result_reload *r, struct df_error *err);

#endif
