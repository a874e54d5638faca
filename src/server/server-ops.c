/*
 * The request dispatcher and the ops (docs/protocol.md beyond the wire
 * layer), one function an op, listed in one table as tmux lists its
 * commands. dispatch checks the hello, calls the op and sends its reply, then
 * what the op asked for after it (a screen snapshot, the shutdown); an op
 * returns 0 with a result, -1 with an error, or 1 when it replies later
 * (diff, server-job.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/screen.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "store/states.h"
#include "server-int.h"

#define EVENTS_LIMIT_MAX 10000

/*
 * The run's extra: {"scenarios": ..., "checks": ...} from the start op's
 * args (checks: [{name, argv, timeoutMs?, required?, cwd?}], as `devflow
 * start --check` sends them; the engine validates them against
 * devflow/repo-config@1). *extra stays NULL when neither is given.
 */
static int
srv_start_extra(const cJSON *args, const cJSON *scenarios, char **extra, struct df_error *err)
{
	const cJSON *checks = cJSON_GetObjectItemCaseSensitive(args, "checks");
	cJSON *e;

	*extra = NULL;
	if (checks != NULL && !cJSON_IsNull(checks) && !cJSON_IsArray(checks))
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "start.checks: expected an array of {name, argv}");
	if ((scenarios == NULL || cJSON_IsNull(scenarios)) && !cJSON_IsArray(checks))
		return 0;
	e = cJSON_CreateObject();
	if (scenarios != NULL && !cJSON_IsNull(scenarios))
		cJSON_AddItemToObject(e, "scenarios", cJSON_Duplicate(scenarios, 1));
	if (cJSON_IsArray(checks))
		cJSON_AddItemToObject(e, "checks", cJSON_Duplicate(checks, 1));
	*extra = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return 0;
}

static int
op_start(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *req, *repo, *base, *tmpl;
	long long tver;
	const cJSON *personas, *backends, *scenarios, *objective;
	struct binding_override *ov = NULL;
	size_t nov = 0;
	struct engine_start_request sr = { 0 };
	char run_id[ENGINE_ID_MAX] = "";
	char *extra = NULL, *obj = NULL;
	struct store_run run;
	int rc = -1;

	if (srv_arg_str("start", x->args, "requirements", 1, &req, err) != 0 ||
	    srv_arg_str("start", x->args, "repo", 1, &repo, err) != 0 ||
	    srv_arg_str("start", x->args, "base", 1, &base, err) != 0 ||
	    srv_arg_str("start", x->args, "template", 0, &tmpl, err) != 0 ||
	    srv_arg_int("start", x->args, "template_version", 0, 1000000, 0, &tver, err) != 0)
		return -1;
	if (repo[0] != '/')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "start.repo: '%s' is not an absolute path", repo);
	personas = cJSON_GetObjectItemCaseSensitive(x->args, "personas");
	backends = cJSON_GetObjectItemCaseSensitive(x->args, "backends");
	scenarios = cJSON_GetObjectItemCaseSensitive(x->args, "scenarios");
	objective = cJSON_GetObjectItemCaseSensitive(x->args, "objective");
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *map = pass == 0 ? personas : backends, *it;
		const char *field = pass == 0 ? "personas" : "backends";

		if (map == NULL || cJSON_IsNull(map))
			continue;
		if (!cJSON_IsObject(map)) {
			df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			             "start.%s: expected an object {role: name}", field);
			goto out;
		}
		cJSON_ArrayForEach(it, map)
		{
			size_t k;

			if (!cJSON_IsString(it) || it->valuestring[0] == '\0') {
				df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
				             "start.%s.%s: expected a non-empty string", field,
				             it->string);
				goto out;
			}
			for (k = 0; k < nov; k++)
				if (strcmp(ov[k].role, it->string) == 0)
					break;
			if (k == nov) {
				ov = xreallocarray(ov, ++nov, sizeof(*ov));
				memset(&ov[k], 0, sizeof(ov[k]));
				ov[k].role = it->string;
			}
			if (pass == 0)
				ov[k].persona = it->valuestring;
			else
				ov[k].backend = it->valuestring;
		}
	}
	if (scenarios != NULL && !cJSON_IsNull(scenarios) && !cJSON_IsObject(scenarios)) {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		             "start.scenarios: expected an object {phase: scenario}");
		goto out;
	}
	if (srv_start_extra(x->args, scenarios, &extra, err) != 0)
		goto out;
	if (objective != NULL)
		obj = cJSON_PrintUnformatted(objective);
	sr.requirements_md = req;
	sr.repo_path = repo;
	sr.base_branch = base;
	sr.template_name = tmpl;
	sr.template_version = (int)tver;
	sr.objective_json = obj;
	sr.extra_json = extra;
	sr.overrides = ov;
	sr.noverrides = nov;
	if (engine_start(x->srv->engine, &sr, run_id, err) != 0) {
		if (run_id[0] && err->run_id[0] == '\0')
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		goto out;
	}
	server_log(x->srv, "run %s started by %s (repo %s, base %s)", run_id, x->c->actor, repo,
	           base);
	if (store_run_get(x->srv->store, run_id, &run, err) != 1)
		goto out;
	*result = result_start_json(&(struct result_start){
	    .run_id = run_id, .state = run.state, .worktree_root = run.worktree_root });
	store_run_clear(&run);
	rc = 0;
