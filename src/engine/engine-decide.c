/*
 * What a person decides about a run: approval decisions (engine_decide:
 * approve, request changes, reject, abort; idempotent by client token),
 * and pause, resume and abort. A decision is one transaction; the run then
 * goes on (advance) or ends (its report written).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/xalloc.h"
#include "engine-int.h"

static const char *const action_names[] = { "approve", "request_changes", "reject", "abort" };
static const char *const action_states[] = { "approved", "changes_requested", "rejected",
	                                     "aborted" };

const char *
engine_action_name(enum engine_action action)
{
	if ((unsigned)action > ENGINE_ABORT)
		return "unknown";
	return action_names[action];
}

int
engine_action_parse(const char *name, enum engine_action *out)
{
	for (int i = 0; name && i <= ENGINE_ABORT; i++)
		if (strcmp(action_names[i], name) == 0) {
			*out = (enum engine_action)i;
			return 0;
		}
	return -1;
}

static int __attribute__((format(printf, 3, 4)))
approval_conflict(struct df_error *err, const char *run_id, const char *fmt, ...)
{
	char hint[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_APPROVAL_CONFLICT,
	             "approval decision conflicts with the current request state (%s)", hint);
	df_error_hint(err, "%s", hint);
	eng_set_ids(err, run_id, NULL);
	return -1;
}

/* Stop (in the open transaction) the sessions of a phase that are waiting or still running. */
static int
release_phase_sessions(struct engine *e, const char *run_id, const char *phase_id, const char *ts,
                       struct df_error *err)
{
	struct store_session *ss = NULL;
	size_t n = 0;
	int rc = 0;

	if (store_sessions_list(e->st, run_id, &ss, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!ss[i].phase_id || strcmp(ss[i].phase_id, phase_id) != 0 ||
		    strcmp(ss[i].state, SS_EXITED) == 0 || strcmp(ss[i].state, SS_STOPPED) == 0 ||
		    strcmp(ss[i].state, SS_FAILED) == 0)
			continue;
		free(ss[i].state);
		ss[i].state = xstrdup(SS_STOPPED);
		rc = store_session_save(e->st, &ss[i], ts, err);
		eng_push_stop(e, ss[i].id);
	}
	store_sessions_free(ss, n);
	return rc;
}

/*
 * May the decision be taken? 0 when it may, with *req and, when the request
 * has a phase, *ph (*have_phase 1) loaded; 1 when the same client token
 * took it already (a replay: nothing to do); -1 with err: approval_not_found,
 * approval_conflict (the token used for another action, a run not awaiting
 * approval, a paused run, a request no longer pending), a store error.
 */
static int
decision_check(struct engine *e, const struct store_run *run, const char *approval_id,
               enum engine_action act, const char *token, struct store_approval *req,
               struct store_phase *ph, int *have_phase, struct df_error *err)
{
	struct store_decision prev;
	int r;

	memset(&prev, 0, sizeof(prev));
	r = store_approval_get(e->st, approval_id, req, err);
	if (r < 0)
		return -1;
	if (r == 0 || strcmp(req->run_id, run->id) != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_APPROVAL_NOT_FOUND,
		             "approval request %s does not exist in run %s", approval_id, run->id);
		eng_set_ids(err, run->id, NULL);
		return -1;
	}
	r = store_decision_by_token(e->st, approval_id, token, &prev, err);
	if (r == 1 && strcmp(prev.action, action_names[act]) != 0)
		r = approval_conflict(err, run->id,
		                      "client token already used for a different action (%s)",
		                      prev.action);
	store_decision_clear(&prev);
	if (r != 0)
		return r;
	if (eng_is_terminal(run->state) || (strcmp(run->state, DF_RUN(AWAITING_APPROVAL)) != 0 &&
	                                    strcmp(run->state, DF_RUN(PAUSED)) != 0))
		return approval_conflict(err, run->id, "run_state=%s", run->state);
	if (req->phase_id) {
		*have_phase = store_phase_get(e->st, req->phase_id, ph, err);
		if (*have_phase < 0)
			return -1;
	}
	if (strcmp(run->state, DF_RUN(PAUSED)) == 0) {
		int human = req->phase_id == NULL ||
		            (*have_phase && strcmp(ph->state, DF_PHASE(FAILED)) == 0);

		if (!((act == ENGINE_REJECT || act == ENGINE_ABORT) && human))
			return approval_conflict(
			    err, run->id, "%s",
			    "paused runs must be resumed before approval decisions");
	}
	if (strcmp(req->state, DF_APPROVAL(PENDING)) != 0)
		return approval_conflict(err, run->id, "approval_state=%s", req->state);
	return 0;
}

