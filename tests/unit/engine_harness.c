/*
 * The engine test bench (see engine_harness.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/checkrun.h"
#include "engine/land.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "engine_harness.h"

const char H_PLAN_OK[] =
    "{\"summary\":\"Add the feature in two steps.\",\"phases\":["
    "{\"key\":\"implement\",\"title\":\"Implement it\",\"roles\":[\"implementer\"],"
    "\"expectedArtifact\":{\"path\":\"change-summary.json\",\"schema\":\"dev/change-summary@1\"},"
    "\"gates\":[]},"
    "{\"key\":\"review\",\"title\":\"Review it\",\"roles\":[\"reviewer\"],"
    "\"expectedArtifact\":{\"path\":\"review.json\",\"schema\":\"dev/review-findings@1\"},"
    "\"gates\":[\"final_review\"]}]}";
const char H_CHANGE_OK[] =
    "{\"summary\":\"Implemented.\",\"filesChanged\":[\"src/a.c\"],\"commands\":["
    "{\"kind\":\"test\",\"argv\":[\"make\",\"check\"],\"exit_code\":0},"
    "{\"kind\":\"lint\",\"argv\":[\"make\",\"format-check\"],\"exit_code\":2}]}";
const char H_REVIEW_OK[] =
    "{\"verdict\":\"approve\",\"summary\":\"Looks right.\",\"findings\":["
    "{\"severity\":\"minor\",\"message\":\"rename x\",\"file\":\"src/a.c\",\"line\":3}]}";

static int64_t
host_now(void *ctx)
{
	return ((struct harness *)ctx)->now;
}

static void
host_id(void *ctx, char out[ENGINE_ID_MAX])
{
	struct harness *h = ctx;

	snprintf(out, ENGINE_ID_MAX, "%s%04lu", h->idprefix, ++h->next_id);
}

static uint64_t
host_timer_add(void *ctx, int64_t due)
{
	struct harness *h = ctx;

	assert_true(h->ntimers < sizeof(h->timers) / sizeof(h->timers[0]));
	h->timers[h->ntimers].id = h->ntimers + 1;
	h->timers[h->ntimers].due = due;
	h->timers[h->ntimers].active = 1;
	return h->timers[h->ntimers++].id;
}

static void
host_timer_cancel(void *ctx, uint64_t id)
{
	struct harness *h = ctx;

	if (id >= 1 && id <= h->ntimers)
		h->timers[id - 1].active = 0;
}

static void
host_event(void *ctx, const struct store_event *ev)
{
	struct harness *h = ctx;

	assert_non_null(ev->type);
	h->notified++;
	if (h->on_event != NULL)
		h->on_event(h->on_event_ctx, ev);
}

static void
host_step_failed(void *ctx, const struct df_error *err)
{
	struct harness *h = ctx;

	h->step_failures++;
	h->last_step_error = *err;
}

static void
host_stranded(void *ctx, const char *run_id, const char *state, const char *what)
{
	struct harness *h = ctx;

	assert_non_null(state);
	h->stranded++;
	snprintf(h->stranded_run, sizeof(h->stranded_run), "%s", run_id);
	snprintf(h->stranded_what, sizeof(h->stranded_what), "%s", what);
}

static void
run_check(struct harness *h, struct h_check *c)
{
	struct checkrun_spec spec = { .argv = (const char *const *)c->argv,
		                      .cwd = c->cwd,
		                      .output_path = c->out,
		                      .timeout_ms = c->timeout_ms,
		                      .max_output = c->max_output,
		                      .kill_grace_ms = 200 };
	struct checkrun_result res;
	struct engine_check_result r = { 0 };
	struct df_error err;
	char id[sizeof(c->id)];

	snprintf(id, sizeof(id), "%s", c->id);
	if (checkrun_exec(&spec, &res, &err) != 0) {
		r.exit_code = -1;
		r.error = err.message;
	} else {
		r.exit_code = res.exit_code;
		r.signal = res.signal;
		r.timed_out = res.timed_out;
		r.duration_ms = res.duration_ms;
		r.output_bytes = res.output_bytes;
		r.capped = res.capped;
		r.tail = res.tail;
	}
	for (size_t i = 0; c->argv[i]; i++)
		free(c->argv[i]);
	free(c->argv);
	c->argv = NULL;
	engine_check_done(h->e, id, &r);
}

static int
host_check_start(void *ctx, const struct engine_check_spec *spec, struct df_error *err)
{
	struct harness *h = ctx;
	struct h_check *c;
	size_t n = 0;

	(void)err;
	assert_true(h->nchecks < sizeof(h->checks) / sizeof(h->checks[0]));
	c = &h->checks[h->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", spec->check_id);
	while (spec->argv[n])
		n++;
	c->argv = xcalloc(n + 1, sizeof(*c->argv));
	for (size_t i = 0; i < n; i++)
		c->argv[i] = xstrdup(spec->argv[i]);
	snprintf(c->cwd, sizeof(c->cwd), "%s", spec->cwd);
	snprintf(c->out, sizeof(c->out), "%s", spec->output_path);
	c->timeout_ms = spec->timeout_ms;
	c->max_output = spec->max_output;
	h->checks_started++;
	if (!h->checks_hold)
		h_run_checks(h);
	return 0;
}

static void
host_check_cancel(void *ctx, const char *check_id)
{
	struct harness *h = ctx;

	h->checks_cancelled++;
	for (size_t i = 0; i < h->nchecks; i++)
		if (strcmp(h->checks[i].id, check_id) == 0) {
			for (size_t j = 0; h->checks[i].argv[j]; j++)
				free(h->checks[i].argv[j]);
			free(h->checks[i].argv);
			memmove(&h->checks[i], &h->checks[i + 1],
			        (h->nchecks - i - 1) * sizeof(h->checks[0]));
			h->nchecks--;
			break;
		}
}

int
h_run_checks(struct harness *h)
{
	int ran = 0;

	/* Reporting one may start the next (appended): take them one at a time. */
	while (h->nchecks > 0) {
		struct h_check c = h->checks[0];

		memmove(&h->checks[0], &h->checks[1], (h->nchecks - 1) * sizeof(h->checks[0]));
		h->nchecks--;
		run_check(h, &c);
		ran++;
	}
	return ran;
}

