/*
 * The server's notifier (see notify.h). On the loop: pick the events,
 * deduplicate them by idempotency key, rate-limit them per run, and build
 * the message; on the notifier's worker: run each command with spawn_run;
 * back on the loop: log the outcome.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/conf.h"
#include "lib/spawn.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "notify.h"

/* Idempotency keys remembered for deduplication, and runs for the rate. */
#define NOTIFY_SEEN_MAX 512
#define NOTIFY_RUNS_MAX 64
/* What is kept of a command's output for the log. */
#define NOTIFY_OUTPUT_MAX 512

struct run_rate {
	char run_id[64];
	int64_t window_start;
	int count;
};

struct notify {
	struct loop *loop;
	struct notify_config cfg;
	struct worker **workers; /* one per command: a hanging sink delays only itself */
	/* Workers of commands a reload replaced: they finish what they hold, freed at the end. */
	struct worker **retired;
	size_t nretired;
	notify_log_fn *log;
	void *log_ctx;
	char *seen[NOTIFY_SEEN_MAX];
	size_t nseen, seen_next;
	struct run_rate runs[NOTIFY_RUNS_MAX];
	size_t nruns;
};

/* One command for one event: built on the loop, run on the worker. */
struct notify_job {
	struct notify *n;
	char *command, *json, *what;
	char **env;
	int timeout_ms;
	int rc;
	struct df_error err;
	struct spawn_result res;
};

static void nlog(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
nlog(struct notify *n, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n->log != NULL)
		n->log(n->log_ctx, line);
}

/* ---- the configuration file ----------------------------------------------- */

