/*
 * The engine's part in landing a run's work: the commit at the end of each
 * phase (docs/engine.md "Landing"), and the record of a landing or a push
 * as run events with their actor. The git work itself is land.c's.
 *
 * A phase's work is committed when the phase completes: at its approval
 * when it has a gate, else when its artifact validates. Not before: a
 * change request reruns the phase on the same worktree, and the commit
 * should hold what was accepted, once, under the attempt that was.
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

int
eng_phase_commit(struct engine *e, const char *run_id, const struct store_phase *ph,
                 struct df_error *err)
{
	struct store_run run;
	char id[LAND_OID_HEX], *msg, *step, **ex;
	size_t nex = 0;
	struct df_error gerr;
	cJSON *pl;
	int r, rc = 0;

	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (run.worktree_root == NULL) {
		store_run_clear(&run);
		return 0;
	}
	ex = engine_artifact_paths(e, run_id, &nex);
	msg =
	    xasprintf("devflow: run %s, phase %s, attempt %d", run_id, ph->phase_key, ph->attempts);
	step = xasprintf("%s:%d", ph->id, ph->attempts);
	r = land_commit_worktree(run.worktree_root, msg, step, (const char *const *)ex, nex, id,
	                         &gerr);
	pl = eng_payload_str("phaseKey", ph->phase_key, NULL);
	cJSON_AddNumberToObject(pl, "attempt", ph->attempts);
	if (r < 0) {
		/* The phase's work stays in the worktree: landing still sees it uncommitted. */
		cJSON_AddStringToObject(pl, "error", gerr.message);
		rc = eng_emit(e, run_id, ph->id, "phase.commit_failed", pl, err,
		              "phase.commit_failed:%s:%d", ph->id, ph->attempts);
	} else if (id[0] != '\0') {
		cJSON_AddStringToObject(pl, "commit", id);
		rc = eng_emit(e, run_id, ph->id, "phase.committed", pl, err,
		              "phase.committed:%s:%d", ph->id, ph->attempts);
	} else {
		cJSON_Delete(pl);
	}
	for (size_t i = 0; i < nex; i++)
		free(ex[i]);
	free(ex);
	free(msg);
	free(step);
	store_run_clear(&run);
	return rc;
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
