/*
 * A run's phases, one attempt at a time: beginning an attempt (the
 * attempt's context, the agent's instructions, rows and events in one
 * transaction, the timeout, then the session), advancing a run to its next
 * pending phase (or completing it), and restarting a phase whose agent
 * died. Also the lookups of a run's working phase and a phase's newest
 * session.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "engine-int.h"
#include "instructions.h"
#include "worktree.h"

/* extra.scenarios[phase_key]: "name" or {scenario, repairScenario}. NULL when none. */
static char *
scenario_for(const char *extra, const char *phase_key, int repair)
{
	cJSON *x = cJSON_Parse(extra ? extra : "{}");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(x, "scenarios"), phase_key);
	char *out = NULL;

	if (cJSON_IsString(v))
		out = xstrdup(v->valuestring);
	else if (cJSON_IsObject(v)) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "scenario");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "repairScenario");

		if (repair && cJSON_IsString(r))
			out = xstrdup(r->valuestring);
		else if (cJSON_IsString(s))
			out = xstrdup(s->valuestring);
	}
	cJSON_Delete(x);
	return out;
}

/* The comment of the change request that sent phase_id back, when its latest gate did. */
static int
reviewer_comment(struct engine *e, const char *run_id, const char *phase_id, char **out,
                 struct df_error *err)
{
	struct store_approval *a = NULL;
	struct store_decision *d = NULL;
	size_t na = 0, nd = 0;
	const struct store_approval *last = NULL;

	*out = NULL;
	if (store_approvals_list(e->st, run_id, &a, &na, err) != 0)
		return -1;
	for (size_t i = 0; i < na; i++)
		if (a[i].phase_id && strcmp(a[i].phase_id, phase_id) == 0 &&
		    strcmp(a[i].kind, "gate") == 0)
			last = &a[i];
	if (last && strcmp(last->state, "changes_requested") == 0) {
		if (store_decisions_list(e->st, last->id, &d, &nd, err) != 0) {
			store_approvals_free(a, na);
			return -1;
		}
		for (size_t i = 0; i < nd; i++)
			if (strcmp(d[i].action, "request_changes") == 0 && d[i].comment)
				*out = xstrdup(d[i].comment);
		store_decisions_free(d, nd);
	}
	store_approvals_free(a, na);
	return 0;
}

void
eng_attempt_ctx_clear(struct attempt_ctx *c)
{
	eng_phase_def_clear(&c->def);
	store_run_inputs_clear(&c->in);
	store_bindings_free(c->bindings, c->nbindings);
	store_catalog_entry_clear(&c->persona);
	store_catalog_entry_clear(&c->backend);
	free(c->persona_instructions);
	free(c->artifact_abs);
	free(c->schema_text);
	memset(c, 0, sizeof(*c));
}

/*
 * Gather the attempt context. Returns 0, or -1 with err and *reason set to
 * the phase failure reason when the phase cannot run (the caller fails it).
 */
int
eng_attempt_ctx_load(struct engine *e, const struct store_run *run, const struct store_phase *ph,
                     struct attempt_ctx *c, const char **reason, struct df_error *err)
{
	struct store_catalog_entry *personas = NULL;
	size_t npersonas = 0;
	const cJSON *schema;
	cJSON *pdef, *bdef;
	int rc;