static int
host_commit_start(void *ctx, const struct engine_commit_spec *spec, struct df_error *err)
{
	struct harness *h = ctx;
	struct h_commit *c;

	if (h->commits_refuse)
		return df_error_set(err, DF_RETRYABLE, DF_E_IO, "no thread for the commit");
	assert_true(h->ncommits < sizeof(h->commits) / sizeof(h->commits[0]));
	c = &h->commits[h->ncommits++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", spec->commit_id);
	snprintf(c->phase_key, sizeof(c->phase_key), "%s", spec->phase_key);
	snprintf(c->root, sizeof(c->root), "%s", spec->worktree);
	snprintf(c->message, sizeof(c->message), "%s", spec->message);
	snprintf(c->step, sizeof(c->step), "%s", spec->step);
	c->ex = xcalloc(spec->nexclude + 1, sizeof(*c->ex));
	for (size_t i = 0; i < spec->nexclude; i++)
		c->ex[c->nex++] = xstrdup(spec->exclude[i]);
	h->commits_started++;
	if (!h->commits_hold)
		h_run_commits(h, 1);
	return 0;
}

static void
commit_clear(struct h_commit *c)
{
	str_vec_free(c->ex);
	c->ex = NULL;
}

int
h_run_commits(struct harness *h, int report)
{
	int ran = 0;
	size_t held = h->ncommits;

	/* Only those held now: reporting one may ask for the next (appended), which waits. */
	while (held-- > 0 && h->ncommits > 0) {
		struct h_commit c = h->commits[0];
		struct engine_commit_result r = { 0 };
		char out[LAND_OID_HEX];
		struct df_error err;

		memmove(&h->commits[0], &h->commits[1], (h->ncommits - 1) * sizeof(h->commits[0]));
		h->ncommits--;
		r.rc = land_commit_worktree(c.root, c.message, c.step, (const char *const *)c.ex,
		                            c.nex, out, &err);
		r.commit = r.rc >= 0 ? out : NULL;
		r.error = r.rc < 0 ? err.message : NULL;
		commit_clear(&c);
		if (report)
			engine_commit_done(h->e, c.id, &r);
		ran++;
	}
	return ran;
}

static const struct engine_host_ops host_ops_nocheck = {
	.now_ms = host_now,
	.new_id = host_id,
	.timer_add = host_timer_add,
	.timer_cancel = host_timer_cancel,
	.event_appended = host_event,
	.step_failed = host_step_failed,
	.stranded = host_stranded,
};

static const struct engine_host_ops host_ops = {
	.check_start = host_check_start,
	.check_cancel = host_check_cancel,
	.commit_start = host_commit_start,
	.now_ms = host_now,
	.new_id = host_id,
	.timer_add = host_timer_add,
	.timer_cancel = host_timer_cancel,
	.event_appended = host_event,
	.step_failed = host_step_failed,
	.stranded = host_stranded,
};

static struct h_sess *
find_sess(struct harness *h, const char *id)
{
	for (size_t i = 0; i < h->nsess; i++)
		if (strcmp(h->sess[i].id, id) == 0)
			return &h->sess[i];
	return NULL;
}

static int
drv_start(void *ctx, const struct engine_session_spec *spec, struct df_error *err)
{
	struct harness *h = ctx;
	struct h_sess *s;

	if (h->fail_start)
		return df_error_set(err, DF_FATAL, DF_E_SESSION_FAILED, "cannot start %s",
		                    spec->argv[0]);
	assert_true(h->nsess < sizeof(h->sess) / sizeof(h->sess[0]));
	assert_non_null(spec->argv);
	assert_true(spec->argc >= 1);
	assert_non_null(strstr(spec->transcript_path, "/sessions/"));
	s = &h->sess[h->nsess++];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", spec->session_id);
	snprintf(s->run_id, sizeof(s->run_id), "%s", spec->run_id);
	snprintf(s->phase_id, sizeof(s->phase_id), "%s", spec->phase_id);
	snprintf(s->cwd, sizeof(s->cwd), "%s", spec->cwd);
	snprintf(s->resume, sizeof(s->resume), "%s",
	         spec->resume_conversation ? spec->resume_conversation : "");
	s->alive = 1;
	s->started = 1;
	return 0;
}

/* The value after "prefix" on its line in text; the caller frees. */
static char *
line_value(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix), *end;

	if (p == NULL)
		return NULL;
	p += strlen(prefix);
	end = strchr(p, '\n');
	return xstrndup(p, end ? (size_t)(end - p) : strlen(p));
}

