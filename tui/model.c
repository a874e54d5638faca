/*
 * The TUI's picture of the server (see model.h): parses `ls` and `status`
 * results and pushed events into plain structs and derives the approval
 * queue. Everything here is owned by the model and freed by it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "model.h"

static char *question_line(const char *q);

void
model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
}

static void
run_clear(struct model_run *r)
{
	free(r->id);
	free(r->state);
	free(r->repo);
	free(r->base);
	free(r->template_name);
	free(r->phase);
}

static void
item_clear(struct model_item *it)
{
	free(it->run_id);
	free(it->approval_id);
	free(it->label);
	free(it->detail);
	free(it->session);
	free(it->phase_key);
	free(it->artifact_path);
	free(it->schema);
}

static void
status_clear(struct model_status *s)
{
	free(s->run_id);
	free(s->state);
	free(s->worktree);
	free(s->report_path);
	for (size_t i = 0; i < s->nphases; i++) {
		free(s->phases[i].id);
		free(s->phases[i].key);
		free(s->phases[i].title);
		free(s->phases[i].state);
		free(s->phases[i].role);
		free(s->phases[i].persona);
		free(s->phases[i].backend);
	}
	free(s->phases);
	for (size_t i = 0; i < s->nsessions; i++) {
		free(s->sessions[i].id);
		free(s->sessions[i].phase_id);
		free(s->sessions[i].role);
		free(s->sessions[i].backend);
		free(s->sessions[i].state);
	}
	free(s->sessions);
	for (size_t i = 0; i < s->nitems; i++)
		item_clear(&s->items[i]);
	free(s->items);
	for (size_t i = 0; i < s->nevents; i++) {
		free(s->events[i].ts);
		free(s->events[i].type);
		free(s->events[i].text);
	}
	free(s->events);
	memset(s, 0, sizeof *s);
}

static void
queue_clear(struct model *m)
{
	for (size_t i = 0; i < m->nqueue; i++)
		item_clear(&m->queue[i]);
	free(m->queue);
	m->queue = NULL;
	m->nqueue = 0;
}

void
model_free(struct model *m)
{
	for (size_t i = 0; i < m->nruns; i++)
		run_clear(&m->runs[i]);
	free(m->runs);
	for (size_t i = 0; i < m->nstatuses; i++)
		status_clear(&m->statuses[i]);
	free(m->statuses);
	queue_clear(m);
	memset(m, 0, sizeof *m);
}

int
model_state_terminal(const char *state)
{
	return state != NULL && (strcmp(state, "completed") == 0 || strcmp(state, "failed") == 0 ||
	                         strcmp(state, "aborted") == 0);
}

/* The first of the NULL-terminated names that is a string member of o. */
static const char *
jstr(const cJSON *o, ...)
{
	va_list ap;
	const char *name, *res = NULL;

	va_start(ap, o);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

		if (cJSON_IsString(v) && v->valuestring != NULL) {
			res = v->valuestring;
			break;
		}
	}
	va_end(ap);
	return res;
}

static char *
dupor(const char *s, const char *dflt)
{
	return s != NULL ? xstrdup(s) : dflt != NULL ? xstrdup(dflt) : NULL;
}