	memset(c, 0, sizeof(*c));
	*reason = "internal_state_corruption";
	if (eng_phase_def_parse(ph, &c->def, err) != 0)
		return -1;
	if (store_run_inputs_get(e->st, run->id, &c->in, err) != 1 ||
	    store_bindings_list(e->st, run->id, &c->bindings, &c->nbindings, err) != 0)
		return -1;
	if (c->def.art_path == NULL)
		return 0;
	for (size_t r = 0; r < c->def.nroles && c->binding == NULL; r++)
		for (size_t i = 0; i < c->nbindings && c->binding == NULL; i++)
			if (eng_role_matches(c->bindings[i].role_id, c->def.roles[r]))
				c->binding = &c->bindings[i];
	if (c->binding == NULL) {
		df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "no binding of run %s plays a role of phase %s", run->id,
		             ph->phase_key);
		eng_set_ids(err, run->id, ph->id);
		return -1;
	}
	if (store_catalog_list(e->st, STORE_CATALOG_PERSONA, &personas, &npersonas, err) != 0)
		return -1;
	for (size_t i = 0; i < npersonas; i++)
		if (strcmp(personas[i].id, c->binding->persona_id) == 0) {
			c->persona = personas[i];
			memset(&personas[i], 0, sizeof(personas[i]));
		}
	store_catalog_entries_free(personas, npersonas);
	if (c->persona.id == NULL) {
		df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "the persona bound to role %s of run %s is gone from the catalog",
		             c->binding->role_id, run->id);
		return -1;
	}
	pdef = cJSON_Parse(c->persona.definition);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(pdef, "instructions")))
		c->persona_instructions =
		    xstrdup(cJSON_GetObjectItemCaseSensitive(pdef, "instructions")->valuestring);
	cJSON_Delete(pdef);
	*reason = "backend_unavailable";
	rc = store_catalog_get(e->st, STORE_CATALOG_BACKEND, c->binding->backend, 0, &c->backend,
	                       err);
	if (rc != 1) {
		if (rc == 0)
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_BACKEND_UNAVAILABLE,
			             "backend %s (role %s) is not in the catalog",
			             c->binding->backend, c->binding->role_id);
		return -1;
	}
	bdef = cJSON_Parse(c->backend.definition);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(bdef, "argv"))) {
		cJSON_Delete(bdef);
		return df_error_set(err, DF_FATAL, DF_E_BACKEND_UNAVAILABLE,
		                    "backend %s (%s) has no argv", c->backend.name,
		                    c->backend.source);
	}
	cJSON_Delete(bdef);
	*reason = "workspace_permissions";
	if (worktree_path_inside(run->worktree_root, c->def.art_path, &c->artifact_abs, err) != 0) {
		eng_set_ids(err, run->id, ph->id);
		return -1;
	}
	*reason = "schema_not_found";
	schema = e->reg ? schema_registry_get(e->reg, c->def.art_schema) : NULL;
	if (schema == NULL) {
		df_error_set(err, DF_FATAL, DF_E_SCHEMA_NOT_FOUND,
		             "phase %s expects an artifact of schema %s, which is not known",
		             ph->phase_key, c->def.art_schema);
		eng_set_ids(err, run->id, ph->id);
		return -1;
	}
	c->schema_text = cJSON_Print(schema);
	return 0;
}

char *
eng_compose(struct engine *e, const struct store_run *run, const struct store_phase *ph,
            const struct attempt_ctx *c, int attempt, const char *comment,
            const char *const *errors, size_t nerrors, const struct compose_more *more)
{
	char *scenario = scenario_for(c->in.extra, ph->phase_key,
	                              nerrors > 0 || (more != NULL && more->nchecks > 0));
	struct instructions_input in = {
		.phase_key = ph->phase_key,
		.phase_title = c->def.title,
		.run_id = run->id,
		.role_id = c->binding->role_id,
		.persona_name = c->persona.name,
		.persona_version = c->persona.version,
		.attempt = attempt,
		.artifact_path = c->def.art_path,
		.artifact_schema = c->def.art_schema,
		.scenario = scenario,
		.requirements_md = c->in.requirements_md,
		.persona_instructions = c->persona_instructions,
		.reviewer_comment = comment,
		.validation_errors = errors,
		.nerrors = nerrors,
		.check_failures = more ? more->checks : NULL,
		.nchecks = more ? more->nchecks : 0,
		.review_findings = more ? more->findings : NULL,
		.schema_text = c->schema_text,
	};
	char *text = instructions_compose(&in);

	(void)e;
	free(scenario);
	return text;
}

/* Move a file left at the artifact path by an earlier attempt (or the base branch) aside. */
static void
move_stale_artifact(struct engine *e, const char *run_id, const struct store_phase *ph,
                    const char *abs, int prev_attempt)
{
	const char *base = strrchr(abs, '/');
	char *dir, *dest;
	struct stat sb;

	if (lstat(abs, &sb) != 0)
		return;
	dir = xasprintf("%s/%s/attempts/%s", e->workspace, run_id, ph->phase_key);
	dest = xasprintf("%s/%s.%d", dir, base ? base + 1 : abs, prev_attempt);
	if (paths_mkdir_p(dir, 0700) != 0 || rename(abs, dest) != 0) {
		struct df_error err;

		df_error_set(&err, DF_FATAL, DF_E_IO, "cannot move the stale artifact %s to %s: %s",
		             abs, dest, strerror(errno));
		eng_set_ids(&err, run_id, ph->id);
		eng_step_failed(e, &err);
		unlink(abs); /* never take an old file for the new attempt */
	}
	free(dir);
	free(dest);
}

