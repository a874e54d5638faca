/*
 * Starting a run (engine_start): everything a start needs is gathered and
 * checked before anything is written (repository, template, bindings, input
 * hash), then one transaction creates the run, its inputs, phases and
 * bindings, then the worktree, run.started and the first phase. A start that
 * fails before the run exists leaves nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "lib/paths.h"
#include "lib/xalloc.h"
#include "engine-int.h"
#include "worktree.h"

static int
active_run_error(struct engine *e, const char *repo, const char *base, struct df_error *err)
{
	char id[DF_ID_MAX], state[DF_ID_MAX];
	int rc = store_run_active_for(e->st, repo, base, id, state, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	df_error_set(err, DF_HUMAN_REQUIRED, DF_E_ACTIVE_RUN_EXISTS,
	             "an active run already exists for %s on %s: run %s (%s)", repo, base, id,
	             state);
	/* Words for a person; the run's id travels in the error's run_id for programs. */
	df_error_hint(err,
	              "one run per repository and base: let run %.8s finish, abort it (devflow "
	              "abort %.8s) or use another base branch",
	              id, id);
	eng_set_ids(err, id, NULL);
	return -1;
}

struct start_plan {
	char run_id[ENGINE_ID_MAX];
	char *repo, *root, *rundir, *extra, *objective;
	struct store_catalog_entry tpl;
	struct store_catalog_entry *personas;
	size_t npersonas;
	struct binding *b;
	size_t nb;
	char **phase_json; /* the template's phase definitions */
	char **phase_keys;
	size_t nphases;
	char input_hash[CANON_HASH_HEX];
};

static void
start_plan_clear(struct start_plan *p)
{
	free(p->repo);
	free(p->root);
	free(p->rundir);
	free(p->extra);
	free(p->objective);
	store_catalog_entry_clear(&p->tpl);
	store_catalog_entries_free(p->personas, p->npersonas);
	binding_free(p->b, p->nb);
	for (size_t i = 0; i < p->nphases; i++) {
		cJSON_free(p->phase_json[i]);
		free(p->phase_keys[i]);
	}
	free(p->phase_json);
	free(p->phase_keys);
}

/* Normalise a JSON text (NULL stays NULL); -1 with json_parse naming what. */
static int
normal_json(const char *text, int want_object, char **out, const char *what, struct df_error *err)
{
	cJSON *v;

	*out = NULL;
	if (text == NULL)
		return 0;
	v = cJSON_Parse(text);
	if (v == NULL || (want_object && !cJSON_IsObject(v))) {
		cJSON_Delete(v);
		return df_error_set(err, DF_FATAL, DF_E_JSON_PARSE, "the run's %s is not a JSON %s",
		                    what, want_object ? "object" : "value");
	}
	*out = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	return 0;
}

/* Everything a start needs before it writes anything: template, bindings, hashes. */
static int
plan_start(struct engine *e, const struct engine_start_request *req, struct start_plan *p,
           struct df_error *err)
{
	const char *tname = req->template_name ? req->template_name : "development";
	int tversion = req->template_version > 0 ? req->template_version : 1;
	const cJSON *roles, *phases, *ph;
	const char **role_names = NULL;
	size_t nroles = 0;
	cJSON *tdef = NULL;
	struct binding_request br;
	int rc;

