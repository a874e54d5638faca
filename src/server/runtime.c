/*
 * The server's assembly (see runtime.h). The engine's timers are loop
 * timers keyed by their own ids; a committed event marks its run dirty, and
 * a zero-delay timer then re-reads what the run expects and moves the
 * run's artifact watch, outside the engine's step.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine/catalog.h"
#include "lib/paths.h"
#include "lib/watch.h"
#include "lib/xalloc.h"
#include "checkjobs.h"
#include "commitjobs.h"
#include "runtime.h"

struct rt_timer {
	struct runtime *rt;
	uint64_t id;      /* the engine's */
	uint64_t loop_id; /* the loop's */
	struct rt_timer *next;
};

struct run_watch {
	char *run_id;
	char *path;
};

struct subscriber {
	runtime_event_cb *cb;
	void *ctx;
};

struct runtime {
	char *workspace;
	struct store *st;
	struct catalog *cat;
	struct loop *loop;
	struct engine *engine;
	struct driver *driver;
	struct watch *watch;
	struct checkjobs *checks;   /* check commands, on worker threads */
	struct commitjobs *commits; /* phase commits, on worker threads */
	char **backends;
	size_t nbackends;
	struct rt_timer *timers;
	uint64_t next_timer;
	struct subscriber *subs;
	size_t nsubs;
	runtime_stranded_cb *stranded;
	void *stranded_ctx;
	struct run_watch *rw;
	size_t nrw;
	char **dirty;
	size_t ndirty;
	uint64_t dirty_timer;
	struct df_error failure;
	int failures;
	unsigned grace_ms;
	bool closing; /* runtime_free: the engine hears nothing more */
	/* Reloading the catalog (runtime_reload) and watching the user's folder for it. */
	char *share_dir, *config_dir; /* config_dir NULL: built-ins only */
	struct catalog *
	    *retired; /* catalogs replaced by a reload, kept: the engine borrowed them */
	size_t nretired;
	int cfg_fd;         /* inotify on the configuration folder, or -1 */
	int cfg_parent_wd;  /* the watch on its nearest folder while it is missing, or -1 */
	char *cfg_parent;   /* that folder */
	uint64_t cfg_timer; /* the pending reload, or 0 */
	runtime_reload_cb *reload_cb;
	void *reload_ctx;
};

/* --- host ------------------------------------------------------------------------------ */

