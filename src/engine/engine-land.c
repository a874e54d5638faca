/*
 * The engine's part in landing a run's work: the commit at the end of each
 * phase (docs/engine.md "Landing"), and the record of a landing or a push
 * as run events with their actor. The git work itself is land.c's.
 *
 * A phase's work is committed when the phase completes: at its approval
 * when it has a gate, else when its artifact validates. Not before: a
 * change request reruns the phase on the same worktree, and the commit
 * should hold what was accepted, once, under the attempt that was. The git
 * work may take long on a big tree, so it runs off the loop (the host's
 * commit_start) after the transaction that completed the phase, and its
 * result comes back as a step of its own (engine_commit_done). The run
 * waits for it: eng_advance starts no next phase and ends no run while a
 * commit of the run is owed, so the next agent never edits the worktree
 * before the commit and the final report sees every commit. What is owed
 * is read from the events, so a server that died in between commits it at
 * its restart (land_commit_worktree recognises a commit it made already).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "engine-int.h"
#include "land.h"

/* The artifact paths of the run's phases: devflow's records, kept out of the commits. */
char **
engine_artifact_paths(struct engine *e, const char *run_id, size_t *n)
{
	struct store_phase *ph = NULL;
	size_t np = 0;
	char **v;
	struct df_error ignored;

	*n = 0;
	if (store_phases_list(e->st, run_id, &ph, &np, &ignored) != 0)
		return NULL;
	v = xcalloc(np + 1, sizeof(*v));
	for (size_t i = 0; i < np; i++) {
		struct phase_def d = { 0 };

		if (eng_phase_def_parse(&ph[i], &d, &ignored) == 0 && d.art_path != NULL)
			v[(*n)++] = xstrdup(d.art_path);
		eng_phase_def_clear(&d);
	}
	store_phases_free(ph, np);
	return v;
}

/* ---- phase commits under way ------------------------------------------- */

static struct running_commit *
commit_find(struct engine *e, const char *id)
{
	for (size_t i = 0; i < e->ncommits; i++)
		if (strcmp(e->commits[i].id, id) == 0)
			return &e->commits[i];
	return NULL;
}

/* Forget commit id; 1 when the engine waited for it. */
static int
commit_forget(struct engine *e, const char *id)
{
	struct running_commit *c = commit_find(e, id);

	if (c == NULL)
		return 0;
	free(c->id);
	free(c->run_id);
	free(c->phase_key);
	*c = e->commits[--e->ncommits];
	return 1;
}

int
eng_commits_driven(struct engine *e, const char *run_id)
{
	for (size_t i = 0; i < e->ncommits; i++)
		if (strcmp(e->commits[i].run_id, run_id) == 0)
			return 1;
	return 0;
}

int
engine_commit_pending(struct engine *e, const char *run_id, char phase_key[ENGINE_ID_MAX])
{
	for (size_t i = 0; i < e->ncommits; i++)
		if (strcmp(e->commits[i].run_id, run_id) == 0) {
			snprintf(phase_key, ENGINE_ID_MAX, "%s", e->commits[i].phase_key);
			return 1;
		}
	return 0;
}

void
eng_commits_free(struct engine *e)
{
	while (e->ncommits > 0)
		commit_forget(e, e->commits[0].id);
	free(e->commits);
	e->commits = NULL;
	e->ccommits = 0;
}

/*
 * Ask for the commit of phase attempt id ("<phase>:<attempt>") of the run
 * whose worktree is root: the host runs it off the loop, or (no
 * commit_start) it runs here. Either way its result comes back through
 * engine_commit_done, queued, so the step that asked finishes first.
 */