static double
jnum(const cJSON *o, const char *a, const char *b, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (!cJSON_IsNumber(v) && b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(o, b);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

time_t
model_parse_time(const char *iso)
{
	struct tm tm;
	int y, mo, d, h, mi, s;

	if (iso == NULL || sscanf(iso, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

void
model_age(time_t secs, char out[16])
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(out, 16, "%ds", (int)secs);
	else if (secs < 3600)
		snprintf(out, 16, "%dm", (int)(secs / 60));
	else if (secs < 86400) {
		if ((secs % 3600) / 60 == 0)
			snprintf(out, 16, "%dh", (int)(secs / 3600));
		else
			snprintf(out, 16, "%dh%02dm", (int)(secs / 3600), (int)(secs % 3600 / 60));
	} else
		snprintf(out, 16, "%dd", (int)(secs / 86400));
}

/* The last component of path ("calc" for "/src/calc/"), a new string; NULL for NULL. */
static char *
basename_dup(const char *path)
{
	const char *s;
	size_t len;

	if (path == NULL)
		return NULL;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	for (s = path + len; s > path && s[-1] != '/'; s--)
		;
	return xstrndup(s, (size_t)(path + len - s));
}

/* Runs that still go on first, then the newest first. */
static int
run_cmp(const void *a, const void *b)
{
	const struct model_run *x = a, *y = b;
	int tx = model_state_terminal(x->state), ty = model_state_terminal(y->state);

	if (tx != ty)
		return tx - ty;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
model_set_runs(struct model *m, const cJSON *result, time_t now)
{
	const cJSON *arr = result, *o;
	struct model_run *nv;
	size_t n = 0;

	if (cJSON_IsObject(result))
		arr = cJSON_GetObjectItemCaseSensitive(result, "runs");
	if (!cJSON_IsArray(arr))
		return -1;
	nv = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *nv);
	cJSON_ArrayForEach(o, arr)
	{
		struct model_run *r = &nv[n];
		const char *id = jstr(o, "id", "run_id", "runId", NULL);
		const char *repo = jstr(o, "repoPath", "repo_path", "repo", NULL);
		const cJSON *w;
		struct model_run *old;

		if (id == NULL)
			continue;
		r->id = xstrdup(id);
		r->state = dupor(jstr(o, "state", NULL), "?");
		r->repo = jstr(o, "repoName", "repo_name", NULL) != NULL
		              ? xstrdup(jstr(o, "repoName", "repo_name", NULL))
		              : basename_dup(repo);
		if (r->repo == NULL)
			r->repo = xstrdup("");
		r->base = dupor(jstr(o, "baseBranch", "base_branch", "base", NULL), "");
		r->template_name =
		    dupor(jstr(o, "templateName", "template_name", "template", NULL), "");
		r->phase = dupor(jstr(o, "currentPhase", "current_phase", "currentPhaseKey",
		                      "current_phase_key", "phase", NULL),
		                 "");
		r->created = model_parse_time(jstr(o, "createdAt", "created_at", NULL));
		w = cJSON_GetObjectItemCaseSensitive(o, "waiting");
		if (w == NULL)
			w = cJSON_GetObjectItemCaseSensitive(o, "pending_approvals");
		r->waiting = cJSON_IsTrue(w) || (cJSON_IsNumber(w) && w->valueint > 0) ||
		             strcmp(r->state, "awaiting_approval") == 0;
		old = model_run(m, id);
		r->changed = old != NULL && strcmp(old->state, r->state) == 0 ? old->changed : now;
		{
			const char *since = jstr(o, "updatedAt", "updated_at", NULL);

			if (since != NULL && model_parse_time(since) != 0)
				r->changed = model_parse_time(since);
		}
		{
			struct model_status *st = model_status(m, id);

			if (st != NULL && st->nitems > 0)
				r->waiting = 1;
		}
		n++;
	}
	qsort(nv, n, sizeof *nv, run_cmp);
	for (size_t i = 0; i < m->nruns; i++)
		run_clear(&m->runs[i]);
	free(m->runs);
	m->runs = nv;
	m->nruns = n;
	return 0;
}

struct model_run *
model_run(struct model *m, const char *run_id)
{
	for (size_t i = 0; i < m->nruns; i++)
		if (strcmp(m->runs[i].id, run_id) == 0)
			return &m->runs[i];
	return NULL;
}

struct model_status *
model_status(struct model *m, const char *run_id)
{
	for (size_t i = 0; i < m->nstatuses; i++)
		if (strcmp(m->statuses[i].run_id, run_id) == 0)
			return &m->statuses[i];
	return NULL;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct model_item *x = a, *y = b;
	int c;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	c = strcmp(x->run_id, y->run_id);
	if (c != 0)
		return c;
	return strcmp(x->label, y->label);
}

static void
item_copy(struct model_item *dst, const struct model_item *src)
{
	dst->kind = src->kind;
	dst->run_id = dupor(src->run_id, NULL);
	dst->approval_id = dupor(src->approval_id, NULL);
	dst->label = dupor(src->label, NULL);
	dst->detail = dupor(src->detail, NULL);
	dst->session = dupor(src->session, NULL);
	dst->phase_key = dupor(src->phase_key, NULL);
	dst->artifact_path = dupor(src->artifact_path, NULL);
	dst->schema = dupor(src->schema, NULL);
	dst->since = src->since;
}

static void
rebuild_queue(struct model *m)
{
	size_t n = 0;

	queue_clear(m);
	for (size_t i = 0; i < m->nstatuses; i++)
		n += m->statuses[i].nitems;
	if (n == 0)
		return;
	m->queue = xcalloc(n, sizeof *m->queue);
	for (size_t i = 0; i < m->nstatuses; i++)
		for (size_t j = 0; j < m->statuses[i].nitems; j++)
			item_copy(&m->queue[m->nqueue++], &m->statuses[i].items[j]);
	qsort(m->queue, m->nqueue, sizeof *m->queue, item_cmp);
}

char *
model_event_text(const char *type, const cJSON *payload)
{
	struct buf b = BUF_INIT;
	const char *ph = jstr(payload, "phaseKey", "phase", NULL);
	const cJSON *v;

	if (strcmp(type, "phase.started") == 0 && ph != NULL) {
		buf_puts(&b, ph);
		if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(payload, "attempt")))
			buf_printf(&b, " (attempt %d)", v->valueint);
		if (jstr(payload, "roleId", NULL) != NULL)
			buf_printf(&b, " %s", jstr(payload, "roleId", NULL));
	} else if (strncmp(type, "artifact.", 9) == 0) {
		const char *p = jstr(payload, "path", "artifactPath", NULL);

		buf_puts(&b, p != NULL ? p : ph != NULL ? ph : "");
	} else if (strcmp(type, "approval.requested") == 0) {
		buf_puts(&b, jstr(payload, "gateKey", NULL) ? jstr(payload, "gateKey", NULL) : "");
	} else if (strcmp(type, "approval.resolved") == 0) {
		const char *a = jstr(payload, "action", NULL), *c = jstr(payload, "comment", NULL);

		buf_printf(&b, "%s", a ? a : "");
		if (c != NULL && c[0] != '\0')
			buf_printf(&b, " \"%s\"", c);
	} else if (strcmp(type, "session.needs_input") == 0) {
		const char *q = jstr(payload, "question", NULL), *r = jstr(payload, "roleId", NULL);
		char *line = question_line(q ? q : "");

		buf_printf(&b, "%s asks \"%s\"", r ? r : "agent", line);
		free(line);
	} else if (ph != NULL) {
		buf_puts(&b, ph);
		if (jstr(payload, "reason", NULL) != NULL)
			buf_printf(&b, " %s", jstr(payload, "reason", NULL));
	} else {
		cJSON_ArrayForEach(v, payload)
		{
			if (!cJSON_IsString(v) || strcmp(v->string, "sessionId") == 0 ||
			    strcmp(v->string, "dedupKey") == 0 ||
			    strcmp(v->string, "templateHash") == 0)
				continue;
			buf_printf(&b, "%s%s", b.len ? " " : "", v->valuestring);
		}
	}
	/* One line: newlines and tabs become spaces. */
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '\n' || b.data[i] == '\t' || b.data[i] == '\r')
			b.data[i] = ' ';
	return buf_detach(&b);
}

static void
add_event(struct model_status *s, int64_t seq, const char *type, const cJSON *payload,
          const char *ts)
{
	struct model_event *e;

	s->events = xreallocarray(s->events, s->nevents + 1, sizeof *s->events);
	e = &s->events[s->nevents++];
	e->seq = seq;
	e->ts = xstrdup(ts != NULL ? ts : "");
	e->type = xstrdup(type);
	e->text = model_event_text(type, payload);
	if (seq > s->last_seq)
		s->last_seq = seq;
}

/*
 * The question itself: detectors send the last lines of the screen, of which
 * the last non-blank one is the question ("? Run the test suite? (y/n)").
 */
static char *
question_line(const char *q)
{
	const char *end = q + strlen(q), *start;

	while (end > q && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > q && start[-1] != '\n')
		start--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	return xstrndup(start, (size_t)(end - start));
}

/* The question of the latest session.needs_input event of session sid. */
static const char *
question_of(const cJSON *events, const char *sid, time_t *since)
{
	const cJSON *e;
	const char *q = NULL;

	cJSON_ArrayForEach(e, events)
	{
		const char *type = jstr(e, "type", NULL);
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(e, "payload");
		const char *s = jstr(pl, "sessionId", NULL);

		if (type != NULL && strcmp(type, "session.needs_input") == 0 && s != NULL &&
		    strcmp(s, sid) == 0) {
			q = jstr(pl, "question", NULL);
			*since = model_parse_time(jstr(e, "ts", NULL));
		}
	}
	return q;
}

/* The status's sessions (those with an id). */
static void
status_sessions(struct model_status *ns, const cJSON *arr)
{
	const cJSON *o;

	ns->sessions = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *ns->sessions);
	cJSON_ArrayForEach(o, arr)
	{
		struct model_session *x = &ns->sessions[ns->nsessions];

		if (jstr(o, "id", NULL) == NULL)
			continue;
		x->id = xstrdup(jstr(o, "id", NULL));
		x->phase_id = dupor(jstr(o, "phaseId", "phase_id", NULL), "");
		x->role = dupor(jstr(o, "roleId", "role_id", "role", NULL), "");
		x->backend = dupor(jstr(o, "backend", NULL), "");
		x->state = dupor(jstr(o, "state", NULL), "");
		ns->nsessions++;
	}
}

