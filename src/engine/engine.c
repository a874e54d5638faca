/*
 * The engine reactor (see engine.h), split by job as tmux splits its
 * server. This file holds what every part uses: the plumbing (clock, ids,
 * run states, transactions with their event notes, timers, the work queue),
 * phase definitions, ending runs (failed or aborted, with their reports)
 * and the engine's lifetime. engine-start.c starts runs; engine-phase.c
 * begins, advances and restarts phases; engine-artifact.c judges and
 * records artifacts; engine-decide.c takes a person's decisions;
 * engine-event.c handles session, artifact and timer events;
 * engine-recover.c recovers runs and runs the self-check; engine-status.c
 * answers engine_status. engine-int.h holds what they share.
 *
 * Every state change is one store transaction begun here; calls to the
 * session driver (start, send, stop) happen only outside transactions, since
 * a driver may call back into the engine (such calls are queued).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <uuid/uuid.h>

#include "lib/canon.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "engine.h"
#include "engine-int.h"
#include "report.h"

/* ---------------------------------------------------------------------------
 * Plumbing.
 */

int64_t
eng_now_ms(struct engine *e)
{
	return e->host->now_ms(e->hctx);
}

void
eng_now_ts(struct engine *e, char out[STORE_TS_MAX])
{
	store_format_ts(eng_now_ms(e), out);
}

void
eng_new_id(struct engine *e, char out[ENGINE_ID_MAX])
{
	e->host->new_id(e->hctx, out);
}

int
eng_is_terminal(const char *state)
{
	return (df_run_state_flags(state) & DF_ST_TERMINAL) != 0;
}

int
eng_is_mutable(const char *state)
{
	return (df_run_state_flags(state) & DF_ST_LIVE) != 0;
}

int
eng_phase_active(const char *state)
{
	return (df_phase_state_flags(state) & DF_ST_LIVE) != 0;
}

void
eng_set_ids(struct df_error *err, const char *run_id, const char *phase_id)
{
	if (err == NULL)
		return;
	if (run_id)
		snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
	if (phase_id)
		snprintf(err->phase_id, sizeof(err->phase_id), "%s", phase_id);
}

static int
run_not_found(struct df_error *err, const char *run_id)
{
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_NOT_FOUND, "run %s does not exist", run_id);
	eng_set_ids(err, run_id, NULL);
	return -1;
}

/* 0 with *run, or -1 (run_not_found or a store error). */
int
eng_load_run(struct engine *e, const char *run_id, struct store_run *run, struct df_error *err)
{
	int rc = store_run_get(e->st, run_id, run, err);

	if (rc == 0)
		return run_not_found(err, run_id);
	return rc < 0 ? -1 : 0;
}

void
eng_push_stop(struct engine *e, const char *session_id)
{
	if (e->nstops == e->cstops) {
		e->cstops = e->cstops ? e->cstops * 2 : 8;
		e->stops = xreallocarray(e->stops, e->cstops, sizeof(*e->stops));
	}
	e->stops[e->nstops++] = xstrdup(session_id);
}

static void
clear_stops(struct engine *e)
{
	for (size_t i = 0; i < e->nstops; i++)
		free(e->stops[i]);
	e->nstops = 0;
}

int
eng_tx_begin(struct engine *e, struct df_error *err)
{
	e->nnotes = 0;
	clear_stops(e);
	return store_begin(e->st, err);
}

void
eng_tx_rollback(struct engine *e)
{
	store_rollback(e->st);
	e->nnotes = 0;
	clear_stops(e);
}

/* Commit, then tell the host about the new events and stop the sessions the step ended. */
int
eng_tx_commit(struct engine *e, struct df_error *err)
{
	if (store_commit(e->st, err) != 0) {
		e->nnotes = 0;
		clear_stops(e);
		return -1;
	}
	for (size_t i = 0; i < e->nnotes; i++) {
		struct store_event *ev = NULL;
		size_t n = 0;

		if (e->host->event_appended == NULL)
			break;
		if (store_events_list(e->st, e->notes[i].run_id, e->notes[i].seq - 1, 1, &ev, &n,
		                      NULL) == 0 &&
		    n == 1)
			e->host->event_appended(e->hctx, ev);
		store_events_free(ev, n);
	}
	e->nnotes = 0;
	for (size_t i = 0; i < e->nstops; i++)
		e->drv->stop(e->dctx, e->stops[i]);
	clear_stops(e);
	return 0;
}