/* The newest session of a phase: 1 and *out, 0 when none, -1. */
int
eng_phase_session(struct engine *e, const char *run_id, const char *phase_id,
                  struct store_session *out, struct df_error *err)
{
	struct store_session *ss = NULL;
	size_t n = 0;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (store_sessions_list(e->st, run_id, &ss, &n, err) != 0)
		return -1;
	for (size_t i = n; i-- > 0;)
		if (ss[i].phase_id && strcmp(ss[i].phase_id, phase_id) == 0) {
			*out = ss[i];
			memset(&ss[i], 0, sizeof(ss[i]));
			found = 1;
			break;
		}
	store_sessions_free(ss, n);
	return found;
}

static int
start_session(struct engine *e, const struct store_run *run, const struct store_phase *ph,
              const struct attempt_ctx *c, const char *session_id, const char *transcript,
              const char *resume, struct df_error *err)
{
	cJSON *bdef = cJSON_Parse(c->backend.definition);
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(bdef, "argv");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(bdef, "env");
	const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(bdef, "prompt");
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(prompt, "mode");
	const cJSON *delay = cJSON_GetObjectItemCaseSensitive(prompt, "submitDelayMs");
	const char **av = xcalloc((size_t)cJSON_GetArraySize(argv) + 1, sizeof(*av));
	char **ev = xcalloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(*ev));
	struct engine_session_spec spec;
	const cJSON *x;
	long long n;
	size_t ac = 0, ec = 0;
	int rc;

	cJSON_ArrayForEach(x, argv)
	{
		if (cJSON_IsString(x))
			av[ac++] = x->valuestring;
	}
	cJSON_ArrayForEach(x, env)
	{
		if (cJSON_IsString(x))
			ev[ec++] = xasprintf("%s=%s", x->string, x->valuestring);
		else if (cJSON_IsNull(x))
			ev[ec++] = xstrdup(x->string);
	}
	memset(&spec, 0, sizeof(spec));
	spec.session_id = session_id;
	spec.run_id = run->id;
	spec.phase_id = ph->id;
	spec.role_id = c->binding->role_id;
	spec.backend = c->binding->backend;
	spec.backend_json = c->backend.definition;
	spec.argv = av;
	spec.argc = ac;
	spec.env = (const char *const *)ev;
	spec.envc = ec;
	spec.prompt_mode = cJSON_IsString(mode) ? mode->valuestring : "paste";
	spec.submit_delay_ms = json_int(delay, 0, 600000, &n) == 0 ? (int)n : 0;
	spec.cwd = run->worktree_root;
	spec.transcript_path = transcript;
	spec.resume_conversation = resume;
	rc = e->drv->start(e->dctx, &spec, err);
	for (size_t i = 0; i < ec; i++)
		free(ev[i]);
	free(ev);
	free(av);
	cJSON_Delete(bdef);
	return rc;
}

/* Mark a phase skipped (it expects no artifact). */
static int
skip_phase(struct engine *e, struct store_phase *ph, struct df_error *err)
{
	char ts[STORE_TS_MAX];
	cJSON *pl;

	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0)
		return -1;
	ph->attempts++;
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(SKIPPED));
	free(ph->ended_at);
	ph->ended_at = xstrdup(ts);
	pl = eng_payload_str("phaseKey", ph->phase_key, NULL);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	if (store_phase_save(e->st, ph, err) != 0 ||
	    eng_emit(e, ph->run_id, ph->id, "phase.skipped", pl, err, "phase.skipped:%s:%d", ph->id,
	             ph->attempts) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	return eng_tx_commit(e, err);
}

/* 1 when the backend definition (JSON text) says how to resume a conversation. */
static int
backend_resumes(const char *definition)
{
	cJSON *doc = cJSON_Parse(definition ? definition : "");
	int r = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "resume"));

	cJSON_Delete(doc);
	return r;
}