/*
 * Phase o into p: its role, persona and backend from the phase, else from
 * its latest session, else from the run's bindings of its role.
 */
static void
status_phase(struct model_status *ns, struct model_phase *p, const cJSON *o, const cJSON *bindings)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(o, "roles");
	const char *role = jstr(o, "roleId", "role_id", "role", NULL);
	const cJSON *b;

	p->id = dupor(jstr(o, "id", NULL), "");
	p->key = dupor(jstr(o, "phaseKey", "phase_key", "key", NULL), "?");
	p->title = dupor(jstr(o, "title", NULL), "");
	p->state = dupor(jstr(o, "state", NULL), "?");
	p->seq = (int)jnum(o, "seq", NULL, (double)ns->nphases + 1);
	p->attempts = (int)jnum(o, "attempts", NULL, 0);
	if (role == NULL && cJSON_IsArray(roles) && cJSON_GetArraySize(roles) > 0 &&
	    cJSON_IsString(cJSON_GetArrayItem(roles, 0)))
		role = cJSON_GetArrayItem(roles, 0)->valuestring;
	/* The role and backend of the phase's latest session when the phase says none. */
	for (size_t i = ns->nsessions; i-- > 0;)
		if (strcmp(ns->sessions[i].phase_id, p->id) == 0) {
			if (role == NULL)
				role = ns->sessions[i].role;
			if (p->backend == NULL && ns->sessions[i].backend[0] != '\0')
				p->backend = xstrdup(ns->sessions[i].backend);
			break;
		}
	p->role = dupor(role, "");
	p->persona = dupor(jstr(o, "persona", NULL), NULL);
	if (p->backend == NULL)
		p->backend = dupor(jstr(o, "backend", NULL), NULL);
	cJSON_ArrayForEach(b, bindings)
	{
		const char *rid = jstr(b, "roleId", "role_id", "role", NULL);

		if (rid == NULL || strcmp(rid, p->role) != 0)
			continue;
		if (p->persona == NULL)
			p->persona =
			    dupor(jstr(b, "persona", "personaName", "persona_name", NULL), NULL);
		if (p->backend == NULL)
			p->backend = dupor(jstr(b, "backend", NULL), NULL);
	}
}

