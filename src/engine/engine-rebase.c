/*
 * The rebase follow-up (docs/engine.md "Landing"): when a completed run's
 * landing conflicts with its base, a person may hand the merge to an agent.
 * A completed run is terminal and stays so; the rebase phase belongs to a
 * new run, on the built-in template "rebase", whose branch starts at the
 * original run's branch tip (worktree_create_from) and whose implementer is
 * bound as the original's. The links are events: the follow-up's
 * run.created names the original (rebaseOf), the original gets
 * run.rebase_started naming the follow-up (in the transaction that starts
 * it), and when the follow-up lands, the original gets its run.landed with
 * via: the follow-up (its commits are in the follow-up's branch).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "engine-int.h"
#include "worktree.h"

/* How many follow-ups of follow-ups a landing walks back through. */
#define REBASE_CHAIN_MAX 16

/* The string field name of the payload of ev, copied into out ("" when absent). */
static void
payload_field(const struct store_event *ev, const char *name, char out[ENGINE_ID_MAX])
{
	cJSON *o = cJSON_Parse(ev->payload);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	snprintf(out, ENGINE_ID_MAX, "%s", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(o);
}

/* The field name of the newest event of type on run_id: 1 with out, 0 none, -1 err. */
static int
last_field(struct engine *e, const char *run_id, const char *type, const char *name,
           char out[ENGINE_ID_MAX], struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;

	out[0] = '\0';
	if (store_events_of_type(e->st, run_id, type, &ev, &n, err) != 0)
		return -1;
	if (n > 0)
		payload_field(&ev[n - 1], name, out);
	store_events_free(ev, n);
	return out[0] != '\0';
}

int
engine_rebase_followup(struct engine *e, const char *run_id, char out[ENGINE_ID_MAX],
                       struct df_error *err)
{
	return last_field(e, run_id, "run.rebase_started", "followUp", out, err);
}

int
engine_rebase_origin(struct engine *e, const char *run_id, char out[ENGINE_ID_MAX],
                     struct df_error *err)
{
	return last_field(e, run_id, "run.created", "rebaseOf", out, err);
}

int
engine_landed_via(struct engine *e, const char *run_id, char commit[ENGINE_ID_MAX],
                  char via[ENGINE_ID_MAX], struct df_error *err)
{
	struct store_event *ev = NULL;
	size_t n = 0;

	commit[0] = via[0] = '\0';
	if (store_events_of_type(e->st, run_id, "run.landed", &ev, &n, err) != 0)
		return -1;
	if (n > 0) {
		payload_field(&ev[0], "commit", commit);
		payload_field(&ev[0], "via", via);
	}
	store_events_free(ev, n);
	return n > 0;
}

/* "implementer" pinned as the original run bound it: its persona (name@version) and backend. */
static int
implementer_override(struct engine *e, const char *run_id, struct binding_override *ov,
                     char **persona, char **backend, struct df_error *err)
{
	struct store_binding *bd = NULL;
	struct store_catalog_entry *pc = NULL;
	size_t nb = 0, npc = 0;

	*persona = *backend = NULL;
	ov->role = "implementer";
	if (store_bindings_list(e->st, run_id, &bd, &nb, err) != 0)
		return -1;
	if (store_catalog_list(e->st, STORE_CATALOG_PERSONA, &pc, &npc, err) != 0) {
		store_bindings_free(bd, nb);
		return -1;
	}
	for (size_t i = 0; i < nb && *backend == NULL; i++) {
		if (strcmp(bd[i].role_id, "implementer") != 0)
			continue;
		*backend = xstrdup(bd[i].backend);
		for (size_t k = 0; k < npc; k++)
			if (strcmp(pc[k].id, bd[i].persona_id) == 0)
				*persona = xasprintf("%s@%d", pc[k].name, pc[k].version);
	}
	/* No implementer in the original's template: the catalog's, on its first backend. */
	if (*backend == NULL && nb > 0)
		*backend = xstrdup(bd[0].backend);
	ov->persona = *persona;
	ov->backend = *backend;
	store_catalog_entries_free(pc, npc);
	store_bindings_free(bd, nb);
	return 0;
}

/* The follow-up's requirements: what moved, what to do, and the original's requirements. */
static char *
rebase_requirements(const struct store_run *run, const char *conflicts, const char *original_md)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "# Merge %s into the work of run %.8s\n\n", run->base_branch, run->id);
	buf_printf(&b,
	           "The base branch `%s` moved since run %s was made, and landing the run now "
	           "conflicts in: %s.\n\n",
	           run->base_branch, run->id, conflicts);
	buf_printf(&b,
	           "Merge the base into this branch (`git merge %s`), resolve the conflicts in "
	           "%s keeping both sides' intent (the base's changes and the run's), commit the "
	           "merge, and write the artifact: what you changed and the commands you ran.\n\n",
	           run->base_branch, conflicts);
	buf_printf(&b, "This branch holds the work of run %s, made for these requirements:\n\n",
	           run->id);
	for (const char *p = original_md != NULL ? original_md : ""; *p != '\0';) {
		size_t len = strcspn(p, "\n");

		buf_printf(&b, ">%s%.*s\n", len > 0 ? " " : "", (int)len, p);
		p += len + (p[len] == '\n');
	}
	return buf_detach(&b);
}

