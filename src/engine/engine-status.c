/*
 * A run's status (engine_status): the run, its phases, bindings, approvals
 * with their decisions, sessions, last events and checks (engine-check.c), as one JSON document
 * read from the store. It writes nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/json.h"
#include "lib/xalloc.h"
#include "engine-int.h"

#define STATUS_EVENTS_TAIL 20

static void
status_run(cJSON *o, const struct store_run *run)
{
	cJSON *r = cJSON_AddObjectToObject(o, "run");

	cJSON_AddStringToObject(r, "id", run->id);
	cJSON_AddStringToObject(r, "state", run->state);
	cJSON_AddItemToObject(r, "pausedFromState", json_str_or_null(run->paused_from_state));
	cJSON_AddStringToObject(r, "repoPath", run->repo_path);
	cJSON_AddStringToObject(r, "baseBranch", run->base_branch);
	cJSON_AddStringToObject(r, "worktreeRoot", run->worktree_root);
	cJSON_AddStringToObject(r, "templateHash", run->template_hash);
	cJSON_AddItemToObject(r, "currentPhaseId", json_str_or_null(run->current_phase_id));
	cJSON_AddItemToObject(r, "finalReportPath", json_str_or_null(run->final_report_path));
	cJSON_AddStringToObject(r, "createdAt", run->created_at);
	cJSON_AddItemToObject(r, "startedAt", json_str_or_null(run->started_at));
	cJSON_AddItemToObject(r, "endedAt", json_str_or_null(run->ended_at));
}

/* Each phase with its title, taken from the phase definition. */
static void
status_phases(cJSON *o, const struct store_phase *ph, size_t np)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "phases");

	for (size_t i = 0; i < np; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "id", ph[i].id);
		cJSON_AddStringToObject(x, "phaseKey", ph[i].phase_key);
		{
			cJSON *def = cJSON_Parse(ph[i].definition ? ph[i].definition : "");
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(def, "title");

			cJSON_AddItemToObject(
			    x, "title",
			    json_str_or_null(cJSON_IsString(t) ? t->valuestring : NULL));
			cJSON_Delete(def);
		}
		cJSON_AddNumberToObject(x, "seq", ph[i].seq);
		cJSON_AddStringToObject(x, "state", ph[i].state);
		cJSON_AddNumberToObject(x, "attempts", ph[i].attempts);
		cJSON_AddNumberToObject(x, "repairs", ph[i].repairs);
		cJSON_AddItemToObject(x, "deadlineAt", json_str_or_null(ph[i].deadline_at));
		cJSON_AddItemToArray(arr, x);
	}
}

static void
status_bindings(cJSON *o, const struct store_binding *bd, size_t nb,
                const struct store_catalog_entry *pc, size_t npc)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "bindings");

	for (size_t i = 0; i < nb; i++) {
		cJSON *x = cJSON_CreateObject();
		const char *pname = bd[i].persona_id;

		/* The persona's name for people; its catalog id beside it. */
		for (size_t k = 0; k < npc; k++)
			if (strcmp(pc[k].id, bd[i].persona_id) == 0)
				pname = pc[k].name;
		cJSON_AddStringToObject(x, "roleId", bd[i].role_id);
		cJSON_AddStringToObject(x, "persona", pname);
		cJSON_AddStringToObject(x, "personaId", bd[i].persona_id);
		cJSON_AddStringToObject(x, "backend", bd[i].backend);
		cJSON_AddItemToArray(arr, x);
	}
}

/* Each approval request with its decisions (read here): 0, or -1 with err. */
static int
status_approvals(struct engine *e, cJSON *o, const struct store_approval *ap, size_t na,
                 struct df_error *err)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "approvals");

	for (size_t i = 0; i < na; i++) {
		struct store_decision *d = NULL;
		size_t nd = 0;
		cJSON *x = cJSON_CreateObject(), *darr;

		cJSON_AddStringToObject(x, "id", ap[i].id);
		cJSON_AddItemToObject(x, "phaseId", json_str_or_null(ap[i].phase_id));
		cJSON_AddStringToObject(x, "gateKey", ap[i].gate_key);
		cJSON_AddStringToObject(x, "kind", ap[i].kind);
		cJSON_AddStringToObject(x, "state", ap[i].state);
		cJSON_AddItemToObject(x, "payload", cJSON_Parse(ap[i].payload));
		cJSON_AddStringToObject(x, "createdAt", ap[i].created_at);
		darr = cJSON_AddArrayToObject(x, "decisions");
		if (store_decisions_list(e->st, ap[i].id, &d, &nd, err) != 0) {
			cJSON_Delete(x);
			return -1;
		}
		for (size_t j = 0; j < nd; j++) {
			cJSON *y = cJSON_CreateObject();

			cJSON_AddStringToObject(y, "action", d[j].action);
			cJSON_AddStringToObject(y, "actor", d[j].actor);
			cJSON_AddItemToObject(y, "comment", json_str_or_null(d[j].comment));
			cJSON_AddStringToObject(y, "createdAt", d[j].created_at);
			cJSON_AddItemToArray(darr, y);
		}
		store_decisions_free(d, nd);
		cJSON_AddItemToArray(arr, x);
	}
	return 0;
}

