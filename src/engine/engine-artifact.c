/*
 * The artifact of a phase attempt: judging it (read with the engine's size
 * limit, parsed, validated against its schema, and for a phase plan checked
 * against the plan rules), recording it (the artifact row and event, and
 * the findings and commands of a valid one), and what the verdict leads to:
 * a repair prompt, the run failing, a gate, or the phase completing. Also
 * the phases a validated plan adds to its run.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "checkrun.h"
#include "engine-int.h"
#include "worktree.h"

struct strv {
	char **v;
	size_t n, cap;
};

static void __attribute__((format(printf, 2, 3))) strv_addf(struct strv *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	va_start(ap, fmt);
	s->v[s->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void
strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * The rules of a phase plan beyond its schema: planned keys may not repeat
 * nor collide with reserved keys (the template's), every role of a planned
 * phase must be bound in the run, and artifact paths stay in the worktree. Problems are added to
 * errs as
 * "<instance path>: <message>".
 */
static void
plan_rules(const cJSON *plan, const char *worktree, char *const *reserved, size_t nreserved,
           const struct store_binding *b, size_t nb, struct strv *errs)
{
	const cJSON *phases = cJSON_GetObjectItemCaseSensitive(plan, "phases"), *ph;
	int i = 0;

	cJSON_ArrayForEach(ph, phases)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(ph, "key"), *other, *role;
		int j = 0, k = 0;

		if (cJSON_IsString(key)) {
			cJSON_ArrayForEach(other, phases)
			{
				const cJSON *ok = cJSON_GetObjectItemCaseSensitive(other, "key");

				if (j >= i)
					break;
				if (cJSON_IsString(ok) &&
				    strcmp(ok->valuestring, key->valuestring) == 0) {
					strv_addf(
					    errs,
					    "/phases/%d/key: phase key '%s' repeats /phases/%d", i,
					    key->valuestring, j);
					break;
				}
				j++;
			}
			for (size_t r = 0; r < nreserved; r++)
				if (strcmp(reserved[r], key->valuestring) == 0)
					strv_addf(
					    errs,
					    "/phases/%d/key: phase key '%s' collides with a phase "
					    "of the template",
					    i, key->valuestring);
		}
		{
			const cJSON *path = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(ph, "expectedArtifact"), "path");
			const char *pk = cJSON_IsString(key) ? key->valuestring : "?";
			char *abs = NULL, why[256];

			if (cJSON_IsString(path) &&
			    worktree_artifact_path_check(path->valuestring, why, sizeof(why)) != 0)
				strv_addf(errs, "/phases/%d/expectedArtifact/path: phase '%s': %s",
				          i, pk, why);
			else if (cJSON_IsString(path) &&
			         worktree_path_inside(worktree, path->valuestring, &abs, NULL) != 0)
				strv_addf(errs,
				          "/phases/%d/expectedArtifact/path: phase '%s': '%s' is "
				          "not inside the worktree",
				          i, pk, path->valuestring);
			free(abs);
		}
		{
			char where[64], why[256];

			if (checkrun_rules(cJSON_GetObjectItemCaseSensitive(ph, "checks"), where,
			                   sizeof(where), why, sizeof(why)) != 0)
				strv_addf(errs, "/phases/%d%s: %s", i, where, why);
		}
		cJSON_ArrayForEach(role, cJSON_GetObjectItemCaseSensitive(ph, "roles"))
		{
			int bound = 0;

			for (size_t x = 0; cJSON_IsString(role) && x < nb; x++)
				if (eng_role_matches(b[x].role_id, role->valuestring))
					bound = 1;
			if (cJSON_IsString(role) && !bound)
				strv_addf(errs,
				          "/phases/%d/roles/%d: role '%s' is not bound in this run",
				          i, k, role->valuestring);
			k++;
		}
		i++;
	}
}

/* The template's phase keys, from the catalog row the run pins. */
static int
template_keys(struct engine *e, const struct store_run *run, struct strv *keys,
              struct df_error *err)
{
	struct store_catalog_entry *t = NULL;
	size_t n = 0;
	int found = 0;

