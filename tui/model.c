/*
 * The TUI's picture of the server (see model.h): parses `ls` and `status`
 * results and pushed events into plain structs and derives the approval
 * queue. Everything here is owned by the model and freed by it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/json.h"
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
	for (size_t i = 0; i < r->actions.n; i++)
		free((char *)r->actions.name[i]);
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
	for (size_t i = 0; i < it->nchoices; i++) {
		free(it->choices[i].key);
		free(it->choices[i].label);
	}
	free(it->choices);
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

/* The run's terminal flag and actions from a result. */
static void
run_set_actions(struct model_run *r, int terminal, const struct result_actions *a)
{
	for (size_t i = 0; i < r->actions.n; i++)
		free((char *)r->actions.name[i]);
	r->terminal = terminal;
	for (size_t i = 0; i < a->n; i++)
		r->actions.name[i] = xstrdup(a->name[i]);
	r->actions.n = a->n;
}

static char *
dupor(const char *s, const char *dflt)
{
	return s != NULL ? xstrdup(s) : dflt != NULL ? xstrdup(dflt) : NULL;
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
	int tx = x->terminal, ty = y->terminal;

	if (tx != ty)
		return tx - ty;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
model_set_runs(struct model *m, const cJSON *result, time_t now)
{
	struct result_ls ls;
	struct model_run *nv;
	struct df_error err;

	if (result_ls_parse(result, &ls, &err) != 0) {
		result_ls_free(&ls);
		return -1;
	}
	nv = xcalloc(ls.nruns + 1, sizeof *nv);
	for (size_t i = 0; i < ls.nruns; i++) {
		const struct result_ls_run *o = &ls.runs[i];
		struct model_run *r = &nv[i], *old = model_run(m, o->id);
		struct model_status *st = model_status(m, o->id);

		r->id = xstrdup(o->id);
		r->state = xstrdup(o->state);
		r->repo = o->repo_path != NULL ? basename_dup(o->repo_path) : xstrdup("");
		r->base = dupor(o->base_branch, "");
		r->template_name = dupor(o->template_name, "");
		r->phase = dupor(o->phase, "");
		r->created = model_parse_time(o->created_at);
		r->waiting = o->pending_approvals > 0 || (st != NULL && st->nitems > 0);
		r->changed = old != NULL && strcmp(old->state, r->state) == 0 ? old->changed : now;
		run_set_actions(r, o->terminal, &o->actions);
	}
	qsort(nv, ls.nruns, sizeof *nv, run_cmp);
	for (size_t i = 0; i < m->nruns; i++)
		run_clear(&m->runs[i]);
	free(m->runs);
	m->runs = nv;
	m->nruns = ls.nruns;
	result_ls_free(&ls);
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
	dst->choices = src->nchoices ? xcalloc(src->nchoices, sizeof *dst->choices) : NULL;
	for (size_t i = 0; i < src->nchoices; i++) {
		dst->choices[i].key = xstrdup(src->choices[i].key);
		dst->choices[i].label = xstrdup(src->choices[i].label);
	}
	dst->nchoices = src->nchoices;
}

const struct model_choice *
model_item_choice(const struct model_item *it, const char *key)
{
	for (size_t i = 0; i < it->nchoices; i++)
		if (strcmp(it->choices[i].key, key) == 0)
			return &it->choices[i];
	return NULL;
}

/*
 * The question's text and answers, when its event carries them (its backend
 * declares them): the text as the item's detail, the choices copied.
 */
static void
item_question(struct model_item *it, const cJSON *payload)
{
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(payload, "choices"), *c;
	const char *text = json_str(payload, "text", NULL);

	if (text == NULL || !cJSON_IsArray(choices))
		return;
	it->choices = xcalloc((size_t)cJSON_GetArraySize(choices) + 1, sizeof *it->choices);
	cJSON_ArrayForEach(c, choices)
	{
		const char *k = json_str(c, "key", NULL), *l = json_str(c, "label", NULL);

		if (k == NULL || l == NULL)
			continue;
		it->choices[it->nchoices].key = xstrdup(k);
		it->choices[it->nchoices++].label = xstrdup(l);
	}
	free(it->detail);
	it->detail = xstrdup(text);
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

/*
 * check.* ("make-test (implement) exit 2", "… timed out") and review.round
 * ("review sends implement back (round 1, 2 findings)") into b; 0 when type
 * is neither.
 */
static int
round_or_check_text(struct buf *b, const char *type, const cJSON *payload)
{
	const char *ph = json_str(payload, "phaseKey", "?");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(payload, "exitCode");

	if (strcmp(type, "review.round") == 0) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(payload, "round");

		buf_printf(b, "%s sends %s back", ph, json_str(payload, "targetPhaseKey", "?"));
		if (strcmp(json_str(payload, "cause", ""), "human") == 0)
			buf_printf(b, " (%s's change request)",
			           json_str(payload, "actor", "a person"));
		else
			buf_printf(b, " (round %d, %d findings)",
			           cJSON_IsNumber(r) ? r->valueint : 0,
			           cJSON_GetArraySize(
			               cJSON_GetObjectItemCaseSensitive(payload, "findings")));
		return 1;
	}
	if (strncmp(type, "check.", 6) != 0)
		return 0;
	buf_printf(b, "%s (%s)", json_str(payload, "name", "?"), ph);
	if (strcmp(type, "check.failed") != 0)
		return 1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(payload, "timedOut")))
		buf_puts(b, " timed out");
	else if (json_str(payload, "error", NULL) != NULL)
		buf_printf(b, " could not run: %s", json_str(payload, "error", NULL));
	else if (cJSON_IsNumber(code) && code->valueint >= 0)
		buf_printf(b, " exit %d", code->valueint);
	else
		buf_puts(b, " killed");
	return 1;
}