/* The queue items of run id: its pending gates, then its sessions that need input. */
static void
status_items(struct model_status *ns, const cJSON *arr, const cJSON *events, const char *id,
             time_t now)
{
	const cJSON *o;

	ns->items = xcalloc((size_t)cJSON_GetArraySize(arr) + ns->nsessions + 1, sizeof *ns->items);
	cJSON_ArrayForEach(o, arr)
	{
		struct model_item *it = &ns->items[ns->nitems];
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(o, "payload");
		const char *st = jstr(o, "state", NULL);
		const char *path = jstr(pl, "artifactPath", "path", NULL);

		if (st == NULL || strcmp(st, "pending") != 0 || jstr(o, "id", NULL) == NULL)
			continue;
		it->kind = MODEL_ITEM_GATE;
		it->run_id = xstrdup(id);
		it->approval_id = xstrdup(jstr(o, "id", NULL));
		it->label = dupor(jstr(o, "gateKey", "gate_key", NULL), "gate");
		it->phase_key = dupor(jstr(pl, "phaseKey", NULL), NULL);
		it->artifact_path = dupor(path, NULL);
		it->schema = dupor(jstr(pl, "schema", NULL), NULL);
		if (path != NULL) {
			struct buf b = BUF_INIT;

			buf_printf(&b, "%s valid", path);
			it->detail = buf_detach(&b);
		} else
			it->detail = xstrdup(jstr(o, "kind", NULL) ? jstr(o, "kind", NULL) : "");
		it->since = model_parse_time(jstr(o, "createdAt", "created_at", NULL));
		if (it->since == 0)
			it->since = now;
		ns->nitems++;
	}
	for (size_t i = 0; i < ns->nsessions; i++) {
		struct model_item *it = &ns->items[ns->nitems];
		const char *q;
		time_t since = 0;

		if (strcmp(ns->sessions[i].state, "NEEDS_INPUT") != 0)
			continue;
		q = question_of(events, ns->sessions[i].id, &since);
		it->kind = MODEL_ITEM_QUESTION;
		it->run_id = xstrdup(id);
		it->label = xstrdup(ns->sessions[i].role);
		it->session = xstrdup(ns->sessions[i].id);
		it->detail = q != NULL ? question_line(q) : xstrdup("needs input");
		it->since = since != 0 ? since : now;
		ns->nitems++;
	}
}