	if (store_catalog_list(e->st, STORE_CATALOG_TEMPLATE, &t, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && !found; i++) {
		cJSON *def;
		const cJSON *ph;

		if (strcmp(t[i].id, run->template_id) != 0)
			continue;
		found = 1;
		def = cJSON_Parse(t[i].definition);
		cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(def, "phases"))
		{
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(ph, "key");

			if (cJSON_IsString(k))
				strv_addf(keys, "%s", k->valuestring);
		}
		cJSON_Delete(def);
	}
	store_catalog_entries_free(t, n);
	if (!found)
		return df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		                    "the template of run %s is gone from the catalog", run->id);
	return 0;
}

/*
 * Read an artifact file, which the agent controls (buf_read_regular: never
 * blocking on a FIFO, never following a final symbolic link, never reading
 * more than the engine's limit). Returns 1 with *data and *len; 0 when it
 * does not exist; 2 when it is refused unread, with *data the reason naming
 * it as shown ("artifact plan.json is a FIFO, not a regular file") and *len
 * that reason's length.
 */
static int
read_artifact(struct engine *e, const char *path, const char *shown, char **data, size_t *len)
{
	struct buf b = BUF_INIT;
	char why[160];

	*data = NULL;
	*len = 0;
	if (buf_read_regular(&b, path, e->max_artifact, why, sizeof(why)) != 0) {
		int missing = errno == ENOENT;

		buf_free(&b);
		if (missing)
			return 0;
		*data = xasprintf("artifact %s %s", shown, why);
		*len = strlen(*data);
		return 2;
	}
	*len = b.len;
	*data = buf_detach(&b);
	return 1;
}