static void conf_error(char ***errors, size_t *nerrors, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_error(char ***errors, size_t *nerrors, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	*errors = xreallocarray(*errors, *nerrors + 1, sizeof(**errors));
	(*errors)[(*nerrors)++] = xstrdup(line);
}

/* A whole number lo..hi, or -1. */
static int
number(const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v >= lo && v <= hi ? (int)v : -1;
}

/* One `set NAME VALUE` line; 0, or -1 with why. */
static int
conf_set(struct notify_config *cfg, char **w, int nw, char *why, size_t whylen)
{
	int v;

	if (strcmp(w[0], "set") != 0) {
		snprintf(why, whylen, "unknown command '%s' (set)", w[0]);
		return -1;
	}
	if (nw != 3) {
		snprintf(why, whylen,
		         "expected `set NAME VALUE` (quote a value with blanks: "
		         "set notify-command 'ntfy publish mytopic')");
		return -1;
	}
	if (strcmp(w[1], "notify-command") == 0) {
		cfg->commands = xreallocarray(cfg->commands, cfg->ncommands + 1, sizeof(char *));
		cfg->commands[cfg->ncommands++] = xstrdup(w[2]);
	} else if (strcmp(w[1], "notify-timeout") == 0) {
		if ((v = number(w[2], 1, 600)) < 0) {
			snprintf(why, whylen,
			         "notify-timeout takes seconds from 1 to 600, not '%.64s'", w[2]);
			return -1;
		}
		cfg->timeout_ms = v * 1000;
	} else if (strcmp(w[1], "notify-rate") == 0) {
		if ((v = number(w[2], 1, 600)) < 0) {
			snprintf(why, whylen,
			         "notify-rate takes messages a minute from 1 to 600, not '%.64s'",
			         w[2]);
			return -1;
		}
		cfg->rate_per_min = v;
	} else {
		snprintf(why, whylen,
		         "unknown setting '%.64s' (notify-command, notify-timeout, notify-rate)",
		         w[1]);
		return -1;
	}
	return 0;
}

int
notify_config_load(struct notify_config *cfg, const char *path, const char *shown, char ***errors,
                   size_t *nerrors)
{
	struct conf_file cf;
	char *w[4], why[256];
	int nw, bad = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (shown == NULL)
		shown = path;
	switch (conf_open(&cf, path)) {
	case 0:
		return 0;
	case -1:
		conf_error(errors, nerrors, "%s: cannot read: %s", shown, strerror(errno));
		return -1;
	}
	while ((nw = conf_next(&cf, w, 4, 1, why, sizeof(why))) != 0) {
		if (nw < 0 || conf_set(cfg, w, nw, why, sizeof(why)) != 0) {
			conf_error(errors, nerrors, "%s:%d: %s", shown, cf.lineno, why);
			bad++;
		}
	}
	conf_close(&cf);
	return bad;
}

void
notify_config_clear(struct notify_config *cfg)
{
	for (size_t i = 0; i < cfg->ncommands; i++)
		free(cfg->commands[i]);
	free(cfg->commands);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- the notifier ------------------------------------------------------------ */

struct notify *
notify_new(struct loop *loop, const struct notify_config *cfg, notify_log_fn *log, void *log_ctx,
           struct df_error *err)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->loop = loop;
	n->log = log;
	n->log_ctx = log_ctx;
	n->workers = xcalloc(1, sizeof(*n->workers));
	if (notify_reconfigure(n, cfg, err) != 0) {
		notify_free(n);
		return NULL;
	}
	return n;
}

int
notify_reconfigure(struct notify *n, const struct notify_config *cfg, struct df_error *err)
{
	struct worker **w = xcalloc(cfg->ncommands + 1, sizeof(*w));

	for (size_t i = 0; i < cfg->ncommands; i++)
		if ((w[i] = worker_new(n->loop, 1, err)) == NULL) {
			for (size_t k = 0; k < i; k++)
				worker_free(w[k]);
			free(w);
			return -1;
		}
	/* The old workers may still run a command: retired, not joined (the loop must not wait). */
	n->retired =
	    xreallocarray(n->retired, n->nretired + n->cfg.ncommands + 1, sizeof(*n->retired));
	for (size_t i = 0; i < n->cfg.ncommands; i++)
		n->retired[n->nretired++] = n->workers[i];
	free(n->workers);
	n->workers = w;
	notify_config_clear(&n->cfg);
	n->cfg.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : NOTIFY_DEFAULT_TIMEOUT_MS;
	n->cfg.rate_per_min = cfg->rate_per_min > 0 ? cfg->rate_per_min : NOTIFY_DEFAULT_RATE;
	n->cfg.commands = xcalloc(cfg->ncommands + 1, sizeof(char *));
	for (size_t i = 0; i < cfg->ncommands; i++)
		n->cfg.commands[i] = xstrdup(cfg->commands[i]);
	n->cfg.ncommands = cfg->ncommands;
	return 0;
}

size_t
notify_commands(const struct notify *n)
{
	return n != NULL ? n->cfg.ncommands : 0;
}

/* Seen before? Remembers key otherwise (the oldest is forgotten first). */
static int
seen(struct notify *n, const char *key)
{
	for (size_t i = 0; i < n->nseen; i++)
		if (strcmp(n->seen[i], key) == 0)
			return 1;
	free(n->seen[n->seen_next]);
	n->seen[n->seen_next] = xstrdup(key);
	n->seen_next = (n->seen_next + 1) % NOTIFY_SEEN_MAX;
	if (n->nseen < NOTIFY_SEEN_MAX)
		n->nseen++;
	return 0;
}

/* Within the run's rate (and counted), or not. */
static int
within_rate(struct notify *n, const char *run_id, int64_t now_ms)
{
	struct run_rate *r = NULL;

	for (size_t i = 0; i < n->nruns && r == NULL; i++)
		if (strcmp(n->runs[i].run_id, run_id) == 0)
			r = &n->runs[i];
	if (r == NULL) {
		size_t at = n->nruns < NOTIFY_RUNS_MAX ? n->nruns++ : 0;

		/* Full: the slot of the run whose window is oldest goes. */
		for (size_t i = 1; n->nruns == NOTIFY_RUNS_MAX && i < n->nruns; i++)
			if (n->runs[i].window_start < n->runs[at].window_start)
				at = i;
		r = &n->runs[at];
		snprintf(r->run_id, sizeof(r->run_id), "%s", run_id);
		r->window_start = now_ms;
		r->count = 0;
	}
	if (now_ms - r->window_start >= 60 * 1000) {
		r->window_start = now_ms;
		r->count = 0;
	}
	return r->count++ < n->cfg.rate_per_min;
}

/* The sentence a person reads, for the event. */
static char *
message_of(const char *type, const char *run, const char *phase, const cJSON *pl)
{
	const char *gate = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "gateKey"));
	const char *q = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "question"));
	const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "reason"));

	if (strcmp(type, "approval.requested") == 0)
		return xasprintf("devflow: run %s waits for a decision at gate %s of phase %s", run,
		                 gate != NULL ? gate : "?", phase != NULL ? phase : "?");
	if (strcmp(type, "session.needs_input") == 0)
		return xasprintf("devflow: run %s: the agent of phase %s asks a question%s%s", run,
		                 phase != NULL ? phase : "?", q != NULL && q[0] ? ": " : "",
		                 q != NULL ? q : "");
	if (strcmp(type, "run.completed") == 0)
		return xasprintf("devflow: run %s completed", run);
	return xasprintf("devflow: run %s failed%s%s", run, reason != NULL ? ": " : "",
	                 reason != NULL ? reason : "");
}