out:
	free(ov);
	cJSON_free(extra);
	cJSON_free(obj);
	return rc;
}

static int
count_pending(struct server *srv, const char *run_id)
{
	struct store_approval *ap = NULL;
	size_t n = 0;
	int k = 0;

	if (store_approvals_list(srv->store, run_id, &ap, &n, NULL) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ap[i].state, "pending") == 0)
			k++;
	store_approvals_free(ap, n);
	return k;
}

/* The run's terminal flag and the actions the engine allows now (none on error). */
static void
run_actions(struct server *srv, const char *run_id, const char *state, int *terminal,
            struct result_actions *a)
{
	const char *names[ENGINE_RUN_ACTIONS_MAX];
	int n = engine_run_actions(srv->engine, run_id, names, NULL);

	_Static_assert(RESULT_ACTIONS_MAX == ENGINE_RUN_ACTIONS_MAX, "one bound for the actions");
	*terminal = (df_run_state_flags(state) & DF_ST_TERMINAL) != 0;
	a->n = 0;
	for (int i = 0; i < n; i++)
		a->name[a->n++] = names[i];
}

/* Run r as ls lists it; its current phase (when it has one) goes into *ph, cleared by the caller.
 */
static void
run_summary(struct server *srv, const struct store_run *r, const struct store_catalog_entry *tmpl,
            size_t ntmpl, struct store_phase *ph, struct result_ls_run *o)
{
	for (size_t i = 0; i < ntmpl; i++)
		if (strcmp(tmpl[i].id, r->template_id) == 0)
			o->template_name = tmpl[i].name;
	o->id = r->id;
	o->state = r->state;
	o->repo_path = r->repo_path;
	o->base_branch = r->base_branch;
	if (r->current_phase_id != NULL &&
	    store_phase_get(srv->store, r->current_phase_id, ph, NULL) == 1) {
		o->phase = ph->phase_key;
		o->phase_state = ph->state;
	}
	o->pending_approvals = count_pending(srv, r->id);
	o->created_at = r->created_at;
	o->ended_at = r->ended_at;
	o->final_report_path = r->final_report_path;
	run_actions(srv, r->id, r->state, &o->terminal, &o->actions);
}