/* {"rebaseOf": run, "baseBranch": base, "conflicts": [paths]} from "a, b". */
static char *
rebase_objective(const struct store_run *run, const char *conflicts)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char *text;

	cJSON_AddStringToObject(o, "rebaseOf", run->id);
	cJSON_AddStringToObject(o, "baseBranch", run->base_branch);
	arr = cJSON_AddArrayToObject(o, "conflicts");
	for (const char *p = conflicts; *p != '\0';) {
		const char *sep = strstr(p, ", ");
		size_t len = sep != NULL ? (size_t)(sep - p) : strlen(p);
		char *one = xstrndup(p, len);

		cJSON_AddItemToArray(arr, cJSON_CreateString(one));
		free(one);
		p += len + (sep != NULL ? 2 : 0);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * A follow-up already there answers the request: 1 with it in out (active),
 * -1 with err when it ended in a way that leaves nothing to start (it
 * completed: land it), 0 when a new one may start (none, or it failed or
 * was aborted).
 */
static int
existing_followup(struct engine *e, const char *run_id, char out[ENGINE_ID_MAX],
                  struct df_error *err)
{
	struct store_run f;
	int r = engine_rebase_followup(e, run_id, out, err);

	if (r <= 0)
		return r;
	if ((r = store_run_get(e->st, out, &f, err)) <= 0)
		return r; /* a follow-up deleted since: start another */
	if (!eng_is_terminal(f.state))
		r = 1;
	else if (strcmp(f.state, "completed") == 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s has a rebase run, %s, that completed: land that one", run_id,
		             out);
		df_error_hint(err, "devflow land %s", out);
		eng_set_ids(err, run_id, NULL);
		r = -1;
	} else
		r = 0;
	store_run_clear(&f);
	return r;
}

int
engine_rebase_start(struct engine *e, const char *run_id, const char *conflicts, const char *actor,
                    char out[ENGINE_ID_MAX], int *already, struct df_error *err)
{
	struct store_run run;
	struct store_run_inputs in = { 0 };
	struct binding_override ov = { 0 };
	struct engine_start_request rq = { 0 };
	char *persona = NULL, *backend = NULL, *req = NULL, *obj = NULL, *from = NULL;
	int rc = -1, r;

	*already = 0;
	out[0] = '\0';
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (strcmp(run.state, "completed") != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s is %s: only a completed run gets a rebase run", run_id,
		             run.state);
		eng_set_ids(err, run_id, NULL);
		goto out;
	}
	if ((r = existing_followup(e, run_id, out, err)) != 0) {
		*already = r > 0;
		rc = r > 0 ? 0 : -1;
		goto out;
	}
	if (store_run_inputs_get(e->st, run_id, &in, err) < 0 ||
	    implementer_override(e, run_id, &ov, &persona, &backend, err) != 0)
		goto out;
	req = rebase_requirements(&run, conflicts, in.requirements_md);
	obj = rebase_objective(&run, conflicts);
	from = worktree_branch_name(run_id);
	rq.requirements_md = req;
	rq.repo_path = run.repo_path;
	rq.base_branch = run.base_branch;
	rq.template_name = "rebase";
	rq.objective_json = obj;
	rq.overrides = &ov;
	rq.noverrides = 1;
	rq.start_point = from;
	rq.rebase_of = run_id;
	rq.rebase_actor = actor;
	rq.rebase_conflicts = conflicts;
	rc = engine_start(e, &rq, out, err);
out:
	free(from);
	cJSON_free(obj);
	free(req);
	free(persona);
	free(backend);
	store_run_inputs_clear(&in);
	store_run_clear(&run);
	return rc;
}

int
eng_rebase_started(struct engine *e, const struct engine_start_request *req, const char *run_id,
                   struct df_error *err)
{
	cJSON *pl = eng_payload_str("followUp", run_id, "actor", req->rebase_actor, "baseBranch",
	                            req->base_branch, "conflicts", req->rebase_conflicts, NULL);

	return eng_emit(e, req->rebase_of, NULL, "run.rebase_started", pl, err,
	                "run.rebase_started:%s:%s", req->rebase_of, run_id);
}

int
eng_rebase_land_origins(struct engine *e, const char *run_id, const struct engine_land_record *rec,
                        struct df_error *err)
{
	char cur[ENGINE_ID_MAX], origin[ENGINE_ID_MAX];
	int r;

	snprintf(cur, sizeof(cur), "%s", run_id);
	for (int i = 0; i < REBASE_CHAIN_MAX; i++) {
		if ((r = engine_rebase_origin(e, cur, origin, err)) <= 0)
			return r;
		/* Its key is the run's landing's: a run landed before keeps its own record. */
		if (eng_emit(e, origin, NULL, "run.landed",
		             eng_payload_str("actor", rec->actor, "mode", rec->mode, "commit",
		                             rec->commit, "via", run_id, NULL),
		             err, "run.landed:%s", origin) != 0)
			return -1;
		snprintf(cur, sizeof(cur), "%s", origin);
	}
	return 0;
}

int
eng_rebase_status(struct engine *e, cJSON *run_obj, const char *run_id, struct df_error *err)
{
	char id[ENGINE_ID_MAX];
	int r;

	if ((r = engine_rebase_followup(e, run_id, id, err)) < 0)
		return -1;
	cJSON_AddItemToObject(run_obj, "rebaseRunId",
	                      r > 0 ? cJSON_CreateString(id) : cJSON_CreateNull());
	if ((r = engine_rebase_origin(e, run_id, id, err)) < 0)
		return -1;
	cJSON_AddItemToObject(run_obj, "rebaseOf",
	                      r > 0 ? cJSON_CreateString(id) : cJSON_CreateNull());
	return 0;
}