/* Mark a phase that never became active failed (with the reason), then fail the run. */
static void
fail_phase_and_run(struct engine *e, const struct store_phase *phase, const char *reason,
                   const struct df_error *cause)
{
	struct store_phase ph;
	struct df_error err;
	char ts[STORE_TS_MAX];
	cJSON *pl;
	int attempt;

	if (cause)
		eng_step_failed(e, cause);
	if (eng_tx_begin(e, &err) != 0)
		goto fail;
	if (store_phase_get(e->st, phase->id, &ph, &err) != 1) {
		eng_tx_rollback(e);
		goto fail;
	}
	eng_now_ts(e, ts);
	if (!eng_phase_active(ph.state) && strcmp(ph.state, DF_PHASE(FAILED)) != 0) {
		attempt = ph.attempts + 1;
		ph.attempts = attempt;
		free(ph.state);
		ph.state = xstrdup(DF_PHASE(FAILED));
		free(ph.ended_at);
		ph.ended_at = xstrdup(ts);
		pl = eng_payload_str("phaseKey", ph.phase_key, "reason", reason, "message",
		                     cause ? cause->message : NULL, NULL);
		cJSON_AddNumberToObject(pl, "attempt", attempt);
		if (store_phase_save(e->st, &ph, &err) != 0 ||
		    eng_emit(e, ph.run_id, ph.id, "phase.failed", pl, &err, "phase.failed:%s:%d",
		             ph.id, attempt) != 0) {
			store_phase_clear(&ph);
			eng_tx_rollback(e);
			goto fail;
		}
	}
	store_phase_clear(&ph);
	if (eng_tx_commit(e, &err) != 0)
		goto fail;
	eng_fail_run(e, phase->run_id, reason);
	return;
fail:
	eng_step_failed(e, &err);
	eng_fail_run(e, phase->run_id, reason);
}

/* What a new attempt begins with, chosen before its transaction. */
struct attempt_start {
	int attempt;
	char sid[ENGINE_ID_MAX];    /* the new session */
	char *transcript;           /* its transcript file */
	char phash[CANON_HASH_HEX]; /* of its instructions */
	const char *cause, *resume; /* may be NULL */
	char ts[STORE_TS_MAX], deadline[STORE_TS_MAX];
};

/*
 * The transaction that begins an attempt: the run in planning or executing
 * at this phase, the phase running with its deadline, the new session's row
 * (STARTING), phase.started and session.started.
 */
static int
record_attempt(struct engine *e, const struct store_run *run, struct store_phase *ph,
               const struct attempt_ctx *c, const struct attempt_start *as, struct df_error *err)
{
	const char *want =
	    strcmp(c->def.art_schema, PLAN_SCHEMA) == 0 ? DF_RUN(PLANNING) : DF_RUN(EXECUTING);
	struct store_session sess;
	cJSON *pl;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (strcmp(run->state, want) != 0 &&
	    store_run_transition(e->st, run->id, want, NULL, as->ts, err) != 0)
		goto rollback;
	if (store_run_set_current_phase(e->st, run->id, ph->id, as->ts, err) != 0)
		goto rollback;
	ph->attempts = as->attempt;
	ph->repairs = 0;
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(RUNNING));
	free(ph->started_at);
	ph->started_at = xstrdup(as->ts);
	free(ph->ended_at);
	ph->ended_at = NULL;
	free(ph->deadline_at);
	ph->deadline_at = xstrdup(as->deadline);
	if (store_phase_save(e->st, ph, err) != 0)
		goto rollback;
	memset(&sess, 0, sizeof(sess));
	sess.id = (char *)as->sid;
	sess.run_id = run->id;
	sess.phase_id = ph->id;
	sess.role_id = c->binding->role_id;
	sess.backend = c->binding->backend;
	sess.state = (char *)SS_STARTING;
	sess.transcript_path = as->transcript;
	sess.last_prompt_hash = (char *)as->phash;
	sess.conversation_id = (char *)as->resume;
	if (store_session_insert(e->st, &sess, as->ts, err) != 0)
		goto rollback;
	pl = eng_payload_str("phaseKey", ph->phase_key, "sessionId", as->sid, "roleId",
	                     c->binding->role_id, "cause", as->cause, "resumedConversation",
	                     as->resume, NULL);
	cJSON_AddNumberToObject(pl, "attempt", as->attempt);
	if (eng_emit(e, run->id, ph->id, "phase.started", pl, err, "phase.started:%s:%d", ph->id,
	             as->attempt) != 0)
		goto rollback;
	if (eng_emit(e, run->id, ph->id, "session.started",
	             eng_payload_str("sessionId", as->sid, "roleId", c->binding->role_id, "backend",
	                             c->binding->backend, "phaseKey", ph->phase_key,
	                             "resumedConversation", as->resume, NULL),
	             err, "session.started:%s", as->sid) != 0)
		goto rollback;
	return eng_tx_commit(e, err);