/* Put ns in the slot of its run (a new one, or the old one cleared). */
static void
status_store(struct model *m, struct model_status *ns)
{
	struct model_status *slot = model_status(m, ns->run_id);

	if (slot == NULL) {
		m->statuses = xreallocarray(m->statuses, m->nstatuses + 1, sizeof *m->statuses);
		slot = &m->statuses[m->nstatuses++];
	} else {
		/* Keep pushed events newer than what the status returned. */
		for (size_t i = 0; i < slot->nevents; i++)
			if (slot->events[i].seq > ns->last_seq) {
				struct model_event *e;

				ns->events =
				    xreallocarray(ns->events, ns->nevents + 1, sizeof *ns->events);
				e = &ns->events[ns->nevents++];
				*e = slot->events[i];
				ns->last_seq = e->seq;
				slot->events[i].ts = slot->events[i].type = slot->events[i].text =
				    NULL;
			}
		status_clear(slot);
	}
	*slot = *ns;
}

int
model_set_status(struct model *m, const cJSON *result, time_t now)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(result, "run");
	const cJSON *arr, *o;
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(result, "events");
	const cJSON *bindings = cJSON_GetObjectItemCaseSensitive(result, "bindings");
	const char *id = jstr(run, "id", "run_id", "runId", NULL);
	struct model_status ns;
	struct model_run *r;
	const char *cur_phase_id;

	if (id == NULL)
		return -1;
	memset(&ns, 0, sizeof ns);
	ns.run_id = xstrdup(id);
	ns.state = dupor(jstr(run, "state", NULL), "?");
	ns.worktree = dupor(jstr(run, "worktreeRoot", "worktree_root", "worktree", NULL), NULL);
	ns.report_path = dupor(jstr(run, "finalReportPath", "final_report_path", NULL), NULL);
	cur_phase_id = jstr(run, "currentPhaseId", "current_phase_id", NULL);

	status_sessions(&ns, cJSON_GetObjectItemCaseSensitive(result, "sessions"));
	arr = cJSON_GetObjectItemCaseSensitive(result, "phases");
	ns.phases = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *ns.phases);
	cJSON_ArrayForEach(o, arr)
	{
		status_phase(&ns, &ns.phases[ns.nphases], o, bindings);
		ns.nphases++;
	}
	status_items(&ns, cJSON_GetObjectItemCaseSensitive(result, "approvals"), events, id, now);
	cJSON_ArrayForEach(o, events)
	{
		const char *type = jstr(o, "type", NULL);

		if (type == NULL)
			continue;
		add_event(&ns, (int64_t)jnum(o, "seq", NULL, 0), type,
		          cJSON_GetObjectItemCaseSensitive(o, "payload"), jstr(o, "ts", NULL));
	}
	status_store(m, &ns);

	r = model_run(m, id);
	if (r != NULL) {
		if (strcmp(r->state, ns.state) != 0) {
			free(r->state);
			r->state = xstrdup(ns.state);
			r->changed = now;
		}
		r->waiting = ns.nitems > 0;
		for (size_t i = 0; cur_phase_id != NULL && i < ns.nphases; i++)
			if (strcmp(ns.phases[i].id, cur_phase_id) == 0) {
				free(r->phase);
				r->phase = xstrdup(ns.phases[i].key);
			}
	}
	rebuild_queue(m);
	return 0;
}

void
model_drop_status(struct model *m, const char *run_id)
{
	struct model_status *s = model_status(m, run_id);

	if (s == NULL)
		return;
	status_clear(s);
	*s = m->statuses[--m->nstatuses];
	rebuild_queue(m);
}

int
model_add_event(struct model *m, const char *run_id, int64_t seq, const char *type,
                const cJSON *payload, const char *ts)
{
	struct model_status *s = model_status(m, run_id);

	if (s == NULL || (seq <= s->last_seq && s->nevents > 0))
		return 0;
	add_event(s, seq, type, payload, ts);
	return 1;
}

int
model_session_live(const char *state)
{
	return strcmp(state, "STOPPED") != 0 && strcmp(state, "EXITED") != 0 &&
	       strcmp(state, "FAILED_NEEDS_HUMAN") != 0;
}

const struct model_session *
model_live_session(const struct model_status *s)
{
	if (s == NULL || s->nsessions == 0)
		return NULL;
	for (size_t i = s->nsessions; i-- > 0;)
		if (model_session_live(s->sessions[i].state))
			return &s->sessions[i];
	return &s->sessions[s->nsessions - 1];
}