static void
on_timer(struct loop *loop, void *arg)
{
	struct rt_timer *t = arg;
	struct runtime *rt = t->rt;
	uint64_t id = t->id;

	(void)loop;
	for (struct rt_timer **pp = &rt->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	free(t);
	if (!rt->closing)
		engine_timer_fired(rt->engine, id);
}

static uint64_t
host_timer_add(void *ctx, int64_t due_ms)
{
	struct runtime *rt = ctx;
	struct rt_timer *t = xcalloc(1, sizeof(*t));
	int64_t delay = due_ms - engine_clock_now_ms(NULL);

	t->rt = rt;
	t->id = ++rt->next_timer;
	t->loop_id = loop_timer_add(rt->loop, delay > 0 ? (uint64_t)delay : 0, on_timer, t);
	t->next = rt->timers;
	rt->timers = t;
	return t->id;
}

static void
host_timer_cancel(void *ctx, uint64_t id)
{
	struct runtime *rt = ctx;

	for (struct rt_timer **pp = &rt->timers; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct rt_timer *t = *pp;

			*pp = t->next;
			loop_timer_cancel(rt->loop, t->loop_id);
			free(t);
			return;
		}
}

static void refresh_dirty(struct loop *loop, void *arg);

static void
mark_dirty(struct runtime *rt, const char *run_id)
{
	for (size_t i = 0; i < rt->ndirty; i++)
		if (strcmp(rt->dirty[i], run_id) == 0)
			return;
	rt->dirty = xreallocarray(rt->dirty, rt->ndirty + 1, sizeof(*rt->dirty));
	rt->dirty[rt->ndirty++] = xstrdup(run_id);
	if (rt->dirty_timer == 0)
		rt->dirty_timer = loop_timer_add(rt->loop, 0, refresh_dirty, rt);
}

static void
host_event(void *ctx, const struct store_event *ev)
{
	struct runtime *rt = ctx;

	if (ev->run_id)
		mark_dirty(rt, ev->run_id);
	for (size_t i = 0; i < rt->nsubs; i++)
		rt->subs[i].cb(ev, rt->subs[i].ctx);
}

static void
host_step_failed(void *ctx, const struct df_error *err)
{
	struct runtime *rt = ctx;

	rt->failure = *err;
	rt->failures++;
}

static void
host_stranded(void *ctx, const char *run_id, const char *state, const char *what)
{
	struct runtime *rt = ctx;

	if (rt->stranded)
		rt->stranded(run_id, state, what, rt->stranded_ctx);
}

/* A check command ended on its worker thread; the loop tells the engine. */
static void
check_done(const char *check_id, const struct engine_check_result *res, void *ctx)
{
	struct runtime *rt = ctx;

	if (!rt->closing && rt->engine)
		engine_check_done(rt->engine, check_id, res);
}

static int
host_check_start(void *ctx, const struct engine_check_spec *spec, struct df_error *err)
{
	struct runtime *rt = ctx;

	return checkjobs_start(rt->checks, spec, err);
}

static void
host_check_cancel(void *ctx, const char *check_id)
{
	struct runtime *rt = ctx;

	checkjobs_cancel(rt->checks, check_id);
}

/* A phase commit ended on its worker thread; the loop tells the engine. */
static void
commit_done(const char *commit_id, const struct engine_commit_result *res, void *ctx)
{
	struct runtime *rt = ctx;

	if (!rt->closing && rt->engine)
		engine_commit_done(rt->engine, commit_id, res);
}

static int
host_commit_start(void *ctx, const struct engine_commit_spec *spec, struct df_error *err)
{
	struct runtime *rt = ctx;

	return commitjobs_start(rt->commits, spec, err);
}

static const struct engine_host_ops host_ops = {
	.check_start = host_check_start,
	.check_cancel = host_check_cancel,
	.commit_start = host_commit_start,
	.now_ms = engine_clock_now_ms,
	.new_id = engine_uuid_new_id,
	.timer_add = host_timer_add,
	.timer_cancel = host_timer_cancel,
	.event_appended = host_event,
	.step_failed = host_step_failed,
	.stranded = host_stranded,
};

/* --- artifact watches ----------------------------------------------------------------- */

static struct run_watch *
run_watch_find(struct runtime *rt, const char *run_id)
{
	for (size_t i = 0; i < rt->nrw; i++)
		if (strcmp(rt->rw[i].run_id, run_id) == 0)
			return &rt->rw[i];
	return NULL;
}

static void
run_watch_drop(struct runtime *rt, const char *run_id)
{
	struct run_watch *w = run_watch_find(rt, run_id);

	if (w == NULL)
		return;
	watch_remove(rt->watch, w->path);
	free(w->run_id);
	free(w->path);
	*w = rt->rw[--rt->nrw];
}

/* Point the run's watch at what it expects now (or at nothing). */
static void
refresh_run(struct runtime *rt, const char *run_id)
{
	struct df_error err;
	struct run_watch *w;
	char *abs = NULL;
	int r = engine_expected_artifact(rt->engine, run_id, &abs, &err);

	w = run_watch_find(rt, run_id);
	if (r == 1 && w && strcmp(w->path, abs) == 0) {
		free(abs);
		return;
	}
	run_watch_drop(rt, run_id);
	if (r != 1) {
		free(abs);
		return;
	}
	if (watch_add(rt->watch, abs, &err) != 0) {
		/* The engine still checks the artifact when the agent goes idle. */
		host_step_failed(rt, &err);
		free(abs);
		return;
	}
	rt->rw = xreallocarray(rt->rw, rt->nrw + 1, sizeof(*rt->rw));
	rt->rw[rt->nrw].run_id = xstrdup(run_id);
	rt->rw[rt->nrw].path = abs;
	rt->nrw++;
}

static void
refresh_dirty(struct loop *loop, void *arg)
{
	struct runtime *rt = arg;
	char **dirty = rt->dirty;
	size_t n = rt->ndirty;

	(void)loop;
	rt->dirty_timer = 0;
	rt->dirty = NULL;
	rt->ndirty = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rt->closing)
			refresh_run(rt, dirty[i]);
		free(dirty[i]);
	}
	free(dirty);
}

static void
on_file(struct watch *w, const char *path, void *arg)
{
	struct runtime *rt = arg;
	char **runs = xcalloc(rt->nrw + 1, sizeof(*runs));
	size_t n = 0;

	(void)w;
	for (size_t i = 0; i < rt->nrw && !rt->closing; i++)
		if (strcmp(rt->rw[i].path, path) == 0)
			runs[n++] = xstrdup(rt->rw[i].run_id);
	for (size_t i = 0; i < n; i++) {
		engine_artifact_event(rt->engine, runs[i], path);
		free(runs[i]);
	}
	free(runs);
}