/* In the open transaction: the decision's row, its request resolved, approval.resolved. */
static int
record_decision(struct engine *e, const char *run_id, const char *approval_id,
                const struct store_approval *req, enum engine_action act, const char *token,
                const char *actor, const char *comment, const char *ts, struct df_error *err)
{
	char did[ENGINE_ID_MAX], *key;
	const char *action = action_names[act];
	cJSON *pl;
	int rc;

	eng_new_id(e, did);
	key = xasprintf("%s:%s:%s", approval_id, action, token);
	{
		struct store_decision d = { .id = did,
			                    .approval_request_id = (char *)approval_id,
			                    .action = (char *)action,
			                    .actor = (char *)actor,
			                    .comment = (char *)comment,
			                    .client_token = (char *)token,
			                    .idempotency_key = key,
			                    .created_at = NULL };

		rc = store_decision_insert(e->st, &d, ts, err) != 0 ||
		             store_approval_resolve(e->st, approval_id, action_states[act], ts,
		                                    err) != 0
		         ? -1
		         : 0;
	}
	free(key);
	if (rc != 0)
		return -1;
	pl = eng_payload_str("approvalRequestId", approval_id, "action", action, "actor", actor,
	                     "comment", comment, "gateKey", req->gate_key, NULL);
	return eng_emit(e, run_id, req->phase_id, "approval.resolved", pl, err,
	                "approval.resolved:%s:%s", approval_id, action);
}

/*
 * In the open transaction: the gate's phase completes (approve, with
 * phase.completed) or is pending again (request_changes: it reruns with the
 * comment), and its sessions stop.
 */
static int
gate_phase_decided(struct engine *e, const char *run_id, struct store_phase *ph,
                   enum engine_action act, const char *ts, struct df_error *err)
{
	cJSON *pl;

	free(ph->ended_at);
	free(ph->state);
	if (act == ENGINE_APPROVE) {
		ph->state = xstrdup(DF_PHASE(COMPLETED));
		ph->ended_at = xstrdup(ts);
	} else {
		ph->state = xstrdup(DF_PHASE(PENDING));
		ph->ended_at = NULL;
		free(ph->started_at);
		ph->started_at = NULL;
		free(ph->deadline_at);
		ph->deadline_at = NULL;
	}
	if (store_phase_save(e->st, ph, err) != 0 ||
	    release_phase_sessions(e, run_id, ph->id, ts, err) != 0)
		return -1;
	if (act != ENGINE_APPROVE)
		return 0;
	pl = eng_payload_str("phaseKey", ph->phase_key, NULL);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	/* Its work is committed after this transaction, off the loop (engine-land.c). */
	return eng_emit(e, run_id, ph->id, "phase.completed", pl, err, "phase.completed:%s:%d",
	                ph->id, ph->attempts);
}

/*
 * approve or request_changes, in the open transaction: the gate's phase
 * (ph, NULL when the request has none) is decided, and the run goes on:
 * executing after approve, planning at that phase after request_changes.
 */
static int
run_goes_on(struct engine *e, const char *run_id, const char *approval_id,
            const struct store_approval *req, struct store_phase *ph, enum engine_action act,
            const char *ts, struct df_error *err)
{
	char *cause = xasprintf("approval:%s:%s", approval_id, action_names[act]);
	int rc = -1;

	if (ph && gate_phase_decided(e, run_id, ph, act, ts, err) != 0)
		goto out;
	if (store_run_transition(e->st, run_id,
	                         act == ENGINE_APPROVE ? DF_RUN(EXECUTING) : DF_RUN(PLANNING), NULL,
	                         ts, err) != 0 ||
	    store_run_set_current_phase(e->st, run_id, act == ENGINE_APPROVE ? NULL : req->phase_id,
	                                ts, err) != 0 ||
	    eng_emit(e, run_id, NULL, "run.resumed", eng_payload_str("cause", cause, NULL), err,
	             "run.resumed:%s:%s", run_id, cause) != 0)
		goto out;
	rc = 0;
out:
	free(cause);
	return rc;
}

static int
decide_tx(struct engine *e, const char *run_id, const char *approval_id, enum engine_action act,
          const char *token, const char *actor, const char *comment, int *replayed,
          struct df_error *err)
{
	struct store_run run;
	struct store_approval req;
	struct store_phase ph;
	char ts[STORE_TS_MAX];
	int rc = -1, r, have_phase = 0;