static void
status_sessions(cJSON *o, const struct store_session *ss, size_t ns)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "sessions");

	for (size_t i = 0; i < ns; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "id", ss[i].id);
		cJSON_AddItemToObject(x, "phaseId", json_str_or_null(ss[i].phase_id));
		cJSON_AddStringToObject(x, "roleId", ss[i].role_id);
		cJSON_AddStringToObject(x, "backend", ss[i].backend);
		cJSON_AddStringToObject(x, "state", ss[i].state);
		cJSON_AddItemToObject(x, "transcriptPath", json_str_or_null(ss[i].transcript_path));
		if (ss[i].has_exit_status)
			cJSON_AddNumberToObject(x, "exitStatus", ss[i].exit_status);
		cJSON_AddItemToArray(arr, x);
	}
}

static void
status_events(cJSON *o, const struct store_event *ev, size_t nev)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "events");

	for (size_t i = 0; i < nev; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "runId", ev[i].run_id);
		cJSON_AddNumberToObject(x, "seq", (double)ev[i].seq);
		cJSON_AddStringToObject(x, "type", ev[i].type);
		cJSON_AddItemToObject(x, "phaseId", json_str_or_null(ev[i].phase_id));
		cJSON_AddItemToObject(x, "payload", cJSON_Parse(ev[i].payload));
		cJSON_AddStringToObject(x, "ts", ev[i].ts);
		cJSON_AddItemToArray(arr, x);
	}
}

int
engine_status(struct engine *e, const char *run_id, char **json_out, struct df_error *err)
{
	struct store_run run;
	struct store_phase *ph = NULL;
	struct store_approval *ap = NULL;
	struct store_session *ss = NULL;
	struct store_event *ev = NULL;
	struct store_binding *bd = NULL;
	struct store_catalog_entry *pc = NULL;
	size_t np = 0, na = 0, ns = 0, nev = 0, nb = 0, npc = 0;
	cJSON *o;
	char *text;
	int rc = -1;

	*json_out = NULL;
	if (eng_load_run(e, run_id, &run, err) != 0)
		return -1;
	if (store_phases_list(e->st, run_id, &ph, &np, err) != 0 ||
	    store_approvals_list(e->st, run_id, &ap, &na, err) != 0 ||
	    store_sessions_list(e->st, run_id, &ss, &ns, err) != 0 ||
	    store_events_tail(e->st, run_id, STATUS_EVENTS_TAIL, &ev, &nev, err) != 0 ||
	    store_bindings_list(e->st, run_id, &bd, &nb, err) != 0 ||
	    store_catalog_list(e->st, STORE_CATALOG_PERSONA, &pc, &npc, err) != 0)
		goto out;
	o = cJSON_CreateObject();
	status_run(o, &run);
	if (eng_rebase_status(e, cJSON_GetObjectItemCaseSensitive(o, "run"), run_id, err) != 0) {
		cJSON_Delete(o);
		goto out;
	}
	status_phases(o, ph, np);
	status_bindings(o, bd, nb, pc, npc);
	if (status_approvals(e, o, ap, na, err) != 0) {
		cJSON_Delete(o);
		goto out;
	}
	status_sessions(o, ss, ns);
	status_events(o, ev, nev);
	if (eng_checks_status(e, o, run_id, err) != 0) {
		cJSON_Delete(o);
		goto out;
	}
	text = cJSON_PrintUnformatted(o);
	*json_out = xstrdup(text);
	cJSON_free(text);
	cJSON_Delete(o);
	rc = 0;
out:
	store_run_clear(&run);
	store_phases_free(ph, np);
	store_approvals_free(ap, na);
	store_sessions_free(ss, ns);
	store_events_free(ev, nev);
	store_bindings_free(bd, nb);
	store_catalog_entries_free(pc, npc);
	return rc;
}