static int
drv_send(void *ctx, const char *session_id, const char *text, struct df_error *err)
{
	struct harness *h = ctx;
	struct h_sess *s = find_sess(h, session_id);
	char *key, *path, *sp;

	/* As the real driver: unknown to this server, or known but no longer running. */
	if (s == NULL || s->gone)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "session %s: unknown",
		                    session_id);
	if (!s->alive)
		return df_error_set(err, DF_RETRYABLE, DF_E_SESSION_FAILED,
		                    "session %s: the agent has exited", session_id);
	assert_true(h->ntexts < sizeof(h->texts) / sizeof(h->texts[0]));
	h->texts[h->ntexts++] = xstrdup(text);
	key = line_value(text, "devflow phase: ");
	path = line_value(text, "Artifact path: ");
	assert_non_null(key);
	assert_non_null(path);
	sp = strchr(key, ' ');
	if (sp)
		*sp = '\0';
	for (size_t i = 0; i < h->nresp; i++) {
		struct h_resp *r = &h->resp[i];

		if (r->used || strcmp(r->phase_key, key) != 0)
			continue;
		r->used = 1;
		if (r->content) {
			char *file = xasprintf("%s/%s", s->cwd, path);

			h_write(file, r->content);
			free(file);
		}
		if (r->fix_path) {
			char *file = xasprintf("%s/%s", s->cwd, r->fix_path);

			h_write(file, r->fix_content);
			free(file);
		}
		if (r->event == H_IDLE)
			engine_session_event(h->e, session_id, ENGINE_SESSION_IDLE, NULL, 0);
		else if (r->event == H_EXIT) {
			s->alive = 0;
			engine_session_event(h->e, session_id, ENGINE_SESSION_EXITED, NULL, 1);
		}
		break;
	}
	free(key);
	free(path);
	return 0;
}