/* --- assembly ------------------------------------------------------------------------- */

static void
find_backends(struct runtime *rt)
{
	size_t n = catalog_count(rt->cat, STORE_CATALOG_BACKEND);

	for (size_t i = 0; i < rt->nbackends; i++)
		free(rt->backends[i]);
	free(rt->backends);
	rt->nbackends = 0;
	rt->backends = xcalloc(n + 1, sizeof(*rt->backends));
	for (size_t i = 0; i < n; i++) {
		const struct catalog_item *it = catalog_get(rt->cat, STORE_CATALOG_BACKEND, i);
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(it->json, "argv");
		const cJSON *prog = cJSON_GetArrayItem(argv, 0);
		char *path;
		int dup = 0;

		for (size_t k = 0; k < rt->nbackends; k++)
			dup |= strcmp(rt->backends[k], it->name) == 0;
		if (dup || !cJSON_IsString(prog))
			continue;
		path = catalog_which(prog->valuestring);
		if (path != NULL)
			rt->backends[rt->nbackends++] = xstrdup(it->name);
		free(path);
	}
}

/* --- reloading the catalog ---------------------------------------------------------- */

int
runtime_reload(struct runtime *rt, struct runtime_reload *r, struct df_error *err)
{
	struct catalog *cat = catalog_load(rt->share_dir, rt->config_dir, err);

	if (cat == NULL)
		return -1;
	if (catalog_store(cat, rt->st, err) != 0) {
		catalog_free(cat);
		return -1;
	}
	/* The engine (and what it validates now) may still hold the old registry. */
	rt->retired = xreallocarray(rt->retired, rt->nretired + 1, sizeof(*rt->retired));
	rt->retired[rt->nretired++] = rt->cat;
	rt->cat = cat;
	find_backends(rt);
	engine_set_catalog(rt->engine, catalog_registry(cat), (const char *const *)rt->backends,
	                   rt->nbackends);
	if (r != NULL) {
		r->templates = catalog_count(cat, STORE_CATALOG_TEMPLATE);
		r->personas = catalog_count(cat, STORE_CATALOG_PERSONA);
		r->backends = catalog_count(cat, STORE_CATALOG_BACKEND);
		r->available = rt->nbackends;
	}
	return 0;
}

void
runtime_on_reload(struct runtime *rt, runtime_reload_cb *cb, void *ctx)
{
	rt->reload_cb = cb;
	rt->reload_ctx = ctx;
}

/* The folders of the configuration folder the catalog reads. */
static const char *const cfg_subdirs[] = { "templates", "personas", "backends", "schemas" };

#define CFG_MASK (IN_ONLYDIR | IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM)

/*
 * Watch the configuration folder and each of its catalog folders that
 * exists (again: inotify_add_watch of a watched folder changes nothing), or,
 * while the folder itself is missing, its parent for it to appear.
 */
static void
cfg_watch_add(struct runtime *rt)
{
	char *parent;

	if (inotify_add_watch(rt->cfg_fd, rt->config_dir, CFG_MASK) < 0) {
		/* The nearest folder there is, for the next one down to appear. */
		parent = xstrdup(rt->config_dir);
		rt->cfg_parent_wd = -1;
		while (rt->cfg_parent_wd < 0 && strrchr(parent, '/') != NULL) {
			*strrchr(parent, '/') = '\0';
			rt->cfg_parent_wd = inotify_add_watch(rt->cfg_fd, parent[0] ? parent : "/",
			                                      IN_ONLYDIR | IN_CREATE | IN_MOVED_TO);
		}
		free(rt->cfg_parent);
		rt->cfg_parent = parent;
		return;
	}
	for (size_t i = 0; i < sizeof(cfg_subdirs) / sizeof(cfg_subdirs[0]); i++) {
		char *dir = xasprintf("%s/%s", rt->config_dir, cfg_subdirs[i]);

		inotify_add_watch(rt->cfg_fd, dir, CFG_MASK);
		free(dir);
	}
}

static void
cfg_reload_due(struct loop *loop, void *arg)
{
	struct runtime *rt = arg;
	struct runtime_reload r;
	struct df_error err;

	(void)loop;
	rt->cfg_timer = 0;
	if (runtime_reload(rt, &r, &err) != 0) {
		if (rt->reload_cb != NULL)
			rt->reload_cb(NULL, &err, rt->reload_ctx);
	} else if (rt->reload_cb != NULL) {
		rt->reload_cb(&r, NULL, rt->reload_ctx);
	}
}