	memset(&req, 0, sizeof(req));
	memset(&ph, 0, sizeof(ph));
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	r = decision_check(e, &run, approval_id, act, token, &req, &ph, &have_phase, err);
	if (r == 1)
		*replayed = 1;
	if (r != 0) {
		rc = r == 1 ? 0 : -1;
		goto out;
	}
	eng_now_ts(e, ts);
	if (record_decision(e, run_id, approval_id, &req, act, token, actor, comment, ts, err) != 0)
		goto out;
	if (act == ENGINE_APPROVE || act == ENGINE_REQUEST_CHANGES) {
		rc = run_goes_on(e, run_id, approval_id, &req, have_phase ? &ph : NULL, act, ts,
		                 err);
		/* At a review's gate, the change request also goes to the phase it reviews. */
		if (rc == 0 && act == ENGINE_REQUEST_CHANGES && have_phase &&
		    eng_review_changes_requested(e, &ph, approval_id, actor, comment, ts, err) < 0)
			rc = -1;
	} else {
		char *reason = xasprintf("approval_%s", action_names[act]);

		rc = eng_end_run_tx(e, run_id,
		                    act == ENGINE_ABORT ? DF_RUN(ABORTED) : DF_RUN(FAILED), reason,
		                    reason, err);
		free(reason);
	}
out:
	store_run_clear(&run);
	store_approval_clear(&req);
	store_phase_clear(&ph);
	return rc;
}