static void
drv_stop(void *ctx, const char *session_id)
{
	struct h_sess *s = find_sess(ctx, session_id);

	if (s)
		s->alive = 0;
}

static int
drv_alive(void *ctx, const char *session_id)
{
	struct h_sess *s = find_sess(ctx, session_id);

	return s && s->alive && !s->gone;
}

static const struct engine_session_ops drv_ops = {
	.start = drv_start,
	.send = drv_send,
	.stop = drv_stop,
	.alive = drv_alive,
};

void
h_restart(struct harness *h, int sessions_survive)
{
	struct df_error err;

	for (size_t i = 0; i < h->nsess; i++)
		if (!sessions_survive && !h->sess[i].gone) {
			h->sess[i].alive = 0;
			h->sess[i].gone = 1;
		}
	for (size_t i = 0; i < h->ntimers; i++)
		h->timers[i].active = 0;
	for (size_t i = 0; i < h->nchecks; i++) {
		for (size_t j = 0; h->checks[i].argv[j]; j++)
			free(h->checks[i].argv[j]);
		free(h->checks[i].argv);
	}
	h->nchecks = 0; /* the checks the old server ran died with it */
	for (size_t i = 0; i < h->ncommits; i++)
		commit_clear(&h->commits[i]);
	h->ncommits = 0; /* so did the commits it had not made */
	h_engine(h);
	if (engine_recover(h->e, &err) != 0)
		fail_msg("recover: %s", err.message);
}

void
h_write(const char *path, const char *content)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

void
h_engine(struct harness *h)
{
	const char *backends[] = { "fake", "ghost", NULL };
	struct engine_config cfg = { 0 };
	struct df_error err;

	engine_free(h->e);
	cfg.store = h->st;
	cfg.schemas = h->no_schemas ? NULL : catalog_registry(h->cat);
	cfg.workspace = h->ws;
	cfg.backends = backends;
	cfg.nbackends = h->ghost_backend ? 2 : 1;
	if (h->backend != NULL && strcmp(h->backend, "fake") != 0)
		backends[cfg.nbackends++] = h->backend;
	cfg.max_concurrent_runs = h->max_runs;
	cfg.max_artifact_bytes = h->max_artifact_bytes;
	cfg.restart_limit = h->restart_limit;
	cfg.self_check_ms = h->self_check_ms;
	cfg.host = h->no_check_runner ? &host_ops_nocheck : &host_ops;
	cfg.host_ctx = h;
	cfg.sessions = &drv_ops;
	cfg.session_ctx = h;
	h->e = engine_new(&cfg, &err);
	assert_non_null(h->e);
}