/*
 * Append an event in the open transaction; payload is consumed (NULL = {}).
 * The idempotency key is printf-formatted. A replayed key adds nothing.
 */
int
eng_emit(struct engine *e, const char *run_id, const char *phase_id, const char *type,
         cJSON *payload, struct df_error *err, const char *keyfmt, ...)
{
	char ts[STORE_TS_MAX], *text, *key;
	int64_t seq = 0;
	va_list ap;
	int rc;

	va_start(ap, keyfmt);
	key = xvasprintf(keyfmt, ap);
	va_end(ap);
	text = payload ? cJSON_PrintUnformatted(payload) : NULL;
	cJSON_Delete(payload);
	eng_now_ts(e, ts);
	rc = store_event_append_phase(e->st, run_id, phase_id, type, text ? text : "{}", key, ts,
	                              &seq, err);
	cJSON_free(text);
	free(key);
	if (rc == 0) {
		if (e->nnotes == e->cnotes) {
			e->cnotes = e->cnotes ? e->cnotes * 2 : 16;
			e->notes = xreallocarray(e->notes, e->cnotes, sizeof(*e->notes));
		}
		snprintf(e->notes[e->nnotes].run_id, ENGINE_ID_MAX, "%s", run_id);
		e->notes[e->nnotes++].seq = seq;
	}
	return rc < 0 ? -1 : 0;
}

/* A payload object from key/value string pairs, NULL-terminated (a NULL value is skipped). */
cJSON *
eng_payload_str(const char *k, ...)
{
	cJSON *o = cJSON_CreateObject();
	va_list ap;

	va_start(ap, k);
	while (k) {
		const char *v = va_arg(ap, const char *);

		if (v)
			cJSON_AddStringToObject(o, k, v);
		k = va_arg(ap, const char *);
	}
	va_end(ap);
	return o;
}

void
eng_step_failed(struct engine *e, const struct df_error *err)
{
	if (e->host->step_failed)
		e->host->step_failed(e->hctx, err);
}

void
eng_hash_text(const char *text, char out[CANON_HASH_HEX])
{
	canon_sha256_hex(text, strlen(text), out);
}

/* ---- timers ---- */

void
eng_arm_timer(struct engine *e, const char *run_id, const char *phase_id, int attempt, int64_t due)
{
	uint64_t id = e->host->timer_add(e->hctx, due);

	if (e->ntimers == e->ctimers) {
		e->ctimers = e->ctimers ? e->ctimers * 2 : 8;
		e->timers = xreallocarray(e->timers, e->ctimers, sizeof(*e->timers));
	}
	e->timers[e->ntimers].id = id;
	snprintf(e->timers[e->ntimers].run_id, ENGINE_ID_MAX, "%s", run_id);
	snprintf(e->timers[e->ntimers].phase_id, ENGINE_ID_MAX, "%s", phase_id);
	e->timers[e->ntimers].attempt = attempt;
	e->ntimers++;
}

/* Cancel the run's timers (only phase_id's when not NULL). */
void
eng_cancel_timers(struct engine *e, const char *run_id, const char *phase_id)
{
	size_t j = 0;

	if (phase_id == NULL)
		eng_checks_cancel_run(e, run_id); /* the whole run's: it ended */
	for (size_t i = 0; i < e->ntimers; i++) {
		struct timer_ent *t = &e->timers[i];

		if (strcmp(t->run_id, run_id) == 0 &&
		    (phase_id == NULL || strcmp(t->phase_id, phase_id) == 0))
			e->host->timer_cancel(e->hctx, t->id);
		else
			e->timers[j++] = *t;
	}
	e->ntimers = j;
}

/* ---- the work queue ---- */

void
eng_pump(struct engine *e)
{
	if (e->depth > 0)
		return;
	e->depth++;
	while (e->qlen > 0) {
		struct item it = e->queue[e->qhead];

		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
		eng_run_item(e, &it);
		free(it.a);
		free(it.b);
		free(it.c);
		free(it.d);
	}
	e->depth--;
}

void
eng_enqueue(struct engine *e, const struct item *it)
{
	if (e->qlen == e->qcap) {
		size_t ncap = e->qcap ? e->qcap * 2 : 16;
		struct item *q = xcalloc(ncap, sizeof(*q));

		for (size_t i = 0; i < e->qlen; i++)
			q[i] = e->queue[(e->qhead + i) % e->qcap];
		free(e->queue);
		e->queue = q;
		e->qcap = ncap;
		e->qhead = 0;
	}
	e->queue[(e->qhead + e->qlen) % e->qcap] = *it;
	e->qlen++;
}

