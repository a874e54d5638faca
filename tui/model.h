/*
 * What the TUI knows of the server's state, built only from protocol
 * replies and pushed events (no store, no engine): the runs (from `ls`),
 * the status of each run it follows (from `status`: phases, approvals,
 * sessions, recent events), and the approval queue derived from them —
 * gates pending a decision and agents asking a question, across all runs,
 * oldest first. No curses here: the panes draw it, unit tests read it.
 *
 * The results are read through their decoders (proto/result.h); whether a
 * run is over and what may be asked of it now come from the server (the
 * run's terminal and actions), not from rules of the TUI's own.
 */
#ifndef DEVFLOW_TUI_MODEL_H
#define DEVFLOW_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "proto/result.h"

struct model_run {
	char *id, *state, *repo, *base, *template_name, *phase;
	time_t created;                /* 0 when unknown */
	time_t changed;                /* when the state was last seen to change (waiting since) */
	int waiting;                   /* a gate or a question waits for a person */
	int terminal;                  /* the run is over */
	struct result_actions actions; /* what may be asked of it now; names are copies */
};

struct model_phase {
	int seq;
	char *id, *key, *title, *state, *role, *persona, *backend;
	int attempts;
};

struct model_session {
	char *id, *phase_id, *role, *backend, *state;
};

struct model_event {
	int64_t seq;
	char *ts, *type, *text; /* text: a one-line summary of the payload */
};

enum model_item_kind {
	MODEL_ITEM_GATE = 1, /* an approval request awaiting a decision */
	MODEL_ITEM_QUESTION, /* an agent needing input */
};

/* An answer a question offers (its backend declares them): the key to press and its label. */
struct model_choice {
	char *key, *label;
};

struct model_item {
	enum model_item_kind kind;
	char *run_id, *approval_id, *label, *detail, *session, *phase_key;
	char *artifact_path, *schema;
	time_t since;
	/* A question's answers, from its session.needs_input event; none: attach to answer. */
	struct model_choice *choices;
	size_t nchoices;
};

/* The choice of it whose key is key, or NULL. */
const struct model_choice *model_item_choice(const struct model_item *it, const char *key);

/* The status of one run. */
struct model_status {
	char *run_id, *state, *worktree, *report_path;
	struct model_phase *phases;
	size_t nphases;
	struct model_session *sessions;
	size_t nsessions;
	struct model_item *items; /* this run's part of the queue */
	size_t nitems;
	struct model_event *events; /* oldest first */
	size_t nevents;
	int64_t last_seq;
};

struct model {
	struct model_run *runs;
	size_t nruns;
	struct model_status *statuses;
	size_t nstatuses;
	struct model_item *queue; /* oldest first; borrows nothing (own copies) */
	size_t nqueue;
};

void model_init(struct model *m);
void model_free(struct model *m);

/*
 * Replace the run list from an `ls` result. Keeps what statuses know about
 * waiting. Returns 0, or -1 when the result does not decode.
 */
int model_set_runs(struct model *m, const cJSON *result, time_t now);

/*
 * Store a `status` result (run, phases, bindings, approvals, sessions,
 * events) and rebuild the queue. Returns 0, or -1 when it does not decode.
 */
int model_set_status(struct model *m, const cJSON *result, time_t now);

/* Forget a run's status (e.g. it is no longer followed). */
void model_drop_status(struct model *m, const char *run_id);

/*
 * Append a pushed event to the status of its run when followed (and the seq
 * is new). Returns 1 when appended, 0 otherwise.
 */
int model_add_event(struct model *m, const char *run_id, int64_t seq, const char *type,
                    const cJSON *payload, const char *ts);

/*
 * Prepend the events of an `events` result older than the oldest its run's
 * status holds (the Events pane scrolling back past the status's last 20).
 * Returns how many were added (0 when the run is not followed), or -1 when
 * the result does not decode.
 */
int model_add_older_events(struct model *m, const cJSON *result);

struct model_run *model_run(struct model *m, const char *run_id);
struct model_status *model_status(struct model *m, const char *run_id);

/*
 * The session to show for a run: a live one (not stopped, exited or failed)
 * of the latest phase, else the last one; NULL when it has none.
 */
const struct model_session *model_live_session(const struct model_status *s);

/* 1 unless the session state says its process is gone (STOPPED, EXITED, FAILED_NEEDS_HUMAN). */
int model_session_live(const char *state);

/* Seconds since epoch of an ISO 8601 UTC time ("2026-11-25T08:00:00.000Z"), 0 if unparsable. */
time_t model_parse_time(const char *iso);

/* "12s", "4m", "2h14m", "3d" into out. */
void model_age(time_t seconds, char out[16]);

/* A one-line summary of an event payload into a new string (caller frees). */
char *model_event_text(const char *type, const cJSON *payload);

#endif