rollback:
	eng_tx_rollback(e);
	return -1;
}

/*
 * The agent has its instructions: the phase now waits for the artifact
 * (running becomes awaiting_artifact, unless something moved it on
 * meanwhile) and the session runs (STARTING becomes RUNNING).
 */
static int
await_artifact(struct engine *e, const char *phase_id, const char *sid, int attempt, const char *ts,
               struct df_error *err)
{
	struct store_phase cur;
	struct store_session s2;
	int r1, r2;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	r1 = store_phase_get(e->st, phase_id, &cur, err);
	r2 = r1 == 1 ? store_session_get(e->st, sid, &s2, err) : 0;
	if (r1 < 0 || r2 < 0) {
		store_phase_clear(&cur);
		goto rollback;
	}
	if (r1 == 1 && strcmp(cur.state, DF_PHASE(RUNNING)) == 0 && cur.attempts == attempt) {
		free(cur.state);
		cur.state = xstrdup(DF_PHASE(AWAITING_ARTIFACT));
		if (store_phase_save(e->st, &cur, err) != 0) {
			store_phase_clear(&cur);
			store_session_clear(&s2);
			goto rollback;
		}
	}
	if (r2 == 1 && strcmp(s2.state, SS_STARTING) == 0) {
		free(s2.state);
		s2.state = xstrdup(SS_RUNNING);
		if (store_session_save(e->st, &s2, ts, err) != 0) {
			store_phase_clear(&cur);
			store_session_clear(&s2);
			goto rollback;
		}
	}
	store_phase_clear(&cur);
	store_session_clear(&s2);
	return eng_tx_commit(e, err);
rollback:
	eng_tx_rollback(e);
	return -1;
}

/*
 * Begin the next attempt of a pending phase: instructions, rows and events
 * in one transaction, the timeout, then the session. A phase that cannot
 * run fails the run. cause (may be NULL) goes into phase.started.
 * conversation (may be NULL) is the agent's conversation to resume, used
 * when the backend says how (then recorded on the new session's row and
 * as resumedConversation in phase.started and session.started). Nothing
 * starts while a commit of the run is under way: its end advances the run.
 */