char *
model_event_text(const char *type, const cJSON *payload)
{
	struct buf b = BUF_INIT;
	const char *ph = json_str(payload, "phaseKey", NULL);
	const cJSON *v;

	if (round_or_check_text(&b, type, payload)) {
		/* said */
	} else if (strcmp(type, "phase.started") == 0 && ph != NULL) {
		buf_puts(&b, ph);
		if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(payload, "attempt")))
			buf_printf(&b, " (attempt %d)", v->valueint);
		if (json_str(payload, "roleId", NULL) != NULL)
			buf_printf(&b, " %s", json_str(payload, "roleId", NULL));
	} else if (strncmp(type, "artifact.", 9) == 0) {
		const char *p = json_str(payload, "path", NULL);

		buf_puts(&b, p != NULL ? p : ph != NULL ? ph : "");
	} else if (strcmp(type, "approval.requested") == 0) {
		buf_puts(&b, json_str(payload, "gateKey", NULL) ? json_str(payload, "gateKey", NULL)
		                                                : "");
	} else if (strcmp(type, "approval.resolved") == 0) {
		const char *a = json_str(payload, "action", NULL),
		           *c = json_str(payload, "comment", NULL);

		buf_printf(&b, "%s", a ? a : "");
		if (c != NULL && c[0] != '\0')
			buf_printf(&b, " \"%s\"", c);
	} else if (strcmp(type, "run.rebase_started") == 0) {
		buf_printf(&b, "rebase run %.8s by %s (conflicts in %s)",
		           json_str(payload, "followUp", "?"), json_str(payload, "actor", "?"),
		           json_str(payload, "conflicts", "?"));
	} else if (strcmp(type, "run.landed") == 0 && json_str(payload, "via", NULL) != NULL) {
		buf_printf(&b, "through rebase run %.8s by %s", json_str(payload, "via", "?"),
		           json_str(payload, "actor", "?"));
	} else if (strcmp(type, "session.answered") == 0) {
		const char *c = json_str(payload, "choice", NULL),
		           *l = json_str(payload, "label", NULL),
		           *a = json_str(payload, "actor", NULL);

		buf_printf(&b, "%s (%s) by %s", c ? c : "?", l ? l : "", a ? a : "?");
	} else if (strcmp(type, "session.needs_input") == 0) {
		const char *q = json_str(payload, "question", NULL),
		           *r = json_str(payload, "roleId", NULL);
		char *line = json_str(payload, "text", NULL) != NULL
		                 ? xstrdup(json_str(payload, "text", NULL))
		                 : question_line(q ? q : "");

		buf_printf(&b, "%s asks \"%s\"", r ? r : "agent", line);
		free(line);
	} else if (strcmp(type, "session.exited") == 0) {
		const char *r = json_str(payload, "roleId", NULL);
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(payload, "status");

		/* Stopped by devflow: its status is the signal devflow sent, no news. */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(payload, "stopped")))
			buf_printf(&b, "%s stopped", r ? r : "agent");
		else if (cJSON_IsNumber(st))
			buf_printf(&b, "%s ended with status %d", r ? r : "agent", st->valueint);
		else
			buf_printf(&b, "%s ended", r ? r : "agent");
	} else if (ph != NULL) {
		buf_puts(&b, ph);
		if (json_str(payload, "reason", NULL) != NULL)
			buf_printf(&b, " %s", json_str(payload, "reason", NULL));
	} else {
		cJSON_ArrayForEach(v, payload)
		{
			if (!cJSON_IsString(v) || strcmp(v->string, "sessionId") == 0 ||
			    strcmp(v->string, "dedupKey") == 0 ||
			    strcmp(v->string, "templateHash") == 0 ||
			    strcmp(v->string, "source") == 0)
				continue;
			buf_printf(&b, "%s%s", b.len ? " " : "", v->valuestring);
		}
	}
	/* The screen is the default witness: only a CLI's own hook is named. */
	if ((v = cJSON_GetObjectItemCaseSensitive(payload, "source")) != NULL &&
	    cJSON_IsString(v) && strcmp(v->valuestring, "hook") == 0)
		buf_puts(&b, " (hook)");
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