/* ---------------------------------------------------------------------------
 * Phase definitions (EnginePhaseDefinition), stored as JSON on each phase row.
 */

void
eng_phase_def_clear(struct phase_def *d)
{
	free(d->key);
	free(d->title);
	for (size_t i = 0; i < d->nroles; i++)
		free(d->roles[i]);
	free(d->roles);
	for (size_t i = 0; i < d->ngates; i++)
		free(d->gates[i]);
	free(d->gates);
	free(d->art_path);
	free(d->art_schema);
	memset(d, 0, sizeof(*d));
}

static char **
str_array(const cJSON *arr, size_t *n, int *ok)
{
	char **v = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	const cJSON *x;

	*n = 0;
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x)) {
			*ok = 0;
			continue;
		}
		v[(*n)++] = xstrdup(x->valuestring);
	}
	return v;
}

/* Parse one phase definition object; 0 or -1 with internal_state_corruption naming what. */
int
eng_phase_def_from(const cJSON *o, struct phase_def *d, const char *what, struct df_error *err)
{
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(o, "title");
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(o, "roles");
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(o, "gates");
	const cJSON *art = cJSON_GetObjectItemCaseSensitive(o, "expectedArtifact");
	const cJSON *tmo = cJSON_GetObjectItemCaseSensitive(o, "timeoutMs");
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(o, "maxRepairs");
	long long n;
	int ok = 1;

	memset(d, 0, sizeof(*d));
	d->max_repairs = -1;
	if (!cJSON_IsString(key) || !cJSON_IsString(title) || !cJSON_IsArray(roles))
		ok = 0;
	else {
		d->key = xstrdup(key->valuestring);
		d->title = xstrdup(title->valuestring);
		d->roles = str_array(roles, &d->nroles, &ok);
		if (d->nroles == 0)
			ok = 0;
	}
	d->gates = str_array(cJSON_IsArray(gates) ? gates : NULL, &d->ngates, &ok);
	if (art && !cJSON_IsNull(art)) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(art, "path");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(art, "schema");

		if (cJSON_IsString(p) && cJSON_IsString(s)) {
			d->art_path = xstrdup(p->valuestring);
			d->art_schema = xstrdup(s->valuestring);
		} else
			ok = 0;
	}
	/* An agent's phase plan sets these: range-checked as doubles (1e300 is no int64_t). */
	if (json_int(tmo, 1, ENGINE_MAX_PHASE_TIMEOUT_MS, &n) == 0)
		d->timeout_ms = n;
	if (json_int(rep, 0, 1000, &n) == 0)
		d->max_repairs = (int)n;
	if (!ok) {
		eng_phase_def_clear(d);
		return df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		                    "%s is not a phase definition", what);
	}
	return 0;
}

int
eng_phase_def_parse(const struct store_phase *ph, struct phase_def *d, struct df_error *err)
{
	cJSON *o = cJSON_Parse(ph->definition ? ph->definition : "");
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "the stored definition of phase %s", ph->phase_key);
	rc = eng_phase_def_from(o, d, what, err);
	cJSON_Delete(o);
	eng_set_ids(rc ? err : NULL, ph->run_id, ph->id);
	return rc;
}

/* Does binding role id bound play role (exactly, or as role#n)? */
int
eng_role_matches(const char *bound, const char *role)
{
	size_t n = strlen(role);

	return strcmp(bound, role) == 0 || (strncmp(bound, role, n) == 0 && bound[n] == '#');
}

/* ---------------------------------------------------------------------------
 * Ending runs.
 */

/* Write the final report of a terminal run that has none; the stub when composing fails. */
void
eng_ensure_report(struct engine *e, const char *run_id)
{
	struct df_error err, err2;
	struct store_run run;
	char ts[STORE_TS_MAX];

	if (store_run_get(e->st, run_id, &run, &err) != 1)
		return;
	if (eng_is_terminal(run.state) && run.final_report_path == NULL) {
		eng_now_ts(e, ts);
		if (report_compose(e->st, e->reg, e->workspace, run_id, run.state, ts, &err) != 0) {
			eng_set_ids(&err, run_id, NULL);
			eng_step_failed(e, &err);
			if (report_write_stub(e->st, e->workspace, run_id, run.state, ts, &err2) !=
			    0)
				eng_step_failed(e, &err2);
		}
	}
	store_run_clear(&run);
}