static int
phase_begin(struct engine *e, const struct store_run *run, struct store_phase *ph,
            const char *cause, const char *conversation, struct df_error *err)
{
	struct attempt_ctx c;
	struct attempt_start as;
	struct compose_more more = { 0 };
	char *comment = NULL, *text = NULL, *sdir = NULL, *findings = NULL, *rcomment = NULL;
	const char *reason = NULL;
	int64_t timeout, now;
	int rc = -1;

	memset(&as, 0, sizeof(as));
	/* Never an agent in the worktree while an earlier phase's work is being committed. */
	if (eng_commits_driven(e, run->id))
		return 0;
	if (eng_attempt_ctx_load(e, run, ph, &c, &reason, err) != 0) {
		if (err && err->code == DF_E_DATABASE)
			goto out;
		fail_phase_and_run(e, ph, reason, err);
		rc = 0;
		goto out;
	}
	if (c.def.art_path == NULL) {
		rc = skip_phase(e, ph, err);
		goto out;
	}
	as.attempt = ph->attempts + 1;
	as.cause = cause;
	if (conversation != NULL && *conversation != '\0' && backend_resumes(c.backend.definition))
		as.resume = conversation;
	move_stale_artifact(e, run->id, ph, c.artifact_abs, ph->attempts);
	if (reviewer_comment(e, run->id, ph->id, &comment, err) != 0 ||
	    eng_review_feedback(e, ph, &findings, comment ? &rcomment : &comment, err) != 0)
		goto out;
	more.findings = findings;
	text = eng_compose(e, run, ph, &c, as.attempt, comment, NULL, 0, &more);
	eng_hash_text(text, as.phash);
	eng_new_id(e, as.sid);
	sdir = xasprintf("%s/%s/sessions", e->workspace, run->id);
	as.transcript = xasprintf("%s/%s.raw", sdir, as.sid);
	paths_mkdir_p(sdir, 0700);
	now = eng_now_ms(e);
	timeout = c.def.timeout_ms > 0 ? c.def.timeout_ms : e->timeout_ms;
	store_format_ts(now, as.ts);
	store_format_ts(now + timeout, as.deadline);
	if (record_attempt(e, run, ph, &c, &as, err) != 0)
		goto out;
	eng_arm_timer(e, run->id, ph->id, as.attempt, now + timeout);
	if (start_session(e, run, ph, &c, as.sid, as.transcript, as.resume, err) != 0 ||
	    e->drv->send(e->dctx, as.sid, text, err) != 0) {
		eng_set_ids(err, run->id, ph->id);
		eng_step_failed(e, err);
		eng_fail_run(e, run->id, "session_failed");
		rc = 0;
		goto out;
	}
	rc = await_artifact(e, ph->id, as.sid, as.attempt, as.ts, err);
out:
	eng_attempt_ctx_clear(&c);
	free(comment);
	free(findings);
	free(rcomment);
	free(text);
	free(as.transcript);
	free(sdir);
	return rc;
}

/* The run's phase that waits for an agent (running, awaiting_artifact, validating): 1/0/-1. */
int
eng_working_phase(struct engine *e, const char *run_id, struct store_phase *out,
                  struct df_error *err)
{
	struct store_phase *ph = NULL;
	size_t n = 0;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (store_phases_list(e->st, run_id, &ph, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(ph[i].state, DF_PHASE(RUNNING)) == 0 ||
		    strcmp(ph[i].state, DF_PHASE(AWAITING_ARTIFACT)) == 0 ||
		    strcmp(ph[i].state, DF_PHASE(VALIDATING)) == 0) {
			*out = ph[i];
			memset(&ph[i], 0, sizeof(ph[i]));
			found = 1;
		}
	store_phases_free(ph, n);
	return found;
}

/* ---------------------------------------------------------------------------
 * Advancing a run.
 */

static int
complete_run(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_run run;
	char ts[STORE_TS_MAX];
	int done = 0;

	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (eng_load_run(e, run_id, &run, err) != 0)
		goto fail;
	if (eng_is_mutable(run.state)) {
		eng_now_ts(e, ts);
		if (store_run_transition(e->st, run_id, DF_RUN(COMPLETED), NULL, ts, err) != 0 ||
		    eng_emit(e, run_id, NULL, "run.completed", NULL, err, "run.completed:%s",
		             run_id) != 0) {
			store_run_clear(&run);
			goto fail;
		}
		done = 1;
	}
	store_run_clear(&run);
	if (eng_tx_commit(e, err) != 0)
		return -1;
	if (done) {
		eng_cancel_timers(e, run_id, NULL);
		eng_ensure_report(e, run_id);
	}
	return 0;
fail:
	eng_tx_rollback(e);
	return -1;
}

/*
 * Start the next pending phase, append planned phases, complete. Returns
 * when the run waits (for an agent, a person, a phase commit) or ends.
 */
int
eng_advance(struct engine *e, const char *run_id, struct df_error *err)
{
	for (;;) {
		struct store_run run;
		struct store_phase *ph = NULL;
		size_t np = 0, i;
		int rc = 0, wait = 0;

		if (eng_load_run(e, run_id, &run, err) != 0)
			return -1;
		if (strcmp(run.state, DF_RUN(BOUND)) == 0) {
			char ts[STORE_TS_MAX];

			eng_now_ts(e, ts);
			if (eng_tx_begin(e, err) != 0 ||
			    store_run_transition(e->st, run_id, DF_RUN(EXECUTING), NULL, ts, err) !=
			        0) {
				eng_tx_rollback(e);
				store_run_clear(&run);
				return -1;
			}
			store_run_clear(&run);
			if (eng_tx_commit(e, err) != 0)
				return -1;
			continue;
		}
		if (eng_is_terminal(run.state)) {
			store_run_clear(&run);
			eng_ensure_report(e, run_id);
			return 0;
		}
		if (!eng_is_mutable(run.state)) {
			store_run_clear(&run);
			return 0;
		}
		/* A completed phase's commit comes first: the next agent works on top of it. */
		rc = eng_commits_wait(e, run_id, err);
		if (rc != 0) {
			store_run_clear(&run);
			return rc < 0 ? -1 : 0;
		}
		if (store_phases_list(e->st, run_id, &ph, &np, err) != 0) {
			store_run_clear(&run);
			return -1;
		}
		for (i = 0; i < np; i++)
			if (eng_phase_active(ph[i].state))
				wait = 1;
		if (!wait) {
			for (i = 0; i < np; i++)
				if (strcmp(ph[i].state, DF_PHASE(PENDING)) == 0)
					break;
			if (i < np)
				rc = phase_begin(e, &run, &ph[i], NULL, NULL, err);
			else {
				rc = eng_append_planned(e, &run, err);
				if (rc == 0)
					rc = complete_run(e, run_id, err);
				else if (rc == 1)
					rc = 0;
			}
		}
		store_phases_free(ph, np);
		store_run_clear(&run);
		if (rc < 0)
			return -1;
		if (wait)
			return 0;
	}
}

/* Advance, failing the run with reason when advancing itself breaks. */
void
eng_advance_or_fail(struct engine *e, const char *run_id, const char *reason)
{
	struct df_error err;

	if (eng_advance(e, run_id, &err) != 0) {
		eng_set_ids(&err, run_id, NULL);
		eng_step_failed(e, &err);
		eng_fail_run(e, run_id, reason);
	}
}

/* ---------------------------------------------------------------------------
 * Restarting a phase.
 */

/* The working phase's agent died with the server: restart the phase or give up. */
int
eng_restart_phase(struct engine *e, const char *run_id, struct store_phase *ph,
                  struct df_error *err)
{
	struct store_session s;
	struct store_run run;
	char ts[STORE_TS_MAX];
	char *conversation = NULL;
	int64_t restarts = 0;
	int have_s, rc;