/* The payload of the latest session.needs_input event of session sid, or NULL. */
static const cJSON *
question_of(const struct result_status *st, const char *sid, time_t *since)
{
	const cJSON *q = NULL;

	for (size_t i = 0; i < st->nevents; i++) {
		const struct result_event *e = &st->events[i];
		const char *s = json_str(e->payload, "sessionId", NULL);

		if (strcmp(e->type, "session.needs_input") == 0 && s != NULL &&
		    strcmp(s, sid) == 0) {
			q = e->payload;
			*since = model_parse_time(e->ts);
		}
	}
	return q;
}

/* The status's sessions. */
static void
status_sessions(struct model_status *ns, const struct result_status *st)
{
	ns->sessions = xcalloc(st->nsessions + 1, sizeof *ns->sessions);
	for (size_t i = 0; i < st->nsessions; i++) {
		const struct result_session *o = &st->sessions[i];
		struct model_session *x = &ns->sessions[ns->nsessions++];

		x->id = xstrdup(o->id);
		x->phase_id = dupor(o->phase_id, "");
		x->role = dupor(o->role_id, "");
		x->backend = dupor(o->backend, "");
		x->state = xstrdup(o->state);
	}
}

/*
 * Phase o into p: its role and backend from its latest session, its persona
 * (and backend when no session says) from the run's bindings of that role.
 */