/* Record what a valid artifact says for the report: findings and commands. */
static int
record_contents(struct engine *e, const struct store_phase *ph, const char *artifact_id,
                const cJSON *doc, const char *ts, struct df_error *err)
{
	const cJSON *x;
	long long n;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "findings"))
	{
		const cJSON *sev = cJSON_GetObjectItemCaseSensitive(x, "severity");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(x, "message");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(x, "file");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(x, "line");
		char id[ENGINE_ID_MAX];
		struct store_finding f = { 0 };

		if (!cJSON_IsString(sev) || !cJSON_IsString(msg))
			continue;
		eng_new_id(e, id);
		f.id = id;
		f.run_id = ph->run_id;
		f.phase_id = ph->id;
		f.artifact_id = (char *)artifact_id;
		f.severity = sev->valuestring;
		f.message = msg->valuestring;
		f.file = cJSON_IsString(file) ? file->valuestring : NULL;
		f.line = json_int(line, 1, INT_MAX, &n) == 0 ? (int)n : 0;
		if (store_finding_insert(e->st, &f, ts, err) != 0)
			return -1;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "commands"))
	{
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(x, "kind");
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(x, "argv");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(x, "exit_code");
		char id[ENGINE_ID_MAX], *argv_text;
		struct store_command c = { 0 };
		int rc;

		if (!cJSON_IsString(kind) || !cJSON_IsArray(argv))
			continue;
		eng_new_id(e, id);
		argv_text = cJSON_PrintUnformatted(argv);
		c.id = id;
		c.run_id = ph->run_id;
		c.phase_id = ph->id;
		c.kind = kind->valuestring;
		c.argv = argv_text;
		c.has_exit_code = json_int(code, INT_MIN, INT_MAX, &n) == 0;
		c.exit_code = c.has_exit_code ? (int)n : 0;
		rc = store_command_insert(e->st, &c, ts, err);
		cJSON_free(argv_text);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* What judging an artifact file found; nothing of it is written yet. */
struct verdict {
	char hash[CANON_HASH_HEX]; /* of the file, or of the reason it was refused unread */
	cJSON *doc;                /* the parsed artifact; NULL when refused or not JSON */
	struct strv errs;          /* "<instance path>: <message>" each; none when valid */
	int valid;
};

static void
verdict_clear(struct verdict *v)
{
	cJSON_Delete(v->doc);
	strv_free(&v->errs);
	memset(v, 0, sizeof(*v));
}

/*
 * Judge the artifact file of the phase's current attempt: read it (within
 * the engine's limit), parse it, validate it against its schema and, for a
 * phase plan, against the plan rules. Writes nothing. Returns 1 with *v (the
 * caller clears it), 0 when there is nothing to judge (no file, or this very
 * file was judged already and was invalid), 3 when this very file was
 * judged valid already (a failed check sent it back), or -1 with err; *fail_reason is then the
 * reason the run fails for (the schema is not known), or NULL when judging itself broke (the
 * store).
 */
static int
judge_artifact(struct engine *e, const struct store_run *run, const struct store_phase *ph,
               const struct attempt_ctx *c, struct verdict *v, const char **fail_reason,
               struct df_error *err)
{
	struct store_artifact last;
	struct schema_errors serr = { 0 };
	struct strv reserved = { 0 };
	char *data = NULL;
	size_t len = 0;
	int r, have_last, valid, rc = -1;

	memset(v, 0, sizeof(*v));
	memset(&last, 0, sizeof(last));
	*fail_reason = NULL;
	r = read_artifact(e, c->artifact_abs, c->def.art_path, &data, &len);
	if (r == 0)
		return 0;
	/* A refused file is judged by its reason: the same refusal is judged once. */
	canon_sha256_hex(data, len, v->hash);
	have_last = store_artifact_latest(e->st, run->id, ph->id, NULL, 0, &last, err);
	if (have_last < 0)
		goto out;
	if (have_last && last.attempt == ph->attempts && strcmp(last.hash, v->hash) == 0) {
		/*
		 * This very file was judged already. Valid, with the phase waiting
		 * again, it was sent back by a failed check: its checks run again.
		 */
		rc = last.valid ? 3 : 0;
		goto out;
	}
	v->doc = r == 2 ? NULL : cJSON_ParseWithLength(data, len);
	if (r == 2) {
		strv_addf(&v->errs, "%s", data);
	} else if (v->doc == NULL) {
		const char *at = cJSON_GetErrorPtr();

		strv_addf(&v->errs, ": not valid JSON (error near byte %ld)",
		          at && at >= data && at <= data + len ? (long)(at - data) : 0L);
	} else {
		valid = schema_validate(e->reg, c->def.art_schema, v->doc, &serr, err);
		if (valid < 0) {
			*fail_reason = "schema_not_found";
			goto out;
		}
		for (size_t i = 0; i < serr.count; i++) {
			char *s = schema_error_format(&serr.items[i]);

			strv_addf(&v->errs, "%s", s);
			free(s);
		}
		if (valid && strcmp(c->def.art_schema, PLAN_SCHEMA) == 0) {
			if (template_keys(e, run, &reserved, err) != 0)
				goto out;
			plan_rules(v->doc, run->worktree_root, reserved.v, reserved.n, c->bindings,
			           c->nbindings, &v->errs);
		}
	}
	v->valid = v->errs.n == 0;
	rc = 1;
out:
	if (rc != 1 && rc != 3)
		verdict_clear(v);
	store_artifact_clear(&last);
	strv_free(&reserved);
	schema_errors_free(&serr);
	free(data);
	return rc;
}

/*
 * Record the verdict in the open transaction: the artifact row (with the
 * errors of an invalid one), artifact.validated or artifact.invalid, and
 * what a valid artifact says for the report (findings, commands).
 */
static int
record_artifact(struct engine *e, const struct store_phase *ph, const struct attempt_ctx *c,
                const struct verdict *v, const char *aid, const char *ts, struct df_error *err)
{
	cJSON *earr = cJSON_CreateArray(), *pl;
	char *errors_json;
	int rc;

	for (size_t i = 0; i < v->errs.n; i++)
		cJSON_AddItemToArray(earr, cJSON_CreateString(v->errs.v[i]));
	errors_json = cJSON_PrintUnformatted(earr);
	{
		struct store_artifact a = { .id = (char *)aid,
			                    .run_id = ph->run_id,
			                    .phase_id = ph->id,
			                    .path = c->def.art_path,
			                    .schema_id = c->def.art_schema,
			                    .hash = (char *)v->hash,
			                    .valid = v->valid,
			                    .errors = v->valid ? NULL : errors_json,
			                    .attempt = ph->attempts };

		rc = store_artifact_insert(e->st, &a, ts, err);
	}
	cJSON_free(errors_json);
	if (rc != 0) {
		cJSON_Delete(earr);
		return -1;
	}
	pl = eng_payload_str("phaseKey", ph->phase_key, "path", c->def.art_path, "schema",
	                     c->def.art_schema, "hash", v->hash, NULL);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	cJSON_AddNumberToObject(pl, "repair", ph->repairs);
	if (!v->valid)
		cJSON_AddItemToObject(pl, "errors", earr);
	else
		cJSON_Delete(earr);
	if (eng_emit(e, ph->run_id, ph->id, v->valid ? "artifact.validated" : "artifact.invalid",
	             pl, err, "%s:%s:%d:%d", v->valid ? "artifact.validated" : "artifact.invalid",
	             ph->id, ph->attempts, ph->repairs) != 0)
		return -1;
	return v->valid ? record_contents(e, ph, aid, v->doc, ts, err) : 0;
}

/* Valid, with a gate (in the open transaction): the phase and the run wait for a person. */
static int
request_approval(struct engine *e, struct store_phase *ph, const struct attempt_ctx *c,
                 const struct verdict *v, struct store_session *sess, const char *ts,
                 const char *failed_check, struct df_error *err)
{
	const char *gate = c->def.ngates > 0 ? c->def.gates[0] : "check_failed";
	char req_id[ENGINE_ID_MAX];
	struct store_approval a = { 0 };
	char *payload;
	cJSON *pl;
	int r;

	eng_new_id(e, req_id);
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(AWAITING_APPROVAL));
	pl = eng_payload_str("phaseKey", ph->phase_key, "title", c->def.title, "artifactPath",
	                     c->def.art_path, "schema", c->def.art_schema, "hash", v->hash,
	                     "failedCheck", failed_check, NULL);
	payload = cJSON_PrintUnformatted(pl);
	a.id = req_id;
	a.run_id = ph->run_id;
	a.phase_id = ph->id;
	a.gate_key = (char *)gate;
	a.payload = payload;
	r = store_phase_save(e->st, ph, err) != 0 || store_approval_insert(e->st, &a, ts, err) != 0;
	cJSON_free(payload);
	if (r) {
		cJSON_Delete(pl);
		return -1;
	}
	cJSON_AddStringToObject(pl, "approvalRequestId", req_id);
	cJSON_AddStringToObject(pl, "gateKey", gate);
	if (eng_emit(e, ph->run_id, ph->id, "approval.requested", pl, err, "approval.requested:%s",
	             req_id) != 0 ||
	    store_run_transition(e->st, ph->run_id, DF_RUN(AWAITING_APPROVAL), NULL, ts, err) != 0)
		return -1;
	if (sess && strcmp(sess->state, SS_EXITED) != 0) {
		free(sess->state);
		sess->state = xstrdup(SS_WAITING);
		if (store_session_save(e->st, sess, ts, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * Valid, without a gate (in the open transaction): the phase completed, its
 * agent stops. Its work is committed once the transaction is (eng_advance
 * asks for the commit and waits for it).
 */
static int
complete_phase(struct engine *e, struct store_phase *ph, struct store_session *sess, const char *ts,
               struct df_error *err)
{
	cJSON *pl;

	free(ph->state);
	ph->state = xstrdup(DF_PHASE(COMPLETED));
	free(ph->ended_at);
	ph->ended_at = xstrdup(ts);
	pl = eng_payload_str("phaseKey", ph->phase_key, NULL);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	if (store_phase_save(e->st, ph, err) != 0 ||
	    eng_emit(e, ph->run_id, ph->id, "phase.completed", pl, err, "phase.completed:%s:%d",
	             ph->id, ph->attempts) != 0 ||
	    store_run_set_current_phase(e->st, ph->run_id, NULL, ts, err) != 0)
		return -1;
	if (sess && strcmp(sess->state, SS_EXITED) != 0) {
		free(sess->state);
		sess->state = xstrdup(SS_STOPPED);
		if (store_session_save(e->st, sess, ts, err) != 0)
			return -1;
		eng_push_stop(e, sess->id);
	}
	return 0;
}

/*
 * A valid artifact, in the open transaction (committed or rolled back
 * here): the phase goes to its gate, or completes (*progressed: the caller
 * advances the run). The phase's timeout is cancelled either way.
 */
static int
accept_artifact(struct engine *e, struct store_phase *ph, const struct attempt_ctx *c,
                const struct verdict *v, struct store_session *sess, const char *ts,
                const char *failed_check, int *progressed, struct df_error *err)
{
	if (c->def.ngates > 0 || failed_check != NULL) {
		if (request_approval(e, ph, c, v, sess, ts, failed_check, err) != 0)
			goto rollback;
	} else {
		if (complete_phase(e, ph, sess, ts, err) != 0)
			goto rollback;
		*progressed = 1;
	}
	if (eng_tx_commit(e, err) != 0)
		return -1;
	eng_cancel_timers(e, ph->run_id, ph->id);
	return 0;
rollback:
	eng_tx_rollback(e);
	return -1;
}

/*
 * Invalid with repairs left, the agent live, in the open transaction
 * (committed or rolled back here): the phase counts one more repair and,
 * once committed, the agent gets its instructions again with the errors to
 * fix (their hash kept on the session).
 */
static int
send_repair(struct engine *e, const struct store_run *run, struct store_phase *ph,
            const struct attempt_ctx *c, const struct verdict *v, struct store_session *sess,
            const char *ts, struct df_error *err)
{
	char phash[CANON_HASH_HEX];
	char *text;

	ph->repairs++;
	if (store_phase_save(e->st, ph, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	text = eng_compose(e, run, ph, c, ph->attempts, NULL, (const char *const *)v->errs.v,
	                   v->errs.n, NULL);
	eng_hash_text(text, phash);
	free(sess->last_prompt_hash);
	sess->last_prompt_hash = xstrdup(phash);
	if (store_session_save(e->st, sess, ts, err) != 0 || eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		free(text);
		return -1;
	}
	if (e->drv->send(e->dctx, sess->id, text, err) != 0) {
		eng_set_ids(err, run->id, ph->id);
		eng_step_failed(e, err);
		eng_fail_run(e, run->id, "session_failed");
	}
	free(text);
	return 0;
}

/*
 * Invalid with repairs left, but the repair prompt has no one to go to: the
 * agent exited, or it is not live in this server (it died with a previous
 * one). The open transaction (the invalid artifact) is committed; the
 * agent's absence decides.
 */
static int
repair_unreachable(struct engine *e, const struct store_phase *ph, enum agent_where where,
                   struct df_error *err)
{
	if (eng_tx_commit(e, err) != 0)
		return -1;
	return eng_agent_unreachable(e, ph->run_id, ph->id, where, err);
}

/*
 * Invalid with no repair left (or no session to repair it), in the open
 * transaction (committed or rolled back here): the run fails,
 * artifact_invalid.
 */
static int
repairs_exhausted(struct engine *e, const char *run_id, struct df_error *err)
{
	if (eng_end_run_tx(e, run_id, DF_RUN(FAILED), "artifact_invalid", "artifact_invalid",
	                   err) != 0 ||
	    eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	eng_cancel_timers(e, run_id, NULL);
	eng_ensure_report(e, run_id);
	return 0;
}

/*
 * Valid, and the review sent the phase it reviews back (a round, recorded in
 * the open transaction, committed here): the run advances to that phase.
 */
static int
review_round(struct engine *e, const struct store_phase *ph, int *progressed, struct df_error *err)
{
	if (eng_tx_commit(e, err) != 0)
		return -1;
	eng_cancel_timers(e, ph->run_id, ph->id);
	*progressed = 1;
	return 0;
}

/*
 * Valid, with checks to run, in the open transaction (committed or rolled
 * back here): the phase waits in validating while its checks run.
 */
static int
begin_checks(struct engine *e, struct store_phase *ph, struct df_error *err)
{
	free(ph->state);
	ph->state = xstrdup(DF_PHASE(VALIDATING));
	if (store_phase_save(e->st, ph, err) != 0 || eng_tx_commit(e, err) != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	return eng_checks_next(e, ph->run_id, ph->id, err);
}

/*
 * Record the verdict and act on it, in one transaction: a valid artifact
 * goes to its gate or completes its phase (*progressed), an invalid one goes
 * back to its agent while repairs are left and the agent is there, or fails
 * the run.
 */
static int
settle_artifact(struct engine *e, const struct store_run *run, struct store_phase *ph,
                const struct attempt_ctx *c, const struct verdict *v, int *progressed,
                struct df_error *err)
{
	struct store_session sess;
	char ts[STORE_TS_MAX], aid[ENGINE_ID_MAX];
	int max_repairs = c->def.max_repairs >= 0 ? c->def.max_repairs : e->max_repairs;
	int have_sess, rc = -1, nchecks, round;
	enum agent_where where;

	eng_now_ts(e, ts);
	eng_new_id(e, aid);
	have_sess = eng_phase_session(e, run->id, ph->id, &sess, err);
	if (have_sess < 0)
		goto out;
	if (eng_tx_begin(e, err) != 0)
		goto out;
	if (record_artifact(e, ph, c, v, aid, ts, err) != 0) {
		eng_tx_rollback(e);
		goto out;
	}
	if (v->valid && (round = eng_review_round(e, ph, v->doc, ts, err)) != 0)
		rc = round < 0 ? (eng_tx_rollback(e), -1) : review_round(e, ph, progressed, err);
	else if (v->valid && (nchecks = eng_checks_count(e, run, ph, err)) != 0)
		rc = nchecks < 0 ? (eng_tx_rollback(e), -1) : begin_checks(e, ph, err);
	else if (v->valid)
		rc = accept_artifact(e, ph, c, v, have_sess ? &sess : NULL, ts, NULL, progressed,
		                     err);
	else if (ph->repairs < max_repairs && have_sess &&
	         (where = eng_agent_where(e, &sess)) != AGENT_LIVE)
		rc = repair_unreachable(e, ph, where, err);
	else if (ph->repairs < max_repairs && have_sess)
		rc = send_repair(e, run, ph, c, v, &sess, ts, err);
	else
		rc = repairs_exhausted(e, run->id, err);
out:
	store_session_clear(&sess);
	return rc;
}

/* A valid artifact sent back by a failed check, its agent done: the checks run again. */
static int
recheck(struct engine *e, struct store_phase *ph, struct df_error *err)
{
	if (eng_tx_begin(e, err) != 0)
		return -1;
	return begin_checks(e, ph, err);
}

/*
 * The phase's checks all passed, or one failed with no repair left and
 * onCheckFailure "gate" (failed_check names it): its valid artifact is
 * accepted, the gate (or a "check_failed" gate when it has none), or the
 * phase completes and the run advances.
 */
int
eng_accept_phase(struct engine *e, const char *run_id, const char *phase_id,
                 const char *failed_check, struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct store_session sess;
	struct store_artifact last;
	struct attempt_ctx c;
	struct verdict v;
	char ts[STORE_TS_MAX];
	const char *reason = NULL;
	int have_sess = 0, progressed = 0, rc = -1;

	memset(&ph, 0, sizeof(ph));
	memset(&c, 0, sizeof(c));
	memset(&v, 0, sizeof(v));
	memset(&last, 0, sizeof(last));
	memset(&sess, 0, sizeof(sess));
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (store_phase_get(e->st, phase_id, &ph, err) != 1 ||
	    eng_attempt_ctx_load(e, &run, &ph, &c, &reason, err) != 0 ||
	    store_artifact_latest(e->st, run_id, phase_id, NULL, 1, &last, err) != 1 ||
	    (have_sess = eng_phase_session(e, run_id, phase_id, &sess, err)) < 0)
		goto out;
	snprintf(v.hash, sizeof(v.hash), "%s", last.hash);
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0)
		goto out;
	rc = accept_artifact(e, &ph, &c, &v, have_sess ? &sess : NULL, ts, failed_check,
	                     &progressed, err);
	if (rc == 0 && progressed)
		eng_advance_or_fail(e, run_id, "advance_failed");
out:
	store_run_clear(&run);
	store_phase_clear(&ph);
	store_session_clear(&sess);
	store_artifact_clear(&last);
	eng_attempt_ctx_clear(&c);
	return rc;
}

/* The phase cannot go on (err says why): the step failed, and the run fails with reason. */
static int
phase_cannot_go_on(struct engine *e, const char *run_id, const char *phase_id, const char *reason,
                   struct df_error *err)
{
	eng_set_ids(err, run_id, phase_id);
	eng_step_failed(e, err);
	eng_fail_run(e, run_id, reason);
	return 0;
}

/*
 * Judge the artifact of the phase's current attempt, if the file is there
 * and was not judged already: record it, then repair, fail, ask for
 * approval or complete the phase. Sets *progressed when the phase
 * completed (the caller advances the run).
 */
static int
check_artifact(struct engine *e, const char *run_id, const char *phase_id, int *progressed,
               struct df_error *err)
{
	struct store_run run;
	struct store_phase ph;
	struct attempt_ctx c;
	struct verdict v;
	const char *reason = NULL;
	int rc = -1, r;

	*progressed = 0;
	memset(&c, 0, sizeof(c));
	memset(&ph, 0, sizeof(ph));
	memset(&v, 0, sizeof(v));
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (!eng_is_mutable(run.state)) {
		rc = 0;
		goto out;
	}
	r = store_phase_get(e->st, phase_id, &ph, err);
	if (r <= 0 || strcmp(ph.state, DF_PHASE(AWAITING_ARTIFACT)) != 0) {
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	if (eng_attempt_ctx_load(e, &run, &ph, &c, &reason, err) != 0) {
		if (err == NULL || err->code != DF_E_DATABASE)
			rc = phase_cannot_go_on(e, run_id, phase_id, reason, err);
		goto out;
	}
	if (c.def.art_path == NULL) {
		rc = 0;
		goto out;
	}
	r = judge_artifact(e, &run, &ph, &c, &v, &reason, err);
	if (r == 3)
		rc = recheck(e, &ph, err);
	else if (r == 1)
		rc = settle_artifact(e, &run, &ph, &c, &v, progressed, err);
	else if (r < 0 && reason != NULL)
		rc = phase_cannot_go_on(e, run_id, phase_id, reason, err);
	else
		rc = r;
out:
	store_run_clear(&run);
	store_phase_clear(&ph);
	eng_attempt_ctx_clear(&c);
	verdict_clear(&v);
	return rc;
}

/* Check the artifact of a phase and advance when it completed. */
int
eng_check_and_advance(struct engine *e, const char *run_id, const char *phase_id,
                      struct df_error *err)
{
	int progressed = 0;

	if (check_artifact(e, run_id, phase_id, &progressed, err) != 0)
		return -1;
	if (progressed)
		eng_advance_or_fail(e, run_id, "advance_failed");
	return 0;
}

/*
 * When the run has a valid phase plan, append its phases that have no row
 * yet. The plan file is re-read and re-hashed first: changed since it was
 * validated, or breaking the plan rules, the run fails with
 * internal_state_corruption. Returns 1 when rows were added or the run
 * failed (advance again), 0 when there is nothing to add, -1 with err.
 */
int
eng_append_planned(struct engine *e, const struct store_run *run, struct df_error *err)
{
	struct store_artifact art;
	struct store_phase *ph = NULL;
	struct store_binding *b = NULL;
	struct strv reserved = { 0 }, errs = { 0 };
	struct schema_errors serr = { 0 };
	size_t np = 0, nb = 0, added = 0;
	char *abs = NULL, *data = NULL, hash[CANON_HASH_HEX], ts[STORE_TS_MAX];
	cJSON *doc = NULL;
	const cJSON *x;
	struct df_error bad;
	size_t len;
	int r, rc = -1, seq = 0;

	r = store_artifact_latest(e->st, run->id, NULL, PLAN_SCHEMA, 1, &art, err);
	if (r <= 0)
		return r;
	if (worktree_path_inside(run->worktree_root, art.path, &abs, &bad) != 0)
		goto corrupt;
	r = read_artifact(e, abs, art.path, &data, &len);
	if (r == 0)
		df_error_set(&bad, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "the validated phase plan %s is gone", abs);
	else if (r == 2)
		df_error_set(&bad, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "the validated phase plan changed: %s", data);
	if (r != 1)
		goto corrupt;
	canon_sha256_hex(data, len, hash);
	if (strcmp(hash, art.hash) != 0) {
		df_error_set(
		    &bad, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		    "phase plan %s changed after it was validated (sha256 %.12s, validated "
		    "%.12s)",
		    abs, hash, art.hash);
		goto corrupt;
	}
	doc = cJSON_ParseWithLength(data, len);
	if (doc == NULL || schema_validate(e->reg, PLAN_SCHEMA, doc, &serr, &bad) != 1) {
		if (doc == NULL || serr.count > 0)
			df_error_set(&bad, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
			             "the stored phase plan %s no longer validates", abs);
		goto corrupt;
	}
	if (template_keys(e, run, &reserved, err) != 0 ||
	    store_bindings_list(e->st, run->id, &b, &nb, err) != 0)
		goto out;
	plan_rules(doc, run->worktree_root, reserved.v, reserved.n, b, nb, &errs);
	if (errs.n > 0) {
		df_error_set(&bad, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		             "phase plan %s breaks the plan rules: %s", abs, errs.v[0]);
		goto corrupt;
	}
	if (store_phases_list(e->st, run->id, &ph, &np, err) != 0)
		goto out;
	for (size_t i = 0; i < np; i++)
		if (ph[i].seq > seq)
			seq = ph[i].seq;
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0)
		goto out;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "phases"))
	{
		const char *key = cJSON_GetObjectItemCaseSensitive(x, "key")->valuestring;
		struct store_phase row = { 0 };
		char id[ENGINE_ID_MAX], *def;
		int exists = 0;

		for (size_t i = 0; i < np; i++)
			if (strcmp(ph[i].phase_key, key) == 0)
				exists = 1;
		if (exists)
			continue;
		eng_new_id(e, id);
		def = cJSON_PrintUnformatted(x);
		row.id = id;
		row.run_id = run->id;
		row.phase_key = (char *)key;
		row.seq = ++seq;
		row.definition = def;
		r = store_phase_insert(e->st, &row, ts, err);
		cJSON_free(def);
		if (r != 0) {
			eng_tx_rollback(e);
			goto out;
		}
		added++;
	}
	if (eng_tx_commit(e, err) != 0)
		goto out;
	rc = added > 0;
	goto out;
corrupt:
	if (bad.code != DF_E_INTERNAL_STATE_CORRUPTION) {
		bad.code = DF_E_INTERNAL_STATE_CORRUPTION;
		bad.class = DF_FATAL;
	}
	eng_set_ids(&bad, run->id, art.phase_id);
	eng_step_failed(e, &bad);
	eng_fail_run(e, run->id, "internal_state_corruption");
	rc = 1;
out:
	store_artifact_clear(&art);
	store_phases_free(ph, np);
	store_bindings_free(b, nb);
	strv_free(&reserved);
	strv_free(&errs);
	schema_errors_free(&serr);
	cJSON_Delete(doc);
	free(abs);
	free(data);
	return rc;
}