	if (store_events_count_cause(e->st, ph->id, "phase.started", "process_restart", &restarts,
	                             err) != 0)
		return -1;
	if (e->restart_limit >= 0 && restarts >= e->restart_limit)
		return eng_end_run(e, run_id, DF_RUN(FAILED), "process_restart_unrecovered",
		                   "process_restart_unrecovered", err);
	have_s = eng_phase_session(e, run_id, ph->id, &s, err);
	if (have_s < 0)
		return -1;
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0) {
		store_session_clear(&s);
		return -1;
	}
	if (have_s && (eng_session_state_live(s.state) || strcmp(s.state, SS_WAITING) == 0)) {
		/* A process still running here (a self-check's restart) is stopped at commit. */
		if (e->drv->alive(e->dctx, s.id))
			eng_push_stop(e, s.id);
		free(s.state);
		s.state = xstrdup(SS_FAILED);
		if (store_session_save(e->st, &s, ts, err) != 0 ||
		    eng_emit(e, run_id, ph->id, "session.failed",
		             eng_payload_str("sessionId", s.id, "roleId", s.role_id, "reason",
		                             "process_restart", NULL),
		             err, "session.failed:%s", s.id) != 0)
			goto rollback;
	}
	/* Back to pending; the attempt counter goes on from where it was. */
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(PENDING));
	if (store_phase_save(e->st, ph, err) != 0)
		goto rollback;
	/* The dead agent's conversation: the new session resumes it where the backend can. */
	if (have_s && s.conversation_id != NULL)
		conversation = xstrdup(s.conversation_id);
	store_session_clear(&s);
	if (eng_tx_commit(e, err) != 0) {
		free(conversation);
		return -1;
	}
	eng_cancel_timers(e, run_id, ph->id);
	if (eng_load_run(e, run_id, &run, err) != 0) {
		free(conversation);
		return -1;
	}
	rc = phase_begin(e, &run, ph, "process_restart", conversation, err);
	store_run_clear(&run);
	free(conversation);
	return rc;
rollback:
	eng_tx_rollback(e);
	store_session_clear(&s);
	return -1;
}