static void
status_phase(struct model_status *ns, struct model_phase *p, const struct result_phase *o,
             const struct result_status *st)
{
	const char *role = NULL;

	p->id = xstrdup(o->id);
	p->key = xstrdup(o->phase_key);
	p->title = dupor(o->title, "");
	p->state = xstrdup(o->state);
	p->seq = (int)o->seq;
	p->attempts = (int)o->attempts;
	for (size_t i = ns->nsessions; i-- > 0;)
		if (strcmp(ns->sessions[i].phase_id, p->id) == 0) {
			role = ns->sessions[i].role;
			if (ns->sessions[i].backend[0] != '\0')
				p->backend = xstrdup(ns->sessions[i].backend);
			break;
		}
	p->role = dupor(role, "");
	for (size_t i = 0; i < st->nbindings; i++) {
		const struct result_binding *b = &st->bindings[i];

		if (strcmp(b->role_id, p->role) != 0)
			continue;
		if (p->persona == NULL)
			p->persona = dupor(b->persona, NULL);
		if (p->backend == NULL)
			p->backend = dupor(b->backend, NULL);
	}
}

/*
 * A gate's detail: "<artifact> valid", then how the phase's checks went
 * (", checks 2/2 passed", or ", check lint FAILED (1/2 passed)" when the
 * gate opened because a required check failed past its repairs).
 */
static char *
gate_detail(const struct result_status *st, const struct result_approval *o, const char *path)
{
	const char *failed = json_str(o->payload, "failedCheck", NULL);
	struct buf b = BUF_INIT;
	size_t n = 0, passed = 0;

	if (path != NULL)
		buf_printf(&b, "%s valid", path);
	else
		buf_puts(&b, o->kind ? o->kind : "");
	/* The gate's own phase's checks; a gate without (a final review): the run's. */
	for (int pass = 0; pass < 2 && n == 0; pass++)
		for (size_t i = 0; i < st->nchecks; i++)
			if (pass == 1 || (o->phase_id != NULL &&
			                  strcmp(st->checks[i].phase_id, o->phase_id) == 0)) {
				n++;
				passed += strcmp(st->checks[i].state, "passed") == 0;
			}
	if (failed != NULL)
		buf_printf(&b, ", check %s FAILED (%zu/%zu passed)", failed, passed, n);
	else if (n > 0)
		buf_printf(&b, ", checks %zu/%zu passed", passed, n);
	return buf_detach(&b);
}