/*
 * Does this event touch the catalog or the settings? A .json file, the
 * config file, or one of the folders appearing or going.
 */
static bool
cfg_event_matters(const struct runtime *rt, const struct inotify_event *ev)
{
	const char *n = ev->len > 0 ? ev->name : "";
	size_t len = strlen(n);

	if (ev->wd == rt->cfg_parent_wd) {
		/* The folder on the way down to the configuration folder. */
		size_t plen = strlen(rt->cfg_parent);
		const char *next = rt->config_dir + plen + 1;

		return strncmp(next, n, len) == 0 && (next[len] == '/' || next[len] == '\0');
	}
	if (ev->mask & IN_ISDIR) {
		for (size_t i = 0; i < sizeof(cfg_subdirs) / sizeof(cfg_subdirs[0]); i++)
			if (strcmp(n, cfg_subdirs[i]) == 0)
				return true;
		return false;
	}
	if (strcmp(n, "config") == 0)
		return true; /* the server's own settings (notifications) */
	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

static void
cfg_on_events(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct runtime *rt = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool due = false;
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			due |= cfg_event_matters(rt, ev);
			p += sizeof(*ev) + ev->len;
		}
	/* Editors and cp write in steps: one reload a moment after the last. */
	if (due && !rt->closing) {
		cfg_watch_add(rt); /* at once: a folder just made may get its files now */
		if (rt->cfg_timer != 0)
			loop_timer_cancel(loop, rt->cfg_timer);
		rt->cfg_timer = loop_timer_add(loop, 200, cfg_reload_due, rt);
	}
}