static int
op_ls(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct store_run *runs = NULL;
	struct store_catalog_entry *tmpl = NULL;
	struct store_phase *ph;
	struct result_ls ls;
	size_t n = 0, nt = 0;
	int active;

	if (srv_arg_bool("ls", x->args, "active", &active, err) != 0)
		return -1;
	if (store_runs_list(x->srv->store, active, &runs, &n, err) != 0)
		return -1;
	if (store_catalog_list(x->srv->store, STORE_CATALOG_TEMPLATE, &tmpl, &nt, err) != 0) {
		store_runs_free(runs, n);
		return -1;
	}
	ph = xcalloc(n + 1, sizeof(*ph));
	ls.runs = xcalloc(n + 1, sizeof(*ls.runs));
	ls.nruns = n;
	for (size_t i = 0; i < n; i++)
		run_summary(x->srv, &runs[i], tmpl, nt, &ph[i], &ls.runs[i]);
	*result = result_ls_json(&ls);
	for (size_t i = 0; i < n; i++)
		store_phase_clear(&ph[i]);
	free(ph);
	free(ls.runs);
	store_catalog_entries_free(tmpl, nt);
	store_runs_free(runs, n);
	return 0;
}

static int
op_status(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	char *text = NULL;
	cJSON *doc;
	struct result_status st;

	if (srv_arg_run(x, run_id, err) != 0 ||
	    engine_status(x->srv->engine, run_id, &text, err) != 0)
		return -1;
	/* The engine's document read as the result it is, then written as one with the actions. */
	doc = cJSON_Parse(text);
	free(text);
	if (result_status_parse(doc, &st, err) != 0) {
		char why[sizeof(err->message)];

		snprintf(why, sizeof(why), "%s", err->message);
		result_status_free(&st);
		cJSON_Delete(doc);
		return df_error_set(err, DF_FATAL, DF_E_INTERNAL_STATE_CORRUPTION,
		                    "status of run %s is not a status result: %s", run_id, why);
	}
	run_actions(x->srv, st.run.id, st.run.state, &st.run.terminal, &st.run.actions);
	*result = result_status_json(&st);
	result_status_free(&st);
	cJSON_Delete(doc);
	return 0;
}