/* The queue items of the run: its pending gates, then its sessions that need input. */
static void
status_items(struct model_status *ns, const struct result_status *st, time_t now)
{
	ns->items = xcalloc(st->napprovals + ns->nsessions + 1, sizeof *ns->items);
	for (size_t i = 0; i < st->napprovals; i++) {
		const struct result_approval *o = &st->approvals[i];
		struct model_item *it = &ns->items[ns->nitems];
		const char *path = json_str(o->payload, "artifactPath", NULL);

		if (strcmp(o->state, "pending") != 0)
			continue;
		it->kind = MODEL_ITEM_GATE;
		it->run_id = xstrdup(st->run.id);
		it->approval_id = xstrdup(o->id);
		it->label = dupor(o->gate_key, "gate");
		it->phase_key = dupor(json_str(o->payload, "phaseKey", NULL), NULL);
		it->artifact_path = dupor(path, NULL);
		it->schema = dupor(json_str(o->payload, "schema", NULL), NULL);
		it->detail = gate_detail(st, o, path);
		it->since = model_parse_time(o->created_at);
		if (it->since == 0)
			it->since = now;
		ns->nitems++;
	}
	for (size_t i = 0; i < ns->nsessions; i++) {
		struct model_item *it = &ns->items[ns->nitems];
		const cJSON *pl;
		const char *q;
		time_t since = 0;

		if (strcmp(ns->sessions[i].state, "NEEDS_INPUT") != 0)
			continue;
		pl = question_of(st, ns->sessions[i].id, &since);
		q = json_str(pl, "question", NULL);
		it->kind = MODEL_ITEM_QUESTION;
		it->run_id = xstrdup(st->run.id);
		it->label = xstrdup(ns->sessions[i].role);
		it->session = xstrdup(ns->sessions[i].id);
		it->detail = q != NULL ? question_line(q) : xstrdup("needs input");
		item_question(it, pl);
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
		/* Keep the older events read further back (the Events pane's pages). */
		int64_t oldest = ns->nevents > 0 ? ns->events[0].seq : INT64_MAX;
		size_t k = 0;

		while (k < slot->nevents && slot->events[k].seq < oldest)
			k++;
		if (k > 0) {
			ns->events = xreallocarray(ns->events, ns->nevents + k, sizeof *ns->events);
			memmove(&ns->events[k], ns->events, ns->nevents * sizeof *ns->events);
			for (size_t i = 0; i < k; i++) {
				ns->events[i] = slot->events[i];
				slot->events[i].ts = slot->events[i].type = slot->events[i].text =
				    NULL;
			}
			ns->nevents += k;
		}
		/* Keep pushed events newer than what the status returned. */
		for (size_t i = k; i < slot->nevents; i++)
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
	struct result_status st;
	struct model_status ns;
	struct model_run *r;
	struct df_error err;

	if (result_status_parse(result, &st, &err) != 0) {
		result_status_free(&st);
		return -1;
	}
	memset(&ns, 0, sizeof ns);
	ns.run_id = xstrdup(st.run.id);
	ns.state = xstrdup(st.run.state);
	ns.worktree = dupor(st.run.worktree_root, NULL);
	ns.report_path = dupor(st.run.final_report_path, NULL);
	status_sessions(&ns, &st);
	ns.phases = xcalloc(st.nphases + 1, sizeof *ns.phases);
	for (size_t i = 0; i < st.nphases; i++)
		status_phase(&ns, &ns.phases[ns.nphases++], &st.phases[i], &st);
	status_items(&ns, &st, now);
	for (size_t i = 0; i < st.nevents; i++)
		add_event(&ns, st.events[i].seq, st.events[i].type, st.events[i].payload,
		          st.events[i].ts);
	status_store(m, &ns);

	r = model_run(m, st.run.id);
	if (r != NULL) {
		if (strcmp(r->state, st.run.state) != 0) {
			free(r->state);
			r->state = xstrdup(st.run.state);
			r->changed = now;
		}
		r->waiting = ns.nitems > 0;
		run_set_actions(r, st.run.terminal, &st.run.actions);
		for (size_t i = 0; st.run.current_phase_id != NULL && i < ns.nphases; i++)
			if (strcmp(ns.phases[i].id, st.run.current_phase_id) == 0) {
				free(r->phase);
				r->phase = xstrdup(ns.phases[i].key);
			}
	}
	result_status_free(&st);
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
model_add_older_events(struct model *m, const cJSON *result)
{
	struct result_events ev;
	struct df_error err;
	struct model_status *s;
	size_t k = 0;

	if (result_events_parse(result, &ev, &err) != 0) {
		result_events_free(&ev);
		return -1;
	}
	s = model_status(m, ev.run_id);
	if (s != NULL) {
		int64_t oldest = s->nevents > 0 ? s->events[0].seq : INT64_MAX;
		struct model_status tmp;

		/* The older ones, in order, built apart and then put before the rest. */
		memset(&tmp, 0, sizeof tmp);
		for (size_t i = 0; i < ev.nevents; i++)
			if (ev.events[i].seq < oldest)
				add_event(&tmp, ev.events[i].seq, ev.events[i].type,
				          ev.events[i].payload, ev.events[i].ts);
		k = tmp.nevents;
		if (k > 0) {
			s->events = xreallocarray(s->events, s->nevents + k, sizeof *s->events);
			memmove(&s->events[k], s->events, s->nevents * sizeof *s->events);
			memcpy(s->events, tmp.events, k * sizeof *s->events);
			s->nevents += k;
		}
		free(tmp.events);
	}
	result_events_free(&ev);
	return (int)k;
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