struct harness *
h_new(void)
{
	struct harness *h = xcalloc(1, sizeof(*h));
	struct df_error err;

	snprintf(h->dir, sizeof(h->dir), "%s", "/tmp/devflow-engine.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	h->ws = xasprintf("%s/ws", h->dir);
	h->repo = xasprintf("%s/repo", h->dir);
	h->dbpath = xasprintf("%s/devflow.db", h->dir);
	h->now = 1764000000000LL; /* 2025-11-24T16:00:00Z */
	snprintf(h->idprefix, sizeof(h->idprefix), "id-");
	sh("git init -q -b main '%s' && git -C '%s' -c user.name=t -c user.email=t@example.org "
	   "commit -q --allow-empty -m init",
	   h->repo, h->repo);
	h->st = store_open_path(h->dbpath, &err);
	assert_non_null(h->st);
	h->cat = catalog_load(DEVFLOW_SRCDIR, NULL, &err);
	if (h->cat == NULL)
		fail_msg("catalog: %s", err.message);
	assert_int_equal(catalog_store(h->cat, h->st, &err), 0);
	h_engine(h);
	return h;
}

void
h_free(struct harness *h)
{
	char *cmd;

	if (h == NULL)
		return;
	engine_free(h->e);
	store_close(h->st);
	catalog_free(h->cat);
	cmd = xasprintf("rm -rf '%s'", h->dir);
	if (getenv("DEVFLOW_KEEP_TEST_DIR"))
		fprintf(stderr, "# kept %s\n", h->dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", h->dir);
	free(cmd);
	for (size_t i = 0; i < h->nresp; i++) {
		free(h->resp[i].phase_key);
		free(h->resp[i].content);
		free(h->resp[i].fix_path);
		free(h->resp[i].fix_content);
	}
	for (size_t i = 0; i < h->nchecks; i++) {
		for (size_t j = 0; h->checks[i].argv[j]; j++)
			free(h->checks[i].argv[j]);
		free(h->checks[i].argv);
	}
	for (size_t i = 0; i < h->ncommits; i++)
		commit_clear(&h->commits[i]);
	for (size_t i = 0; i < h->ntexts; i++)
		free(h->texts[i]);
	free(h->ws);
	free(h->repo);
	free(h->dbpath);
	free(h);
}

void
h_script(struct harness *h, const char *phase_key, const char *content, enum h_event ev)
{
	struct h_resp *r;

	assert_true(h->nresp < sizeof(h->resp) / sizeof(h->resp[0]));
	r = &h->resp[h->nresp++];
	r->phase_key = xstrdup(phase_key);
	r->content = content ? xstrdup(content) : NULL;
	r->event = ev;
	r->used = 0;
}

void
h_script_fix(struct harness *h, const char *phase_key, const char *artifact, const char *rel,
             const char *content, enum h_event ev)
{
	struct h_resp *r;

	h_script(h, phase_key, artifact, ev);
	r = &h->resp[h->nresp - 1];
	r->fix_path = xstrdup(rel);
	r->fix_content = xstrdup(content);
}

int
h_start(struct harness *h, const char *extra_json, char run_id[ENGINE_ID_MAX], struct df_error *err)
{
	const char *b = h->backend ? h->backend : "fake";
	const struct binding_override ov[] = {
		{ .role = "planner", .backend = b },
		{ .role = "implementer", .backend = b },
		{ .role = "reviewer", .backend = b },
	};
	struct engine_start_request req = { 0 };

	req.requirements_md = "# Add a greeting\n\nPrint hello.\n";
	req.repo_path = h->repo;
	req.base_branch = "main";
	req.extra_json = extra_json;
	req.overrides = ov;
	req.noverrides = 3;
	return engine_start(h->e, &req, run_id, err);
}

void
h_fake_request(struct engine_start_request *req, const char *repo, const char *base)
{
	static const struct binding_override ov[] = {
		{ .role = "planner", .backend = "fake" },
		{ .role = "implementer", .backend = "fake" },
		{ .role = "reviewer", .backend = "fake" },
	};

	req->requirements_md = "x";
	req->repo_path = repo;
	req->base_branch = base;
	req->overrides = ov;
	req->noverrides = 3;
}

int
h_setup(void **state)
{
	*state = h_new();
	return 0;
}

int
h_teardown(void **state)
{
	h_free(*state);
	return 0;
}

void
h_must_start(struct harness *h, const char *extra_json, char run_id[ENGINE_ID_MAX])
{
	struct df_error err;

	if (h_start(h, extra_json, run_id, &err) != 0)
		fail_msg("start: %s (%s)", err.message, df_code_name(err.code));
}

void
h_must_pause(struct harness *h, const char *run_id)
{
	struct df_error err;

	if (engine_pause(h->e, run_id, &err) != 0)
		fail_msg("pause: %s (%s)", err.message, df_code_name(err.code));
}

void
h_must_resume(struct harness *h, const char *run_id)
{
	struct df_error err;

	if (engine_resume(h->e, run_id, &err) != 0)
		fail_msg("resume: %s (%s)", err.message, df_code_name(err.code));
}

void
h_must_decide(struct harness *h, const char *run_id, enum engine_action act, const char *token,
              const char *actor, const char *comment)
{
	char req[ENGINE_ID_MAX];
	struct df_error err;

	assert_int_equal(h_pending_approval(h, run_id, req), 1);
	if (engine_decide(h->e, run_id, req, act, token, actor, comment, NULL, &err) != 0)
		fail_msg("decide: %s", err.message);
}

void
h_advance(struct harness *h, int64_t ms)
{
	int64_t target = h->now + ms;

	for (;;) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < h->ntimers; i++)
			if (h->timers[i].active && h->timers[i].due <= target &&
			    (best == SIZE_MAX || h->timers[i].due < h->timers[best].due))
				best = i;
		if (best == SIZE_MAX)
			break;
		if (h->timers[best].due > h->now)
			h->now = h->timers[best].due;
		h->timers[best].active = 0;
		engine_timer_fired(h->e, h->timers[best].id);
	}
	h->now = target;
}