/* The approval a decision is about: named (prefix), pending, or the one this token decided. */
static int
pick_approval(struct server *srv, const char *run_id, const char *name, const char *token,
              char out[DF_ID_MAX], struct df_error *err)
{
	struct store_approval *ap = NULL;
	size_t n = 0, npend = 0;
	char **ids;
	int rc = -1;

	if (store_approvals_list(srv->store, run_id, &ap, &n, err) != 0)
		return -1;
	ids = xcalloc(n + 1, sizeof(*ids));
	if (name != NULL) {
		for (size_t i = 0; i < n; i++)
			ids[i] = ap[i].id;
		rc = srv_pick_unique("approval", name, ids, n, out, DF_E_APPROVAL_NOT_FOUND, err);
		goto out;
	}
	/* A token already used on this run's approvals replays that decision. */
	for (size_t i = 0; i < n && token != NULL; i++) {
		struct store_decision d;

		if (store_decision_by_token(srv->store, ap[i].id, token, &d, NULL) == 1) {
			store_decision_clear(&d);
			snprintf(out, DF_ID_MAX, "%s", ap[i].id);
			rc = 0;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(ap[i].state, "pending") == 0)
			ids[npend++] = ap[i].id;
	if (npend == 1) {
		snprintf(out, DF_ID_MAX, "%s", ids[0]);
		rc = 0;
		goto out;
	}
	if (npend > 1) {
		struct buf b = BUF_INIT;

		for (size_t i = 0; i < npend; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", ids[i]);
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_INVALID_ARGUMENT,
		             "run %s has %zu pending approvals: %s", run_id, npend, b.data);
		df_error_hint(err, "name one with --approval ID");
		buf_free(&b);
		goto out;
	}
	rc = 1; /* none */
out:
	free(ids);
	store_approvals_free(ap, n);
	return rc;
}

static int
op_decide(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *action_name, *token, *comment, *approval;
	enum engine_action action;
	char run_id[DF_ID_MAX], appr[DF_ID_MAX] = "";
	struct store_run run;
	int replayed = 0, rc;

	if (srv_arg_run(x, run_id, err) != 0 ||
	    srv_arg_str("decide", x->args, "action", 1, &action_name, err) != 0 ||
	    srv_arg_str("decide", x->args, "token", 1, &token, err) != 0 ||
	    srv_arg_str("decide", x->args, "comment", 0, &comment, err) != 0 ||
	    srv_arg_str("decide", x->args, "approval", 0, &approval, err) != 0)
		return -1;
	if (engine_action_parse(action_name, &action) != 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "decide.action: '%s' is not approve, request_changes, reject "
		                    "or abort",
		                    action_name);
	if (action == ENGINE_REQUEST_CHANGES && (comment == NULL || comment[0] == '\0'))
		return df_error_set(
		    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		    "decide.comment: request_changes needs a comment for the agent");
	rc = pick_approval(x->srv, run_id, approval, token, appr, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (action != ENGINE_ABORT) {
			if (store_run_get(x->srv->store, run_id, &run, err) != 1)
				return -1;
			df_error_set(err, DF_HUMAN_REQUIRED, DF_E_APPROVAL_CONFLICT,
			             "run %s is not awaiting approval (state %s)", run_id,
			             run.state);
			snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
			store_run_clear(&run);
			return -1;
		}
		/* Abort needs no gate. */
		char reason[128];

		snprintf(reason, sizeof(reason), "aborted by %s", x->c->actor);
		if (engine_abort(x->srv->engine, run_id, reason, err) != 0)
			return -1;
	} else if (engine_decide(x->srv->engine, run_id, appr, action, token, x->c->actor, comment,
	                         &replayed, err) != 0) {
		return -1;
	}
	server_log(x->srv, "run %s: %s%s by %s", run_id, engine_action_name(action),
	           replayed ? " (replayed)" : "", x->c->actor);
	if (store_run_get(x->srv->store, run_id, &run, err) != 1)
		return -1;
	*result = result_decide_json(&(struct result_decide){ .run_id = run_id,
	                                                      .approval_id = appr[0] ? appr : NULL,
	                                                      .action = engine_action_name(action),
	                                                      .replayed = replayed,
	                                                      .actor = x->c->actor,
	                                                      .state = run.state });
	store_run_clear(&run);
	return 0;
}

static int
op_pause_resume(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	struct store_run run;
	int pause = strcmp(x->op, "pause") == 0;

	if (srv_arg_run(x, run_id, err) != 0)
		return -1;
	if ((pause ? engine_pause(x->srv->engine, run_id, err)
	           : engine_resume(x->srv->engine, run_id, err)) != 0)
		return -1;
	server_log(x->srv, "run %s: %s by %s", run_id, x->op, x->c->actor);
	if (store_run_get(x->srv->store, run_id, &run, err) != 1)
		return -1;
	*result = result_run_state_json(
	    &(struct result_run_state){ .run_id = run_id, .state = run.state });
	store_run_clear(&run);
	return 0;
}

static char *
slurp(const char *path, struct df_error *err)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 0) != 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
op_report(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	struct store_run run;
	char *md = NULL, *json_path = NULL, *json = NULL;
	size_t len;
	int rc = -1;

	if (srv_arg_run(x, run_id, err) != 0 ||
	    store_run_get(x->srv->store, run_id, &run, err) != 1)
		return -1;
	if (run.final_report_path == NULL) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_RUN_STATE_CHANGED,
		             "run %s has no report yet (state %s)", run_id, run.state);
		df_error_hint(err, "a run writes its report when it completes, fails or is "
		                   "aborted");
		snprintf(err->run_id, sizeof(err->run_id), "%s", run_id);
		goto out;
	}
	len = strlen(run.final_report_path);
	if (len > 3 && strcmp(run.final_report_path + len - 3, ".md") == 0)
		json_path = xasprintf("%.*s.json", (int)(len - 3), run.final_report_path);
	else
		json_path = xasprintf("%s.json", run.final_report_path);
	if ((md = slurp(run.final_report_path, err)) == NULL ||
	    (json = slurp(json_path, err)) == NULL)
		goto out;
	{
		cJSON *rep = cJSON_Parse(json);

		*result = result_report_json(
		    &(struct result_report){ .run_id = run_id,
		                             .state = run.state,
		                             .markdown_path = run.final_report_path,
		                             .json_path = json_path,
		                             .markdown = md,
		                             .report = rep });
		cJSON_Delete(rep);
	}
	rc = 0;