/*
 * In the open transaction: fail the run's active phases (phase_reason), move
 * the run to final ("failed" or "aborted") with its event (reason), abort its
 * pending approvals, and mark its sessions FAILED_NEEDS_HUMAN (queued for
 * stopping at commit).
 */
int
eng_end_run_tx(struct engine *e, const char *run_id, const char *final, const char *reason,
               const char *phase_reason, struct df_error *err)
{
	struct store_phase *ph = NULL;
	struct store_session *ss = NULL;
	size_t np = 0, ns = 0;
	char ts[STORE_TS_MAX];
	int rc = -1;

	eng_now_ts(e, ts);
	if (store_phases_list(e->st, run_id, &ph, &np, err) != 0 ||
	    store_sessions_list(e->st, run_id, &ss, &ns, err) != 0)
		goto out;
	for (size_t i = 0; i < np; i++) {
		cJSON *pl;
		int attempt = ph[i].attempts > 0 ? ph[i].attempts : 1;

		if (!eng_phase_active(ph[i].state))
			continue;
		free(ph[i].state);
		ph[i].state = xstrdup(DF_PHASE(FAILED));
		free(ph[i].ended_at);
		ph[i].ended_at = xstrdup(ts);
		if (store_phase_save(e->st, &ph[i], err) != 0)
			goto out;
		pl = eng_payload_str("phaseKey", ph[i].phase_key, "reason", phase_reason, NULL);
		cJSON_AddNumberToObject(pl, "attempt", attempt);
		if (eng_emit(e, run_id, ph[i].id, "phase.failed", pl, err, "phase.failed:%s:%d",
		             ph[i].id, attempt) != 0)
			goto out;
	}
	if (store_run_transition(e->st, run_id, final, NULL, ts, err) != 0)
		goto out;
	if (eng_emit(
	        e, run_id, NULL, strcmp(final, DF_RUN(ABORTED)) == 0 ? "run.aborted" : "run.failed",
	        eng_payload_str("reason", reason, NULL), err, "%s:%s",
	        strcmp(final, DF_RUN(ABORTED)) == 0 ? "run.aborted" : "run.failed", run_id) != 0)
		goto out;
	if (store_approvals_abort_pending(e->st, run_id, ts, err) != 0)
		goto out;
	for (size_t i = 0; i < ns; i++) {
		if (strcmp(ss[i].state, SS_STOPPED) == 0 || strcmp(ss[i].state, SS_FAILED) == 0)
			continue;
		if (strcmp(ss[i].state, SS_EXITED) != 0)
			eng_push_stop(e, ss[i].id);
		free(ss[i].state);
		ss[i].state = xstrdup(SS_FAILED);
		if (store_session_save(e->st, &ss[i], ts, err) != 0 ||
		    eng_emit(e, run_id, ss[i].phase_id, "session.failed",
		             eng_payload_str("sessionId", ss[i].id, "roleId", ss[i].role_id, NULL),
		             err, "session.failed:%s", ss[i].id) != 0)
			goto out;
	}
	rc = 0;
out:
	store_phases_free(ph, np);
	store_sessions_free(ss, ns);
	return rc;
}

/*
 * End a run as failed (or aborted) with reason unless it is already terminal,
 * then stop its sessions and timers and write its report. 0 or -1 with err.
 */