const char *
h_run_state(struct harness *h, const char *run_id)
{
	static char buf[64];
	struct store_run run;

	assert_int_equal(store_run_get(h->st, run_id, &run, NULL), 1);
	snprintf(buf, sizeof(buf), "%s", run.state);
	store_run_clear(&run);
	return buf;
}

static struct store_phase *
phase_by_key(struct harness *h, const char *run_id, const char *key, struct store_phase **all,
             size_t *n)
{
	assert_int_equal(store_phases_list(h->st, run_id, all, n, NULL), 0);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*all)[i].phase_key, key) == 0)
			return &(*all)[i];
	return NULL;
}

const char *
h_phase_state(struct harness *h, const char *run_id, const char *key)
{
	static char buf[64];
	struct store_phase *all, *p;
	size_t n;

	p = phase_by_key(h, run_id, key, &all, &n);
	snprintf(buf, sizeof(buf), "%s", p ? p->state : "");
	store_phases_free(all, n);
	return buf;
}

int
h_phase_attempts(struct harness *h, const char *run_id, const char *key)
{
	struct store_phase *all, *p;
	size_t n;
	int a;

	p = phase_by_key(h, run_id, key, &all, &n);
	a = p ? p->attempts : -1;
	store_phases_free(all, n);
	return a;
}

int
h_pending_approval(struct harness *h, const char *run_id, char out[ENGINE_ID_MAX])
{
	struct store_approval *a;
	size_t n;
	int found = 0;

	assert_int_equal(store_approvals_list(h->st, run_id, &a, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].state, "pending") == 0) {
			snprintf(out, ENGINE_ID_MAX, "%s", a[i].id);
			found = 1;
		}
	store_approvals_free(a, n);
	return found;
}

int
h_count_events(struct harness *h, const char *run_id, const char *type)
{
	struct store_event *ev;
	size_t n;
	int c = 0;

	assert_int_equal(store_events_list(h->st, run_id, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, type) == 0)
			c++;
	store_events_free(ev, n);
	return c;
}

int
h_event_total(struct harness *h, const char *run_id)
{
	struct store_event *ev;
	size_t n;

	assert_int_equal(store_events_list(h->st, run_id, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ev[i].seq, (int64_t)i + 1);
	store_events_free(ev, n);
	return (int)n;
}

const char *
h_last_payload(struct harness *h, const char *run_id, const char *type)
{
	static char buf[16384];
	struct store_event *ev;
	size_t n;

	buf[0] = '\0';
	assert_int_equal(store_events_list(h->st, run_id, 0, 0, &ev, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ev[i].type, type) == 0)
			snprintf(buf, sizeof(buf), "%s", ev[i].payload);
	store_events_free(ev, n);
	return buf;
}

const char *
h_last_text(struct harness *h)
{
	return h->ntexts ? h->texts[h->ntexts - 1] : NULL;
}

char *
h_worktree_file(struct harness *h, const char *run_id, const char *rel)
{
	struct store_run run;
	char *p;

	assert_int_equal(store_run_get(h->st, run_id, &run, NULL), 1);
	p = xasprintf("%s/%s", run.worktree_root, rel);
	store_run_clear(&run);
	return p;
}

struct h_sess *
h_last_session(struct harness *h, const char *run_id)
{
	for (size_t i = h->nsess; i-- > 0;)
		if (strcmp(h->sess[i].run_id, run_id) == 0)
			return &h->sess[i];
	return NULL;
}