	if (worktree_canonical_repo(req->repo_path, &p->repo, err) != 0)
		return -1;
	rc = store_catalog_get(e->st, STORE_CATALOG_TEMPLATE, tname, tversion, &p->tpl, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		df_error_set(err, DF_FATAL, DF_E_TEMPLATE_LOAD_FAILED,
		             "workflow template %s@%d is not in the catalog", tname, tversion);
		df_error_hint(err, "%s@%d", tname, tversion);
		return -1;
	}
	tdef = cJSON_Parse(p->tpl.definition);
	roles = cJSON_GetObjectItemCaseSensitive(tdef, "roles");
	phases = cJSON_GetObjectItemCaseSensitive(tdef, "phases");
	if (!cJSON_IsArray(roles) || !cJSON_IsArray(phases) || cJSON_GetArraySize(phases) == 0) {
		df_error_set(err, DF_FATAL, DF_E_TEMPLATE_LOAD_FAILED,
		             "workflow template %s@%d (%s) has no roles or phases", tname, tversion,
		             p->tpl.source);
		goto fail;
	}
	role_names = xcalloc((size_t)cJSON_GetArraySize(roles) + 1, sizeof(*role_names));
	cJSON_ArrayForEach(ph, roles)
	{
		if (cJSON_IsString(ph))
			role_names[nroles++] = ph->valuestring;
	}
	p->phase_json = xcalloc((size_t)cJSON_GetArraySize(phases), sizeof(*p->phase_json));
	p->phase_keys = xcalloc((size_t)cJSON_GetArraySize(phases), sizeof(*p->phase_keys));
	cJSON_ArrayForEach(ph, phases)
	{
		struct phase_def d;
		char what[200];

		snprintf(what, sizeof(what), "phase %d of template %s@%d (%s)", (int)p->nphases,
		         tname, tversion, p->tpl.source);
		if (eng_phase_def_from(ph, &d, what, err) != 0) {
			if (err)
				err->code = DF_E_TEMPLATE_LOAD_FAILED;
			goto fail;
		}
		for (size_t i = 0; i < p->nphases; i++)
			if (strcmp(p->phase_keys[i], d.key) == 0) {
				df_error_set(err, DF_FATAL, DF_E_TEMPLATE_LOAD_FAILED,
				             "template %s@%d (%s) repeats phase key '%s'", tname,
				             tversion, p->tpl.source, d.key);
				eng_phase_def_clear(&d);
				goto fail;
			}
		p->phase_keys[p->nphases] = xstrdup(d.key);
		p->phase_json[p->nphases++] = cJSON_PrintUnformatted(ph);
		eng_phase_def_clear(&d);
	}
	if (store_catalog_list(e->st, STORE_CATALOG_PERSONA, &p->personas, &p->npersonas, err) != 0)
		goto fail;
	memset(&br, 0, sizeof(br));
	br.template_hash = p->tpl.hash;
	br.roles = role_names;
	br.nroles = nroles;
	br.personas = p->personas;
	br.npersonas = p->npersonas;
	br.backends = (const char *const *)e->backends;
	br.nbackends = e->nbackends;
	br.overrides = req->overrides;
	br.noverrides = req->noverrides;
	if (binding_bind(&br, &p->b, &p->nb, err) != 0)
		goto fail;
	if (normal_json(req->extra_json ? req->extra_json : "{}", 1, &p->extra, "extra", err) !=
	        0 ||
	    normal_json(req->objective_json, 0, &p->objective, "objective", err) != 0 ||
	    eng_checks_for_start(e, p->repo, req->base_branch, &p->extra, err) != 0)
		goto fail;
	if (binding_input_hash(p->tpl.hash, p->b, p->nb, req->requirements_md, p->objective,
	                       p->repo, req->base_branch, p->extra, p->input_hash, err) != 0)
		goto fail;
	free(role_names);
	cJSON_Delete(tdef);
	return 0;
fail:
	free(role_names);
	cJSON_Delete(tdef);
	return -1;
}

/* The transaction that creates the run: limits, rows, run.created. */
static int
insert_run(struct engine *e, const struct engine_start_request *req, struct start_plan *p,
           struct df_error *err)
{
	char ts[STORE_TS_MAX];
	int64_t active = 0;
	cJSON *pl;

	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0)
		return -1;
	if (active_run_error(e, p->repo, req->base_branch, err) != 0)
		goto fail;
	if (store_run_count_active(e->st, &active, err) != 0)
		goto fail;
	if (active >= e->max_runs) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_MAX_CONCURRENT_RUNS,
		             "maximum concurrent runs reached: %lld active runs, the limit is %d",
		             (long long)active, e->max_runs);
		df_error_hint(err, "maxConcurrentRuns=%d", e->max_runs);
		goto fail;
	}
	{
		struct store_run_new rn = { .id = p->run_id,
			                    .template_id = p->tpl.id,
			                    .template_hash = p->tpl.hash,
			                    .state = "created",
			                    .repo_path = p->repo,
			                    .base_branch = req->base_branch,
			                    .worktree_root = p->root,
			                    .created_at = ts };
		struct store_run_inputs in = { .run_id = p->run_id,
			                       .requirements_md = (char *)req->requirements_md,
			                       .objective = p->objective,
			                       .extra = p->extra,
			                       .input_hash = p->input_hash };

		if (store_run_insert(e->st, &rn, err) != 0 ||
		    store_run_inputs_insert(e->st, &in, ts, err) != 0)
			goto fail;
	}
	for (size_t i = 0; i < p->nphases; i++) {
		char id[ENGINE_ID_MAX];
		struct store_phase ph = { 0 };

		eng_new_id(e, id);
		ph.id = id;
		ph.run_id = p->run_id;
		ph.phase_key = p->phase_keys[i];
		ph.seq = (int)i + 1;
		ph.definition = p->phase_json[i];
		if (store_phase_insert(e->st, &ph, ts, err) != 0)
			goto fail;
	}
	for (size_t i = 0; i < p->nb; i++) {
		char id[ENGINE_ID_MAX];
		struct store_binding b = { .id = id,
			                   .run_id = p->run_id,
			                   .role_id = p->b[i].role_id,
			                   .persona_id = p->b[i].persona_id,
			                   .persona_hash = p->b[i].persona_hash,
			                   .backend = p->b[i].backend,
			                   .binding_hash = p->b[i].binding_hash };

		eng_new_id(e, id);
		if (store_binding_insert(e->st, &b, ts, err) != 0)
			goto fail;
	}
	pl = eng_payload_str("templateName", p->tpl.name, "templateHash", p->tpl.hash, "repoPath",
	                     p->repo, "baseBranch", req->base_branch, "rebaseOf", req->rebase_of,
	                     NULL);
	cJSON_AddNumberToObject(pl, "templateVersion", p->tpl.version);
	if (eng_emit(e, p->run_id, NULL, "run.created", pl, err, "run.created:%s", p->run_id) != 0)
		goto fail;
	return eng_tx_commit(e, err);