static void
cfg_watch_start(struct runtime *rt)
{
	struct df_error err;

	if (rt->config_dir == NULL || rt->config_dir[0] != '/')
		return;
	if ((rt->cfg_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return; /* no inotify: devflow reload still works */
	cfg_watch_add(rt);
	if (loop_fd_add(rt->loop, rt->cfg_fd, LOOP_READ, cfg_on_events, rt, &err) != 0) {
		close(rt->cfg_fd);
		rt->cfg_fd = -1;
	}
}

static void
cfg_watch_stop(struct runtime *rt)
{
	if (rt->cfg_timer != 0 && rt->loop != NULL)
		loop_timer_cancel(rt->loop, rt->cfg_timer);
	rt->cfg_timer = 0;
	if (rt->cfg_fd < 0)
		return;
	if (rt->loop != NULL)
		loop_fd_remove(rt->loop, rt->cfg_fd);
	close(rt->cfg_fd);
	rt->cfg_fd = -1;
}

struct runtime *
runtime_new(const char *workspace, const struct runtime_options *opts, struct df_error *err)
{
	static const struct runtime_options defaults = { 0 };
	struct runtime *rt;
	struct engine_config cfg;
	struct driver_options dopts;
	char *config_dir = NULL;

	if (opts == NULL)
		opts = &defaults;
	if (workspace == NULL || *workspace == '\0') {
		df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "runtime: no workspace");
		return NULL;
	}
	if (paths_mkdir_p(workspace, 0700) != 0) {
		df_error_set(err, DF_HUMAN_REQUIRED, DF_E_WORKSPACE_PERMISSIONS,
		             "workspace %s: cannot create it", workspace);
		return NULL;
	}
	rt = xcalloc(1, sizeof(*rt));
	rt->workspace = xstrdup(workspace);
	rt->cfg_fd = rt->cfg_parent_wd = -1;
	rt->grace_ms = opts->grace_ms ? opts->grace_ms : 5000;
	rt->st = store_open(workspace, err);
	if (rt->st == NULL)
		goto fail;
	if (opts->config_dir == NULL)
		config_dir = paths_config_dir();
	else if (*opts->config_dir != '\0')
		config_dir = xstrdup(opts->config_dir);
	rt->share_dir = xstrdup(opts->share_dir ? opts->share_dir : paths_share_dir());
	rt->config_dir = config_dir;
	rt->cat = catalog_load(rt->share_dir, rt->config_dir, err);
	if (rt->cat == NULL || catalog_store(rt->cat, rt->st, err) != 0)
		goto fail;
	find_backends(rt);
	rt->loop = loop_new(NULL);
	cfg_watch_start(rt);
	memset(&dopts, 0, sizeof(dopts));
	dopts.grace_ms = opts->grace_ms;
	dopts.workspace = rt->workspace;
	dopts.hooks = opts->hooks;
	dopts.devflow_bin = opts->devflow_bin;
	rt->driver = driver_new(rt->loop, &dopts);
	rt->checks = checkjobs_new(rt->loop, check_done, rt, err);
	if (rt->checks == NULL)
		goto fail;
	rt->commits = commitjobs_new(rt->loop, commit_done, rt, err);
	if (rt->commits == NULL)
		goto fail;
	rt->watch = watch_new(rt->loop, on_file, rt, err);
	if (rt->watch == NULL)
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.store = rt->st;
	cfg.schemas = catalog_registry(rt->cat);
	cfg.workspace = rt->workspace;
	cfg.backends = (const char *const *)rt->backends;
	cfg.nbackends = rt->nbackends;
	cfg.max_concurrent_runs = opts->max_concurrent_runs;
	cfg.phase_timeout_ms = opts->phase_timeout_ms;
	cfg.restart_limit = opts->restart_limit;
	cfg.max_artifact_bytes = opts->max_artifact_bytes;
	cfg.self_check_ms = opts->self_check_ms;
	cfg.host = &host_ops;
	cfg.host_ctx = rt;
	cfg.sessions = &driver_engine_ops;
	cfg.session_ctx = rt->driver;
	rt->engine = engine_new(&cfg, err);
	if (rt->engine == NULL)
		goto fail;
	driver_set_engine(rt->driver, rt->engine);
	return rt;
fail:
	runtime_free(rt);
	return NULL;
}

int
runtime_recover(struct runtime *rt, struct df_error *err)
{
	struct store_run *runs = NULL;
	size_t n = 0;

	if (engine_recover(rt->engine, err) != 0)
		return -1;
	if (store_runs_list(rt->st, 1, &runs, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		refresh_run(rt, runs[i].id);
	store_runs_free(runs, n);
	return 0;
}

struct loop *
runtime_loop(struct runtime *rt)
{
	return rt->loop;
}

struct engine *
runtime_engine(struct runtime *rt)
{
	return rt->engine;
}

struct store *
runtime_store(struct runtime *rt)
{
	return rt->st;
}

struct driver *
runtime_driver(struct runtime *rt)
{
	return rt->driver;
}

const char *const *
runtime_backends(struct runtime *rt, size_t *n)
{
	if (n)
		*n = rt->nbackends;
	return (const char *const *)rt->backends;
}

void
runtime_on_event(struct runtime *rt, runtime_event_cb *cb, void *ctx)
{
	if (cb == NULL)
		return;
	rt->subs = xreallocarray(rt->subs, rt->nsubs + 1, sizeof(*rt->subs));
	rt->subs[rt->nsubs].cb = cb;
	rt->subs[rt->nsubs].ctx = ctx;
	rt->nsubs++;
}

void
runtime_on_stranded(struct runtime *rt, runtime_stranded_cb *cb, void *ctx)
{
	rt->stranded = cb;
	rt->stranded_ctx = ctx;
}

const struct df_error *
runtime_last_failure(struct runtime *rt, int *count)
{
	if (count)
		*count = rt->failures;
	return rt->failures ? &rt->failure : NULL;
}

void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	/* Timers and files that come due while sessions wind down are the next server's. */
	rt->closing = true;
	if (rt->driver) {
		driver_set_engine(rt->driver, NULL);
		driver_shutdown(rt->driver, rt->grace_ms + 2000);
	}
	checkjobs_free(rt->checks);   /* kills the checks still running */
	commitjobs_free(rt->commits); /* waits for the commits under way (seconds at most) */
	engine_free(rt->engine);      /* cancels its timers through host_timer_cancel */
	watch_free(rt->watch);
	cfg_watch_stop(rt);
	driver_free(rt->driver);
	while (rt->timers) {
		struct rt_timer *t = rt->timers;

		rt->timers = t->next;
		free(t);
	}
	for (size_t i = 0; i < rt->nrw; i++) {
		free(rt->rw[i].run_id);
		free(rt->rw[i].path);
	}
	free(rt->rw);
	for (size_t i = 0; i < rt->ndirty; i++)
		free(rt->dirty[i]);
	free(rt->dirty);
	loop_free(rt->loop);
	for (size_t i = 0; i < rt->nbackends; i++)
		free(rt->backends[i]);
	free(rt->backends);
	free(rt->subs);
	catalog_free(rt->cat);
	for (size_t i = 0; i < rt->nretired; i++)
		catalog_free(rt->retired[i]);
	free(rt->retired);
	free(rt->share_dir);
	free(rt->config_dir);
	free(rt->cfg_parent);
	store_close(rt->st);
	free(rt->workspace);
	free(rt);
}