out:
	free(md);
	free(json);
	free(json_path);
	store_run_clear(&run);
	return rc;
}

static int
op_events(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	char run_id[DF_ID_MAX];
	long long after, limit;
	struct store_event *ev = NULL;
	struct store_run run;
	size_t n = 0;
	cJSON *arr;
	int rc;

	if (srv_arg_run(x, run_id, err) != 0 ||
	    srv_arg_int("events", x->args, "after_seq", 0, (long long)PROTO_MAX_ID, 0, &after,
	                err) != 0 ||
	    srv_arg_int("events", x->args, "limit", 0, EVENTS_LIMIT_MAX, 1000, &limit, err) != 0)
		return -1;
	if (store_events_list(x->srv->store, run_id, after, (size_t)limit, &ev, &n, err) != 0)
		return -1;
	if ((rc = store_run_get(x->srv->store, run_id, &run, err)) == 1) {
		/* The events are encoded one by one (srv_event_json), as they are pushed. */
		*result = result_events_json(
		    &(struct result_events){ .run_id = run_id, .state = run.state });
		arr = cJSON_GetObjectItemCaseSensitive(*result, "events");
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, srv_event_json(&ev[i]));
		store_run_clear(&run);
	}
	store_events_free(ev, n);
	return rc == 1 ? 0 : -1;
}

/* Session s as the sessions op lists it; its phase (when it has one) goes into *ph. */
static void
session_item(struct server *srv, const struct store_session *s, struct store_phase *ph,
             struct result_sessions_item *o)
{
	struct session *live = srv_live_session(srv, s->id);

	o->id = s->id;
	o->run_id = s->run_id;
	if (s->phase_id != NULL && store_phase_get(srv->store, s->phase_id, ph, NULL) == 1)
		o->phase = ph->phase_key;
	o->role_id = s->role_id;
	o->backend = s->backend;
	o->state = s->state;
	o->live = live != NULL && session_running(live);
	o->screen = live != NULL;
	if (live != NULL) {
		int rows, cols;

		screen_size(session_screen(live), &rows, &cols);
		o->has_terminal = 1;
		o->pid = session_pid(live);
		o->rows = rows;
		o->cols = cols;
	}
	o->transcript_path = s->transcript_path;
	o->conversation_id = s->conversation_id;
	o->created_at = s->created_at;
}

static int
op_sessions(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name;
	char run_id[DF_ID_MAX];
	struct sess_list sl;
	struct store_phase *ph;
	struct result_sessions out;

	if (srv_arg_str("sessions", x->args, "run", 0, &name, err) != 0)
		return -1;
	if (name != NULL && srv_resolve_run(x->srv, name, run_id, err) != 0)
		return -1;
	if (srv_all_sessions(x->srv, name != NULL ? run_id : NULL, &sl, err) != 0)
		return -1;
	ph = xcalloc(sl.n + 1, sizeof(*ph));
	out.sessions = xcalloc(sl.n + 1, sizeof(*out.sessions));
	out.nsessions = sl.n;
	for (size_t i = 0; i < sl.n; i++)
		session_item(x->srv, &sl.v[i], &ph[i], &out.sessions[i]);
	*result = result_sessions_json(&out);
	for (size_t i = 0; i < sl.n; i++)
		store_phase_clear(&ph[i]);
	free(ph);
	free(out.sessions);
	store_sessions_free(sl.v, sl.n);
	return 0;
}