fail:
	eng_tx_rollback(e);
	return -1;
}

static int
start_impl(struct engine *e, const struct engine_start_request *req, char run_id_out[],
           struct df_error *err)
{
	struct start_plan p;
	struct stat sb;
	char ts[STORE_TS_MAX];
	int rundir_existed, rc = -1;

	memset(&p, 0, sizeof(p));
	run_id_out[0] = '\0';
	if (req == NULL || req->requirements_md == NULL || req->repo_path == NULL ||
	    req->base_branch == NULL || *req->base_branch == '\0')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "a run needs requirements, a repository and a base branch");
	if (req->run_id)
		snprintf(p.run_id, sizeof(p.run_id), "%s", req->run_id);
	else
		eng_new_id(e, p.run_id);
	if (plan_start(e, req, &p, err) != 0)
		goto out;
	p.rundir = xasprintf("%s/%s", e->workspace, p.run_id);
	rundir_existed = stat(p.rundir, &sb) == 0;
	if (worktree_resolve_root(e->workspace, p.run_id, req->worktree_root, &p.root, err) != 0)
		goto out;
	if (insert_run(e, req, &p, err) != 0) {
		if (!rundir_existed)
			paths_remove_tree(
			    p.rundir); /* the run directory of a run that did not start */
		goto out;
	}
	if (worktree_create_from(p.repo, req->base_branch, req->start_point, p.run_id, p.root,
	                         err) != 0) {
		struct df_error err2;

		eng_set_ids(err, p.run_id, NULL);
		if (store_run_delete(e->st, p.run_id, &err2) != 0) {
			/* It cannot go: it must not stay active (the self-check retries). */
			eng_set_ids(&err2, p.run_id, NULL);
			eng_step_failed(e, &err2);
			if (eng_end_run(e, p.run_id, DF_RUN(FAILED), "start_run_failed",
			                "start_run_failed", &err2) != 0)
				eng_step_failed(e, &err2);
		}
		if (!rundir_existed)
			paths_remove_tree(p.rundir);
		goto out;
	}
	snprintf(run_id_out, ENGINE_ID_MAX, "%s", p.run_id);
	eng_now_ts(e, ts);
	if (eng_tx_begin(e, err) != 0)
		goto fail_run;
	if (store_run_transition(e->st, p.run_id, DF_RUN(BOUND), NULL, ts, err) != 0 ||
	    store_run_set_started(e->st, p.run_id, ts, err) != 0 ||
	    eng_emit(e, p.run_id, NULL, "run.started",
	             eng_payload_str("templateHash", p.tpl.hash, NULL), err, "run.started:%s",
	             p.run_id) != 0 ||
	    (req->rebase_of != NULL && eng_rebase_started(e, req, p.run_id, err) != 0)) {
		eng_tx_rollback(e);
		goto fail_run;
	}
	if (eng_tx_commit(e, err) != 0 || eng_advance(e, p.run_id, err) != 0)
		goto fail_run;
	rc = 0;
	goto out;
fail_run:
	eng_set_ids(err, p.run_id, NULL);
	eng_step_failed(e, err);
	eng_fail_run(e, p.run_id, "start_run_failed");
out:
	start_plan_clear(&p);
	return rc;
}

int
engine_start(struct engine *e, const struct engine_start_request *req,
             char run_id_out[ENGINE_ID_MAX], struct df_error *err)
{
	int rc;

	e->depth++;
	rc = start_impl(e, req, run_id_out, err);
	e->depth--;
	eng_pump(e);
	return rc;
}