int
eng_end_run(struct engine *e, const char *run_id, const char *final, const char *reason,
            const char *phase_reason, struct df_error *err)
{
	struct store_run run;
	int rc;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (eng_load_run(e, run_id, &run, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	rc = eng_is_terminal(run.state)
	         ? 0
	         : eng_end_run_tx(e, run_id, final, reason, phase_reason, err);
	store_run_clear(&run);
	if (rc != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	if (eng_tx_commit(e, err) != 0)
		return -1;
	eng_cancel_timers(e, run_id, NULL);
	eng_ensure_report(e, run_id);
	return 0;
}

void
eng_fail_run(struct engine *e, const char *run_id, const char *reason)
{
	struct df_error err;

	if (eng_end_run(e, run_id, DF_RUN(FAILED), reason, reason, &err) != 0) {
		eng_set_ids(&err, run_id, NULL);
		eng_step_failed(e, &err);
	}
}

/* ---------------------------------------------------------------------------
 * Lifetime.
 */

int64_t
engine_clock_now_ms(void *ctx)
{
	(void)ctx;
	return clock_wall_ms();
}

void
engine_uuid_new_id(void *ctx, char out[ENGINE_ID_MAX])
{
	uuid_t u;

	(void)ctx;
	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

void
engine_set_catalog(struct engine *e, const struct schema_registry *schemas,
                   const char *const *backends, size_t nbackends)
{
	for (size_t i = 0; i < e->nbackends; i++)
		free(e->backends[i]);
	free(e->backends);
	e->reg = schemas;
	e->nbackends = nbackends;
	e->backends = xcalloc(nbackends + 1, sizeof(*e->backends));
	for (size_t i = 0; i < nbackends; i++)
		e->backends[i] = xstrdup(backends[i]);
}

struct engine *
engine_new(const struct engine_config *cfg, struct df_error *err)
{
	struct engine *e;
	char *ws;

	if (cfg == NULL || cfg->store == NULL || cfg->workspace == NULL || cfg->host == NULL ||
	    cfg->host->now_ms == NULL || cfg->host->new_id == NULL ||
	    cfg->host->timer_add == NULL || cfg->host->timer_cancel == NULL ||
	    cfg->sessions == NULL || cfg->sessions->start == NULL || cfg->sessions->send == NULL ||
	    cfg->sessions->stop == NULL || cfg->sessions->alive == NULL) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "an engine needs a store, a workspace, host ops and session ops");
		return NULL;
	}
	if (paths_mkdir_p(cfg->workspace, 0700) != 0 ||
	    (ws = realpath(cfg->workspace, NULL)) == NULL) {
		df_error_set(err, DF_FATAL, DF_E_WORKSPACE_PERMISSIONS,
		             "cannot use workspace %s: %s", cfg->workspace, strerror(errno));
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->st = cfg->store;
	e->reg = cfg->schemas;
	e->workspace = ws;
	e->nbackends = cfg->nbackends;
	e->backends = xcalloc(cfg->nbackends + 1, sizeof(*e->backends));
	for (size_t i = 0; i < cfg->nbackends; i++)
		e->backends[i] = xstrdup(cfg->backends[i]);
	e->max_runs = cfg->max_concurrent_runs > 0 ? cfg->max_concurrent_runs
	                                           : ENGINE_DEFAULT_MAX_CONCURRENT_RUNS;
	e->timeout_ms =
	    cfg->phase_timeout_ms > 0 ? cfg->phase_timeout_ms : ENGINE_DEFAULT_PHASE_TIMEOUT_MS;
	e->max_repairs = cfg->max_repairs > 0   ? cfg->max_repairs
	                 : cfg->max_repairs < 0 ? 0
	                                        : ENGINE_DEFAULT_MAX_REPAIRS;
	e->max_artifact = cfg->max_artifact_bytes > 0 ? cfg->max_artifact_bytes
	                                              : ENGINE_DEFAULT_MAX_ARTIFACT_BYTES;
	e->restart_limit = cfg->restart_limit > 0   ? cfg->restart_limit
	                   : cfg->restart_limit < 0 ? 0
	                                            : ENGINE_DEFAULT_RESTART_LIMIT;
	e->host = cfg->host;
	e->hctx = cfg->host_ctx;
	e->drv = cfg->sessions;
	e->dctx = cfg->session_ctx;
	e->check_ms = cfg->self_check_ms > 0   ? cfg->self_check_ms
	              : cfg->self_check_ms < 0 ? 0
	                                       : ENGINE_DEFAULT_SELF_CHECK_MS;
	eng_arm_self_check(e);
	return e;
}

const char *const *
engine_backends(const struct engine *e, size_t *n)
{
	*n = e->nbackends;
	return (const char *const *)e->backends;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->ntimers; i++)
		e->host->timer_cancel(e->hctx, e->timers[i].id);
	if (e->check_timer != 0)
		e->host->timer_cancel(e->hctx, e->check_timer);
	free(e->timers);
	eng_checks_free(e);
	eng_commits_free(e);
	while (e->qlen > 0) {
		free(e->queue[e->qhead].a);
		free(e->queue[e->qhead].b);
		free(e->queue[e->qhead].c);
		free(e->queue[e->qhead].d);
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
	free(e->queue);
	free(e->notes);
	clear_stops(e);
	free(e->stops);
	for (size_t i = 0; i < e->nbackends; i++)
		free(e->backends[i]);
	free(e->backends);
	free(e->workspace);
	free(e);
}