static void
commit_request(struct engine *e, const char *run_id, const char *root, const char *id,
               const struct store_phase *ph, int attempt)
{
	struct engine_commit_spec spec = { 0 };
	struct engine_commit_result res = { 0 };
	char out[LAND_OID_HEX] = "", **ex;
	size_t nex = 0;
	struct df_error gerr;
	struct running_commit *c;

	if (e->ncommits == e->ccommits) {
		e->ccommits = e->ccommits ? e->ccommits * 2 : 4;
		e->commits = xreallocarray(e->commits, e->ccommits, sizeof(*e->commits));
	}
	c = &e->commits[e->ncommits++];
	c->id = xstrdup(id);
	c->run_id = xstrdup(run_id);
	c->phase_key = xstrdup(ph->phase_key);
	ex = engine_artifact_paths(e, run_id, &nex);
	spec.commit_id = id;
	spec.run_id = run_id;
	spec.phase_id = ph->id;
	spec.phase_key = ph->phase_key;
	spec.attempt = attempt;
	spec.worktree = root;
	spec.message =
	    xasprintf("devflow: run %s, phase %s, attempt %d", run_id, ph->phase_key, attempt);
	spec.step = id;
	spec.exclude = (const char *const *)ex;
	spec.nexclude = nex;
	df_error_clear(&gerr);
	if (e->host->commit_start == NULL) {
		res.rc = land_commit_worktree(root, spec.message, spec.step, spec.exclude, nex, out,
		                              &gerr);
		res.commit = out;
		res.error = gerr.message;
		engine_commit_done(e, id, &res);
	} else if (e->host->commit_start(e->hctx, &spec, &gerr) != 0) {
		/* Not started: recorded as failed, and the run goes on. */
		res.rc = -1;
		res.error = gerr.message;
		engine_commit_done(e, id, &res);
	}
	for (size_t i = 0; i < nex; i++)
		free(ex[i]);
	free(ex);
	free((char *)spec.message);
}

/*
 * The phase attempts ("<phase>:<attempt>") of the run's events whose
 * commit is owed: phase.completed, and neither phase.committed nor
 * phase.commit_failed for it since. A phase.started settles what came
 * before it: the run went on, so those were committed (a devflow that
 * recorded no event for an empty commit) and the worktree now holds a later
 * phase's work, which must not go into their commits.
 */
static int
owed_commits(struct engine *e, const char *run_id, char ***out, size_t *n, struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t nev = 0;

	*out = NULL;
	*n = 0;
	if (store_events_list(e->st, run_id, 0, 0, &ev, &nev, err) != 0)
		return -1;
	for (size_t i = 0; i < nev; i++) {
		const char *k = ev[i].idempotency_key, *rest = k ? strchr(k, ':') : NULL;

		if (rest == NULL)
			continue;
		rest++;
		if (strcmp(ev[i].type, "phase.completed") == 0) {
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = xstrdup(rest);
		} else if (strcmp(ev[i].type, "phase.committed") == 0 ||
		           strcmp(ev[i].type, "phase.commit_failed") == 0 ||
		           strcmp(ev[i].type, "phase.started") == 0) {
			size_t j = 0;

			for (size_t m = 0; m < *n; m++)
				if (strcmp(ev[i].type, "phase.started") != 0 &&
				    strcmp((*out)[m], rest) != 0)
					(*out)[j++] = (*out)[m];
				else
					free((*out)[m]);
			*n = j;
		}
	}
	store_events_free(ev, nev);
	return 0;
}

/* Parse "<phase>:<attempt>". */
static int
parse_commit_id(const char *id, char phase[ENGINE_ID_MAX], int *attempt)
{
	const char *colon = strrchr(id, ':');

	if (colon == NULL || (size_t)(colon - id) >= ENGINE_ID_MAX ||
	    sscanf(colon + 1, "%d", attempt) != 1)
		return -1;
	memcpy(phase, id, (size_t)(colon - id));
	phase[colon - id] = '\0';
	return 0;
}

int
eng_commits_wait(struct engine *e, const char *run_id, struct df_error *err)
{
	struct store_run run;
	char **owed = NULL;
	size_t n = 0;
	int asked = 0, rc = 0;

	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (run.worktree_root == NULL || owed_commits(e, run_id, &owed, &n, err) != 0) {
		rc = run.worktree_root == NULL ? 0 : -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct store_phase ph;
		char phase_id[ENGINE_ID_MAX];
		int attempt, r;

		if (commit_find(e, owed[i]) != NULL || parse_commit_id(owed[i], phase_id, &attempt))
			continue;
		r = store_phase_get(e->st, phase_id, &ph, err);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		if (r == 1) {
			commit_request(e, run_id, run.worktree_root, owed[i], &ph, attempt);
			asked = 1;
		}
		store_phase_clear(&ph);
	}
	rc = asked ? 2 : eng_commits_driven(e, run_id);
out:
	for (size_t i = 0; i < n; i++)
		free(owed[i]);
	free(owed);
	store_run_clear(&run);
	return rc;
}