/* The job's JSON document and environment for ev. */
static void
job_message(struct notify_job *j, const struct store_event *ev, const char *phase_key)
{
	cJSON *pl = cJSON_Parse(ev->payload != NULL ? ev->payload : "{}");
	const char *gate = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "gateKey"));
	char *msg = message_of(ev->type, ev->run_id, phase_key, pl);
	cJSON *o = cJSON_CreateObject();
	size_t k = 0;

	cJSON_AddStringToObject(o, "event", ev->type);
	cJSON_AddStringToObject(o, "runId", ev->run_id);
	cJSON_AddItemToObject(o, "phase",
	                      phase_key ? cJSON_CreateString(phase_key) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "gate", gate ? cJSON_CreateString(gate) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "ts", ev->ts);
	j->env = xcalloc(8, sizeof(char *));
	j->env[k++] = xasprintf("DEVFLOW_EVENT=%s", ev->type);
	j->env[k++] = xasprintf("DEVFLOW_RUN=%s", ev->run_id);
	j->env[k++] = xasprintf("DEVFLOW_PHASE=%s", phase_key != NULL ? phase_key : "");
	j->env[k++] = xasprintf("DEVFLOW_GATE=%s", gate != NULL ? gate : "");
	j->env[k++] = xasprintf("DEVFLOW_MESSAGE=%s", msg);
	j->env[k++] = xasprintf("DEVFLOW_SEQ=%lld", (long long)ev->seq);
	/* gate points into pl, which o owns from here. */
	cJSON_AddItemToObject(o, "payload", pl != NULL ? pl : cJSON_CreateObject());
	j->json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	j->what = xasprintf("%s of run %s", ev->type, ev->run_id);
	free(msg);
}

static void
job_free(struct notify_job *j)
{
	for (size_t i = 0; j->env != NULL && j->env[i] != NULL; i++)
		free(j->env[i]);
	free(j->env);
	free(j->command);
	free(j->json);
	free(j->what);
	free(j->res.output);
	free(j);
}

/* Worker thread: run the command; touches only the job. */
static void *
job_run(void *arg)
{
	struct notify_job *j = arg;
	const char *argv[] = { "/bin/sh", "-c", j->command, NULL };
	struct spawn_opts o = { .argv = argv,
		                .env = (const char *const *)j->env,
		                .input = j->json,
		                .input_len = strlen(j->json),
		                .timeout_ms = j->timeout_ms,
		                .max_output = NOTIFY_OUTPUT_MAX };

	j->rc = spawn_run(&o, &j->res, &j->err);
	return j;
}

/* Loop thread: log what did not go well. */
static void
job_done(void *result, int cancelled, void *arg)
{
	struct notify_job *j = arg;

	(void)result;
	if (cancelled)
		;
	else if (j->rc != 0)
		nlog(j->n, "notify: `%s` for %s: %s", j->command, j->what, j->err.message);
	else if (j->res.timed_out)
		nlog(j->n, "notify: `%s` for %s timed out after %d s: killed", j->command, j->what,
		     j->timeout_ms / 1000);
	else if (j->res.status != 0)
		nlog(j->n, "notify: `%s` for %s failed (exit %d): %s", j->command, j->what,
		     j->res.status, j->res.output != NULL ? j->res.output : "");
	else
		nlog(j->n, "notify: %s sent", j->what);
	job_free(j);
}

static int
wanted(const char *type)
{
	return strcmp(type, "approval.requested") == 0 ||
	       strcmp(type, "session.needs_input") == 0 || strcmp(type, "run.completed") == 0 ||
	       strcmp(type, "run.failed") == 0;
}

void
notify_event(struct notify *n, const struct store_event *ev, const char *phase_key, int64_t now_ms)
{
	int end;

	if (n == NULL || n->cfg.ncommands == 0 || ev->run_id == NULL || !wanted(ev->type) ||
	    seen(n, ev->idempotency_key != NULL ? ev->idempotency_key : ev->type))
		return;
	end = strncmp(ev->type, "run.", 4) == 0;
	if (!within_rate(n, ev->run_id, now_ms) && !end) {
		nlog(n, "notify: run %s: over %d messages a minute, %s not sent", ev->run_id,
		     n->cfg.rate_per_min, ev->type);
		return;
	}
	for (size_t i = 0; i < n->cfg.ncommands; i++) {
		struct notify_job *j = xcalloc(1, sizeof(*j));
		struct df_error err;

		j->n = n;
		j->command = xstrdup(n->cfg.commands[i]);
		j->timeout_ms = n->cfg.timeout_ms;
		job_message(j, ev, phase_key);
		if (worker_submit(n->workers[i], job_run, job_done, j, &err) != 0) {
			nlog(n, "notify: %s: %s", j->what, err.message);
			job_free(j);
		}
	}
}

int
notify_pending(const struct notify *n)
{
	int k = 0;

	for (size_t i = 0; n != NULL && i < n->cfg.ncommands; i++)
		k += n->workers[i] != NULL ? worker_pending(n->workers[i]) : 0;
	for (size_t i = 0; n != NULL && i < n->nretired; i++)
		k += worker_pending(n->retired[i]);
	return k;
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->cfg.ncommands; i++)
		worker_free(n->workers[i]);
	free(n->workers);
	for (size_t i = 0; i < n->nretired; i++)
		worker_free(n->retired[i]);
	free(n->retired);
	for (size_t i = 0; i < n->nseen; i++)
		free(n->seen[i]);
	notify_config_clear(&n->cfg);
	free(n);
}