static int
decide_impl(struct engine *e, const char *run_id, const char *approval_id, enum engine_action act,
            const char *token, const char *actor, const char *comment, int *replayed,
            struct df_error *err)
{
	if (run_id == NULL || approval_id == NULL || token == NULL || *token == '\0' ||
	    actor == NULL || *actor == '\0' || (unsigned)act > ENGINE_ABORT)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a decision needs a run, an approval request, an action, a "
		                    "client token and an actor");
	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (decide_tx(e, run_id, approval_id, act, token, actor, comment, replayed, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	if (*replayed) {
		eng_tx_rollback(e); /* nothing was written */
		return 0;
	}
	if (eng_tx_commit(e, err) != 0)
		return -1;
	if (act == ENGINE_APPROVE || act == ENGINE_REQUEST_CHANGES)
		eng_advance_or_fail(e, run_id, "approval_advance_failed");
	else {
		eng_cancel_timers(e, run_id, NULL);
		eng_ensure_report(e, run_id);
	}
	return 0;
}

int
engine_decide(struct engine *e, const char *run_id, const char *approval_id,
              enum engine_action action, const char *client_token, const char *actor,
              const char *comment, int *replayed, struct df_error *err)
{
	int rc, rep = 0;

	e->depth++;
	rc = decide_impl(e, run_id, approval_id, action, client_token, actor, comment, &rep, err);
	e->depth--;
	if (replayed)
		*replayed = rep;
	eng_pump(e);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Pause, resume, abort.
 */

static int
state_changed(struct df_error *err, const char *run_id, const char *what, const char *state)
{
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED, "cannot %s run %s: it is %s",
	             what, run_id, state);
	df_error_hint(err, "run_state=%s", state);
	eng_set_ids(err, run_id, NULL);
	return -1;
}

static int
pause_impl(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_run run;
	char ts[STORE_TS_MAX], cause[ENGINE_ID_MAX + 8], id[ENGINE_ID_MAX];
	int rc = -1;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (eng_load_run(e, run_id, &run, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	if (strcmp(run.state, DF_RUN(PAUSED)) == 0) {
		rc = 0;
		goto rollback;
	}
	if (!eng_is_mutable(run.state) && strcmp(run.state, DF_RUN(AWAITING_APPROVAL)) != 0) {
		state_changed(err, run_id, "pause", run.state);
		goto rollback;
	}
	eng_now_ts(e, ts);
	eng_new_id(e, id);
	snprintf(cause, sizeof(cause), "signal:%s", id);
	if (store_run_transition(e->st, run_id, DF_RUN(PAUSED), run.state, ts, err) != 0 ||
	    eng_emit(e, run_id, NULL, "run.paused",
	             eng_payload_str("cause", cause, "pausedFromState", run.state, NULL), err,
	             "run.paused:%s:%s", run_id, cause) != 0)
		goto rollback;
	store_run_clear(&run);
	return eng_tx_commit(e, err);
rollback:
	eng_tx_rollback(e);
	store_run_clear(&run);
	return rc;
}

int
engine_pause(struct engine *e, const char *run_id, struct df_error *err)
{
	int rc;

	e->depth++;
	rc = pause_impl(e, run_id, err);
	e->depth--;
	eng_pump(e);
	return rc;
}

static int
resume_impl(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_run run;
	char ts[STORE_TS_MAX], cause[ENGINE_ID_MAX + 8], id[ENGINE_ID_MAX];
	const char *next;
	int r, go_on;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (eng_load_run(e, run_id, &run, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	if (strcmp(run.state, DF_RUN(PAUSED)) != 0) {
		eng_tx_rollback(e);
		r = eng_is_terminal(run.state) ? state_changed(err, run_id, "resume", run.state)
		                               : 0;
		store_run_clear(&run);
		return r;
	}
	r = store_approval_human_required_pending(e->st, run_id, err);
	if (r != 0) {
		if (r > 0)
			approval_conflict(err, run_id, "%s",
			                  "pending human-required gate must be resolved first");
		eng_tx_rollback(e);
		store_run_clear(&run);
		return -1;
	}
	next = run.paused_from_state ? run.paused_from_state : DF_RUN(EXECUTING);
	go_on = eng_is_mutable(next);
	eng_now_ts(e, ts);
	eng_new_id(e, id);
	snprintf(cause, sizeof(cause), "signal:%s", id);
	if (store_run_transition(e->st, run_id, next, NULL, ts, err) != 0 ||
	    eng_emit(e, run_id, NULL, "run.resumed", eng_payload_str("cause", cause, NULL), err,
	             "run.resumed:%s:%s", run_id, cause) != 0) {
		eng_tx_rollback(e);
		store_run_clear(&run);
		return -1;
	}
	store_run_clear(&run);
	if (eng_tx_commit(e, err) != 0)
		return -1;
	if (go_on) {
		/*
		 * A paused phase does not time out: its deadline starts over. An
		 * artifact written meanwhile is judged first (work the agent
		 * finished counts, even if the agent is gone since).
		 */
		if (eng_recheck_active_phase(e, run_id, 1, err) != 0)
			return -1;
		/* The agent left while the run was paused, or died with a server. */
		if (eng_agent_gone_after_resume(e, run_id, err) != 0)
			return -1;
		eng_advance_or_fail(e, run_id, "resume_advance_failed");
	}
	return 0;
}

int
engine_resume(struct engine *e, const char *run_id, struct df_error *err)
{
	int rc;

	e->depth++;
	rc = resume_impl(e, run_id, err);
	e->depth--;
	eng_pump(e);
	return rc;
}

static int
abort_impl(struct engine *e, const char *run_id, const char *reason, struct df_error *err)
{
	struct store_run run;

	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (eng_is_terminal(run.state)) {
		int r = strcmp(run.state, DF_RUN(ABORTED)) == 0
		            ? 0
		            : state_changed(err, run_id, "abort", run.state);

		store_run_clear(&run);
		eng_ensure_report(e, run_id);
		return r;
	}
	store_run_clear(&run);
	return eng_end_run(e, run_id, DF_RUN(ABORTED), reason ? reason : "abort", "abort", err);
}

int
engine_abort(struct engine *e, const char *run_id, const char *reason, struct df_error *err)
{
	int rc;

	e->depth++;
	rc = abort_impl(e, run_id, reason, err);
	e->depth--;
	eng_pump(e);
	return rc;
}

/* A run's pending approvals: any (1 or 0), and one that needs a person. */
static int
pending_approvals(struct engine *e, const char *run_id, int *any, int *human, struct df_error *err)
{
	struct store_approval *ap;
	size_t n;

	if (store_approvals_list(e->st, run_id, &ap, &n, err) != 0)
		return -1;
	*any = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ap[i].state, df_approval_state_name(DF_APPROVAL_PENDING)) == 0)
			*any = 1;
	store_approvals_free(ap, n);
	*human = *any ? store_approval_human_required_pending(e->st, run_id, err) : 0;
	return *human < 0 ? -1 : 0;
}

int
engine_run_actions(struct engine *e, const char *run_id, const char *names[ENGINE_RUN_ACTIONS_MAX],
                   struct df_error *err)
{
	struct store_run run;
	unsigned flags;
	int any, human, paused, gate, n = 0;

	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	flags = df_run_state_flags(run.state);
	paused = strcmp(run.state, DF_RUN(PAUSED)) == 0;
	gate = strcmp(run.state, DF_RUN(AWAITING_APPROVAL)) == 0;
	if ((flags & DF_ST_TERMINAL) || pending_approvals(e, run_id, &any, &human, err) != 0) {
		store_run_clear(&run);
		return (flags & DF_ST_TERMINAL) ? 0 : -1;
	}
	store_run_clear(&run);
	if (gate && any) {
		names[n++] = engine_action_name(ENGINE_APPROVE);
		names[n++] = engine_action_name(ENGINE_REQUEST_CHANGES);
	}
	if ((gate && any) || (paused && human))
		names[n++] = engine_action_name(ENGINE_REJECT);
	if ((flags & DF_ST_LIVE) || gate)
		names[n++] = "pause";
	if (paused && !human)
		names[n++] = "resume";
	names[n++] = engine_action_name(ENGINE_ABORT);
	return n;
}