/* In its own transaction: phase.committed or phase.commit_failed for the attempt. */
static int
record_commit(struct engine *e, const struct store_phase *ph, int attempt, const struct item *it,
              struct df_error *err)
{
	cJSON *pl = eng_payload_str("phaseKey", ph->phase_key, NULL);
	int rc;

	cJSON_AddNumberToObject(pl, "attempt", attempt);
	if (eng_tx_begin(e, err) != 0) {
		cJSON_Delete(pl);
		return -1;
	}
	if (it->status < 0) {
		/* The phase's work stays in the worktree: landing still sees it uncommitted. */
		cJSON_AddStringToObject(pl, "error", it->c ? it->c : "");
		rc = eng_emit(e, ph->run_id, ph->id, "phase.commit_failed", pl, err,
		              "phase.commit_failed:%s:%d", ph->id, attempt);
	} else {
		if (it->b != NULL && it->b[0] != '\0')
			cJSON_AddStringToObject(pl, "commit", it->b);
		else
			cJSON_AddBoolToObject(pl, "empty", 1);
		rc = eng_emit(e, ph->run_id, ph->id, "phase.committed", pl, err,
		              "phase.committed:%s:%d", ph->id, attempt);
	}
	if (rc != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	return eng_tx_commit(e, err);
}

int
eng_commit_done_item(struct engine *e, const struct item *it, struct df_error *err)
{
	char phase_id[ENGINE_ID_MAX];
	struct store_phase ph;
	struct store_run run;
	int attempt, r, go_on;

	if (!commit_forget(e, it->a) || parse_commit_id(it->a, phase_id, &attempt) != 0)
		return 0; /* not one this engine waits for */
	r = store_phase_get(e->st, phase_id, &ph, err);
	if (r <= 0)
		return r;
	r = record_commit(e, &ph, attempt, it, err);
	if (r == 0 && (r = eng_load_run(e, ph.run_id, &run, err)) == 0) {
		/* Its run went on without it (paused, ended): nothing to advance. */
		go_on = eng_is_mutable(run.state);
		store_run_clear(&run);
		if (go_on)
			eng_advance_or_fail(e, ph.run_id, "advance_failed");
	}
	store_phase_clear(&ph);
	return r;
}

void
engine_commit_done(struct engine *e, const char *commit_id, const struct engine_commit_result *res)
{
	struct item it = { .kind = IT_COMMIT_DONE, .a = xstrdup(commit_id), .status = res->rc };

	it.b = res->commit != NULL ? xstrdup(res->commit) : NULL;
	it.c = res->error != NULL ? xstrdup(res->error) : NULL;
	eng_enqueue(e, &it);
	eng_pump(e);
}

int
engine_landed(struct engine *e, const char *run_id, char commit[ENGINE_ID_MAX],
              struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;
	int found = 0;

	commit[0] = '\0';
	if (store_events_list(e->st, run_id, 0, 0, &ev, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && !found; i++) {
		if (strcmp(ev[i].type, "run.landed") == 0) {
			cJSON *o = cJSON_Parse(ev[i].payload);
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "commit");

			if (cJSON_IsString(c))
				snprintf(commit, ENGINE_ID_MAX, "%s", c->valuestring);
			cJSON_Delete(o);
			found = 1;
		}
	}
	store_events_free(ev, n);
	return found;
}

int
engine_record_land(struct engine *e, const char *run_id, const struct engine_land_record *rec,
                   struct df_error *err)
{
	cJSON *pl =
	    eng_payload_str("actor", rec->actor, "mode", rec->mode, "how", rec->how, "commit",
	                    rec->commit, "remote", rec->remote, "url", rec->url, NULL);
	int rc;

	if (eng_tx_begin(e, err) != 0) {
		cJSON_Delete(pl);
		return -1;
	}
	if (strcmp(rec->type, "run.landed") == 0)
		rc = eng_emit(e, run_id, NULL, rec->type, pl, err, "run.landed:%s", run_id) != 0 ||
		             eng_rebase_land_origins(e, run_id, rec, err) != 0
		         ? -1
		         : 0;
	else
		rc = eng_emit(e, run_id, NULL, rec->type, pl, err, "%s:%s:%s", rec->type, run_id,
		              rec->remote != NULL ? rec->remote : "");
	if (rc != 0) {
		eng_tx_rollback(e);
		return -1;
	}
	return eng_tx_commit(e, err);
}