static int
op_capture(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name;
	char sid[DF_ID_MAX];
	struct session *s;
	struct screen *scr;
	int spans, rows, cols;
	char *text;
	cJSON *frame;

	if (srv_arg_str("capture", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_bool("capture", x->args, "spans", &spans, err) != 0)
		return -1;
	if ((s = srv_need_live_session(x->srv, name, sid, err)) == NULL)
		return -1;
	scr = session_screen(s);
	screen_size(scr, &rows, &cols);
	text = screen_dump_text(scr);
	frame = spans ? srv_screen_frame(sid, scr, srv_live_state(x->srv, sid), 1, NULL) : NULL;
	*result = result_capture_json(&(struct result_capture){
	    .session = sid, .rows = rows, .cols = cols, .text = text, .screen = frame });
	cJSON_Delete(frame);
	free(text);
	return 0;
}

static int
op_key(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct proto_key k;
	struct session *s;
	char sid[DF_ID_MAX];

	(void)result;
	if (proto_key_parse(x->args, &k, err) != 0)
		return -1;
	if ((s = srv_need_live_session(x->srv, k.session, sid, err)) == NULL)
		return -1;
	if (k.key != PROTO_KEY_NONE) {
		const char *name = proto_key_name(k.key);

		if (strcmp(name, "Backspace") == 0)
			name = "BSpace";
		return session_key(s, name, k.mods, err);
	}
	return session_char(s, k.ch, k.mods, err);
}

static int
op_paste(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct proto_paste p;
	struct session *s;
	char sid[DF_ID_MAX];

	(void)result;
	if (proto_paste_parse(x->args, &p, err) != 0)
		return -1;
	if ((s = srv_need_live_session(x->srv, p.session, sid, err)) == NULL)
		return -1;
	return session_paste(s, p.text, strlen(p.text), err);
}

/* Printable text typed by a person, written to the terminal as it is (no control bytes). */
static int
op_type(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name, *text;
	struct session *s;
	char sid[DF_ID_MAX];

	(void)result;
	if (srv_arg_str("type", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_str("type", x->args, "text", 1, &text, err) != 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "type.text: control byte 0x%02x at %zu; send keys for "
			                    "those",
			                    *p, (size_t)(p - (const unsigned char *)text));
	if ((s = srv_need_live_session(x->srv, name, sid, err)) == NULL)
		return -1;
	return session_write(s, text, strlen(text), err);
}

static int
op_resize(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct proto_resize r;
	struct session *s;
	char sid[DF_ID_MAX];

	(void)result;
	if (proto_resize_parse(x->args, &r, err) != 0)
		return -1;
	if ((s = srv_need_live_session(x->srv, r.session, sid, err)) == NULL)
		return -1;
	session_resize(s, r.rows, r.cols);
	server_screen_changed(x->srv, sid);
	return 0;
}

static int
op_hook(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name, *kind, *conv, *detail;
	char sid[DF_ID_MAX];

	(void)result;
	if (srv_arg_str("hook", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_str("hook", x->args, "event", 1, &kind, err) != 0 ||
	    srv_arg_str("hook", x->args, "conversation", 0, &conv, err) != 0 ||
	    srv_arg_str("hook", x->args, "detail", 0, &detail, err) != 0)
		return -1;
	if (srv_resolve_session(x->srv, name, sid, err) != 0)
		return -1;
	if (x->srv->sops == NULL || x->srv->sops->hook == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "hook: this server takes no agent hooks");
	if (conv != NULL && conv[0] == '\0')
		conv = NULL;
	if (conv != NULL)
		server_log(x->srv, "hook %s for session %s (conversation %s)", kind, sid, conv);
	else
		server_log(x->srv, "hook %s for session %s", kind, sid);
	return x->srv->sops->hook(x->srv->sctx, sid, kind, conv, detail, err);
}

/* A person answers the question a session asks, with the key of one of its answers. */
static int
op_answer(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	const char *name, *choice;
	char sid[DF_ID_MAX];
	struct server_answer a = { 0 };

	if (srv_arg_str("answer", x->args, "session", 1, &name, err) != 0 ||
	    srv_arg_str("answer", x->args, "choice", 1, &choice, err) != 0)
		return -1;
	if (srv_resolve_session(x->srv, name, sid, err) != 0)
		return -1;
	if (x->srv->sops == NULL || x->srv->sops->answer == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "answer: this server runs no agent sessions");
	if (x->srv->sops->answer(x->srv->sctx, sid, choice, x->c->actor, &a, err) != 0)
		return -1;
	server_log(x->srv, "session %s: answered %s (%s) by %s", sid, a.choice, a.label,
	           x->c->actor);
	*result = result_answer_json(&(struct result_answer){ .session = sid,
	                                                      .choice = a.choice,
	                                                      .label = a.label,
	                                                      .question = a.question,
	                                                      .actor = x->c->actor });
	free(a.question);
	return 0;
}

static int
op_subscribe(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	struct proto_sub sub;
	struct sclient *c = x->c;
	int on = strcmp(x->op, "subscribe") == 0;

	(void)result;
	if (proto_sub_parse(x->args, &sub, err) != 0)
		return -1;
	if (sub.topic == PROTO_TOPIC_EVENTS) {
		char run_id[DF_ID_MAX];

		if (sub.run_id == NULL) {
			c->ev_all = on;
			return 0;
		}
		if (on && srv_resolve_run(x->srv, sub.run_id, run_id, err) != 0)
			return -1;
		if (!on)
			snprintf(run_id, sizeof(run_id), "%s", sub.run_id);
		for (size_t i = 0; i < c->nev_runs; i++) {
			if (strcmp(c->ev_runs[i], run_id) != 0)
				continue;
			if (!on) {
				free(c->ev_runs[i]);
				c->ev_runs[i] = c->ev_runs[--c->nev_runs];
			}
			return 0;
		}
		if (on) {
			c->ev_runs = xreallocarray(c->ev_runs, c->nev_runs + 1, sizeof(char *));
			c->ev_runs[c->nev_runs++] = xstrdup(run_id);
		}
		return 0;
	}
	/* Screens */
	{
		char sid[DF_ID_MAX];
		struct session *s;

		if (!on) {
			/* A prefix names the session as in subscribe; a gone one by its full id. */
			if (srv_resolve_session(x->srv, sub.session, sid, NULL) != 0)
				snprintf(sid, sizeof(sid), "%s", sub.session);
			for (struct ssub **ps = &c->subs; *ps != NULL; ps = &(*ps)->next) {
				if (strcmp((*ps)->session, sid) == 0) {
					struct ssub *d = *ps;

					*ps = d->next;
					srv_watch_unref(x->srv, d->session);
					srv_sub_free(d);
					break;
				}
			}
			return 0;
		}
		if ((s = srv_need_live_session(x->srv, sub.session, sid, err)) == NULL)
			return -1;
		for (struct ssub *p = c->subs; p != NULL; p = p->next)
			if (strcmp(p->session, sid) == 0) {
				p->full = 1; /* a re-subscribe gets a snapshot */
				x->snapshot = xstrdup(sid);
				return 0;
			}
		{
			struct ssub *n = xcalloc(1, sizeof(*n));
			int rows, cols;

			n->session = xstrdup(sid);
			screen_size(session_screen(s), &rows, &cols);
			srv_sub_resize(n, rows);
			n->next = c->subs;
			c->subs = n;
			srv_watch_ref(x->srv, sid);
			x->snapshot = xstrdup(sid);
		}
	}
	return 0;
}

static int
op_shutdown(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	(void)result;
	(void)err;
	server_log(x->srv, "shutdown requested by %s (client %u)", x->c->actor, x->c->serial);
	x->shutdown = 1;
	return 0;
}

static int
op_ping(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	(void)err;
	*result = result_ping_json(&(struct result_ping){ .pid = getpid(),
	                                                  .workspace = x->srv->workspace,
	                                                  .clients = server_client_count(x->srv) });
	return 0;
}

static int
op_reload(struct op_ctx *x, cJSON **result, struct df_error *err)
{
	if (x->srv->on_reload == NULL)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "this server cannot reload its catalog");
	if (x->srv->on_reload(x->srv->reload_ctx, result, err) != 0) {
		server_log(x->srv, "reload by %s failed, the catalog in use stays: %s", x->c->actor,
		           err->message);
		return -1;
	}
	server_log(x->srv, "catalog reloaded by %s", x->c->actor);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct op_ctx *x, cJSON **result, struct df_error *err);
} ops[] = {
	{ "start", op_start },
	{ "ls", op_ls },
	{ "status", op_status },
	{ "decide", op_decide },
	{ "pause", op_pause_resume },
	{ "resume", op_pause_resume },
	{ "report", op_report },
	{ "diff", srv_op_diff },
	{ "artifact", srv_op_artifact },
	{ "land", srv_op_land },
	{ "clean", srv_op_clean },
	{ "events", op_events },
	{ "sessions", op_sessions },
	{ "capture", op_capture },
	{ "history", srv_op_history },
	{ "history-search", srv_op_history_search },
	{ "key", op_key },
	{ "paste", op_paste },
	{ "type", op_type },
	{ "resize", op_resize },
	{ "hook", op_hook },
	{ "answer", op_answer },
	{ "subscribe", op_subscribe },
	{ "unsubscribe", op_subscribe },
	{ "shutdown", op_shutdown },
	{ "ping", op_ping },
	{ "backends", srv_op_backends },
	{ "reload", op_reload },
};

/* One request; returns -1 when the client was closed. */
int
srv_dispatch(struct sclient *c, const struct proto_msg *m)
{
	struct server *srv = c->srv;
	struct op_ctx x = { .srv = srv, .c = c, .id = m->id, .op = m->op, .args = m->args };
	struct df_error err;
	cJSON *result = NULL;
	int rc = -1, found = 0;

	df_error_clear(&err);
	if (strcmp(m->op, "hello") == 0) {
		struct proto_hello h;

		if (c->hello) {
			df_error_set(&err, DF_FATAL, DF_E_PROTOCOL, "hello: already said");
			srv_client_queue(c, proto_reply_error(m->id, &err));
			return srv_client_flush(c);
		}
		if (proto_hello_parse(m->args, &h, &err) != 0) {
			cJSON *rep = proto_reply_error(m->id, &err);

			proto_writer_queue(&c->wr, rep, NULL);
			cJSON_Delete(rep);
			proto_writer_flush(&c->wr, c->fd, NULL);
			srv_client_close(c, "%s", err.message);
			return -1;
		}
		c->hello = 1;
		snprintf(c->name, sizeof(c->name), "%s", h.client != NULL ? h.client : "");
		server_log(srv, "client %u (pid %ld, uid %lu, %s) says hello as %s", c->serial,
		           (long)c->peer.pid, (unsigned long)c->peer.uid, c->actor, c->name);
		srv_client_queue(c, proto_reply_ok(m->id, proto_hello_result(getpid())));
		return srv_client_flush(c);
	}
	if (!c->hello) {
		df_error_set(&err, DF_FATAL, DF_E_PROTOCOL,
		             "%s before hello: the first request must be hello", m->op);
		srv_client_reject(c, &err);
		return -1;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].name, m->op) == 0) {
			found = 1;
			rc = ops[i].fn(&x, &result, &err);
			break;
		}
	}
	if (!found) {
		df_error_set(&err, DF_FATAL, DF_E_PROTOCOL, "unknown op '%s'", m->op);
		df_error_hint(&err, "client and server must come from the same devflow build");
	}
	if (c->dead) {
		cJSON_Delete(result);
		free(x.snapshot);
		return -1;
	}
	if (rc == 1)
		return 0; /* the op replies later, from the loop */
	if (rc == 0) {
		srv_client_queue(c, proto_reply_ok(m->id, result));
	} else {
		cJSON_Delete(result);
		srv_client_queue(c, proto_reply_error(m->id, &err));
	}
	if (srv_client_flush(c) != 0) {
		free(x.snapshot);
		return -1;
	}
	if (x.snapshot != NULL) {
		/* The snapshot follows the reply at once, whatever the frame pacing. */
		srv_client_pump(c, 1);
		free(x.snapshot);
		if (c->dead)
			return -1;
	}
	if (x.shutdown && srv->on_shutdown != NULL)
		srv->on_shutdown(srv->shutdown_ctx);
	return 0;
}
